"""Engines and transactions: SQLite pragmas, write locks, retries, error translation.

* SQLite: WAL, foreign keys, a busy timeout; write transactions start with
  ``BEGIN IMMEDIATE`` so two writers serialise at the start instead of failing at commit.
* PostgreSQL: the service layer locks the contract row (``SELECT ... FOR UPDATE``);
  ``lock_timeout`` bounds the wait.
* Driver errors never leave this module raw: lock timeouts, deadlocks, serialization
  failures and constraint races are retried a bounded number of times with jitter and
  then become :class:`~onenumber_cli.errors.Conflict`; everything that means "the
  database is not usable" becomes :class:`~onenumber_cli.errors.DatabaseUnavailable`.
"""

from __future__ import annotations

import json
import logging
import os
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError

from onenumber_cli.errors import (
    Conflict,
    DatabaseUnavailable,
    InvalidArgument,
    OneNumberError,
)

T = TypeVar("T")

LOCK_TIMEOUT_SECONDS = 3.0  # how long one attempt waits for the account's lock
LOCK_TIMEOUT_RANGE = (0.01, 600.0)  # seconds; PostgreSQL would read 0 ms as "no limit"
# PostgreSQL, reads only: how long one statement may run (a report on a huge database
# may need more: ONENUMBER_STATEMENT_TIMEOUT); reads wait for a lock LOCK_TIMEOUT_SECONDS.
STATEMENT_TIMEOUT_SECONDS = 60.0
STATEMENT_TIMEOUT_RANGE = (0.1, 86400.0)
MAX_ATTEMPTS = 4  # attempts per transaction before reporting a conflict
RECONNECT_BACKOFF = 0.25  # seconds before the first new connection after a lost one
SYNCHRONOUS_MODES = ("full", "normal")  # SQLite: full = one fsync a commit (durable)
_SECRET_QUERY_KEYS = ("password", "sslpassword")  # libpq options that carry secrets
_RETRY_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization, deadlock, lock not available
_UNIQUE_VIOLATION = "23505"
_STATEMENT_TIMEOUT = "57014"  # query_canceled: statement_timeout (or a cancel request)
# A prepared statement missing, or its name taken: a transaction-pooling PgBouncer moved
# the connection to another server session (see prepare_threshold)
_PREPARED_STATEMENT_SQLSTATES = ("26000", "42P05")
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "28", "3D", "57", "53")
_SQLITE_RETRY_MESSAGES = ("database is locked", "database table is locked")


