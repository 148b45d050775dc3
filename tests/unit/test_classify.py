"""``classify``: every driver error it maps, built with the real SQLSTATE (psycopg) or
raised for real by SQLite, becomes the public error it promises (returned, never
raised; never a private type), so the exit code is right: a lost race is a conflict
(exit 5), everything else the database did says what happened (exit 6)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import psycopg
import psycopg.errors
import pytest
from sqlalchemy.exc import DBAPIError, PendingRollbackError

from onenumber_cli.cli.exitcodes import exit_code_for
from onenumber_cli.errors import Conflict, DatabaseUnavailable, OneNumberError
from onenumber_cli.i18n.errors import ERRORS
from onenumber_cli.storage.engine import Database, classify, parse_url

PG_URL = parse_url("postgresql+psycopg://op:s3cret@db.example/onenumber")
SQLITE_URL = parse_url("sqlite:///onenumber.db")


def _wrapped(orig: Exception, base: type[Exception], *,
             invalidated: bool = False) -> DBAPIError:
    """The driver's exception as SQLAlchemy hands it on."""
    error = DBAPIError.instance("SELECT 1", {}, orig, base, connection_invalidated=invalidated)
    assert isinstance(error, DBAPIError)
    return error


def _postgres(sqlstate: str, *, invalidated: bool = False,
              message: str = "boom") -> DBAPIError:
    orig = psycopg.errors.lookup(sqlstate)(f"{message} (password s3cret)")
    return _wrapped(orig, psycopg.Error, invalidated=invalidated)


# (SQLSTATE, the public type, its code.reason); the first group is retried by a change
POSTGRES_CASES = [
    ("23505", Conflict, "conflict.busy"),  # unique_violation: a concurrent insert won
    ("40001", Conflict, "conflict.busy"),  # serialization_failure
    ("40P01", Conflict, "conflict.busy"),  # deadlock_detected
    ("55P03", Conflict, "conflict.busy"),  # lock_not_available (lock_timeout)
    ("25P03", DatabaseUnavailable, "database_unavailable.idle_session"),
    ("57P05", DatabaseUnavailable, "database_unavailable.idle_session"),
    ("25006", DatabaseUnavailable, "database_unavailable.read_only_transaction"),
    ("53100", DatabaseUnavailable, "database_unavailable.disk_full"),
    ("57014", DatabaseUnavailable, "database_unavailable.statement_timeout"),
    ("26000", DatabaseUnavailable, "database_unavailable.prepared_statement"),
    ("42P05", DatabaseUnavailable, "database_unavailable.prepared_statement"),
    ("42501", DatabaseUnavailable, "database_unavailable.read_only"),
    ("23503", DatabaseUnavailable, "database_unavailable.refused"),  # foreign key
    ("23514", DatabaseUnavailable, "database_unavailable.refused"),  # check
    ("23502", DatabaseUnavailable, "database_unavailable.refused"),  # not null
    ("P0001", DatabaseUnavailable, "database_unavailable.refused"),  # RAISE in a trigger
    ("08006", DatabaseUnavailable, "database_unavailable.unreachable"),
    ("08001", DatabaseUnavailable, "database_unavailable.unreachable"),
    ("28P01", DatabaseUnavailable, "database_unavailable.unreachable"),  # password
    ("3D000", DatabaseUnavailable, "database_unavailable.unreachable"),  # no database
    ("57P01", DatabaseUnavailable, "database_unavailable.unreachable"),  # admin shutdown
    ("57P03", DatabaseUnavailable, "database_unavailable.unreachable"),  # starting up
    ("53300", DatabaseUnavailable, "database_unavailable.unreachable"),  # connections
    ("42P01", DatabaseUnavailable, "database_unavailable.schema"),  # undefined table
    ("42703", DatabaseUnavailable, "database_unavailable.schema"),  # undefined column
    ("XX000", DatabaseUnavailable, "database_unavailable.unreachable"),  # internal
]


@pytest.mark.parametrize(("sqlstate", "kind", "code"), POSTGRES_CASES,
                         ids=[case[0] for case in POSTGRES_CASES])
def test_each_postgres_error_becomes_the_public_error_it_means(
        sqlstate: str, kind: type[OneNumberError], code: str) -> None:
    error = classify(_postgres(sqlstate), PG_URL)
    assert type(error) is kind
    assert str(error) == code
    assert exit_code_for(error) == (5 if kind is Conflict else 6)
    assert (error.code, error.reason) in ERRORS  # it has a message and a hint
    assert "s3cret" not in repr(error.params)  # the URL's password blanked in the detail


def test_a_connection_the_server_dropped_is_lost_unless_it_says_it_was_idle() -> None:
    lost = classify(_postgres("57P01", invalidated=True), PG_URL)
    assert str(lost) == "database_unavailable.lost"
    idle = classify(_postgres("25P03", invalidated=True), PG_URL)
    assert str(idle) == "database_unavailable.idle_session"


@pytest.mark.parametrize("text", [
    "consuming input failed: server closed the connection unexpectedly",
    "the connection is lost",
    "SSL SYSCALL error: EOF detected",
])
def test_a_connection_dropped_under_a_statement_is_lost_even_if_not_marked(text: str) -> None:
    error = classify(_wrapped(psycopg.OperationalError(text), psycopg.Error), PG_URL)
    assert str(error) == "database_unavailable.lost"


def test_every_sqlstate_psycopg_knows_is_returned_as_a_public_error() -> None:
    states = sorted(psycopg.errors._sqlcodes)  # every SQLSTATE of the server's list
    assert len(states) > 200
    for sqlstate in states:
        for invalidated in (False, True):
            error = classify(_postgres(sqlstate, invalidated=invalidated), PG_URL)
            assert type(error) in (Conflict, DatabaseUnavailable), sqlstate
            assert (error.code, error.reason) in ERRORS, sqlstate


