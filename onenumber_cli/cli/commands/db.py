"""``db``: schema migrations (the only place Alembic is imported)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from onenumber_cli.cli.commands.common import DryRun, Yes
from onenumber_cli.cli.exitcodes import ExitCode
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import Invocation, current
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.i18n import N_, ngettext, t

if TYPE_CHECKING:
    from onenumber_cli.storage import backup as backups
    from onenumber_cli.storage import connect, grants, schema
    from onenumber_cli.storage import copy as copying
    from onenumber_cli.storage.schema import SchemaState
else:
    schema = lazy_import("onenumber_cli.storage.schema")
    grants = lazy_import("onenumber_cli.storage.grants")
    backups = lazy_import("onenumber_cli.storage.backup")
    copying = lazy_import("onenumber_cli.storage.copy")
    connect = lazy_import("onenumber_cli.storage.connect")

app = typer.Typer(cls=LocalizedGroup, help="Database schema.", no_args_is_help=True)


def _state_label(state: SchemaState) -> str:
    if state.current:
        return t("current")
    return t(N_("compatible (newer, usable by this "
                "program)") if state.compatible else N_("not current"))


# the fields of the schema report (db upgrade adds changed and, in a dry run, sql)
REPORT_FIELDS = ("url", "revision", "head", "current", "compatible", "compatible_from")


def _report(run: Invocation, url: str, state: SchemaState, changed: bool | None = None,
            sql: str | None = None) -> None:
    info: dict[str, object] = {"url": url, "revision": state.revision, "head": state.head,
                               "current": state.current, "compatible": state.compatible,
                               "compatible_from": state.compatible_from}
    if changed is not None:
        info["changed"] = changed
    if sql is not None:
        info["sql"] = sql
    rows = [[t("Database"), url], [t("Schema revision"), state.revision or "-"],
            [t("Program's revision"), state.head],
            [t("Usable from program revision"), state.compatible_from or "-"],
            [t("Schema"), _state_label(state)]]

    def table() -> None:
        run.out.table(rows, fmt="plain")
        if sql is not None:
            run.out.line()
            for line in sql.rstrip("\n").splitlines() or [t("-- nothing to run: the schema is at "
                                                            "this program's revision")]:
                run.out.line(line)

    run.out.document(info, table=table)


@app.command("upgrade", cls=LocalizedCommand)
def upgrade(ctx: typer.Context, dry_run: DryRun = False, yes: Yes = False) -> None:
    """Create or migrate the schema to this program's version.

    With --dry-run: the SQL it would run, changing nothing (the JSON report's "sql").

    Example: onenumber --db postgresql+psycopg://onenumber@db/onenumber db upgrade
    """
    run = current(ctx)
    run.before_change([*REPORT_FIELDS, "changed", "sql"])
    db = run.database(schema_check=False, create=not dry_run)
    before = schema.state(db)
    if dry_run:
        sql = schema.upgrade_sql(db, before)
        _report(run, db.display_url(), before, changed=not before.current, sql=sql)
        return
    after = schema.upgrade(db)
    if before.revision != after.revision:
        run.committed = t("The schema was upgraded from {before} to {after}.",
                          before=before.revision or "-", after=after.revision or "-")
    _report(run, db.display_url(), after, changed=before.revision != after.revision)


@app.command("current", cls=LocalizedCommand)
def current_(ctx: typer.Context) -> None:
    """Show the schema revision of the database and the one this program needs.

    A health check: exit 6 (schema_mismatch) when this program cannot use the schema,
    after the report ("compatible": newer, but its migrations let this program use it).

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
    run.before_change(["database", "schema", "operator", "reader", "tables", "changed"])
    report = grants.grant(run.database(schema_check=False), operator=operator, reader=reader)
    run.out.document(report.to_dict(), table=lambda: run.out.line(
        t("Granted on database {database}: {operator} may read, change contracts and devices and "
          "append history and audit; {reader} may read. Tables: {tables}. CONNECT is revoked from "
          "PUBLIC.", operator=report.operator, reader=report.reader,
          database=report.database, tables=", ".join(report.tables))))


@app.command("backup", cls=LocalizedCommand)
def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(
        metavar="FILE", help="The new file (never overwritten); mode 0600.")],
    yes: Yes = False,  # read by a profile with confirm = true (Invocation.before_change)
) -> None:
    """SQLite: a consistent copy of the database, while operators keep working.

    PostgreSQL: use pg_dump -Fc and pg_restore (see the README).

    Example: onenumber db backup onenumber-2026-11-25.sqlite
    """
    run = current(ctx)
    run.before_change(["changed", "path", "bytes", "accounts", "integrity"])
    report = backups.backup(run.database(), file)
    run.committed = t("Backed up to {path}.", path=report.path)
    run.out.document(report.to_dict(), table=lambda: run.out.line(
        ngettext("Backed up to {path}: {bytes} bytes, {accounts} account, integrity {integrity}.",
                 "Backed up to {path}: {bytes} bytes, {accounts} accounts, integrity {integrity}.",
                 report.accounts, path=report.path, bytes=report.bytes, accounts=report.accounts,
                 integrity=report.integrity)))


