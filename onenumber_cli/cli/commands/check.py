"""``check``: verify every invariant; exit 1 with a report when any is broken."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from onenumber_cli.cli.exitcodes import ExitCode
from onenumber_cli.cli.invocation import current
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.cli.views import VIOLATION_COLUMNS
from onenumber_cli.i18n import ngettext, t, translate

if TYPE_CHECKING:
    from onenumber_cli import check as core
else:
    core = lazy_import("onenumber_cli.check")


def check(ctx: typer.Context) -> None:
    """Verify capacity, slots, names, cancelled contracts and history over the whole
    database.  Exit 0 when clean, 1 with one line (or object) per violation.

    Example: onenumber check -o jsonl || alert-the-team
    """
    run = current(ctx)
    violations = ({"kind": v.kind, "account": v.account, "device_id": v.device_id,
                   "message": translate(v.message, account=v.account, device=v.device_id or "",
                                        **v.params)}
                  for v in core.run(run.database()))
    if run.settings.machine:
        count = run.out.records(violations, VIOLATION_COLUMNS)
    else:
        count = 0
        for violation in violations:
            count += 1
            run.out.cells(violation["kind"], violation["message"])
    if count == 0:
        run.out.message(t("No violations found."))
    else:
        run.out.message(ngettext("{count} violation found.", "{count} violations found.", count,
                                 count=count))
    if count:
        raise typer.Exit(ExitCode.FAILURE)
