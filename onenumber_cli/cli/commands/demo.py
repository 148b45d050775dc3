"""``demo``: load the seed's example customers and show one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from onenumber_cli.cli.commands.common import Yes
from onenumber_cli.cli.commands.status import status
from onenumber_cli.cli.invocation import current
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.i18n import ngettext, t

if TYPE_CHECKING:
    from onenumber_cli import demo as demo_data
else:
    demo_data = lazy_import("onenumber_cli.demo")


def _removed(removed: bool, rows: int) -> str:
    accounts = ", ".join(demo_data.ACCOUNTS)
    if removed:
        return ngettext("Demo customers removed: {accounts} ({rows} row).",
                        "Demo customers removed: {accounts} ({rows} rows).",
                        rows, accounts=accounts, rows=rows)
    return t("No demo customers to remove ({accounts}).", accounts=accounts)


def demo(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(
        "--force", help="Load them even into a database that holds other accounts.")] = False,
    remove: Annotated[bool, typer.Option(
        "--remove", help="Delete the demo accounts and all their rows (history and audit "
                         "included); nothing else.")] = False,
    yes: Yes = False,  # read by a profile with confirm = true (Invocation.before_change)
) -> None:
    """Load two demo customers (demo-single, demo-multi) and show demo-multi's status.

    Refused on a database that holds other accounts unless --force; --remove takes them
    out again (on PostgreSQL, as the database owner).

    Example: onenumber demo && onenumber history demo-multi
    """
    run = current(ctx)
    if remove:
        run.before_change(["changed", "accounts", "rows"])
        counts = demo_data.remove(run.database())
        removed = any(counts.values())
        if removed:
            run.committed = _removed(removed, sum(counts.values()))
        run.out.document({"changed": removed, "accounts": list(demo_data.ACCOUNTS),
                          "rows": counts},
                         table=lambda: run.out.message(_removed(removed, sum(counts.values()))))
        return
    from onenumber_cli.cli.views import status_fields

    loaded = demo_data.load(run.database(), run.actor(fields=status_fields(run.settings.output)),
                            force=force)
    accounts = ", ".join(demo_data.ACCOUNTS)
    if loaded:
        run.committed = t("Demo customers loaded: {accounts}.", accounts=accounts)
    run.out.message(t("Demo customers loaded: {accounts}.", accounts=accounts) if loaded
                    else t("Demo customers already present: {accounts}.", accounts=accounts))
    status(ctx, [demo_data.MULTI])
