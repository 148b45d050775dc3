"""The service layer on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from onenumber_cli import demo, services
from onenumber_cli.errors import (
    AccountNotFound,
    AmbiguousDevice,
    CapacityExceeded,
    ContractCancelled,
    DeviceNotFound,
    DuplicateImei,
    DuplicateName,
    InvalidName,
    LastDevice,
    NotRegistered,
    ReplaceNotAllowed,
    TooManyDevices,
)
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import audit as AUDIT
from onenumber_cli.storage.models import history as HISTORY

IMEI = "490154203237518"


def counts(db: Database) -> tuple[int, int]:
    with db.connected() as conn:
        return (conn.scalar(select(func.count()).select_from(HISTORY)) or 0,
                conn.scalar(select(func.count()).select_from(AUDIT)) or 0)


@pytest.fixture
def multi(db: Database, actor: Actor) -> str:
    services.service_subscribe(db, actor, "multi", multi=True)
    return "multi"


@pytest.fixture
def single(db: Database, actor: Actor) -> str:
    services.service_subscribe(db, actor, "single")
    services.register_device(db, actor, "single", "BMW")
    return "single"


def names(db: Database, account: str) -> list[tuple[int | None, str]]:
    return [(d.slot, d.name) for d in services.list_devices(db, account)]


def test_register_takes_the_lowest_free_slot_and_records_history_and_audit(
    db: Database, actor: Actor, multi: str
) -> None:
    for device_type in ("A", "B", "C"):
        services.register_device(db, actor, multi, device_type)
    b = services.show_device(db, multi, "B")
    services.unregister_device(db, actor, multi, b.id)
    result = services.register_device(db, actor, multi, "D", imei=IMEI)
    assert result.changed and result.device is not None
    assert result.device.slot == 2
    assert names(db, multi) == [(1, "A"), (2, "D"), (3, "C")]
    events = services.history(db, multi)
    assert [(e.event, e.name) for e in events][:2] == [("register", "D"), ("unregister", "B")]
    assert counts(db) == (5, 6)  # 4 registers + 1 unregister; subscribe + 5 changes audited


def test_capacity_is_enforced_per_plan(db: Database, actor: Actor, multi: str,
                                       single: str) -> None:
    for i in range(5):
        services.register_device(db, actor, multi, f"Watch {i}")
    with pytest.raises(CapacityExceeded):
        services.register_device(db, actor, multi, "Sixth")
    with pytest.raises(CapacityExceeded) as caught:
        services.register_device(db, actor, single, "Watch")
    assert caught.value.reason == "one_number"
    assert len(services.list_devices(db, multi)) == 5


def test_replace_switches_the_one_device_in_one_transaction(db: Database, actor: Actor,
                                                            single: str) -> None:
    before = counts(db)
    result = services.register_device(db, actor, single, "BMW", name="BMW", replace=True)
    assert [d.name for d in result.removed] == ["BMW"]
    assert names(db, single) == [(1, "BMW")]
    assert counts(db) == (before[0] + 2, before[1] + 1)
    assert [e.event for e in services.history(db, single, limit=2)] == [
        "register", "unregister"]


def test_replace_is_refused_on_multi(db: Database, actor: Actor, multi: str) -> None:
    with pytest.raises(ReplaceNotAllowed):
        services.register_device(db, actor, multi, "X", replace=True)


def test_default_names_are_made_unique(db: Database, actor: Actor, multi: str) -> None:
    for _ in range(3):
        services.register_device(db, actor, multi, "Apple Watch SE")
    assert [n for _, n in names(db, multi)] == [
        "Apple Watch SE", "Apple Watch SE 2", "Apple Watch SE 3"]
    with pytest.raises(InvalidName) as caught:
        services.register_device(db, actor, multi, "🚗")
    assert caught.value.reason == "no_default"


def test_duplicate_names_are_compared_after_nfkc_and_casefold(db: Database, actor: Actor,
                                                               multi: str) -> None:
    services.register_device(db, actor, multi, "BMW")
    with pytest.raises(DuplicateName):
        services.register_device(db, actor, multi, "Car", name="ｂｍｗ")
    car = services.register_device(db, actor, multi, "Car").device
    assert car is not None
    with pytest.raises(DuplicateName):
        services.rename_device(db, actor, multi, car.id, "ＢＭＷ")


def test_renaming_to_the_current_name_is_a_no_op(db: Database, actor: Actor,
                                                  single: str) -> None:
    before = counts(db)
    result = services.rename_device(db, actor, single, "BMW", "BMW")
    assert not result.changed
    assert counts(db) == before
    renamed = services.rename_device(db, actor, single, "bmw", "My Car")
    assert renamed.changed and renamed.device and renamed.device.name == "My Car"
    assert counts(db) == (before[0], before[1] + 1)


def test_a_freed_name_can_be_used_again(db: Database, actor: Actor, multi: str) -> None:
    first = services.register_device(db, actor, multi, "BMW").device
    services.register_device(db, actor, multi, "Other")
    assert first is not None
    services.unregister_device(db, actor, multi, first.id)
    again = services.register_device(db, actor, multi, "BMW").device
    assert again is not None and again.name == "BMW" and again.id != first.id


def test_devices_are_found_by_id_imei_or_name(db: Database, actor: Actor, multi: str) -> None:
    device = services.register_device(db, actor, multi, "Watch", imei=IMEI).device
    assert device is not None
    for ref in (device.id, IMEI, "Watch", "ＷＡＴＣＨ"):
        assert services.show_device(db, multi, ref).id == device.id
    with pytest.raises(DeviceNotFound):
        services.show_device(db, multi, "nothing")


def test_a_name_equal_to_another_devices_imei_is_refused_and_old_data_is_ambiguous(
        db: Database, actor: Actor, multi: str) -> None:
    from sqlalchemy import update

    from onenumber_cli.errors import DuplicateName
    from onenumber_cli.storage.models import devices as DEVICES

    services.register_device(db, actor, multi, "Watch", imei=IMEI)
    with pytest.raises(DuplicateName):
        services.register_device(db, actor, multi, "Other", name=IMEI)
    services.register_device(db, actor, multi, "Other", name="Other")
    with db.engine.begin() as conn:  # such a name from before the rule: ask for an id
        conn.execute(update(DEVICES).where(DEVICES.c.name == "Other")
                     .values(name=IMEI, name_key=IMEI))
    with pytest.raises(AmbiguousDevice) as caught:
        services.show_device(db, multi, IMEI)
    assert caught.value.details and len(caught.value.details) == 2


def test_the_same_imei_cannot_be_registered_twice(db: Database, actor: Actor,
                                                  multi: str) -> None:
    services.register_device(db, actor, multi, "Watch", imei=IMEI)
    with pytest.raises(DuplicateImei):
        services.register_device(db, actor, multi, "Watch", imei=IMEI)


def test_last_device_cannot_be_unregistered(db: Database, actor: Actor, single: str) -> None:
    with pytest.raises(LastDevice):
        services.unregister_device(db, actor, single, "BMW")
    assert names(db, single) == [(1, "BMW")]


def test_unregistering_an_unregistered_device_by_id_is_a_no_op(db: Database, actor: Actor,
                                                               multi: str) -> None:
    a = services.register_device(db, actor, multi, "A").device
    services.register_device(db, actor, multi, "B")
    assert a is not None
    assert services.unregister_device(db, actor, multi, a.id).changed
    before = counts(db)
    again = services.unregister_device(db, actor, multi, a.id)
    assert not again.changed
    assert counts(db) == before
    with pytest.raises(NotRegistered):
        services.rename_device(db, actor, multi, a.id, "New")


def test_option_cancel_needs_one_device_and_moves_it_to_slot_one(db: Database, actor: Actor,
                                                                 multi: str) -> None:
    a = services.register_device(db, actor, multi, "A").device
    services.register_device(db, actor, multi, "B")
    with pytest.raises(TooManyDevices):
        services.option_cancel(db, actor, multi)
    assert a is not None
    services.unregister_device(db, actor, multi, a.id)
    result = services.option_cancel(db, actor, multi)
    assert result.changed and result.plan == "one-number"
    assert names(db, multi) == [(1, "B")]
    assert not services.option_cancel(db, actor, multi).changed


def test_option_subscribe_then_again_is_a_no_op(db: Database, actor: Actor,
                                                single: str) -> None:
    assert services.option_subscribe(db, actor, single).plan == "one-number+multi"
    assert not services.option_subscribe(db, actor, single).changed
    services.register_device(db, actor, single, "Second")
    assert services.get_status(db, single).registered == 2


def test_service_cancel_unregisters_ends_option_and_refuses_later_changes(
    db: Database, actor: Actor, multi: str
) -> None:
    services.register_device(db, actor, multi, "A")
    services.register_device(db, actor, multi, "B")
    with pytest.raises(TooManyDevices):
        services.service_cancel(db, actor, multi)
    services.unregister_device(db, actor, multi, "A")
    result = services.service_cancel(db, actor, multi)
    assert (result.status, result.plan, [d.name for d in result.removed]) == (
        "cancelled", "one-number", ["B"])
    status = services.get_status(db, multi)
    assert status.registered == 0
    assert services.history(db, multi, limit=1)[0].event == "unregister"
    with pytest.raises(ContractCancelled):
        services.register_device(db, actor, multi, "C")
    with pytest.raises(ContractCancelled):
        services.option_subscribe(db, actor, multi)
    assert not services.service_cancel(db, actor, multi).changed
    reactivated = services.service_subscribe(db, actor, multi, multi=True)
    assert (reactivated.status, reactivated.plan) == ("active", "one-number+multi")
    assert len(services.history(db, multi)) == 4  # history kept


def test_history_filters_and_orders_newest_first(db: Database, actor: Actor,
                                                 multi: str) -> None:
    base = datetime(2022, 9, 12, tzinfo=UTC)
    a = services.register_device(db, actor, multi, "A", at=base).device
    services.register_device(db, actor, multi, "B", at=base)  # same timestamp: later first
    assert a is not None
    services.unregister_device(db, actor, multi, a.id, at=base + timedelta(hours=1))
    assert [(e.event, e.name) for e in services.history(db, multi)] == [
        ("unregister", "A"), ("register", "B"), ("register", "A")]
    assert [e.name for e in services.history(db, multi, kind="register")] == ["B", "A"]
    assert len(services.history(db, multi, since=base + timedelta(minutes=1))) == 1
    assert len(services.history(db, multi, until=base + timedelta(minutes=1))) == 2
    assert len(services.history(db, multi, limit=1)) == 1


def test_dry_run_checks_everything_and_writes_nothing(db: Database, actor: Actor,
                                                      multi: str) -> None:
    before = counts(db)
    result = services.register_device.check(db, actor, multi, "A")
    assert result.changed and result.dry_run
    assert services.list_devices(db, multi) == []
    assert counts(db) == before
    services.register_device(db, actor, multi, "A")
    with pytest.raises(DuplicateName):
        services.register_device.check(db, actor, multi, "B", name="a")


def test_a_refused_change_writes_nothing(db: Database, actor: Actor, single: str) -> None:
    before = counts(db)
    with pytest.raises(CapacityExceeded):
        services.register_device(db, actor, single, "Second")
    assert counts(db) == before


def test_audit_records_who_did_what(db: Database, multi: str) -> None:
    services.register_device(db, Actor("alice", batch_id="b-1"), multi, "A")
    services.rename_device(db, Actor("bob"), multi, "A", "B")
    with db.connected() as conn:
        rows = conn.execute(select(AUDIT).order_by(AUDIT.c.seq.desc())).all()
    assert (rows[0].operator, rows[0].action, rows[0].before, rows[0].after) == (
        "bob", "rename", {"name": "A"}, {"name": "B"})
    assert (rows[1].operator, rows[1].batch_id, rows[1].after["name"]) == ("alice", "b-1", "A")


def test_unknown_accounts_are_reported(db: Database, actor: Actor) -> None:
    with pytest.raises(AccountNotFound):
        services.get_status(db, "nobody")
    with pytest.raises(AccountNotFound):
        services.register_device(db, actor, "nobody", "A")


def test_accounts_are_listed_and_filtered(db: Database, actor: Actor, multi: str,
                                          single: str) -> None:
    assert [(a.account, a.registered) for a in services.list_accounts(db)] == [
        ("multi", 0), ("single", 1)]
    assert [a.account for a in services.list_accounts(db, plan="one-number")] == ["single"]
    assert list(services.list_accounts(db, status="cancelled")) == []


def test_demo_data_matches_the_seed(db: Database, actor: Actor) -> None:
    assert demo.load(db, actor) is True
    assert demo.load(db, actor) is False
    single = services.get_status(db, demo.SINGLE)
    assert (single.plan, [d.name for d in single.devices]) == ("one-number", ["BMW"])
    multi = services.get_status(db, demo.MULTI)
    assert f"{multi.registered} / {multi.capacity}" == "3 / 5"
    assert sorted(d.name for d in multi.devices) == [
        "Apple Watch SE", "Apple Watch Series 6", "BMW"]
    top = services.history(db, demo.MULTI, limit=3)
    assert [(e.event, e.name, e.at.astimezone(demo._TOKYO).strftime("%Y-%m-%d %H:%M"))
            for e in top] == [
        ("register", "BMW", "2022-09-12 16:43"),
        ("register", "AW7", "2022-09-12 14:17"),
        ("unregister", "ON01", "2022-09-07 21:26"),
    ]
