"""``db``: schema migrations (the only place Alembic is imported)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from onenumber_cli.cli.commands.common import DryRun
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import Invocation, current
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.i18n import t

if TYPE_CHECKING:
    from onenumber_cli.storage import backup as backups
    from onenumber_cli.storage import grants, schema
    from onenumber_cli.storage.schema import SchemaState
else:
    schema = lazy_import("onenumber_cli.storage.schema")
    grants = lazy_import("onenumber_cli.storage.grants")
    backups = lazy_import("onenumber_cli.storage.backup")

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

    A health check: exit 6 (schema_mismatch) when the schema is not this program's,
    after the report.

    Example: onenumber db current -o json
    """
    run = current(ctx)
    db = run.database(schema_check=False)
    state = schema.state(db)
    _report(run, db.display_url(), state)
    error = schema.mismatch(state, db.display_url())
    if error is not None:
        raise error


@app.command("grant", cls=LocalizedCommand)
def grant(
    ctx: typer.Context,
    operator: Annotated[str, typer.Option(
        "--operator", metavar="ROLE",
        help="Role of the operators: read, change contracts and devices, append history "
             "and audit.")],
    reader: Annotated[str, typer.Option(
        "--reader", metavar="ROLE", help="Read-only role (dashboards, CI smoke checks).")],
) -> None:
    """PostgreSQL: give the operator and reader roles exactly their privileges.

    Run as the database owner after db upgrade (again after every upgrade; re-runnable).
    Also revokes CONNECT on the database from PUBLIC.

    Example: onenumber db grant --operator onenumber_operator --reader onenumber_reader
    """
    run = current(ctx)
    report = grants.grant(run.database(schema_check=False), operator=operator, reader=reader)
    run.out.document(report.to_dict(), table=lambda: run.out.line(
        t("msg.granted", operator=report.operator, reader=report.reader,
          database=report.database, tables=", ".join(report.tables))))


@app.command("backup", cls=LocalizedCommand)
def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(
        metavar="FILE", help="The new file (never overwritten); mode 0600.")],
) -> None:
    """SQLite: a consistent copy of the database, while operators keep working.

    PostgreSQL: use pg_dump -Fc and pg_restore (see the README).

    Example: onenumber db backup onenumber-2026-11-25.sqlite
    """
    run = current(ctx)
    report = backups.backup(run.database(), file)
    run.out.document(report.to_dict(), table=lambda: run.out.line(
        t("msg.backed_up", path=report.path, bytes=report.bytes, accounts=report.accounts,
          integrity=report.integrity)))
