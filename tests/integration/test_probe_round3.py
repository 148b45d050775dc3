"""Issue 20, round 3 of the outside probe: a database that misbehaves gets an answer
saying what happened (with the exit code of its kind), never "unexpected internal
error" nor "not available ... check that the server runs" for a server that runs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from onenumber_cli import services
from onenumber_cli.cli.app import app
from onenumber_cli.cli.exitcodes import exit_code_for
from onenumber_cli.errors import Conflict, DatabaseUnavailable
from onenumber_cli.services import Actor
from onenumber_cli.storage import copy as copying
from onenumber_cli.storage import schema
from onenumber_cli.storage.connect import open_database
from onenumber_cli.storage.engine import SCHEMA_LOCK, Database, parse_url
from tests.conftest import POSTGRES_URL
from tests.integration.test_copy import empty_postgres, empty_target  # noqa: F401 (fixtures)

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="ONENUMBER_TEST_POSTGRES_URL "
                                    "is not set (CI sets it)")


def cli(*args: str) -> tuple[int, dict[str, Any]]:
    """The exit code and the JSON error (empty when there is none)."""
    result = CliRunner().invoke(app, ["-o", "json", *args], catch_exceptions=False)
    for stream in (result.stderr, result.stdout):
        if '"error"' in stream:
            return result.exit_code, json.loads(stream)["error"]
    return result.exit_code, {}


def with_setting(url: str, name: str, value: str) -> str:
    """The URL with a server setting for its sessions (libpq ``options``)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-c {name}={value}')}"


@pytest.fixture
def holder(postgres_url: str) -> Iterator[Connection]:
    """Another session, in an open transaction (what it locks is up to the test)."""
    db = Database(parse_url(postgres_url))
    with db.engine.connect() as conn:
        conn.begin()
        yield conn
        conn.rollback()
    db.dispose()


# --- the schema check when the command opens the database ----------------------------


@needs_postgres
@pytest.mark.parametrize("table", ["onenumber_schema", "alembic_version"])
@pytest.mark.parametrize("command", [["status", "acct-1"], ["check"]])
def test_the_opening_schema_check_behind_a_held_lock_is_a_conflict_not_an_internal_error(
        postgres_url: str, holder: Connection, monkeypatch: pytest.MonkeyPatch, table: str,
        command: list[str]) -> None:
    holder.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
    monkeypatch.setenv("ONENUMBER_LOCK_TIMEOUT", "0.3")
    code, error = cli("--db", postgres_url, *command)
    assert (code, error.get("code")) == (5, "conflict"), error


