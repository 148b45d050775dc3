"""``batch revert`` on both backends: every action undone or reported irreversible, a
later change reported (``changed_since``), a second revert changing nothing, ``check``
clean after each, and the revert's audit records naming the batch they revert."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from onenumber_cli import batch, check, revert, services
from onenumber_cli.errors import BatchNotFound
from onenumber_cli.i18n import set_language
from onenumber_cli.i18n.errors import error_dict
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database
from tests.integration.test_one_account_per_change import snapshot

TOKYO = ZoneInfo("Asia/Tokyo")


def apply(db: Database, lines: list[dict[str, object]], batch_id: str) -> list[batch.RowResult]:
    stream = io.BytesIO("\n".join(json.dumps(x) for x in lines).encode())
    return list(batch.apply(db, lambda: batch.rows(stream, "jsonl"), Actor("op", batch_id),
                            TOKYO))


def undo(db: Database, batch_id: str, new_id: str, *, dry_run: bool = False,
         atomic: bool = False) -> list[batch.RowResult]:
    actor = Actor("op", new_id, reverts=batch_id)
    return list(batch.apply(db, revert.rows(db, batch_id), actor, TOKYO,
                            planner=revert.inverse, dry_run=dry_run, atomic=atomic))


@pytest.fixture
def before_batch(db: Database, actor: Actor) -> set[tuple[str, tuple[object, ...], str]]:
    services.service_subscribe(db, actor, "multi", multi=True)
    for name in ("BMW", "Watch", "Spare"):
        services.register_device(db, actor, "multi", name, name=name)
    services.service_subscribe(db, actor, "single")
    services.register_device(db, actor, "single", "Car", name="Car")
    services.service_subscribe(db, actor, "gone")
    services.service_cancel(db, actor, "gone")
    return snapshot(db)


EVERY_ACTION: list[dict[str, object]] = [
    {"action": "rename", "account": "multi", "device": "BMW", "name": "愛車"},
    {"action": "register", "account": "multi", "type": "Pixel", "name": "New"},
    {"action": "option-subscribe", "account": "single"},
    {"action": "service-subscribe", "account": "fresh", "multi": True},
    {"action": "service-subscribe", "account": "gone"},
    {"action": "unregister", "account": "multi", "device": "Spare"},
    {"action": "option-cancel", "account": "single"},
]


def test_revert_undoes_every_reversible_row_newest_first(
        db: Database, before_batch: set[tuple[str, tuple[object, ...], str]]) -> None:
    applied = apply(db, EVERY_ACTION, "b1")
    assert all(r.ok and r.changed for r in applied), [r.error for r in applied]
    assert revert.count(db, "b1") == len(EVERY_ACTION)
    results = undo(db, "b1", "r1")
    codes = [(r.action, r.ok, r.error and r.error.code) for r in results]
    assert codes == [  # newest first
        ("option-subscribe", True, None), ("unregister", False, "irreversible"),
        ("service-cancel", True, None), ("service-cancel", True, None),
        ("option-cancel", True, None), ("unregister", True, None), ("rename", True, None)]
    assert list(check.run(db)) == []
    devices = {d.name for d in services.list_devices(db, "multi")}
    assert devices == {"BMW", "Watch"}  # renamed back, New gone, Spare stays unregistered
    assert services.get_status(db, "single").plan == "one-number"
    assert services.get_status(db, "fresh").status == "cancelled"
    assert services.get_status(db, "gone").status == "cancelled"
    records = list(services.list_audit(db, batch_id="r1"))
    assert len(records) == 6
    assert all(r.reverts and r.reverts.startswith("b1:") for r in records)
    again = snapshot(db)
    second = undo(db, "b1", "r2")
    assert [r.changed for r in second if r.ok] == [False] * 6
    assert snapshot(db) == again  # nothing changed the second time (not even an audit)
    assert list(check.run(db)) == []


def test_a_rename_changed_again_after_the_batch_is_reported_not_overwritten(
        db: Database, actor: Actor, before_batch: object) -> None:
    apply(db, [EVERY_ACTION[0]], "b1")
    services.rename_device(db, actor, "multi", "愛車", "Later")
    (result,) = undo(db, "b1", "r1")
    assert result.error is not None and result.error.code == "changed_since"
    message = error_dict(result.error)["message"]
    assert "Later" in message and "愛車" in message
    assert services.show_device(db, "multi", "Later").name == "Later"


def test_an_atomic_revert_with_an_irreversible_row_writes_nothing_and_a_dry_run_plans(
        db: Database, before_batch: object) -> None:
    apply(db, EVERY_ACTION, "b1")
    after_batch = snapshot(db)
    assert not any(r.changed for r in undo(db, "b1", "r1", atomic=True))
    plan = undo(db, "b1", "r2", dry_run=True)
    assert [r.changed for r in plan if r.ok] == [True] * 6
    assert plan[-1].before == {"name": "愛車"} and plan[-1].after == {"name": "BMW"}
    assert snapshot(db) == after_batch


def test_an_unknown_batch_is_not_found(db: Database) -> None:
    with pytest.raises(BatchNotFound):
        revert.count(db, "20991231T000000Z-000000")


# --- a revert reaches only what its batch changed, and only as the batch left it ------
#
# Each of these failed before the inverses addressed the device by its id only and
# checked, under the account's lock, that the device or contract was still as the
# batch's audit record left it: the revert changed a device the batch never touched, or
# undid a later change, and exited 0.


def refused(results: list[batch.RowResult], reason: str) -> batch.RowResult:
    (result,) = results
    assert result.error is not None, result
    assert (result.error.code, result.error.reason) == ("changed_since", reason)
    assert not result.changed
    return result


def rendered(result: batch.RowResult, lang: str) -> tuple[str, str]:
    """The row's error message and hint in ``lang`` (each has its Japanese)."""
    assert result.error is not None
    set_language(lang)
    try:
        shown = error_dict(result.error)
    finally:
        set_language("en")
    return shown["message"], shown["hint"]


