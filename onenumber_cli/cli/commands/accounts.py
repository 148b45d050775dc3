"""``accounts list``: every account, streamed."""

from __future__ import annotations

from contextlib import closing
from typing import Annotated

import typer

from onenumber_cli.cli.commands.common import MAX_LIMIT
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import current, services
from onenumber_cli.cli.views import ACCOUNT_COLUMNS, STATUS_LABELS, plan_label
from onenumber_cli.domain.values import Plan, Status
from onenumber_cli.i18n import t

app = typer.Typer(cls=LocalizedGroup, help="Accounts across the database.", no_args_is_help=True)


@app.command("list", cls=LocalizedCommand)
def list_(
    ctx: typer.Context,
    plan: Annotated[Plan | None, typer.Option("--plan", help="Only this plan.")] = None,
    status: Annotated[Status | None, typer.Option("--status", help="Only this state.")] = None,
    account_prefix: Annotated[str | None, typer.Option(
        "--account-prefix", metavar="PREFIX", help="Only accounts whose id starts so.")
    ] = None,
    limit: Annotated[int | None, typer.Option(
        "--limit", min=1, max=MAX_LIMIT, metavar="N", help="At most N accounts.")] = None,
) -> None:
    """List accounts (streams; use -o jsonl or csv for millions of rows).

    Example: onenumber accounts list --plan one-number+multi -o jsonl
    """
    run = current(ctx)
    with closing(services.list_accounts(run.database(), plan=plan.value if plan else None,
                                        status=status.value if status else None,
                                        account_prefix=account_prefix, limit=limit)) as rows:
        if run.settings.machine:
            run.out.records((r.to_dict() for r in rows), ACCOUNT_COLUMNS)
            return
        run.out.records(
            ({"account": r.account, "status": t(STATUS_LABELS[r.status]),
              "plan": plan_label(r.plan), "capacity": r.capacity,
              "registered": f"{r.registered} / {r.capacity}"} for r in rows),
            [c for c in ACCOUNT_COLUMNS if c.key != "capacity"],
        )
