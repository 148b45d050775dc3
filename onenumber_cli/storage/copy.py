"""``db copy``: every row of every table, ids, history and audit included, from one
database to an empty one, either backend to either (the embedded SQLite to a team's
PostgreSQL, or back).

* The target's schema is created by the shipped migrations, as ``db upgrade`` would.
* The source is read in one consistent snapshot (SQLite: one read transaction;
  PostgreSQL: ``REPEATABLE READ READ ONLY``), so operators may keep working on it: the
  copy is the database as of one moment.  It must be at this program's own revision
  (a newer, merely compatible schema may hold columns this program does not know).
* Rows are streamed table by table in primary-key order (keyset pagination,
  :data:`CHUNK_ROWS` at a time, each chunk one transaction on the target): memory stays
  flat whatever the size.
* PostgreSQL target: each table's id sequence is set past the copied ids; the tables'
  triggers (the database's own rules) are off while the copy fills them (see
  :func:`_triggers`).
* Verified: the row count of every table against the source's snapshot; then ``check``
  runs on the target and its violations are reported.

Interruptions.  While the copy runs, the target has a table ``onenumber_copy`` and no
``alembic_version`` row: every command refuses it (``schema_mismatch`` ``copying``) and
so does ``db upgrade``, so a half-copied database is never used by mistake.  The last
step restores the version row and drops the marker in one transaction.  Running the same
``db copy`` again after an interruption (Ctrl-C, a killed process, a lost connection)
*restarts* it: the rows already copied are deleted and everything is copied again from
a new snapshot of the source.  Resuming where it stopped would mix two snapshots of a
source that operators keep changing (a history row newer than the devices copied
before it); a fresh start is always consistent.  Any other non-empty target is refused.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    func,
    insert,
    inspect,
    select,
    text,
    tuple_,
)
from sqlalchemy.engine import Connection

from onenumber_cli import check
from onenumber_cli.errors import (
    Conflict,
    CopySourceInvalid,
    CopyUnverified,
    InvalidArgument,
    TargetNotEmpty,
)
from onenumber_cli.storage import removal, schema
from onenumber_cli.storage import revision as program
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import metadata

# PostgreSQL: the session advisory lock a copy holds on its target ("oncopy" in ASCII)
COPY_LOCK = 0x6F6E636F7079
CHUNK_ROWS = 5000  # rows read and written at a time (one target transaction each)
# Written by the migrations themselves (the target has its own row): never copied.
MIGRATION_TABLES = frozenset({"onenumber_schema"})

Progress = Callable[[str, int, int], None]  # table, rows copied so far, rows in the table

_marker_metadata = MetaData()
MARKER = Table(
    schema.COPY_MARKER, _marker_metadata,
    Column("source", String(512), nullable=False),  # the masked source URL
    Column("started_at", String(40), nullable=False),
    Column("revision", String(32)),  # the target's schema revision, while its row is away
)
_VERSION = schema.alembic_version


@dataclass(frozen=True)
class TableCount:
    table: str
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "rows": self.rows}


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    revision: str
    restarted: bool  # an interrupted copy into the same target was started again
    tables: tuple[TableCount, ...]
    violations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(count.rows for count in self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {"changed": True, "source": self.source, "target": self.target,
                "revision": self.revision, "restarted": self.restarted,
                "tables": [count.to_dict() for count in self.tables], "rows": self.rows,
                "verified": True, "clean": not self.violations,
                "violations": self.violations}


def copied_tables() -> list[Table]:
    """The tables ``db copy`` copies, parents before children."""
    return [table for table in metadata.sorted_tables if table.name not in MIGRATION_TABLES]


def _identity(db: Database) -> tuple[Any, ...]:
    """What tells two databases apart, however their URLs name them: a SQLite file's
    device and inode; a PostgreSQL server's start time and the database's oid."""
    if db.backend == "sqlite":
        if db.path is None or not db.path.exists():
            return ("sqlite", None, id(db))
        status = db.path.stat()
        return ("sqlite", status.st_dev, status.st_ino)
    with db.connected() as conn:
        row = conn.execute(text(
            "SELECT pg_postmaster_start_time()::text, current_database(), "
            "(SELECT oid FROM pg_database WHERE datname = current_database())::text")).one()
    return ("postgresql", *row)


def _same_database(source: Database, target: Database) -> bool:
    if source.backend != target.backend:
        return False
    return _identity(source) == _identity(target)


def _prepare(target: Database, source_url: str) -> bool:
    """Make ``target`` a migrated, marked, empty database; True when it restarts an
    interrupted copy.  Refuses anything else that has tables."""
    with target.translate_errors():
        names = set(inspect(target.engine).get_table_names())
    restarting = schema.COPY_MARKER in names
    if names and not restarting:
        raise TargetNotEmpty(url=target.display_url(), tables=", ".join(sorted(names)[:5]))
    if not restarting:
        with target.translate_errors(), target.engine.begin() as conn:
            MARKER.create(conn)
            conn.execute(insert(MARKER).values(
                source=source_url, started_at=datetime.now(UTC).isoformat(timespec="seconds")))
    with target.translate_errors():
        has_version_table = inspect(target.engine).has_table("alembic_version")
    if not has_version_table:  # a fresh target, or one interrupted before its schema
        schema.migrate(target)
    with target.translate_errors(), target.engine.begin() as conn:
        found = conn.execute(select(_VERSION.c.version_num)).scalar()
        if found is not None:  # the version row is kept here until the copy is complete
            conn.execute(MARKER.update().values(revision=found))
        at = conn.execute(select(MARKER.c.revision)).scalar()
        if at != program.HEAD_REVISION:  # made by another version of the program
            raise TargetNotEmpty("stale_copy", url=target.display_url(), revision=at or "-",
                                 head=program.HEAD_REVISION)
        conn.execute(MARKER.update().values(source=source_url))
        # the version row away, and on a restart the rows the interrupted copy wrote
        removal.clear_unfinished_copy(conn, MARKER, _VERSION, list(reversed(copied_tables())))
        _triggers(conn, enable=False)
    return restarting


def _triggers(conn: Connection, *, enable: bool) -> None:
    """PostgreSQL: the tables' own triggers (revision 0004's rules) off while the copy
    fills them, on again in its last step.  The rows arrive table by table, each chunk
    its own transaction (devices before their history), so rules checked at each commit
    would refuse a consistent source; ``check`` runs on the whole copy instead.  Only the
    tables' owner, who runs the copy, may do this (``ALTER TABLE``)."""
    if conn.dialect.name != "postgresql":
        return
    verb = "ENABLE" if enable else "DISABLE"
    for table in copied_tables():
        conn.execute(text(f"ALTER TABLE {conn.dialect.identifier_preparer.quote(table.name)} "
                          f"{verb} TRIGGER USER"))