@needs_postgres
@pytest.mark.parametrize("when", ["at its start", "at the schema row"])
def test_a_session_ended_during_the_schema_check_is_a_typed_error(postgres_url: str,
                                                                 when: str) -> None:
    db = Database(parse_url(postgres_url))
    killer = Database(parse_url(postgres_url))

    def end(conn: Connection) -> None:
        pid = conn.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
        with killer.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    if when == "at its start":
        event.listen(db.engine, "begin", end)  # after the transaction's own settings
    else:  # after the savepoint, before the read of the version row (then a rollback to it)
        def before(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
            if "onenumber_schema" in statement and "alembic_version" in statement:
                end(conn)
        event.listen(db.engine, "before_cursor_execute", before)
    try:
        with pytest.raises(DatabaseUnavailable) as ended:
            schema.state(db)
        assert ended.value.reason in ("lost", "unreachable")
        assert exit_code_for(ended.value) == 6
    finally:
        db.dispose()
        killer.dispose()


# --- changes ----------------------------------------------------------------------------


@needs_postgres
def test_a_change_waiting_for_a_running_upgrade_names_the_upgrade(
        postgres_url: str, holder: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    # as migrate holds them (revision 0004: the table for this program, the advisory lock
    # for programs of 0003)
    holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
    holder.execute(text("LOCK TABLE onenumber_schema IN EXCLUSIVE MODE"))
    monkeypatch.setenv("ONENUMBER_LOCK_TIMEOUT", "0.2")
    code, error = cli("--db", postgres_url, "service", "subscribe", "waits-for-upgrade")
    assert code == 5 and error["code"] == "conflict", error
    assert "db upgrade" in error["message"] and "same account" not in error["message"]


@needs_postgres
def test_a_read_only_database_or_role_says_so(postgres_url: str) -> None:
    url = with_setting(postgres_url, "default_transaction_read_only", "on")
    code, error = cli("--db", url, "service", "subscribe", "read-only")
    assert (code, error["code"]) == (6, "database_unavailable"), error
    assert "accepts only reads" in error["message"]
    assert "check that the server runs" not in error["hint"].lower()
    assert cli("--db", url, "accounts", "list")[0] == 0  # reads work


@needs_postgres
def test_a_roles_statement_timeout_on_a_change_is_not_called_a_read(
        postgres_url: str, holder: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("--db", postgres_url, "service", "subscribe", "slow-rename")[0] == 0
    assert cli("--db", postgres_url, "devices", "register", "slow-rename", "--type", "phone",
               "--name", "old")[0] == 0
    holder.execute(text("SELECT * FROM contracts WHERE account = 'slow-rename' FOR UPDATE"))
    monkeypatch.setenv("ONENUMBER_LOCK_TIMEOUT", "30")  # the statement timeout strikes first
    url = with_setting(postgres_url, "statement_timeout", "300")
    started = time.monotonic()
    code, error = cli("--db", url, "devices", "rename", "slow-rename", "old", "new")
    assert time.monotonic() - started < 10
    assert (code, error["code"]) == (6, "database_unavailable"), error
    assert "A change" in error["message"] and "A read" not in error["message"]
    assert "statement_timeout" in error["hint"]


def test_a_full_disk_says_the_disk_is_full(tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "full.db"
    db = open_database(f"sqlite:///{path}", data_dir=tmp_path, create=True, schema_check=False)
    schema.upgrade(db)

    @event.listens_for(db.engine, "connect")
    def _no_more_pages(dbapi_connection: Any, _record: Any) -> None:  # SQLITE_FULL, for real
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    db.engine.dispose()
    try:
        with pytest.raises(DatabaseUnavailable) as full:
            for number in range(2000):
                services.service_subscribe(db, actor, f"account-{number:05d}-" + "x" * 40)
        assert full.value.reason == "disk_full" and exit_code_for(full.value) == 6
    finally:
        db.dispose()


@pytest.fixture
def read_only_database(tmp_path: Path) -> Iterator[str]:
    """A SQLite database with one account, in a directory this process cannot write: a
    read-only bind mount when root (root ignores file modes), else modes 0555/0444."""
    source = tmp_path / "data"
    source.mkdir()
    path = source / "onenumber.db"
    url = f"sqlite:///{path}"
    assert cli("--db", url, "db", "upgrade")[0] == 0
    assert cli("--db", url, "service", "subscribe", "acct-ro")[0] == 0
    assert not path.with_name(path.name + "-wal").exists()  # checkpointed at close
    if os.geteuid() != 0:
        path.chmod(0o444)
        source.chmod(0o555)
        try:
            yield url
        finally:
            source.chmod(0o755)
        return
    mounted = tmp_path / "mounted"
    mounted.mkdir()
    for command in (["mount", "--bind", str(source), str(mounted)],
                    ["mount", "-o", "remount,bind,ro", str(mounted)]):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            subprocess.run(["umount", str(mounted)], capture_output=True, check=False)
            pytest.skip(f"root, and no read-only bind mount here: {done.stderr.strip()}")
    try:
        yield f"sqlite:///{mounted / path.name}"
    finally:
        subprocess.run(["umount", str(mounted)], capture_output=True, check=False)


def test_a_sqlite_database_that_cannot_be_written_is_still_read(
        read_only_database: str) -> None:
    code, error = cli("--db", read_only_database, "status", "acct-ro")
    assert code == 0, error
    result = CliRunner().invoke(app, ["--db", read_only_database, "-o", "json",
                                      "accounts", "list"], catch_exceptions=False)
    assert result.exit_code == 0 and "acct-ro" in result.stdout
    code, error = cli("--db", read_only_database, "service", "cancel", "acct-ro", "--yes")
    assert (code, error["code"]) == (6, "database_unavailable"), error
    assert "read-only" in error["message"]
    assert "acct-ro" in CliRunner().invoke(app, ["--db", read_only_database, "-o", "json",
                                                 "status", "acct-ro"]).stdout


# --- db copy ----------------------------------------------------------------------------


@needs_postgres
def test_a_copy_whose_source_session_is_ended_for_idling_says_so(
        postgres_url: str, tmp_path: Path) -> None:
    source = Database(parse_url(with_setting(postgres_url, "idle_in_transaction_session_timeout",
                                             "100")))
    target = open_database(f"sqlite:///{tmp_path / 'copy.db'}", data_dir=tmp_path,
                           create=True, schema_check=False)
    try:
        with pytest.raises(DatabaseUnavailable) as ended:
            copying.copy(source, target, progress=lambda *_: time.sleep(0.4))
        assert ended.value.reason == "idle_session" and exit_code_for(ended.value) == 6
    finally:
        source.dispose()
        target.dispose()


def test_a_second_copy_into_the_same_target_is_refused_while_the_first_runs(
        db: Database, empty_target: str, tmp_path: Path) -> None:  # noqa: F811
    started, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def first_progress(*_: object) -> None:
        started.set()
        release.wait(30)

    def first() -> None:
        target = open_database(empty_target, data_dir=tmp_path, create=True,
                               schema_check=False)
        try:
            outcome.append(copying.copy(db, target, progress=first_progress))
        except Exception as exc:  # reported by the assertion below
            outcome.append(exc)
        finally:
            target.dispose()

    running = threading.Thread(target=first)
    running.start()
    try:
        assert started.wait(30)
        second = open_database(empty_target, data_dir=tmp_path, create=True,
                               schema_check=False)
        try:
            with pytest.raises(Conflict) as refused:
                copying.copy(db, second)
        finally:
            second.dispose()
        assert refused.value.reason == "copy_running" and exit_code_for(refused.value) == 5
    finally:
        release.set()
        running.join(60)
    assert isinstance(outcome[0], copying.CopyReport), outcome  # the first one finished


# --- noise ------------------------------------------------------------------------------


def test_psycopgs_pipeline_termination_warning_is_not_printed_but_other_warnings_are(
        caplog: pytest.LogCaptureFixture) -> None:
    Database(parse_url("postgresql+psycopg://nobody@127.0.0.1:1/none")).dispose()
    logger = logging.getLogger("psycopg")
    logger.warning("error ignored terminating %r: %s", "<psycopg.Pipeline>",
                   "server closed the connection unexpectedly")
    logger.warning("query cancellation failed: %s", "timeout")
    err = caplog.text  # what reaches any handler (the last resort one: stderr)
    assert "error ignored terminating" not in err
    assert "query cancellation failed" in err
