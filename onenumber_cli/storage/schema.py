"""Schema version: a cheap check at run time, Alembic only for ``db upgrade``.

Importing Alembic costs about a third of a second, so ordinary commands compare the
``alembic_version`` row with ``revision.HEAD_REVISION``; a test asserts that the constant is
the head of the shipped migration scripts.

A program uses a database that is *current* (at its own head revision) or *compatible*:
newer than the program, but every migration since declared that programs of this
revision may still use it (``onenumber_schema.compatible_from``, see ``revision.py``).

Checked twice: once when the command opens the database (a clear error before any
work), and again inside every change's own transaction (:func:`guard`), after the
transaction took its place against migrations (PostgreSQL: ``onenumber_schema`` in ROW
EXCLUSIVE mode, which ``db upgrade`` takes in EXCLUSIVE mode for its whole transaction,
and which a reader role cannot take; SQLite: the write lock, which an upgrade takes
too).  So a change either commits before an upgrade changes anything, or sees the
upgrade's revision, never commits against a schema the program does not know.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from sqlalchemy import Column, MetaData, String, Table, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from onenumber_cli.errors import Conflict, DatabaseUnavailable, SchemaMismatch
from onenumber_cli.storage import revision as program
from onenumber_cli.storage.engine import SCHEMA_LOCK, UPGRADE, Database, SchemaWait, classify
from onenumber_cli.storage.models import onenumber_schema
from onenumber_cli.storage.prepared import Runner

SCRIPTS = "onenumber_cli:migrations"  # the shipped migrations
COPY_MARKER = "onenumber_copy"  # present while ``db copy`` fills this database
# Alembic's own table: not in ``models.metadata`` (Alembic manages it, not the models).
alembic_version = Table("alembic_version", MetaData(), Column("version_num", String(32)))
# The revision and the declared compatibility: what a command reads when it opens the
# database (:func:`state`) and every change inside its transaction (:func:`guard`, run by
# :class:`~onenumber_cli.storage.prepared.Runner`: compiled once, ~10 µs on SQLite).
_SCHEMA_ROW = (select(alembic_version.c.version_num, onenumber_schema.c.compatible_from)
          .select_from(alembic_version.outerjoin(onenumber_schema, onenumber_schema.c.id == 1)))
# PostgreSQL, revision 0004 on: the same row, after the guard's lock (see :func:`guard`).
# Every later migration must keep this function (a program of 0004 calls it).
_GUARD_FN = func.onenumber_schema_guard().table_valued("found_revision", "found_compatible")
_GUARD_ROW = select(_GUARD_FN.c.found_revision, _GUARD_FN.c.found_compatible)


@dataclass(frozen=True)
class SchemaState:
    revision: str | None  # None: no schema at all
    head: str
    compatible_from: str | None = None  # None before revision 0003
    copying: bool = False  # no revision yet: ``db copy`` is filling the database

    @property
    def current(self) -> bool:
        """At this program's own revision."""
        return self.revision == self.head

    @property
    def ahead(self) -> bool:
        return self.revision is not None and self.revision not in program.KNOWN_REVISIONS

    @property
    def compatible(self) -> bool:
        """Newer than this program, whose migrations all say it may still be used by it."""
        return self.ahead and program.can_use(self.compatible_from, self.head)

    @property
    def usable(self) -> bool:
        return self.current or self.compatible


