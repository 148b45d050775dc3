"""The change transactions' working set (storage/unit.py): a one-transaction batch must
decide and write exactly what the same rows do one transaction each.

The differential test runs one random mixed batch (every action, rows that fail, names
freed and taken again, slots reused) both ways on each backend, with chunks small
enough that rows of one account fall in different chunks, and compares row results and
the resulting database, ids and timestamps aside.
"""

from __future__ import annotations

import io
import json
import random
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from onenumber_cli import batch, services
from onenumber_cli.errors import InvalidName
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import audit as AUDIT
from onenumber_cli.storage.models import contracts as CONTRACTS
from onenumber_cli.storage.models import devices as DEVICES
from onenumber_cli.storage.models import history as HISTORY
from onenumber_cli.storage.unit import ContractRow, Tx

TOKYO = ZoneInfo("Asia/Tokyo")
ACCOUNTS = ("acct-a", "acct-b", "acct-c", "acct-d")
NAMES = ("Car", "Watch", "watch", "ＷＡＴＣＨ", "Band", "Ring")  # equal keys on purpose


def random_batch(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    lines: list[dict[str, Any]] = [
        {"action": "service-subscribe", "account": a, "multi": rng.random() < 0.8}
        for a in ACCOUNTS]
    used: dict[str, list[str]] = {a: ["BMW", "Apple Watch SE"] for a in ACCOUNTS}
    for _ in range(count):
        account = rng.choice(ACCOUNTS)
        action = rng.choices(
            ["register", "rename", "unregister", "option-subscribe", "option-cancel",
             "service-cancel", "service-subscribe"], weights=[8, 8, 4, 1, 1, 0.5, 1])[0]
        line: dict[str, Any] = {"action": action, "account": account}
        if action == "register":
            line.update(type=rng.choice(["BMW", "Apple Watch SE"]))
            if rng.random() < 0.6:
                line["name"] = rng.choice(NAMES)
            line["replace"] = rng.random() < 0.1
        elif action in ("rename", "unregister"):
            line["device"] = rng.choice(used[account])
            if action == "rename":
                line["name"] = rng.choice(NAMES)
        elif action == "service-subscribe":
            line["multi"] = rng.random() < 0.7
        if "name" in line:
            used[account].append(line["name"])
        lines.append(line)
    return lines


def run(db: Database, lines: list[dict[str, Any]], *, dry_run: bool = False,
        atomic: bool = False) -> list[batch.RowResult]:
    data = io.BytesIO("\n".join(json.dumps(line) for line in lines).encode())
    return list(batch.apply(db, lambda: batch.rows(data, "jsonl"), Actor("ops", "b"),
                            TOKYO, dry_run=dry_run, atomic=atomic))


def outcome(result: batch.RowResult) -> tuple[Any, ...]:
    return result.ok, result.changed, result.error.code if result.error else None


def contents(db: Database) -> dict[str, Any]:
    """The database without ids, timestamps and sequence numbers."""
    with db.connected() as conn:
        return {
            "contracts": sorted(conn.execute(
                select(CONTRACTS.c.account, CONTRACTS.c.status, CONTRACTS.c.plan)).all()),
            "devices": sorted(conn.execute(
                select(DEVICES.c.account, DEVICES.c.slot, DEVICES.c.name, DEVICES.c.name_key,
                       DEVICES.c.type, DEVICES.c.imei, DEVICES.c.unregistered_at.is_(None))
            ).all(),
                key=repr),
            "history": [tuple(r) for r in conn.execute(
                select(HISTORY.c.account, HISTORY.c.event, HISTORY.c.name)
                .order_by(HISTORY.c.seq))],
            "audit": [tuple(r) for r in conn.execute(
                select(AUDIT.c.account, AUDIT.c.action).order_by(AUDIT.c.seq))],
        }


@pytest.mark.parametrize("seed", [1, 2])
def test_one_transaction_decides_and_writes_what_row_by_row_does(
        db: Database, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = random_batch(seed, 250)
    monkeypatch.setattr(batch, "CHUNK_ROWS", 7)  # an account's rows span many chunks
    dry = run(db, lines, dry_run=True)
    assert contents(db)["contracts"] == []  # the dry run wrote nothing
    per_row = run(db, lines)
    assert [outcome(r) for r in dry] == [outcome(r) for r in per_row]
    assert sum(not r.ok for r in per_row) > 10 and sum(r.changed for r in per_row) > 40
    assert len({r.action for r in per_row if r.changed}) == 7  # every action really ran
    expected = contents(db)

    succeeded = [line for line, result in zip(lines, per_row, strict=True) if result.ok]
    empty(db)
    atomic = run(db, succeeded, atomic=True)
    assert all(r.ok for r in atomic)
    assert [r.changed for r in atomic] == [r.changed for r in per_row if r.ok]
    assert contents(db) == expected


def empty(db: Database) -> None:
    with db.engine.begin() as connection:
        for table in (AUDIT, HISTORY, DEVICES, CONTRACTS):
            connection.execute(delete(table))


def test_a_refused_row_leaves_nothing_in_memory_or_in_the_writes(db: Database,
                                                                 actor: Actor) -> None:
    services.service_subscribe(db, actor, "acct-a", multi=True)
    services.register_device(db, actor, "acct-a", "BMW", name="Car")

    def work(connection: Any) -> None:
        tx = Tx(connection)
        account = tx.account("acct-a")
        assert account is not None
        car = account.registered[0]
        with pytest.raises(InvalidName), tx.row():
            tx.change_device(car, name="Moved", name_key="moved", slot=2)
            tx.add_history("register", car, car.registered_at)
            raise InvalidName("empty")
        assert (car.name, car.slot) == ("Car", 1)
        assert [d.slot for d in account.registered] == [1]
        tx.flush()  # nothing recorded is left to write

    db.write(work)
    assert [d.name for d in services.list_devices(db, "acct-a")] == ["Car"]
    assert [h.event for h in services.history(db, "acct-a")] == ["register"]


def test_driver_errors_reach_the_engine_as_sqlalchemy_errors(db: Database,
                                                             actor: Actor) -> None:
    """The Tx runs statements on the DBAPI cursor; a constraint failure must still be
    SQLAlchemy's IntegrityError, which the engine retries (a concurrent new account)."""
    services.service_subscribe(db, actor, "acct-a")
    now = services.utcnow()
    with db.engine.connect() as connection:
        connection.begin()
        tx = Tx(connection)
        tx.add_account(ContractRow("acct-a", "active", "one-number", now, now))
        with pytest.raises(IntegrityError):
            tx.flush()
