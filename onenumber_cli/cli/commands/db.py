"""``db``: schema migrations (the only place Alembic is imported)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from onenumber_cli.cli.commands.common import DryRun
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import Invocation, current
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.i18n import t

if TYPE_CHECKING:
    from onenumber_cli.storage import schema
    from onenumber_cli.storage.schema import SchemaState
else:
    schema = lazy_import("onenumber_cli.storage.schema")

app = typer.Typer(cls=LocalizedGroup, help="Database schema.", no_args_is_help=True)


def _report(run: Invocation, url: str, state: SchemaState, changed: bool | None = None) -> None:
    info: dict[str, object] = {"url": url, "revision": state.revision, "head": state.head,
                               "current": state.current}
    if changed is not None:
        info["changed"] = changed
    rows = [[t("field.url"), url], [t("field.revision"), state.revision or "-"],
            [t("field.head"), state.head],
            [t("field.schema_state"), t("value.current" if state.current else "value.not_current")]]
    run.out.document(info, table=lambda: run.out.table(rows, fmt="plain"))


@app.command("upgrade", cls=LocalizedCommand)
def upgrade(ctx: typer.Context, dry_run: DryRun = False) -> None:
    """Create or migrate the schema to this program's version.

    Example: onenumber --db postgresql+psycopg://onenumber@db/onenumber db upgrade
    """
    run = current(ctx)
    db = run.database(schema_check=False, create=not dry_run)
    before = schema.state(db)
    if dry_run:
        schema.check_upgradable(before, db.display_url())
        _report(run, db.display_url(), before, changed=not before.current)
        return
    after = schema.upgrade(db)
    _report(run, db.display_url(), after, changed=before.revision != after.revision)


@app.command("current", cls=LocalizedCommand)
def current_(ctx: typer.Context) -> None:
    """Show the schema revision of the database and the one this program needs.

    Example: onenumber db current -o json
    """
    run = current(ctx)
    db = run.database(schema_check=False)
    _report(run, db.display_url(), schema.state(db))