def _read(conn: Connection) -> tuple[str | None, str | None]:
    """The version row and the declared compatibility (None before revision 0003)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SAVEPOINT onenumber_schema_read")
    try:
        row = conn.execute(_SCHEMA_ROW).first()
    except DBAPIError as exc:  # no onenumber_schema yet (or no schema at all)
        if not _no_table(exc, conn):  # a lock timeout, a lost connection: not an answer
            raise
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ROLLBACK TO SAVEPOINT onenumber_schema_read")
        return conn.scalar(select(alembic_version.c.version_num)), None
    return (row[0], row[1]) if row is not None else (None, None)


def _no_table(exc: DBAPIError, conn: Connection) -> bool:
    """The error says a table is missing (anything else, a lock timeout or a session
    ended, is reported as what it is, not read as "no schema")."""
    error = classify(exc, conn.engine.url)
    return isinstance(error, DatabaseUnavailable) and error.reason == "schema"


def state(db: Database) -> SchemaState:
    """The database's schema as this program sees it (a short read of its own).  Every
    failure but a missing table is a typed error (exit 5 or 6, see ``classify``)."""
    with db.translate_errors(), db.engine.connect() as conn:
        try:
            with conn.begin():
                found, compatible_from = _read(conn)
        except DBAPIError as exc:
            if not _no_table(exc, conn) or inspect(conn).has_table("alembic_version"):
                raise classify(exc, db.url) from None
            found, compatible_from = None, None
        copying = found is None and inspect(conn).has_table(COPY_MARKER)
    return SchemaState(found, program.HEAD_REVISION, compatible_from, copying)


def mismatch(current: SchemaState, url: str, *, exact: bool = False) -> SchemaMismatch | None:
    """The error to report for ``current``, or None when this program may use it (with
    ``exact``: only when it is at this program's own revision)."""
    if current.current or (current.usable and not exact):
        return None
    if current.copying:
        return SchemaMismatch("copying", url=url)
    if current.revision is None:
        return SchemaMismatch("empty", url=url, head=current.head)
    if current.compatible:  # usable, but this needs the program's own revision
        return SchemaMismatch("compatible_only", url=url, revision=current.revision,
                              head=current.head)
    reason = "ahead" if current.ahead else "behind"
    return SchemaMismatch(reason, url=url, revision=current.revision, head=current.head)


def require_usable(db: Database) -> SchemaState:
    """Raise :class:`SchemaMismatch` unless this program may use the database (current,
    or newer and compatible)."""
    found = state(db)
    error = mismatch(found, db.display_url())
    if error is not None:
        raise error
    return found


def require_current(db: Database) -> None:
    """Raise :class:`SchemaMismatch` unless the database is exactly at
    :data:`program.HEAD_REVISION` (``db grant``, ``db copy``: they cover every table and
    column of the schema, so they must know all of them)."""
    error = mismatch(state(db), db.display_url(), exact=True)
    if error is not None:
        raise error


def guard(db: Database, connection: Connection) -> None:
    """First in a change's transaction: take its place against migrations, then raise
    :class:`SchemaMismatch` unless this program may use the schema as it is now.

    PostgreSQL: ``onenumber_schema_guard()`` (revision 0004) takes ``onenumber_schema`` in
    ROW EXCLUSIVE mode, which needs a write privilege on it (``db grant`` gives the
    operator INSERT; a reader cannot take it, so it cannot hold changes up), then reads
    the schema row, in one statement.  Waiting longer than the lock timeout (a ``db
    upgrade`` runs, or someone holds the table): :class:`SchemaWait` naming the holders.
    SQLite: the transaction's write lock is the place; the row is read."""
    runner = Runner(connection)  # the change path's own way to the driver
    if connection.dialect.name == "postgresql":
        try:
            rows = runner.select(_GUARD_ROW, {})
        except DBAPIError as exc:
            if isinstance(classify(exc, db.url), Conflict):  # a lock wait, a deadlock
                raise SchemaWait(holders(db) or str(exc.orig)) from None
            raise
    else:
        rows = runner.select(_SCHEMA_ROW, {})
    row = rows[0] if rows else None
    found = SchemaState(row[0] if row else None, program.HEAD_REVISION, row[1] if row else None)
    error = mismatch(found, db.display_url())
    if error is not None:
        raise error


# Who holds what a change or ``db upgrade`` waits for: a lock on ``onenumber_schema`` in
# a mode a change conflicts with, or the advisory schema lock (a ``db upgrade``, or any
# session that took it by hand).  pg_locks and pg_stat_activity's role, pid and
# application_name are readable by every role.
_HOLDERS = text(
    "SELECT DISTINCT coalesce(a.usename, '?'), l.pid, coalesce(a.application_name, ''), "
    "l.mode FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.granted AND l.pid <> pg_backend_pid() AND ("
    "(l.locktype = 'relation' AND l.relation = to_regclass('onenumber_schema') "
    "AND l.mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', "
    "'AccessExclusiveLock')) "
    "OR (l.locktype = 'advisory' AND l.classid = :high AND l.objid = :low "
    "AND l.objsubid = 1)) ORDER BY l.pid")


def holders(db: Database) -> str:
    """The sessions holding the schema lock, as "role (pid N, application_name, mode)"
    (on a connection of its own: the waiting transaction has failed); "" if none is
    found any more or the server cannot be asked."""
    try:
        with db.engine.connect() as conn:
            found = conn.execute(_HOLDERS, {"high": SCHEMA_LOCK >> 32,
                                            "low": SCHEMA_LOCK & 0xFFFFFFFF}).all()
    except DBAPIError:
        return ""
    return ", ".join(f"{role} (pid {pid}{', ' + app if app else ''}, {mode})"
                     for role, pid, app, mode in found)


def check_upgradable(current: SchemaState, url: str) -> None:
    """A schema newer than this program cannot be migrated (back) by it, and a database
    ``db copy`` is filling is finished by ``db copy``."""
    if current.copying:
        raise SchemaMismatch("copying", url=url)
    if current.ahead:
        reason = "compatible_only" if current.compatible else "ahead"
        raise SchemaMismatch(reason, url=url, revision=current.revision, head=current.head)


def _config(scripts: str = SCRIPTS, **attributes: object) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", scripts)
    config.attributes.update(attributes)
    return config


# ``db upgrade``'s place: the advisory lock exclusively (programs of revision 0003 hold
# it shared in their changes) and, from revision 0004 on, ``onenumber_schema`` in
# EXCLUSIVE mode (every newer change holds it in ROW EXCLUSIVE mode; reads of the table
# go on).  Both for the whole migration transaction; the lock timeout bounds each wait.
_UPGRADE_LOCKS = (
    f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})",
    "DO $$ BEGIN IF to_regclass('onenumber_schema') IS NOT NULL THEN "
    "LOCK TABLE onenumber_schema IN EXCLUSIVE MODE; END IF; END $$")


