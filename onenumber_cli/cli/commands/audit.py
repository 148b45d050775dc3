"""``audit``: who changed what, newest first."""

from __future__ import annotations

from contextlib import closing
from typing import Annotated

import typer

from onenumber_cli.cli.commands.common import MAX_LIMIT, time_option
from onenumber_cli.cli.invocation import current, services
from onenumber_cli.cli.views import AUDIT_COLUMNS, audit_rows
from onenumber_cli.domain.values import Action


def audit(
    ctx: typer.Context,
    account: Annotated[str | None, typer.Argument(
        metavar="[ACCOUNT]", help="Only this account.")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="TIME", help="Records at or after TIME.")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", metavar="TIME", help="Records before TIME.")] = None,
    operator: Annotated[str | None, typer.Option(
        "--operator", metavar="NAME", help="Only changes by this operator.")] = None,
    action: Annotated[Action | None, typer.Option("--action", help="Only this action.")
                      ] = None,
    batch: Annotated[str | None, typer.Option(
        "--batch", metavar="ID", help="Only the changes of this batch run.")] = None,
    limit: Annotated[int | None, typer.Option(
        "--limit", min=1, max=MAX_LIMIT, metavar="N", help="At most N records.")] = None,
) -> None:
    """Show the audit log of changes, newest first (reads are not audited).

    Example: onenumber audit demo-multi --action rename -o json
    """
    run = current(ctx)
    records = services.list_audit(
        run.database(), account, since=time_option(run, since), until=time_option(run, until),
        operator=operator, action=action.value if action else None, batch_id=batch,
        limit=limit,
    )
    # closed when the output stops early (a pager quit, a cell cp932 cannot hold): the
    # read transaction ends at once
    with closing(records), run.out.paged():  # on a terminal: the first rows at once, paged
        if run.settings.machine:
            run.out.records((r.to_dict() for r in records), AUDIT_COLUMNS)
        else:
            run.out.records(audit_rows(records), AUDIT_COLUMNS)
