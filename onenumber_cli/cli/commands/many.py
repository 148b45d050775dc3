"""Several accounts in one call: ``status A B C``, ``devices list -`` (one account a line
on standard input, streamed), so a shell loop over accounts is one process, not one
per account.

One account named once answers exactly as it always has (a JSON object for ``status``,
its own errors and exit codes).  Several, or ``-``, answer in a stream: json one list,
jsonl/csv/tsv one record per account (``status``) or per device or event with its
``account``, a table a block per account.  An account that does not exist (or is not
an account id) is reported on stderr as it is met -- in json/jsonl as an error object
with ``account`` and ``code`` -- and the others go on; the exit code is then that of
the first such error (3 for a missing account).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from onenumber_cli.cli.exitcodes import exit_code_for
from onenumber_cli.cli.invocation import Invocation, services
from onenumber_cli.cli.output import Column
from onenumber_cli.errors import AccountNotFound, InvalidAccount
from onenumber_cli.i18n import N_, t

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from onenumber_cli.errors import OneNumberError

T = TypeVar("T")
STDIN = "-"
ACCOUNT_COLUMN = Column("account", N_("d-account"))

Accounts = Annotated[list[str], typer.Argument(
    metavar="ACCOUNT...", show_default=False,
    help="The customer's d-account ID; several, or - to read one a line from standard "
         "input.")]


def single(accounts: Sequence[str]) -> str | None:
    """The account, when the call names exactly one (not ``-``): then the command
    answers as it always has."""
    return accounts[0] if len(accounts) == 1 and accounts[0] != STDIN else None


def named(accounts: Sequence[str]) -> Iterator[str]:
    """The accounts in the order given, ``-`` replaced by standard input's lines (read
    as they come; blank lines and surrounding spaces ignored)."""
    for account in accounts:
        if account != STDIN:
            yield account
            continue
        for line in typer.get_text_stream("stdin"):
            if line.strip():
                yield line.strip()


class Answers:
    """Each account's answer, read in chunks (:func:`services.each_account`); the
    errors are reported on stderr as they are met and remembered for the exit code."""

    def __init__(self, run: Invocation, accounts: Sequence[str],
                 read: Callable[[Connection, str], Any]) -> None:
        self.run = run
        self.first_error: OneNumberError | None = None
        self._answers = services.each_account(run.database(), named(accounts), read)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for account, answer in self._answers:
            if isinstance(answer, (AccountNotFound, InvalidAccount)):
                self._report(account, answer)
                continue
            yield account, answer

    def _report(self, account: str, error: OneNumberError) -> None:
        out = self.run.out
        self.first_error = self.first_error or error
        out.stdout.flush()  # the error shows after the answers before it
        out.error(error, account=account)
        out.stderr.flush()

    def finish(self) -> None:
        """Exit with the first error's code when any account was not answered."""
        if self.first_error is not None:
            raise typer.Exit(exit_code_for(self.first_error))


def stream(run: Invocation, accounts: Sequence[str], read: Callable[[Connection, str], T],
           *, records: Callable[[str, T], Iterable[Mapping[str, Any]]],
           columns: Sequence[Column], block: Callable[[str, T], None]) -> None:
    """Answer several accounts: machine formats as one stream of ``records`` (of each
    account's answer) in ``columns``, a table as a ``block`` per account."""
    answers = Answers(run, accounts, read)
    out = run.out
    if run.settings.machine:
        out.records((record for account, answer in answers
                     for record in records(account, answer)), columns)
    else:
        for number, (account, answer) in enumerate(answers):
            if number:
                out.line()
            block(account, answer)
            out.stdout.flush()
    answers.finish()


def heading(run: Invocation, account: str) -> None:
    """A table block's first line: the account it is about."""
    run.out.line(t("d-account") + f": {account}")


def with_account(account: str, items: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Each item's record, with the account it belongs to first."""
    for item in items:
        yield {"account": account, **item.to_dict()}
