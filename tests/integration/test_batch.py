"""Batch runs on a real database: per-row, atomic, dry run, idempotent re-runs."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from onenumber_cli import batch, services
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import audit as AUDIT
from onenumber_cli.storage.models import history as HISTORY

TOKYO = ZoneInfo("Asia/Tokyo")


def run(db: Database, lines: Sequence[Mapping[str, object]], *, dry_run: bool = False,
        atomic: bool = False, batch_id: str = "b-test") -> list[batch.RowResult]:
    data = io.BytesIO("\n".join(json.dumps(line) for line in lines).encode())
    batch.scan(data, "jsonl")
    return list(batch.apply(db, lambda: batch.rows(data, "jsonl"), Actor("ops", batch_id),
                            TOKYO, dry_run=dry_run, atomic=atomic))


def counts(db: Database) -> tuple[int, int]:
    with db.connected() as conn:
        return (conn.scalar(select(func.count()).select_from(HISTORY)) or 0,
                conn.scalar(select(func.count()).select_from(AUDIT)) or 0)


SETUP: list[dict[str, object]] = [
    {"action": "service-subscribe", "account": "a", "multi": True},
    {"action": "register", "account": "a", "type": "BMW"},
    {"action": "register", "account": "a", "type": "Apple Watch SE", "name": "Watch"},
]


def test_each_row_is_applied_and_reported(db: Database) -> None:
    results = run(db, [*SETUP, {"action": "rename", "account": "a", "device": "Watch",
                                "name": "時計"},
                       {"action": "register", "account": "nobody", "type": "X"},
                       {"action": "rename", "account": "a", "device": "BMW", "name": "時計"}])
    assert [(r.row, r.ok, r.changed) for r in results] == [
        (1, True, True), (2, True, True), (3, True, True), (4, True, True),
        (5, False, False), (6, False, False)]
    assert results[4].error and results[4].error.code == "account_not_found"
    assert results[5].error and results[5].error.code == "duplicate_name"
    assert sorted(d.name for d in services.list_devices(db, "a")) == ["BMW", "時計"]


def test_every_applied_row_has_one_audit_record_with_the_batch_id(db: Database) -> None:
    run(db, SETUP, batch_id="b-42")
    records = list(services.list_audit(db, batch_id="b-42"))
    assert [r.action for r in reversed(records)] == [
        "service-subscribe", "register", "register"]


def test_rerunning_an_applied_file_changes_nothing(db: Database) -> None:
    run(db, SETUP)
    watch = services.show_device(db, "a", "Watch")
    fixes = [
        {"action": "rename", "account": "a", "device": watch.id, "name": "Watch 2"},
        {"action": "option-subscribe", "account": "a"},
        {"action": "service-subscribe", "account": "a", "multi": "true"},
        {"action": "unregister", "account": "a", "device": watch.id},
    ]
    first = run(db, fixes)
    assert [r.changed for r in first] == [True, False, False, True]
    before = counts(db)
    again = run(db, [{**fixes[0], "name": "Watch 2"}, *fixes[1:]])
    assert all(r.ok for r in again), again
    assert not any(r.changed for r in again)
    assert counts(db) == before


def test_atomic_commits_only_when_every_row_succeeds(db: Database) -> None:
    failing: list[dict[str, object]] = [
        *SETUP, {"action": "register", "account": "a", "type": "BMW", "name": "bmw"}]
    results = run(db, failing, atomic=True)
    assert [r.ok for r in results] == [True, True, True, False]
    assert not any(r.changed for r in results)  # rolled back: nothing changed
    assert counts(db) == (0, 0)
    assert list(services.list_accounts(db)) == []
    committed = run(db, SETUP, atomic=True)
    assert all(r.ok and r.changed for r in committed)
    assert len(services.list_devices(db, "a")) == 2


def test_dry_run_sees_earlier_rows_and_writes_nothing(db: Database) -> None:
    rows: list[dict[str, object]] = [
        *SETUP,  # the account exists only inside the dry run
        {"action": "rename", "account": "a", "device": "Watch", "name": "BMW"},
        {"action": "unregister", "account": "a", "device": "Watch"}]
    results = run(db, rows, dry_run=True)
    assert [(r.ok, r.changed) for r in results] == [
        (True, True), (True, True), (True, True), (False, False), (True, True)]
    assert results[3].error and results[3].error.code == "duplicate_name"
    assert counts(db) == (0, 0)
    assert list(services.list_accounts(db)) == []


def test_a_failing_row_does_not_undo_the_rows_before_it(db: Database) -> None:
    results = run(db, [*SETUP, {"action": "service-cancel", "account": "a"}])
    assert results[-1].error and results[-1].error.code == "too_many_devices"
    assert len(services.list_devices(db, "a")) == 2