@contextmanager
def _only_copy(target: Database) -> Iterator[None]:
    """Held for the whole copy: a second ``db copy`` into the same target is refused
    (``conflict`` ``copy_running``, exit 5) instead of taking the first one's marker for
    an interrupted copy and clearing what it wrote.  PostgreSQL: a session advisory lock
    on the target database; SQLite: ``flock`` on the file (apart from SQLite's own locks,
    which are POSIX record locks)."""
    if target.backend == "postgresql":
        with target.translate_errors(), target.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")  # idle, no transaction
            if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                {"key": COPY_LOCK}).scalar():
                raise Conflict("copy_running", url=target.display_url())
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": COPY_LOCK})
        return
    if target.path is None or not target.path.exists():
        yield
        return
    fd = os.open(target.path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict("copy_running", url=target.display_url()) from None
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def _snapshot(source: Database) -> Iterator[Connection]:
    """One consistent read of the whole source (see the module docstring)."""
    with source.translate_errors(), source.engine.connect() as conn:
        if source.backend == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                          postgresql_readonly=True)
        with conn.begin():
            yield conn


def _chunks(conn: Connection, table: Table, size: int) -> Iterator[list[dict[str, Any]]]:
    """The table's rows in primary-key order, ``size`` at a time (keyset pagination: each
    chunk starts after the last key of the one before, an index range scan)."""
    key = list(table.primary_key.columns)
    ordered = select(table).order_by(*key).limit(size)
    last: tuple[Any, ...] | None = None
    while True:
        if last is None:
            query = ordered
        elif len(key) == 1:
            query = ordered.where(key[0] > last[0])
        else:
            query = ordered.where(tuple_(*key) > tuple_(*last))
        rows = [dict(row) for row in conn.execute(query).mappings()]
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][column.name] for column in key)


