"""``status`` and ``history``: what a customer has and what happened."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from onenumber_cli.cli.commands import many
from onenumber_cli.cli.commands.common import MAX_LIMIT, time_option
from onenumber_cli.cli.commands.many import Accounts, single
from onenumber_cli.cli.invocation import current, services
from onenumber_cli.cli.views import (
    HISTORY_COLUMNS,
    STATUS_COLUMNS,
    show_history,
    show_status,
    status_dict,
    status_rows,
)
from onenumber_cli.domain.values import Event

if TYPE_CHECKING:
    from onenumber_cli.services import HistoryEntry


def status(ctx: typer.Context, accounts: Accounts) -> None:
    """Show a customer's contract: plan, state, registered count and every slot.

    Several accounts, or - (one a line on stdin), answer in one call: json a list,
    jsonl/csv/tsv a record per account (csv: per slot), a table per account.

    Example: onenumber status demo-multi

    Example: cut -d, -f1 accounts.csv | onenumber status - -o jsonl
    """
    run = current(ctx)
    account = single(accounts)
    if account is not None:
        view = services.get_status(run.database(), account)
        run.out.document(status_dict(view), table=lambda: show_status(run.out, view),
                         rows=(status_rows(view), STATUS_COLUMNS))
        return
    flat = run.settings.output in ("csv", "tsv", "xlsx")  # a row per slot, as for one
    many.stream(run, accounts, services.status_in,
                records=lambda _account, view: status_rows(view) if flat else [status_dict(view)],
                columns=STATUS_COLUMNS, block=lambda _account, view: show_status(run.out, view))


def history(
    ctx: typer.Context,
    accounts: Accounts,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="TIME", help="Events at or after TIME (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", metavar="TIME", help="Events before TIME (ISO 8601).")] = None,
    kind: Annotated[Event | None, typer.Option(
        "--kind", help="Only register or only unregister events.")] = None,
    limit: Annotated[int | None, typer.Option(
        "--limit", min=1, max=MAX_LIMIT, metavar="N", help="At most N events.")] = None,
) -> None:
    """Show the registration history, newest first.

    Several accounts, or - (one a line on stdin), answer in one call: each event with
    its account (--limit counts per account).

    Example: onenumber history demo-multi --kind unregister --since 2022-09-01
    """
    run = current(ctx)
    read = services.history_reader(since=time_option(run, since),
                                   until=time_option(run, until),
                                   kind=kind.value if kind else None, limit=limit)
    account = single(accounts)
    if account is not None:
        events = services.history(run.database(), account, read=read)
        if run.settings.machine:
            run.out.records((e.to_dict() for e in events), HISTORY_COLUMNS)
        else:
            show_history(run.out, events)
        return

    def block(account: str, events: list[HistoryEntry]) -> None:
        many.heading(run, account)
        show_history(run.out, events)

    many.stream(run, accounts, read, records=many.with_account,
                columns=(many.ACCOUNT_COLUMN, *HISTORY_COLUMNS), block=block)