class _Retry(Exception):
    """Internal: the transaction lost a race and may be run again."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class _Lost(_Retry):
    """Internal: the connection was lost before commit; run again on a new connection."""


class SchemaWait(_Retry):
    """The change waited the lock timeout for its place against migrations (a ``db
    upgrade`` running, or a session holding the schema table): retried like a lost race,
    then reported as ``conflict`` ``schema_lock`` naming the holders in ``detail``."""


def _hidden(url: URL) -> URL:
    """``url`` with every secret (the password, and ``?password=`` or ``?sslpassword=``
    given as query parameters, which libpq accepts too) replaced by ``***``."""
    secrets_given = {key: "***" for key in _SECRET_QUERY_KEYS if key in url.query}
    if secrets_given:
        url = url.update_query_dict(secrets_given)
    return url


def masked(url: str | URL) -> str:
    """The URL with its secrets replaced by ``***`` (safe to print)."""
    try:
        text = _hidden(make_url(url)).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<invalid database URL>"
    return text.replace("%2A%2A%2A", "***")  # the query's *** as the password's


def secrets_of(url: URL) -> list[str]:
    """The secret strings a URL carries, to blank out of driver messages."""
    found = [str(url.password)] if url.password else []
    for key in _SECRET_QUERY_KEYS:
        value = url.query.get(key)
        found += [value] if isinstance(value, str) else list(value or ())
    return [secret for secret in found if secret]


def parse_url(raw: str) -> URL:
    """A database URL, checked enough that connecting cannot fail on its form: a bad one
    is a usage error (exit 2), never an internal error."""
    try:
        url = make_url(raw)
        port = url.port  # "host:abc" is only parsed when the port is asked for
    except (ArgumentError, ValueError):
        raise InvalidArgument("db_url") from None
    if port is not None and not 0 < port < 65536:
        raise InvalidArgument("db_url")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable("unsupported", url=masked(url), backend=url.get_backend_name())
    if PREPARE_THRESHOLD in url.query:
        prepare_threshold(url)
    return url


PREPARE_THRESHOLD = "prepare_threshold"  # psycopg's connect() option, given in the URL


def prepare_threshold(url: URL) -> int | None:
    """psycopg's ``prepare_threshold`` as the URL's ``?prepare_threshold=`` gives it:
    ``none``, never prepare a statement on the server (PgBouncer before 1.21 in
    transaction pooling hands a connection's next transaction to another server session,
    which lacks the statement), or N, prepare one after N runs on a connection (psycopg's
    default: 5).  The URL carries text, which psycopg would take as is and fail on."""
    value = url.query.get(PREPARE_THRESHOLD)
    if isinstance(value, str):
        if value.lower() == "none":
            return None
        if value.isascii() and value.isdigit():
            return int(value)
    raise InvalidArgument("db_url")


def validate_seconds(seconds: float, limits: tuple[float, float], name: str) -> float:
    """A number of seconds within ``limits`` (``name``: the setting, for the error)."""
    low, high = limits
    if not low <= seconds <= high:  # NaN fails both comparisons
        raise InvalidArgument(name, value=seconds, low=low, high=high)
    return seconds


def validate_lock_timeout(seconds: float) -> float:
    """Seconds one attempt waits for a lock, within :data:`LOCK_TIMEOUT_RANGE`."""
    return validate_seconds(seconds, LOCK_TIMEOUT_RANGE, "lock_timeout")


def validate_statement_timeout(seconds: float) -> float:
    """Seconds one read statement may run, within :data:`STATEMENT_TIMEOUT_RANGE`."""
    return validate_seconds(seconds, STATEMENT_TIMEOUT_RANGE, "statement_timeout")


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for in-memory and non-SQLite URLs."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("uri") == "true":  # sqlite:///file:PATH?mode=ro&uri=true: SQLite's own
        return None
    return Path(url.database).expanduser()


def prepare_sqlite_file(path: Path, *, create: bool, private_dir: bool = False) -> None:
    """Create the database file with mode 0600 (its WAL/SHM files inherit it from SQLite).

    With ``create=False`` a missing file is an error rather than a silent new database.
    """
    if path.exists():
        return
    if not create:
        raise DatabaseUnavailable("missing_file", url=str(path))
    if private_dir:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise DatabaseUnavailable("os_error", url=str(path), detail=exc.strerror) from None
    os.close(fd)


SQL_LOGGER = "sqlalchemy.engine.Engine"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (tests and tools swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def log_sql_to_stderr() -> None:
    """Log every statement on stderr (``--debug``).  Not ``create_engine(echo=True)``:
    that logs to stdout, into the data a script reads."""
    logger = logging.getLogger(SQL_LOGGER)
    logger.setLevel(logging.INFO)
    if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logger.addHandler(handler)


def logging_sql() -> bool:
    return logging.getLogger(SQL_LOGGER).isEnabledFor(logging.INFO)


APPLICATION_NAME_BYTES = 63  # PostgreSQL keeps NAMEDATALEN - 1 bytes of application_name


def application_name(operator: str | None = None) -> str:
    """``onenumber/OPERATOR``: what ``pg_stat_activity`` shows a DBA for this session.
    ASCII only (PostgreSQL turns anything else into ``?``), at most 63 bytes."""
    name = "onenumber" if not operator else f"onenumber/{operator}"
    safe = "".join(c if " " <= c <= "~" else "?" for c in name)
    return safe[:APPLICATION_NAME_BYTES]


# The audit log's JSON values, as ``json.dumps`` writes them, without its check for
# circular references (snapshots of rows never are): 1.7 us a value instead of 2.6.
JSON_TEXT = json.JSONEncoder(check_circular=False).encode


def make_engine(url: URL, *, echo: bool = False,
                lock_timeout: float = LOCK_TIMEOUT_SECONDS,
                synchronous: str = "full", operator: str | None = None,
                statement_timeout: float = STATEMENT_TIMEOUT_SECONDS) -> Engine:
    backend = url.get_backend_name()
    validate_lock_timeout(lock_timeout)
    validate_statement_timeout(statement_timeout)
    if synchronous not in SYNCHRONOUS_MODES:
        raise InvalidArgument("synchronous", value=synchronous,
                              choices=", ".join(SYNCHRONOUS_MODES))
    if echo:
        log_sql_to_stderr()
    try:
        if backend == "sqlite":
            # ``timeout`` is SQLite's busy timeout: how long BEGIN IMMEDIATE waits.
            engine = create_engine(url, connect_args={"timeout": lock_timeout},
                                   json_serializer=JSON_TEXT)
            event.listen(engine, "connect", partial(_sqlite_on_connect, synchronous,
                                                    sqlite_path(url)))
            event.listen(engine, "begin", _sqlite_on_begin)
        else:
            arguments: dict[str, Any] = {"connect_timeout": 5}
            if "application_name" not in url.query:  # the URL's own name wins
                arguments["application_name"] = application_name(operator)
            if PREPARE_THRESHOLD in url.query:  # as a number or None, not the URL's text
                arguments[PREPARE_THRESHOLD] = prepare_threshold(url)
            # pre_ping: a connection the server dropped while pooled is replaced, not used
            engine = create_engine(url, connect_args=arguments, pool_pre_ping=True,
                                   json_serializer=JSON_TEXT)
            event.listen(engine, "begin", partial(_postgres_on_begin, lock_timeout,
                                                  statement_timeout))
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseUnavailable("driver", url=masked(url), detail=str(exc)) from None
    return engine


FILE_ID = "onenumber_file_id"  # connection info key: (st_dev, st_ino) of the file opened


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _sqlite_on_connect(synchronous: str, path: Path | None, dbapi_connection: Any,
                       record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (the pysqlite recipe), so that
    # write transactions can be BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: WAL synced at every commit, so a change reported done survives power
        # loss; NORMAL (an explicit setting) may lose the last commits, never corrupts.
        cursor.execute("PRAGMA synchronous = FULL" if synchronous == "full"
                       else "PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()
    if path is not None:  # which file this connection opened (see Writes._check_file)
        record.info[FILE_ID] = _file_id(path)


def _sqlite_on_begin(conn: Connection) -> None:
    options = conn.get_execution_options()
    # A migration takes the write lock at once too: no change starts while it runs, and
    # it never fails on a snapshot a change made stale (see storage/schema.py).
    write = options.get("onenumber_write", False) or options.get(UPGRADE, False)
    statement = "BEGIN IMMEDIATE" if write else "BEGIN"
    # On the DBAPI connection: one per transaction, and exec_driver_sql would cost
    # more than SQLite's own BEGIN.  A failure (the lock not granted within the busy
    # timeout) becomes SQLAlchemy's error type, as it would there.
    try:
        conn.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
    except sqlite3.Error as exc:
        raise DBAPIError.instance(statement, (), exc, sqlite3.Error) from exc


# The advisory lock key of the schema: programs of revision 0003 hold it shared in every
# change, ``db upgrade`` exclusively (see storage/schema.py).  "onenum" in ASCII.
SCHEMA_LOCK = 0x6F6E656E756D

# One statement, values bound: how long a change waits for a lock, and that its commit is
# durable (flushed, and on a synchronous standby where the server has one) whatever the
# server's default.  Its place against migrations is the schema guard's (schema.guard:
# a lock on ``onenumber_schema`` a reader cannot take), not an advisory lock any role
# could hold.
_WRITE_SETTINGS = ("SELECT set_config('lock_timeout', %(lock_timeout)s, true), "
                   "set_config('synchronous_commit', 'on', true)")


# Reads: bounded waits, so ``status`` behind a held lock (a migration, a long change)
# answers within the lock timeout instead of queueing without end.
_READ_SETTINGS = ("SELECT set_config('lock_timeout', %(lock_timeout)s, true), "
                  "set_config('statement_timeout', %(statement_timeout)s, true)")
# Migrations: a bounded wait for their (exclusive) locks, since every operator queues
# behind a migration that waits; no statement timeout (a migration may take long).
_UPGRADE_SETTINGS = ("SELECT set_config('lock_timeout', %(lock_timeout)s, true), "
                     "set_config('statement_timeout', '0', true)")
UPGRADE = "onenumber_upgrade"  # execution option of the migration transaction


def _milliseconds(seconds: float) -> str:
    return f"{max(1, round(seconds * 1000))}ms"


def _postgres_on_begin(lock_timeout: float, statement_timeout: float,
                       conn: Connection) -> None:
    """Every transaction's bounds, set for that transaction only (``set_config(..., true)``,
    so a pooled connection keeps no setting)."""
    options = conn.get_execution_options()
    if options.get("onenumber_write", False):
        conn.exec_driver_sql(_WRITE_SETTINGS, {"lock_timeout": _milliseconds(lock_timeout)})
    elif options.get(UPGRADE, False):
        conn.exec_driver_sql(_UPGRADE_SETTINGS, {"lock_timeout": _milliseconds(lock_timeout)})
    else:
        conn.exec_driver_sql(_READ_SETTINGS, {
            "lock_timeout": _milliseconds(lock_timeout),
            "statement_timeout": _milliseconds(statement_timeout)})


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


def classify(exc: DBAPIError, url: URL) -> OneNumberError | _Retry:
    """Translate a driver error into a retry signal or a typed error."""
    text = str(exc.orig)
    state = _sqlstate(exc)
    if isinstance(exc, IntegrityError):
        # A unique key taken by a concurrent transaction (a new account, a slot or name
        # race the lock did not cover): retry, and the rules will see the winner's row.
        # Any other constraint failing is a bug and must surface as one.
        if state == _UNIQUE_VIOLATION or "UNIQUE constraint failed" in text:
            return _Retry(text)
        raise exc
    if exc.connection_invalidated:  # the server went away: a new connection may work
        return _Lost(text)
    if state in _RETRY_SQLSTATES or any(m in text for m in _SQLITE_RETRY_MESSAGES):
        return _Retry(text)
    if state in _PREPARED_STATEMENT_SQLSTATES:
        return DatabaseUnavailable("prepared_statement", url=masked(url),
                                   detail=_first_line(text, url))
    if state == _STATEMENT_TIMEOUT:
        return DatabaseUnavailable("statement_timeout", url=masked(url),
                                   detail=_first_line(text, url))
    if state == "42501" or "readonly database" in text:
        return DatabaseUnavailable("read_only", url=masked(url))
    if state is None or state.startswith(_UNAVAILABLE_SQLSTATE_CLASSES) or "disk" in text:
        detail = _first_line(text, url)
        return DatabaseUnavailable("unreachable", url=masked(url), detail=detail)
    if state.startswith("42"):  # undefined table/column: the schema is not what we expect
        return DatabaseUnavailable("schema", url=masked(url), detail=_first_line(text, url))
    return DatabaseUnavailable("unreachable", url=masked(url), detail=_first_line(text, url))


def _first_line(text: str, url: URL) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    for secret in secrets_of(url):
        line = line.replace(secret, "***")
    return line


class Database:
    """One database: an engine plus transactions with the project's locking and retries."""

    def __init__(self, url: URL, *, echo: bool = False,
                 lock_timeout: float = LOCK_TIMEOUT_SECONDS, synchronous: str = "full",
                 operator: str | None = None,
                 statement_timeout: float = STATEMENT_TIMEOUT_SECONDS) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo, lock_timeout=lock_timeout,
                                  synchronous=synchronous, operator=operator,
                                  statement_timeout=statement_timeout)
        self._writer = self.engine.execution_options(onenumber_write=True)
        self.path = sqlite_path(url)
        # Run first in every change transaction (a command's database: the schema check)
        self.schema_guard: Callable[[Connection], None] | None = None

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    def display_url(self) -> str:
        return masked(self.url)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Map driver errors to typed errors (for reads and one-shot statements)."""
        try:
            yield
        except DBAPIError as exc:
            outcome = classify(exc, self.url)
            if isinstance(outcome, _Lost):
                raise DatabaseUnavailable("lost", url=masked(self.url),
                                          detail=_first_line(outcome.detail, self.url)
                                          ) from None
            if isinstance(outcome, _Retry):
                raise Conflict("busy", detail=_first_line(outcome.detail, self.url)) from None
            raise outcome from None

    @contextmanager
    def connected(self) -> Iterator[Connection]:
        """A connection in a read transaction (one snapshot); rolled back, never committed.
        The transaction is begun explicitly: statements may run on the DBAPI cursor
        (see :mod:`onenumber_cli.storage.unit`), which SQLAlchemy's autobegin does not see."""
        with self.translate_errors(), self.engine.connect() as connection:
            connection.begin()
            yield connection

    def write(self, work: Callable[[Connection], T], *, dry_run: bool = False) -> T:
        """Run ``work`` in one write transaction, retried on lost races (see
        :meth:`Writes.run`)."""
        with self.writing() as writes:
            return writes.run(work, dry_run=dry_run)

    @contextmanager
    def writing(self) -> Iterator[Writes]:
        """One connection for a series of write transactions (a batch: one a row)."""
        with self.translate_errors(), self._writer.connect() as connection:
            yield Writes(self, connection)


