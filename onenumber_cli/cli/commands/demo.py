"""``demo``: load the seed's example customers and show one."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from onenumber_cli.cli.commands.status import status
from onenumber_cli.cli.invocation import current
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.i18n import t

if TYPE_CHECKING:
    from onenumber_cli import demo as demo_data
else:
    demo_data = lazy_import("onenumber_cli.demo")


def demo(ctx: typer.Context) -> None:
    """Load two demo customers (demo-single, demo-multi) and show demo-multi's status.

    Example: onenumber demo && onenumber history demo-multi
    """
    run = current(ctx)
    loaded = demo_data.load(run.database(), run.actor())
    run.out.message(t("msg.demo_loaded" if loaded else "msg.demo_present",
                      accounts=", ".join(demo_data.ACCOUNTS)))
    status(ctx, demo_data.MULTI)
