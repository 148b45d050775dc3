"""``check`` finds every kind of corruption planted behind the service layer's back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, text, update
from typer.testing import CliRunner

from onenumber_cli import check, demo, services
from onenumber_cli.cli.app import app
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import audit as AUDIT
from onenumber_cli.storage.models import contracts as CONTRACTS
from onenumber_cli.storage.models import devices as DEVICES
from onenumber_cli.storage.models import history as HISTORY
from tests.conftest import plant


@pytest.fixture
def seeded(db: Database, actor: Actor) -> Iterator[Database]:
    demo.load(db, actor)
    yield db




def device(db: Database, account: str, name: str) -> str:
    return services.show_device(db, account, name).id


def kinds(db: Database) -> list[tuple[str, str, str | None]]:
    return sorted({(v.kind, v.account, v.device_id) for v in check.run(db)})


def test_a_database_built_by_the_tool_is_clean(seeded: Database) -> None:
    assert kinds(seeded) == []


def test_capacity_and_slot_range(seeded: Database) -> None:
    bmw = device(seeded, demo.SINGLE, "BMW")
    plant(seeded, insert(DEVICES).values(
        id="extra001", account=demo.SINGLE, slot=3, name="Extra", name_key="extra",
        type="X", registered_at=datetime(2022, 1, 1, tzinfo=UTC)))
    found = kinds(seeded)
    assert ("capacity", demo.SINGLE, None) in found
    assert ("slot_range", demo.SINGLE, "extra001") in found
    assert ("slot_range", demo.SINGLE, bmw) not in found


def test_cancelled_contract_with_devices(seeded: Database) -> None:
    plant(seeded, update(CONTRACTS).where(CONTRACTS.c.account == demo.SINGLE)
          .values(status="cancelled"))
    assert ("cancelled_with_devices", demo.SINGLE, None) in kinds(seeded)


def test_names_keys_duplicates_and_imeis(seeded: Database) -> None:
    se, bmw = device(seeded, demo.MULTI, "Apple Watch SE"), device(seeded, demo.MULTI, "BMW")
    series6 = device(seeded, demo.MULTI, "Apple Watch Series 6")
    plant(seeded,
          update(DEVICES).where(DEVICES.c.id == se).values(name="bad@name"),
          update(DEVICES).where(DEVICES.c.id == series6).values(name="ｂｍｗ"),  # key stays stale
          update(DEVICES).where(DEVICES.c.id == bmw).values(imei="123456789012345"))
    found = kinds(seeded)
    assert ("invalid_name", demo.MULTI, se) in found
    assert ("name_key", demo.MULTI, series6) in found
    assert {d for kind, _, d in found if kind == "duplicate_name"} <= {series6, bmw}
    assert any(kind == "duplicate_name" for kind, _, _ in found)
    assert ("invalid_imei", demo.MULTI, bmw) in found


def test_history_missing_mismatched_and_orphaned(seeded: Database) -> None:
    se, bmw = device(seeded, demo.MULTI, "Apple Watch SE"), device(seeded, demo.MULTI, "BMW")
    plant(seeded,
          delete(HISTORY).where(HISTORY.c.device_id == se),
          update(HISTORY).where(HISTORY.c.device_id == bmw)
          .values(at=datetime(2020, 1, 1, tzinfo=UTC)),
          insert(HISTORY).values(account=demo.SINGLE, event="register",
                                      at=datetime(2022, 1, 1, tzinfo=UTC), device_id="ghost",
                                      name="Ghost", type="X"))
    found = kinds(seeded)
    assert ("history_missing", demo.MULTI, se) in found
    assert ("history_mismatch", demo.MULTI, bmw) in found
    assert ("history_orphan", demo.SINGLE, "ghost") in found


def test_unregistered_devices_need_a_matching_unregister_event(seeded: Database) -> None:
    on01 = services.history(seeded, demo.MULTI, kind="unregister")[0].device_id
    plant(seeded, delete(HISTORY).where(HISTORY.c.device_id == on01,
                                             HISTORY.c.event == "unregister"))
    assert ("history_mismatch", demo.MULTI, on01) in kinds(seeded)


def test_times_out_of_order_or_in_the_future(seeded: Database) -> None:
    on01 = services.history(seeded, demo.MULTI, kind="unregister")[0].device_id
    future = datetime.now(UTC) + timedelta(days=3)
    plant(seeded,
          update(DEVICES).where(DEVICES.c.id == on01)
          .values(unregistered_at=datetime(2000, 1, 1, tzinfo=UTC)),
          update(AUDIT).where(AUDIT.c.action == "rename").values(at=future))
    found = kinds(seeded)
    assert ("time_order", demo.MULTI, on01) in found
    assert any(kind == "future_time" and account == demo.MULTI
               for kind, account, _ in found)


def test_unknown_plan_and_status(seeded: Database) -> None:
    if seeded.backend == "sqlite":
        with seeded.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
            conn.execute(update(CONTRACTS).where(CONTRACTS.c.account == demo.SINGLE)
                         .values(plan="gold", status="paused"))
            conn.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
    else:
        plant(seeded,
              text("ALTER TABLE contracts DROP CONSTRAINT ck_contracts_plan"),
              text("ALTER TABLE contracts DROP CONSTRAINT ck_contracts_status"),
              update(CONTRACTS).where(CONTRACTS.c.account == demo.SINGLE)
              .values(plan="gold", status="paused"))
    found = kinds(seeded)
    assert ("plan", demo.SINGLE, None) in found
    assert ("status", demo.SINGLE, None) in found
    if seeded.backend == "postgresql":  # put the shared test schema back
        plant(seeded, update(CONTRACTS).values(plan="one-number", status="active"),
              text("ALTER TABLE contracts ADD CONSTRAINT ck_contracts_plan "
                   "CHECK (plan IN ('one-number', 'one-number+multi'))"),
              text("ALTER TABLE contracts ADD CONSTRAINT ck_contracts_status "
                   "CHECK (status IN ('active', 'cancelled'))"))


def test_duplicate_slots_where_the_constraint_was_lost(seeded: Database) -> None:
    if seeded.backend == "sqlite":
        pytest.skip("SQLite cannot drop a table constraint; the constraint itself is tested")
    plant(seeded, text("ALTER TABLE devices DROP CONSTRAINT uq_devices_account_slot"),
          update(DEVICES).where(DEVICES.c.account == demo.MULTI, DEVICES.c.slot == 3)
          .values(slot=1))
    try:
        found = kinds(seeded)
        assert sum(1 for kind, *_ in found if kind == "slot_duplicate") == 2
    finally:
        plant(seeded, text("DELETE FROM devices"), text(
            "ALTER TABLE devices ADD CONSTRAINT uq_devices_account_slot UNIQUE (account, slot)"))


def test_the_database_refuses_a_duplicate_slot_itself(seeded: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        plant(seeded, update(DEVICES).where(DEVICES.c.account == demo.MULTI, DEVICES.c.slot == 3)
              .values(slot=1))


def test_check_command_exit_codes_and_report(seeded: Database, db_url: str) -> None:
    runner = CliRunner()
    clean = runner.invoke(app, ["check", "--db", db_url])
    assert clean.exit_code == 0 and clean.stdout == ""
    assert "No violations" in clean.stderr
    plant(seeded, update(CONTRACTS).where(CONTRACTS.c.account == demo.SINGLE)
          .values(status="cancelled"))
    dirty = runner.invoke(app, ["check", "--db", db_url, "-o", "jsonl"])
    assert dirty.exit_code == 1
    import json

    reports = [json.loads(line) for line in dirty.stdout.splitlines()]
    assert [r["kind"] for r in reports] == ["cancelled_with_devices"]
    assert set(reports[0]) == {"kind", "account", "device_id", "message"}