# --- SQLite: each error raised for real ---------------------------------------------


def _raised(action: Callable[[], object]) -> DBAPIError:
    with pytest.raises(sqlite3.Error) as caught:
        action()
    return _wrapped(caught.value, sqlite3.Error)


def _database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=0)
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
                 "UNIQUE CHECK (name <> ''), parent INTEGER REFERENCES t (id))")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _busy(path: Path) -> DBAPIError:
    holder = _database(path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        return _raised(lambda: _database(path).execute("BEGIN IMMEDIATE"))
    finally:
        holder.rollback()


def _full(path: Path) -> DBAPIError:
    conn = _database(path)
    conn.execute("PRAGMA max_page_count = 3")
    return _raised(lambda: conn.executemany("INSERT INTO t (name) VALUES (?)",
                                            [("x" * 500 + str(n),) for n in range(200)]))


def _read_only(path: Path) -> DBAPIError:
    _database(path).close()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return _raised(lambda: conn.execute("INSERT INTO t (name) VALUES ('a')"))


def _unique(path: Path) -> DBAPIError:
    conn = _database(path)
    conn.execute("INSERT INTO t (name) VALUES ('a')")
    return _raised(lambda: conn.execute("INSERT INTO t (name) VALUES ('a')"))


def _primary_key(path: Path) -> DBAPIError:
    conn = _database(path)
    conn.execute("INSERT INTO t (id, name) VALUES (1, 'a')")
    return _raised(lambda: conn.execute("INSERT INTO t (id, name) VALUES (1, 'b')"))


def _check(path: Path) -> DBAPIError:
    return _raised(lambda: _database(path).execute("INSERT INTO t (name) VALUES ('')"))


def _not_null(path: Path) -> DBAPIError:
    return _raised(lambda: _database(path).execute("INSERT INTO t (name) VALUES (NULL)"))


def _foreign_key(path: Path) -> DBAPIError:
    return _raised(lambda: _database(path).execute(
        "INSERT INTO t (name, parent) VALUES ('a', 99)"))


def _no_table(path: Path) -> DBAPIError:
    return _raised(lambda: _database(path).execute("SELECT * FROM missing"))


def _no_column(path: Path) -> DBAPIError:
    return _raised(lambda: _database(path).execute("SELECT missing FROM t"))


def _cannot_open(path: Path) -> DBAPIError:
    return _raised(lambda: sqlite3.connect(path.parent / "no-such-dir" / "x.db"))


def _not_a_database(path: Path) -> DBAPIError:
    path.write_bytes(b"this is not a database file" * 100)
    return _raised(lambda: sqlite3.connect(path).execute("SELECT * FROM sqlite_master"))


def _file_too_large(path: Path) -> DBAPIError:  # SQLITE_IOERR_WRITE (EFBIG); as given
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = sqlite3.SQLITE_IOERR_WRITE
    return _wrapped(error, sqlite3.Error)


def _table_locked(path: Path) -> DBAPIError:  # SQLITE_LOCKED: shared cache only; as given
    error = sqlite3.OperationalError("database table is locked")
    return _wrapped(error, sqlite3.Error)


SQLITE_CASES: list[tuple[Callable[[Path], DBAPIError], type[OneNumberError], str]] = [
    (_busy, Conflict, "conflict.busy"),
    (_table_locked, Conflict, "conflict.busy"),
    (_unique, Conflict, "conflict.busy"),
    (_primary_key, Conflict, "conflict.busy"),
    (_full, DatabaseUnavailable, "database_unavailable.disk_full"),
    (_read_only, DatabaseUnavailable, "database_unavailable.read_only"),
    (_check, DatabaseUnavailable, "database_unavailable.refused"),
    (_not_null, DatabaseUnavailable, "database_unavailable.refused"),
    (_foreign_key, DatabaseUnavailable, "database_unavailable.refused"),
    (_no_table, DatabaseUnavailable, "database_unavailable.schema"),
    (_no_column, DatabaseUnavailable, "database_unavailable.schema"),
    (_cannot_open, DatabaseUnavailable, "database_unavailable.unreachable"),
    (_file_too_large, DatabaseUnavailable, "database_unavailable.io_error"),
    (_not_a_database, DatabaseUnavailable, "database_unavailable.unreachable"),
]


@pytest.mark.parametrize(("make", "kind", "code"), SQLITE_CASES,
                         ids=[case[0].__name__.strip("_") for case in SQLITE_CASES])
def test_each_sqlite_error_becomes_the_public_error_it_means(
        tmp_path: Path, make: Callable[[Path], DBAPIError], kind: type[OneNumberError],
        code: str) -> None:
    error = classify(make(tmp_path / "t.db"), SQLITE_URL)
    assert type(error) is kind
    assert str(error) == code
    assert exit_code_for(error) == (5 if kind is Conflict else 6)
    assert (error.code, error.reason) in ERRORS


def test_a_connection_used_again_after_it_was_lost_is_reported_as_lost() -> None:
    db = Database(SQLITE_URL)
    with pytest.raises(DatabaseUnavailable) as lost, db.translate_errors():
        raise PendingRollbackError("Can't reconnect until invalid transaction is rolled back")
    assert str(lost.value) == "database_unavailable.lost"
    db.dispose()


def test_classify_is_the_engines_only_public_translation() -> None:
    """Nothing outside the engine module reaches for its private retry signal."""
    root = Path(__file__).resolve().parents[2] / "onenumber_cli"
    for source in root.rglob("*.py"):
        if source.name != "engine.py":
            text = source.read_text()
            assert "_Retry" not in text and "_Lost" not in text and "_triage" not in text, source