class Writes:
    """Write transactions, one after another, on one connection of a :class:`Database`."""

    def __init__(self, db: Database, connection: Connection) -> None:
        self.db = db
        self.connection = connection

    def run(self, work: Callable[[Connection], T], *, dry_run: bool = False) -> T:
        """Run ``work`` in one write transaction, retried on lost races.

        Everything ``work`` does (the change, its history and its audit record) commits
        together or not at all (R11).  With ``dry_run`` every statement runs, so the
        rules and the database constraints are checked for real, then it rolls back.
        ``work`` may roll back itself (an atomic batch with a refused row); then there
        is nothing left to commit.

        A connection lost before the commit (the server restarted, a failover, the
        session killed) is replaced and the transaction run again, after a short pause
        that doubles each time; lost at the commit itself, nobody can know whether it
        committed, so that is reported (exit 6) and never retried.
        """
        last: _Retry | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return self._attempt(work, dry_run, reconnecting=isinstance(last, _Lost))
            except _Retry as retry:
                last = retry
                if attempt < MAX_ATTEMPTS:
                    time.sleep(RECONNECT_BACKOFF * 2 ** (attempt - 1) if isinstance(retry, _Lost)
                               else random.uniform(0.01, 0.05) * attempt)
        assert last is not None
        detail = _first_line(last.detail, self.db.url)
        if isinstance(last, SchemaWait):
            raise Conflict("schema_lock", attempts=MAX_ATTEMPTS, detail=detail)
        if isinstance(last, _Lost):
            raise DatabaseUnavailable("lost", url=masked(self.db.url), detail=detail)
        raise Conflict("retries", attempts=MAX_ATTEMPTS, detail=detail)

    def _attempt(self, work: Callable[[Connection], T], dry_run: bool, *,
                 reconnecting: bool) -> T:
        connection = self.connection
        committing = False
        try:
            connection.begin()  # BEGIN IMMEDIATE / lock_timeout, before any statement
            if self.db.schema_guard is not None:
                self.db.schema_guard(connection)
            result = work(connection)
            if dry_run:
                connection.rollback()
            else:
                self._check_file()
                committing = True
                connection.commit()
            return result
        except BaseException as exc:  # a refusal, a lost race, Ctrl-C: nothing of it stays
            self._roll_back()
            if not isinstance(exc, DBAPIError):
                raise
            outcome = classify(exc, self.db.url)
            if committing and isinstance(outcome, _Lost):
                raise DatabaseUnavailable("lost_at_commit", url=masked(self.db.url),
                                          detail=_first_line(outcome.detail, self.db.url)
                                          ) from None
            if reconnecting and isinstance(outcome, DatabaseUnavailable) and \
                    outcome.reason == "unreachable":  # the server is still coming back
                raise _Lost(outcome.params.get("detail", "")) from None
            raise outcome from None

    def _roll_back(self) -> None:
        """Roll back whatever is left; on a connection that is gone, give it up (the pool
        opens a new one for the next transaction) instead of failing a second time."""
        try:
            self.connection.rollback()
        except Exception:  # the connection is unusable, whatever the error
            if not self.connection.invalidated:
                self.connection.invalidate()
            self.connection.rollback()  # on an invalidated connection: bookkeeping only

    def _check_file(self) -> None:
        """SQLite: refuse to commit into a file that is no longer the database's (deleted
        or replaced behind our back: the commit would go to an unlinked inode, lost)."""
        path = self.db.path
        if path is None:
            return
        opened = self.connection.connection.info.get(FILE_ID)
        if opened is not None and _file_id(path) != opened:
            raise DatabaseUnavailable("file_replaced", url=str(path))
