"""``status`` and ``history``: what a customer has and what happened."""

from __future__ import annotations

from typing import Annotated

import typer

from onenumber_cli.cli.commands.common import MAX_LIMIT, Account, time_option
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


def status(ctx: typer.Context, account: Account) -> None:
    """Show a customer's contract: plan, state, registered count and every slot.

    Example: onenumber status demo-multi
    """
    run = current(ctx)
    view = services.get_status(run.database(), account)
    run.out.document(status_dict(view), table=lambda: show_status(run.out, view),
                     rows=(status_rows(view), STATUS_COLUMNS))


def history(
    ctx: typer.Context,
    account: Account,
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

    Example: onenumber history demo-multi --kind unregister --since 2022-09-01
    """
    run = current(ctx)
    events = services.history(
        run.database(), account, since=time_option(run, since), until=time_option(run, until),
        kind=kind.value if kind else None, limit=limit,
    )
    if run.settings.machine:
        run.out.records((e.to_dict() for e in events), HISTORY_COLUMNS)
    else:
        show_history(run.out, events)
