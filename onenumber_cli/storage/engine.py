"""Engines and transactions: SQLite pragmas, write locks, retries, error translation.

* SQLite: WAL, foreign keys, a busy timeout; write transactions start with
  ``BEGIN IMMEDIATE`` so two writers serialise at the start instead of failing at commit.
* PostgreSQL: the service layer locks the contract row (``SELECT ... FOR UPDATE``);
  ``lock_timeout`` bounds the wait.
* Driver errors never leave this module raw: lock timeouts, deadlocks, serialization
  failures and constraint races are retried a bounded number of times with jitter and
  then become :class:`~onenumber_cli.errors.Conflict`; everything that means "the
  database is not usable" becomes :class:`~onenumber_cli.errors.DatabaseUnavailable`,
  with a reason saying what happened (:func:`classify`, one table a driver; it returns
  the public error, never raises, and the retry signal never leaves this module).
* PostgreSQL: a COMMIT is bounded (:data:`COMMIT_TIMEOUT_SECONDS`; a synchronous
  standby that does not answer would hold it without end).
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, create_engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    PendingRollbackError,
    SQLAlchemyError,
)

from onenumber_cli.errors import (
    CommitUnknown,
    Conflict,
    DatabaseUnavailable,
    InvalidArgument,
    OneNumberError,
    StrayWal,
)
from onenumber_cli.storage.location import make_private_dir

T = TypeVar("T")

LOCK_TIMEOUT_SECONDS = 3.0  # how long one attempt waits for the account's lock
LOCK_TIMEOUT_RANGE = (0.01, 600.0)  # seconds; PostgreSQL would read 0 ms as "no limit"
# PostgreSQL, reads only: how long one statement may run (a report on a huge database
# may need more: ONENUMBER_STATEMENT_TIMEOUT); reads wait for a lock LOCK_TIMEOUT_SECONDS.
STATEMENT_TIMEOUT_SECONDS = 60.0
STATEMENT_TIMEOUT_RANGE = (0.1, 86400.0)
# PostgreSQL, changes: how long a COMMIT may take before it is cancelled and reported as
# of unknown outcome (a synchronous standby that does not answer: the server waits for it
# without end, and neither lock_timeout nor statement_timeout covers that wait).
COMMIT_TIMEOUT_SECONDS = 30.0
COMMIT_TIMEOUT_RANGE = (0.1, 86400.0)
CANCEL_GRACE_SECONDS = 5.0  # after the cancel request: then the socket is shut
MAX_ATTEMPTS = 4  # attempts per transaction before reporting a conflict
RECONNECT_BACKOFF = 0.25  # seconds before the first new connection after a lost one
RECONNECT_BACKOFF_MAX = 2.0  # the pause doubles up to this
# How long a change waits for a primary after its connection was lost (a restart, a
# failover): Patroni's defaults (ttl 30 s, loop_wait 10 s) elect a new leader within
# about 45 s of a node's death.  ONENUMBER_RECONNECT_TIMEOUT; 0: give up at once.
RECONNECT_TIMEOUT_SECONDS = 60.0
RECONNECT_TIMEOUT_RANGE = (0.0, 3600.0)
SYNCHRONOUS_MODES = ("full", "normal")  # SQLite: full = one fsync a commit (durable)
_SECRET_QUERY_KEYS = ("password", "sslpassword")  # libpq options that carry secrets


class _Retry(Exception):
    """Internal to this module: the transaction may be run again (a lost race, or a
    connection lost before its commit); ``error`` is what to report when the attempts
    run out."""

    def __init__(self, error: OneNumberError, *, lost: bool = False) -> None:
        super().__init__(str(error))
        self.error = error
        self.lost = lost  # run again on a new connection, after a pause


def _secret_keys(url: URL) -> list[str]:
    """The URL's query keys that carry a secret, in any case (``?PASSWORD=`` too: a
    secret is hidden whatever its spelling, whether or not libpq reads it)."""
    return [key for key in url.query if key.lower() in _SECRET_QUERY_KEYS]


class WaitInterrupted(Exception):
    """Waiting for the database to come back was ended by the caller's ``stop`` (Ctrl-C):
    the transaction did not commit."""


def validate_reconnect_timeout(seconds: float) -> float:
    """Seconds a change waits for a primary after a lost connection, within range."""
    return validate_seconds(seconds, RECONNECT_TIMEOUT_RANGE, "reconnect_timeout")


@dataclass
class Reconnect:
    """The retry policy for a lost connection: new connections after pauses that double
    (:data:`RECONNECT_BACKOFF` up to :data:`RECONNECT_BACKOFF_MAX`) until ``timeout``
    seconds have passed since the connection was lost.  ``waiting`` (when set) is told
    the seconds waited so far, about once a second, and ``None`` when the wait is over
    (a terminal shows it); ``stop`` is asked every 0.1 s and ends the wait."""

    timeout: float = RECONNECT_TIMEOUT_SECONDS
    waiting: Callable[[float | None], None] | None = None

    def pause(self, since: float, attempt: int, stop: Callable[[], bool] | None) -> bool:
        """Sleep before reconnect attempt ``attempt`` + 1 of a wait that began at
        ``since`` (monotonic); False when the window is spent (give up)."""
        left = since + self.timeout - time.monotonic()
        if left <= 0:
            return False
        until = time.monotonic() + min(RECONNECT_BACKOFF * 2 ** (attempt - 1),
                                       RECONNECT_BACKOFF_MAX, left)
        while (now := time.monotonic()) < until:
            if stop is not None and stop():
                raise WaitInterrupted()
            if self.waiting is not None:
                self.waiting(now - since)
            time.sleep(min(0.1, until - now))
        return True

    def over(self) -> None:
        if self.waiting is not None:
            self.waiting(None)


class SchemaWait(_Retry):
    """The change waited the lock timeout for its place against migrations (a ``db
    upgrade`` running, or a session holding the schema table): retried like a lost race,
    then reported as ``conflict`` ``schema_lock`` naming the holders in ``detail``."""

    def __init__(self, holders: str) -> None:
        super().__init__(Conflict("schema_lock", attempts=MAX_ATTEMPTS, detail=holders))


def _hidden(url: URL) -> URL:
    """``url`` with every secret (the password, and ``?password=`` or ``?sslpassword=``
    given as query parameters, which libpq accepts too) replaced by ``***``."""
    secrets_given = {key: "***" for key in _secret_keys(url)}
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
    for key in _secret_keys(url):
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


def validate_commit_timeout(seconds: float) -> float:
    """Seconds a COMMIT may take, within :data:`COMMIT_TIMEOUT_RANGE`."""
    return validate_seconds(seconds, COMMIT_TIMEOUT_RANGE, "commit_timeout")


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for in-memory and non-SQLite URLs."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("uri") == "true":  # sqlite:///file:PATH?mode=ro&uri=true: SQLite's own
        return None
    return Path(url.database).expanduser()


def real_sqlite_url(url: URL) -> URL:
    """A SQLite URL naming its file by its real path (every symbolic link resolved, once, at
    open): SQLite names the WAL and its index after the path it opens, so two processes
    opening one file by two names would each write a WAL of their own, and corrupt it."""
    path = sqlite_path(url)
    if path is None:
        return url
    real = os.path.realpath(path)
    return url if real == url.database else url.set(database=real)


def refuse_second_name(path: Path) -> None:
    """Refuse a database file that has another name (a hard link): a process opening it by
    that name would use another WAL (symbolic links are resolved; a hard link cannot be)."""
    try:
        links = os.stat(path).st_nlink
    except OSError:
        return  # missing: the caller's own check says so
    if links > 1:
        raise DatabaseUnavailable("hard_linked", url=str(path), links=links)


# The SQLite files (st_dev, st_ino) this process has opened: their WAL is its own, and
# reading such a file through a descriptor of our own would drop, at its close, the POSIX
# locks SQLite's connections of this process hold on it.
_OPENED_FILES: set[tuple[int, int]] = set()


def _remember_opened(path: Path | None) -> None:
    if path is not None and (found := _file_id(path)) is not None:
        _OPENED_FILES.add(found)


def refuse_stray_wal(path: Path) -> None:
    """Refuse to open a SQLite file whose ``-wal`` was made on another file (see
    :mod:`onenumber_cli.storage.wal`): SQLite would apply it, writing another database's
    pages into this one.  Checked before this process first opens the file."""
    from onenumber_cli.storage import wal

    if _file_id(path) in _OPENED_FILES:
        return
    if wal.stray_wal(path):
        raise StrayWal(url=str(path), wal=str(wal.wal_path(path)))


def prepare_sqlite_file(path: Path, *, create: bool, private_dir: bool = False) -> None:
    """Create the database file with mode 0600 (its WAL/SHM files inherit it from SQLite).

    With ``create=False`` a missing file is an error rather than a silent new database.
    """
    if path.exists():
        return
    if not create:
        raise DatabaseUnavailable("missing_file", url=str(path))
    try:
        if private_dir:
            make_private_dir(path.parent)
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


def _not_terminating_noise(record: logging.LogRecord) -> bool:
    """psycopg logs "error ignored terminating <Pipeline>: ..." when it ends a pipeline on
    a connection that already failed; the failure itself is raised, and reported as a
    typed error: that line would only repeat it, raw, on stderr."""
    return not str(record.msg).startswith("error ignored terminating")


def _quiet_psycopg_noise() -> None:
    logger = logging.getLogger("psycopg")
    if _not_terminating_noise not in logger.filters:
        logger.addFilter(_not_terminating_noise)


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
            path = sqlite_path(url)
            if path is not None:
                event.listen(engine, "do_connect", partial(_sqlite_read_only, path))
            event.listen(engine, "connect", partial(_sqlite_on_connect, synchronous, path))
            event.listen(engine, "begin", _sqlite_on_begin)
        else:
            _quiet_psycopg_noise()
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
    """The file at ``path`` itself (``lstat``: a symbolic link put in the place of the
    real path the database was opened by is not the file, even if it points to it)."""
    try:
        status = os.lstat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


READ_ONLY = "onenumber_read_only"  # connection info key: opened read-only


def read_only_uri(path: Path) -> str | None:
    """A ``file:`` URI opening ``path`` read-only, when this process may not write it (a
    read-only mount, no write permission on the file or its directory), else None.
    SQLite would otherwise fail even a read: it creates the WAL's ``-shm`` file next to
    the database.  Immutable (no locks, no ``-shm``) when the directory cannot take that
    file and there is no WAL content to read; a change then fails as a read-only
    database (exit 6, ``read_only``)."""
    directory = path.parent
    if not path.exists() or (os.access(path, os.W_OK) and os.access(directory, os.W_OK)):
        return None
    wal = path.with_name(path.name + "-wal")
    immutable = not os.access(directory, os.W_OK) and (not wal.exists() or
                                                       wal.stat().st_size == 0)
    return f"{path.absolute().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")


def _sqlite_read_only(path: Path, _dialect: Any, record: Any, cargs: list[Any],
                      cparams: dict[str, Any]) -> None:
    uri = read_only_uri(path)
    record.info[READ_ONLY] = uri is not None
    if uri is not None:
        cargs[:1] = [uri]
        cparams["uri"] = True


def _sqlite_on_connect(synchronous: str, path: Path | None, dbapi_connection: Any,
                       record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (the pysqlite recipe), so that
    # write transactions can be BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        if not record.info.get(READ_ONLY):  # a read-only file keeps its journal mode
            cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: WAL synced at every commit, so a change reported done survives power
        # loss; NORMAL (an explicit setting) may lose the last commits, never corrupts.
        cursor.execute("PRAGMA synchronous = FULL" if synchronous == "full"
                       else "PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()
    if path is not None:  # which file this connection opened (see Writes._check_file)
        record.info[FILE_ID] = _file_id(path)
        _remember_opened(path)


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


# What a driver error means.  ``RETRY``: a lost race, run the transaction again;
# ``LOST``: the connection is gone (before the commit: run it again on a new one);
# anything else: the reason of the :class:`DatabaseUnavailable` to report.  One row a
# case, the first that matches wins; a test builds each driver error and checks it.
RETRY, LOST = "retry", "lost"
# PostgreSQL: an SQLSTATE, or its first two characters (its class).
_BY_SQLSTATE: tuple[tuple[str, str], ...] = (
    ("23505", RETRY),  # unique_violation: a key a concurrent transaction took
    ("40001", RETRY),  # serialization_failure
    ("40P01", RETRY),  # deadlock_detected
    ("55P03", RETRY),  # lock_not_available: lock_timeout
    ("25P03", "idle_session"),  # idle_in_transaction_session_timeout ended the session
    ("57P05", "idle_session"),  # idle_session_timeout ended the session
    ("25006", "read_only_transaction"),  # default_transaction_read_only, a hot standby
    ("53100", "disk_full"),
    ("57014", "statement_timeout"),  # query_canceled: statement_timeout, or a cancel
    ("26000", "prepared_statement"),  # invalid_sql_statement_name
    ("42P05", "prepared_statement"),  # duplicate_prepared_statement
    ("42501", "read_only"),  # insufficient_privilege
    ("23", "refused"),  # another constraint: a rule the database enforces
    ("P0", "refused"),  # raised by a trigger or function
    ("08", "unreachable"), ("28", "unreachable"), ("3D", "unreachable"),
    ("57", "unreachable"), ("53", "unreachable"),
    ("42", "schema"),  # an undefined table or column: not the schema expected
)
# SQLite: a primary result code (the extended code's low byte), with the texts that
# mean it when the driver gives no code.
_BY_SQLITE_CODE: tuple[tuple[int, str, str], ...] = (
    (sqlite3.SQLITE_BUSY, "database is locked", RETRY),
    (sqlite3.SQLITE_LOCKED, "database table is locked", RETRY),
    (sqlite3.SQLITE_FULL, "database or disk is full", "disk_full"),
    (sqlite3.SQLITE_READONLY, "readonly database", "read_only"),
    (sqlite3.SQLITE_CANTOPEN, "unable to open database file", "unreachable"),
    (sqlite3.SQLITE_IOERR, "disk I/O error", "io_error"),  # e.g. a file size limit (EFBIG)
    (sqlite3.SQLITE_CONSTRAINT, "UNIQUE constraint failed", RETRY),  # unique: see below
    (sqlite3.SQLITE_ERROR, "no such table", "schema"),
    (sqlite3.SQLITE_ERROR, "no such column", "schema"),
)
_SQLITE_UNIQUE = (sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
# libpq's words for a connection that died under a statement, when SQLAlchemy has not
# marked it invalidated (psycopg had not flagged it broken yet): lost, not "unreachable"
_DROPPED = ("server closed the connection unexpectedly", "consuming input failed",
            "the connection is lost", "SSL SYSCALL error: EOF detected")


def _postgres_verdict(state: str) -> str | None:
    for prefix, verdict in _BY_SQLSTATE:
        if state.startswith(prefix):
            return verdict
    return None


def _sqlite_verdict(orig: BaseException, text: str) -> str | None:
    code = getattr(orig, "sqlite_errorcode", None)
    for primary, words, verdict in _BY_SQLITE_CODE:
        if (code is not None and code & 0xFF == primary) or words in text:
            if primary == sqlite3.SQLITE_CONSTRAINT:  # only a unique key taken is a race
                return RETRY if code in _SQLITE_UNIQUE or words in text else "refused"
            if primary != sqlite3.SQLITE_ERROR or words in text:
                return verdict
    return None


def _triage(exc: DBAPIError, url: URL) -> tuple[str, OneNumberError]:
    """What a driver error means (:data:`RETRY`, :data:`LOST` or the final reason) and
    the public error to report for it (for a retry or a loss: when it is given up)."""
    text = str(exc.orig)
    state = _sqlstate(exc)
    detail = _first_line(text, url)
    if state is not None:
        verdict = _postgres_verdict(state)
    else:
        verdict = _sqlite_verdict(exc.orig, text) if isinstance(exc.orig, sqlite3.Error) \
            else None
    name = getattr(exc.orig, "sqlite_errorname", None)
    if verdict == "io_error" and name:  # which I/O failed: SQLITE_IOERR_SHMSIZE on a full disk
        detail = f"{detail} ({name})"
    if verdict == "idle_session":  # the server ended the session: reported as such
        return LOST, DatabaseUnavailable("idle_session", url=masked(url), detail=detail)
    dropped = state is None and any(words in text for words in _DROPPED)
    if exc.connection_invalidated or dropped:  # the server went away: a new one may work
        return LOST, DatabaseUnavailable("lost", url=masked(url), detail=detail)
    if isinstance(exc, IntegrityError) and verdict != RETRY:
        verdict = "refused"  # any constraint but a unique key taken by a concurrent change
    if verdict == RETRY:
        return RETRY, Conflict("busy", detail=detail)
    return verdict or "unreachable", DatabaseUnavailable(verdict or "unreachable",
                                                         url=masked(url), detail=detail)


def classify(exc: DBAPIError, url: URL) -> OneNumberError:
    """The typed error a driver error means (returned, never raised): a lost race is
    :class:`Conflict` (exit 5), everything else :class:`DatabaseUnavailable` (exit 6)
    with the reason saying what happened."""
    return _triage(exc, url)[1]


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
                 statement_timeout: float = STATEMENT_TIMEOUT_SECONDS,
                 commit_timeout: float = COMMIT_TIMEOUT_SECONDS,
                 reconnect_timeout: float = RECONNECT_TIMEOUT_SECONDS) -> None:
        url = self.url = real_sqlite_url(url)
        self.commit_timeout = validate_commit_timeout(commit_timeout)
        self.reconnect = Reconnect(validate_reconnect_timeout(reconnect_timeout))
        self.engine = make_engine(url, echo=echo, lock_timeout=lock_timeout,
                                  synchronous=synchronous, operator=operator,
                                  statement_timeout=statement_timeout)
        self._writer = self.engine.execution_options(onenumber_write=True)
        self.path = sqlite_path(url)
        _remember_opened(self.path)
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
            raise classify(exc, self.url) from None
        except PendingRollbackError as exc:  # used again after its connection was lost
            raise DatabaseUnavailable("lost", url=masked(self.url),
                                      detail=_first_line(str(exc), self.url)) from None

    @contextmanager
    def connected(self) -> Iterator[Connection]:
        """A connection in a read transaction (one snapshot); rolled back, never committed.
        The transaction is begun explicitly: statements may run on the DBAPI cursor
        (see :mod:`onenumber_cli.storage.unit`), which SQLAlchemy's autobegin does not see."""
        with self.translate_errors(), self.engine.connect() as connection:
            connection.begin()
            yield connection

    def write(self, work: Callable[[Connection], T], *, dry_run: bool = False,
              stop: Callable[[], bool] | None = None) -> T:
        """Run ``work`` in one write transaction, retried on lost races (see
        :meth:`Writes.run`)."""
        with self.writing() as writes:
            return writes.run(work, dry_run=dry_run, stop=stop)

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
        self._commit_bounded = False  # the last commit was cancelled by its time bound

    def run(self, work: Callable[[Connection], T], *, dry_run: bool = False,
            stop: Callable[[], bool] | None = None) -> T:
        """Run ``work`` in one write transaction, retried on lost races.

        Everything ``work`` does (the change, its history and its audit record) commits
        together or not at all (R11).  With ``dry_run`` every statement runs, so the
        rules and the database constraints are checked for real, then it rolls back.
        ``work`` may roll back itself (an atomic batch with a refused row); then there
        is nothing left to commit.

        A connection lost before the commit (the server restarted, a failover, the
        session killed) is replaced and the transaction run again, as long as a new
        connection comes within the database's :class:`Reconnect` window (a primary
        being elected); ``stop`` ends that wait (:class:`WaitInterrupted`).  Lost at
        the commit itself, nobody can know whether it committed, so that is reported
        (exit 6) and never retried.  So is a PostgreSQL COMMIT that the server does not
        confirm within the commit timeout, or that Ctrl-C interrupts
        (:class:`~onenumber_cli.errors.CommitUnknown`, see :class:`_CommitWatch`).
        """
        last: _Retry | None = None
        races = lost = 0
        lost_since = 0.0
        try:
            while True:
                try:
                    return self._attempt(work, dry_run,
                                         reconnecting=last is not None and last.lost)
                except _Retry as retry:
                    last = retry
                    if retry.lost:
                        lost += 1
                        lost_since = lost_since or time.monotonic()
                        if not self.db.reconnect.pause(lost_since, lost, stop):
                            break
                        continue
                    races += 1
                    if races >= MAX_ATTEMPTS:
                        break
                    time.sleep(random.uniform(0.01, 0.05) * races)
        finally:
            if lost:
                self.db.reconnect.over()
        assert last is not None
        detail = last.error.params.get("detail", "")
        if isinstance(last, SchemaWait):  # its error names who holds the schema table
            raise last.error
        if last.lost:  # the window is spent: say so, with what the last try met
            raise DatabaseUnavailable("lost", url=masked(self.db.url),
                                      detail=_first_line(detail, self.db.url))
        raise Conflict("retries", attempts=MAX_ATTEMPTS, detail=detail)

    def _attempt(self, work: Callable[[Connection], T], dry_run: bool, *,
                 reconnecting: bool) -> T:
        connection = self.connection
        committing = False
        self._commit_bounded = False
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
                self._commit()
            return result
        except BaseException as exc:  # a refusal, a lost race, Ctrl-C: nothing of it stays
            self._roll_back()
            if isinstance(exc, DatabaseUnavailable) and exc.reason == "file_replaced":
                self._salvage()
            url = masked(self.db.url)
            if committing and self.db.backend == "postgresql":
                if self._commit_bounded:  # cancelled by the bound: whatever it answered
                    raise CommitUnknown("timeout", url=url,
                                        seconds=self.db.commit_timeout) from None
                if isinstance(exc, KeyboardInterrupt):
                    raise CommitUnknown("interrupted", url=url) from None
            if not isinstance(exc, DBAPIError):
                raise
            verdict, error = _triage(exc, self.db.url)
            if committing and verdict == LOST:
                raise DatabaseUnavailable("lost_at_commit", url=url,
                                          detail=error.params.get("detail", "")) from None
            if verdict in (RETRY, LOST):
                raise _Retry(error, lost=verdict == LOST) from None
            if reconnecting and verdict == "unreachable":  # the server is still coming back
                raise _Retry(error, lost=True) from None
            if verdict == "statement_timeout":  # the role's or database's, on a change
                raise DatabaseUnavailable("write_timeout", url=url,
                                          detail=error.params.get("detail", "")) from None
            raise error from None

    def _commit(self) -> None:
        """Commit; on PostgreSQL within :attr:`Database.commit_timeout` (see
        :class:`_CommitWatch`), noting in ``_commit_bounded`` whether the bound struck."""
        if self.db.backend != "postgresql":
            self.connection.commit()
            return
        driver = self.connection.connection.driver_connection
        with _COMMIT_WATCH.bound(driver, self.db.commit_timeout) as bound:
            try:
                self.connection.commit()
            finally:
                self._commit_bounded = bound.fired
        if bound.fired:
            raise CommitUnknown("timeout", url=masked(self.db.url),
                                seconds=self.db.commit_timeout)

    def _roll_back(self) -> None:
        """Roll back whatever is left; on a connection that is gone, give it up (the pool
        opens a new one for the next transaction) instead of failing a second time."""
        try:
            self.connection.rollback()
        except Exception:  # the connection is unusable, whatever the error
            if not self.connection.invalidated:
                self.connection.invalidate()
            self.connection.rollback()  # on an invalidated connection: bookkeeping only

    def _salvage(self) -> None:
        """SQLite, the file moved or replaced: copy what this connection's WAL holds into
        the file it opened now (a file moved and replaced by a link to itself is what the
        next process opens through the link, with a WAL of its own; a checkpoint later, at
        the close, could overwrite what that process wrote).  Best effort."""
        with suppress(sqlite3.Error, SQLAlchemyError):
            self.connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                "PRAGMA wal_checkpoint(PASSIVE)")

    def _check_file(self) -> None:
        """SQLite: refuse to commit into a file that is no longer the database's (deleted
        or replaced behind our back: the commit would go to an unlinked inode, lost)."""
        path = self.db.path
        if path is None:
            return
        opened = self.connection.connection.info.get(FILE_ID)
        if opened is not None and _file_id(path) != opened:
            raise DatabaseUnavailable("file_replaced", url=str(path))
        refuse_second_name(path)  # a hard link made while it was open