def added_device(db: Database, batch_id: str) -> str:
    (record,) = services.list_audit(db, batch_id=batch_id)
    assert record.device_id is not None
    return record.device_id


@pytest.mark.parametrize("name_of", [str, str.upper])  # "t4hexm0x", and "0344DNQH"
def test_reverting_a_registration_never_unregisters_another_device_named_after_its_id(
        db: Database, actor: Actor, before_batch: object,
        name_of: Callable[[str], str]) -> None:
    apply(db, [{"action": "register", "account": "multi", "type": "Pixel",
                "name": "batchdev"}], "b1")
    device = added_device(db, "b1")
    services.unregister_device(db, actor, "multi", device)
    services.rename_device(db, actor, "multi", "BMW", name_of(device))
    after = snapshot(db)
    refused(undo(db, "b1", "r0", dry_run=True), "unregistered")  # the dry run says so too
    result = refused(undo(db, "b1", "r1"), "unregistered")
    for lang in ("en", "ja"):
        message, hint = rendered(result, lang)
        assert device in message and "batchdev" in message and "history multi" in hint
    assert snapshot(db) == after  # the other device is still registered; no audit record
    assert services.show_device(db, "multi", name_of(device)).slot == 1
    assert list(check.run(db)) == []


@pytest.mark.parametrize("name_of", [str, str.upper])
def test_reverting_a_rename_never_renames_another_device_named_after_its_id(
        db: Database, actor: Actor, before_batch: object,
        name_of: Callable[[str], str]) -> None:
    apply(db, [{"action": "rename", "account": "multi", "device": "Spare", "name": "Old"}],
          "b1")
    device = added_device(db, "b1")
    services.unregister_device(db, actor, "multi", device)
    services.rename_device(db, actor, "multi", "BMW", name_of(device))
    after = snapshot(db)
    refused(undo(db, "b1", "r1"), "unregistered")
    assert snapshot(db) == after
    assert {d.name for d in services.list_devices(db, "multi")} == {name_of(device), "Watch"}


def test_reverting_a_registration_renamed_since_is_changed_since_naming_both_names(
        db: Database, actor: Actor, before_batch: object) -> None:
    apply(db, [{"action": "register", "account": "multi", "type": "Pixel", "name": "New"}],
          "b1")
    device = added_device(db, "b1")
    services.rename_device(db, actor, "multi", device, "Later")
    after = snapshot(db)
    result = refused(undo(db, "b1", "r1"), "register")
    for lang in ("en", "ja"):
        message, _hint = rendered(result, lang)
        assert "Later" in message and "New" in message
    assert snapshot(db) == after


def test_reverting_a_service_subscription_never_unregisters_devices_registered_after_it(
        db: Database, actor: Actor, before_batch: object) -> None:
    apply(db, [{"action": "service-subscribe", "account": "fresh"}], "b1")
    services.register_device(db, actor, "fresh", "Car", name="Later")
    after = snapshot(db)
    for dry_run in (True, False):  # the dry run says so too
        result = refused(undo(db, "b1", "r1", dry_run=dry_run), "registered_since")
        for lang in ("en", "ja"):
            assert "Later" in rendered(result, lang)[0]
    assert snapshot(db) == after
    assert services.get_status(db, "fresh").status == "active"
    assert [d.name for d in services.list_devices(db, "fresh")] == ["Later"]


def test_reverting_a_service_subscription_after_a_plan_change_is_changed_since(
        db: Database, actor: Actor, before_batch: object) -> None:
    apply(db, [{"action": "service-subscribe", "account": "fresh", "multi": True}], "b1")
    services.option_cancel(db, actor, "fresh")
    after = snapshot(db)
    refused(undo(db, "b1", "r1"), "contract")
    assert snapshot(db) == after


def test_reverting_an_option_subscription_never_moves_a_device_registered_after_it(
        db: Database, actor: Actor, before_batch: object) -> None:
    apply(db, [{"action": "option-subscribe", "account": "single"}], "b1")
    services.register_device(db, actor, "single", "Watch", name="Later")  # slot 2
    services.unregister_device(db, actor, "single", "Car")  # slot 1 free
    after = snapshot(db)
    refused(undo(db, "b1", "r1"), "registered_since")
    assert snapshot(db) == after
    assert [(d.slot, d.name) for d in services.list_devices(db, "single")] == [(2, "Later")]


def test_reverting_an_option_change_undone_since_by_hand_is_changed_since(
        db: Database, actor: Actor, before_batch: object) -> None:
    apply(db, [{"action": "option-subscribe", "account": "single"}], "b1")
    services.option_cancel(db, actor, "single")
    apply(db, [{"action": "option-subscribe", "account": "multi"},  # no-op: already
               {"action": "option-cancel", "account": "single"}], "b2")  # no-op too
    after = snapshot(db)
    refused(undo(db, "b1", "r1"), "contract")
    assert snapshot(db) == after
