"""Pieces every command module shares: option types, confirmation, result output."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from onenumber_cli.cli.console import Declined, terminal
from onenumber_cli.cli.invocation import Invocation, current, services
from onenumber_cli.cli.views import RESULT_COLUMNS, result_row, show_result
from onenumber_cli.domain.values import parse_time
from onenumber_cli.errors import ConfirmationRequired
from onenumber_cli.i18n import t

if TYPE_CHECKING:
    from onenumber_cli.services import ChangeResult

def complete_account(ctx: typer.Context, incomplete: str) -> list[str]:
    """Account ids for shell completion.  Never fails loudly: any problem (no database,
    a bad URL, an old schema) means no suggestions."""
    try:
        db = current(ctx).database(create_default=False)
        return services.complete_accounts(db, incomplete)
    except Exception:
        return []


def complete_device(ctx: typer.Context, incomplete: str) -> list[str]:
    """Ids and names of the account's registered devices; silent on any problem."""
    try:
        db = current(ctx).database(create_default=False)
        return services.complete_devices(db, str(ctx.params.get("account") or ""), incomplete)
    except Exception:
        return []


Account = Annotated[str, typer.Argument(
    metavar="ACCOUNT", help="The customer's d-account ID.", autocompletion=complete_account)]
DeviceRef = Annotated[str, typer.Argument(
    metavar="DEVICE", help="Device id, IMEI, or current name (an id always wins).",
    autocompletion=complete_device)]
MAX_LIMIT = 2**31 - 1  # a --limit both backends can bind (PostgreSQL's LIMIT is a bigint)
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Check everything and report what would change; write nothing.")]
Yes = Annotated[bool, typer.Option(
    "--yes", "-y", help="Do not ask for confirmation (needed when not on a terminal).")]


def time_option(run: Invocation, raw: str | None, *, allow_future: bool = True
                ) -> datetime | None:
    if raw is None:
        return None
    return parse_time(raw, run.settings.zone, allow_future=allow_future)


def confirmed_change(run: Invocation, *, yes: bool, dry_run: bool, command: str,
                     change: Callable[[bool], ChangeResult],
                     preview: Callable[[ChangeResult], None]) -> None:
    """A change that cannot be undone: plan it, ask, apply it, report it.

    The change is first planned as a dry run, so a rule refusal is reported as such
    (not as a missing ``--yes``) and a no-op asks nothing.  Then, on a terminal, show
    ``preview`` and ask; without one, refuse (exit 2) naming ``--yes``.
    """
    if not (yes or dry_run):
        planned = change(True)
        if planned.changed:
            if not terminal.interactive():
                raise ConfirmationRequired(command=command)
            preview(planned)
            if not typer.confirm(t("prompt.proceed"), default=False, err=True):
                raise Declined()
    report(run, change(dry_run))


def report(run: Invocation, result: ChangeResult) -> None:
    run.out.document(result.to_dict(), table=lambda: show_result(run.out, result),
                     rows=([result_row(result)], RESULT_COLUMNS))