class _Bound:
    """One COMMIT being watched: its connection, when it is due, whether it struck."""

    __slots__ = ("deadline", "driver", "ended", "fired")

    def __init__(self, driver: Any, deadline: float) -> None:
        self.driver = driver
        self.deadline = deadline
        self.fired = False
        self.ended = False  # the COMMIT returned (or failed)

    def strike(self) -> None:
        """Cancel the COMMIT (the server then stops waiting for the synchronous standby,
        the transaction committed locally, or fails it); if even that does not end it
        within :data:`CANCEL_GRACE_SECONDS`, shut the socket, so it returns whatever the
        server does."""
        with suppress(Exception):  # the server unreachable: the socket goes next
            self.driver.cancel_safe(timeout=CANCEL_GRACE_SECONDS)
        given = time.monotonic() + CANCEL_GRACE_SECONDS
        while not self.ended and time.monotonic() < given:  # rare: a poll is cheap enough
            time.sleep(0.05)
        if self.ended:
            return
        with suppress(OSError), socket.socket(fileno=os.dup(self.driver.fileno())) as sock:
            sock.shutdown(socket.SHUT_RDWR)


class _CommitWatch:
    """One thread for the process watching every PostgreSQL COMMIT in progress (a thread
    a commit would cost 70 us each): the ones still running at their deadline are struck
    (see :meth:`_Bound.strike`); their outcome is then not known."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._bounds: set[_Bound] = set()
        self._thread: threading.Thread | None = None
        self._wakes_at = float("inf")  # when the watching thread looks next

    @contextmanager
    def bound(self, driver: Any, seconds: float) -> Iterator[_Bound]:
        bound = _Bound(driver, time.monotonic() + seconds)
        with self._changed:
            self._bounds.add(bound)
            if self._thread is None or not self._thread.is_alive():  # first, or forked
                self._thread = threading.Thread(target=self._watch, daemon=True,
                                                name="onenumber-commit-watch")
                self._thread.start()
            if bound.deadline < self._wakes_at:  # else it looks in time anyway (cheap)
                self._wakes_at = bound.deadline
                self._changed.notify()
        try:
            yield bound
        finally:
            bound.ended = True
            with self._changed:
                self._bounds.discard(bound)

    def _watch(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                due = [bound for bound in self._bounds if not bound.fired and bound.deadline <= now]
                for bound in due:
                    bound.fired = True
                if not due:
                    waiting = [bound.deadline for bound in self._bounds if not bound.fired]
                    self._wakes_at = min(waiting, default=float("inf"))
                    self._changed.wait(self._wakes_at - now if waiting else None)
                    continue
            for bound in due:  # rare: each in its own thread, so no other bound waits
                threading.Thread(target=bound.strike, daemon=True,
                                 name="onenumber-commit-cancel").start()


_COMMIT_WATCH = _CommitWatch()