def _advance_sequences(conn: Connection) -> None:
    """PostgreSQL: every serial/identity column's sequence past the copied ids."""
    for table in copied_tables():
        for column in table.primary_key.columns:
            if column.autoincrement is not True:
                continue
            name, quoted = table.name, conn.dialect.identifier_preparer.quote(column.name)
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE(MAX({quoted}), 0) + 1, false) FROM {name}"),
                {"table": name, "column": column.name})


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _refuse_overlong(source: Database, reading: Connection) -> None:
    """Refuse a source row with a value longer than its column (SQLite does not enforce
    column sizes, and an older program let a device type fold (NFKC) to more than
    ``type_key`` holds): PostgreSQL would refuse it in the middle of the copy.  Both
    targets alike: the sizes are the schema's.  Nothing is written before this."""
    if source.backend != "sqlite":  # PostgreSQL enforced every size when the row was written
        return
    for table in copied_tables():
        key = list(table.primary_key.columns)
        for column in table.columns:
            limit = getattr(column.type, "length", None)
            if not isinstance(column.type, String) or limit is None:
                continue
            found = reading.execute(
                select(*key, func.length(column)).where(func.length(column) > limit)
                .order_by(*key).limit(1)).first()
            if found is not None:
                raise CopySourceInvalid(
                    "too_long", url=source.display_url(), table=table.name,
                    row=", ".join(f"{c.name}={value}" for c, value in zip(key, found,
                                                                          strict=False)),
                    column=column.name, length=found[-1], max=limit)


def copy(source: Database, target: Database, *, progress: Progress | None = None,
         chunk: int = CHUNK_ROWS) -> CopyReport:
    """Copy every row of ``source`` into the empty ``target`` (see the module docstring)."""
    if _same_database(source, target):
        raise InvalidArgument("copy_same_database", url=target.display_url())
    schema.require_current(source)
    with _only_copy(target):
        return _copy(source, target, progress, chunk)


def _copy(source: Database, target: Database, progress: Progress | None,
          chunk: int) -> CopyReport:
    with _snapshot(source) as reading:
        _refuse_overlong(source, reading)  # before the target is touched
        restarted = _prepare(target, source.display_url())
        counts: list[TableCount] = []
        expected = {table.name: _count(reading, table) for table in copied_tables()}
        for table in copied_tables():
            done = 0
            if progress is not None:
                progress(table.name, done, expected[table.name])
            for rows in _chunks(reading, table, chunk):
                with target.translate_errors(), target.engine.begin() as writing:
                    writing.execute(insert(table), rows)
                done += len(rows)
                if progress is not None:
                    progress(table.name, done, expected[table.name])
            counts.append(TableCount(table.name, done))
    with target.translate_errors(), target.engine.begin() as conn:
        if target.backend == "postgresql":
            _advance_sequences(conn)
        found = {table.name: _count(conn, table) for table in copied_tables()}
        if found != expected:
            wrong = [f"{name}: {found[name]} != {expected[name]}" for name in expected
                     if found[name] != expected[name]]
            raise CopyUnverified(url=target.display_url(), detail="; ".join(wrong))
        at = conn.execute(select(MARKER.c.revision)).scalar()
        conn.execute(insert(_VERSION).values(version_num=at))
        _triggers(conn, enable=True)
        MARKER.drop(conn)  # the last step: from here on the target is a usable database
    violations = [violation.to_dict() for violation in check.run(target)]
    return CopyReport(source.display_url(), target.display_url(), program.HEAD_REVISION,
                      restarted, tuple(counts), violations)