@app.command("copy", cls=LocalizedCommand)
def copy(
    ctx: typer.Context,
    to: Annotated[str, typer.Option(
        "--to", metavar="URL",
        help="The empty target database (created by the migrations first). A SQLite file "
             "is created if missing.")],
    yes: Yes = False,  # read by a profile with confirm = true (Invocation.before_change)
) -> None:
    """Copy every row (ids, history, audit) from the --db database to an empty one.

    Either backend to either; the source may be in use (one consistent snapshot).
    Verified at the end: row counts per table, then check on the target (exit 1 with
    its violations). Re-run the same command after an interruption: it starts over.

    Example: onenumber db copy --to postgresql+psycopg://owner@db.example/onenumber
    """
    from onenumber_cli.cli.console import terminal
    from onenumber_cli.cli.settings import data_dir

    run = current(ctx)
    run.before_change(["changed", "source", "target", "revision", "restarted", "tables", "rows",
                       "verified", "clean", "violations"])
    source = run.database(schema_check=False)
    timeouts: dict[str, Any] = {}  # the same bounds as the source's (check runs on it)
    if run.settings.lock_timeout is not None:
        timeouts["lock_timeout"] = run.settings.lock_timeout
    if run.settings.statement_timeout is not None:
        timeouts["statement_timeout"] = run.settings.statement_timeout
    target = connect.open_database(
        to, data_dir=data_dir(), schema_check=False, create=True, echo=run.settings.debug,
        synchronous=run.settings.sqlite_synchronous, operator=run.settings.operator,
        **timeouts)
    show = terminal.stderr_is_tty() and not run.settings.quiet

    def progress(table: str, done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        run.out.stderr.write("\r" + ngettext("{table}: {done}/{total} row",
                                             "{table}: {done}/{total} rows",
                                             total, table=table, done=done, total=total) + end)
        run.out.stderr.flush()

    try:
        report = copying.copy(source, target, progress=progress if show else None)
    finally:
        target.dispose()
    run.committed = ngettext("Copied {rows} row to {target}.", "Copied {rows} rows to {target}.",
                             report.rows, rows=report.rows, target=report.target)
    if report.restarted:
        run.out.message(t("An interrupted copy into {target} was started again from the "
                          "beginning.", target=report.target))
    tables = ", ".join(f"{count.table} {count.rows}" for count in report.tables)
    run.out.document(report.to_dict(), table=lambda: run.out.line(
        ngettext("Copied {rows} row from {source} to {target} ({tables}); row counts verified.",
                 "Copied {rows} rows from {source} to {target} ({tables}); row counts verified.",
                 report.rows, rows=report.rows, source=report.source, target=report.target,
                 tables=tables)))
    if report.violations:
        if not run.settings.machine:
            for violation in report.violations:
                run.out.cells(violation["kind"], violation["message"])
        run.out.message(ngettext("check found {count} violation in the copy (as in the source: run "
                                 "onenumber check on it).",
                                 "check found {count} violations in the copy (as in the source: "
                                 "run onenumber check on it).",
                                 len(report.violations), count=len(report.violations)))
        raise typer.Exit(ExitCode.FAILURE)