def migrate(db: Database, revision: str = "head", *, scripts: str = SCRIPTS) -> None:
    """Run the shipped Alembic migrations up to ``revision`` in one transaction (the only
    Alembic import besides :func:`upgrade_sql`), no checks.  ``scripts``: where the
    migrations are (tests add a newer program's revision to a copy of them).

    On PostgreSQL it first takes the schema lock exclusively: it waits for the changes
    in flight, and every change that starts after it waits for its commit, then sees
    its revision."""
    from alembic import command

    migrating = db.engine.execution_options(**{UPGRADE: True})
    try:
        with db.translate_errors(), migrating.begin() as conn:
            if conn.dialect.name == "postgresql":
                for statement in _UPGRADE_LOCKS:
                    conn.exec_driver_sql(statement)
            command.upgrade(_config(scripts, connection=conn), revision)  # type: ignore[arg-type]
    except Conflict as busy:  # a lock not granted within the lock timeout: nothing changed
        detail = busy.params.get("detail", "")
        held = holders(db) if db.backend == "postgresql" else ""
        raise Conflict("upgrade_lock", detail=f"{detail}; held by {held}" if held else detail
                       ) from None


def upgrade(db: Database, revision: str = "head") -> SchemaState:
    """Check that this program can migrate the database, then migrate it."""
    check_upgradable(state(db), db.display_url())
    migrate(db, revision)
    return state(db)


def upgrade_sql(db: Database, current: SchemaState) -> str:
    """The SQL :func:`upgrade` would run on ``db`` (at ``current``), as text, rendered by
    Alembic's offline mode for the database's dialect; nothing is changed (the database
    is only read, in a read transaction, for the statements that depend on its data)."""
    from alembic import command

    check_upgradable(current, db.display_url())
    if current.current:
        return ""
    span = "head" if current.revision is None else f"{current.revision}:head"
    buffer = io.StringIO()
    with db.connected() as conn:
        command.upgrade(_config(connection=conn, sql=buffer), span,  # type: ignore[arg-type]
                        sql=True)
    return buffer.getvalue()
