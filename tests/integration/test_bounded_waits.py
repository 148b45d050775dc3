"""Bounded waits on PostgreSQL: a read or a migration behind a lock held by an open
transaction answers within its timeout (exit 5, or exit 6 for a statement timeout)
instead of queueing without end, and every operator queued behind it with it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from onenumber_cli.cli.app import app
from onenumber_cli.storage import revision
from onenumber_cli.storage.engine import Database, parse_url
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL,
                                reason="ONENUMBER_TEST_POSTGRES_URL is not set (CI sets it)")


def cli(*args: str) -> tuple[int, str, str, float]:
    started = time.monotonic()
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr, time.monotonic() - started


@pytest.fixture
def holder(postgres_url: str) -> Iterator[Connection]:
    """Another session, in an open transaction (what it locks is up to the test)."""
    db = Database(parse_url(postgres_url))
    with db.engine.connect() as conn:
        conn.begin()
        yield conn
        conn.rollback()
    db.dispose()


def test_a_read_behind_a_held_lock_ends_at_the_lock_timeout(
    postgres_url: str, holder: Connection, monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cli("--db", postgres_url, "service", "subscribe", "held")[0] == 0
    holder.execute(text("LOCK TABLE contracts IN ACCESS EXCLUSIVE MODE"))
    monkeypatch.setenv("ONENUMBER_LOCK_TIMEOUT", "0.5")
    code, _, err, took = cli("--db", postgres_url, "status", "held")
    assert code == 5 and "lock timeout" in err, err
    assert took < 5


def test_a_read_longer_than_the_statement_timeout_exits_6(
    postgres_url: str, holder: Connection, monkeypatch: pytest.MonkeyPatch,
) -> None:
    holder.execute(text("LOCK TABLE contracts IN ACCESS EXCLUSIVE MODE"))
    monkeypatch.setenv("ONENUMBER_LOCK_TIMEOUT", "30")
    monkeypatch.setenv("ONENUMBER_STATEMENT_TIMEOUT", "0.3")
    code, _, err, took = cli("--db", postgres_url, "-o", "json", "accounts", "list")
    assert code == 6 and "statement timeout" in err and "ONENUMBER_STATEMENT_TIMEOUT" in err
    assert took < 10


def test_the_timeouts_are_the_transactions_own(postgres_url: str) -> None:
    """set_config(..., true): a pooled connection keeps none of them afterwards."""
    db = Database(parse_url(postgres_url), lock_timeout=1.5, statement_timeout=7)
    try:
        with db.engine.connect() as conn:
            conn.begin()
            assert conn.execute(text("SHOW lock_timeout")).scalar() == "1500ms"
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "7s"
            conn.rollback()
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor:  # outside any transaction of ours
                cursor.execute("SHOW lock_timeout")
                row = cursor.fetchone()
                assert row is not None and row[0] != "1500ms"
    finally:
        db.dispose()


def test_db_upgrade_behind_an_open_transaction_gives_up_at_the_lock_timeout(
    postgres_url: str, holder: Connection, monkeypatch: pytest.MonkeyPatch,
) -> None:
    if len(revision.KNOWN_REVISIONS) < 2:
        pytest.skip("needs a migration to run: one revision only")
    owner = Database(parse_url(postgres_url))
    with owner.engine.begin() as conn:  # one migration behind
        conn.execute(text("UPDATE alembic_version SET version_num = :previous"),
                     {"previous": revision.KNOWN_REVISIONS[-2]})
    try:
        # an operator's long transaction: it read the tables and is still open
        holder.execute(text("LOCK TABLE contracts, devices, history, audit IN ACCESS SHARE MODE"))
        holder.execute(text("LOCK TABLE alembic_version IN SHARE MODE"))
        monkeypatch.setenv("ONENUMBER_LOCK_TIMEOUT", "0.5")
        code, _, err, took = cli("--db", postgres_url, "db", "upgrade")
        assert code == 5 and "pg_stat_activity" in err, err
        assert took < 10
        assert cli("--db", postgres_url, "db", "current")[0] == 6  # nothing changed
        holder.rollback()
        code, _, err, _ = cli("--db", postgres_url, "db", "current")
        assert code == 6
    finally:
        with owner.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"),
                         {"head": revision.HEAD_REVISION})
        owner.dispose()
