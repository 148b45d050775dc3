"""Every change reports what it changed, from what: the values of its audit record, in
single commands, dry runs and batch rows; a reviewable plan before, a record after."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from onenumber_cli import batch, services
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database

TOKYO = ZoneInfo("Asia/Tokyo")


def apply(db: Database, rows: Sequence[Mapping[str, object]], *, dry_run: bool = False,
          atomic: bool = False) -> list[batch.RowResult]:
    stream = io.BytesIO("\n".join(json.dumps(r) for r in rows).encode())
    return list(batch.apply(db, lambda: batch.rows(stream, "jsonl"), Actor("op", "b1"),
                            TOKYO, dry_run=dry_run, atomic=atomic))


def test_results_carry_the_audit_records_before_and_after(db: Database, actor: Actor) -> None:
    services.service_subscribe(db, actor, "m")
    rename = services.register_device(db, actor, "m", "BMW", name="BMW")
    assert rename.before is None and rename.after["name"] == "BMW"
    dry = services.rename_device.check(db, actor, "m", "BMW", "愛車")
    assert (dry.before, dry.after) == ({"name": "BMW"}, {"name": "愛車"})
    done = services.rename_device(db, actor, "m", "BMW", "愛車")
    record = next(services.list_audit(db, "m", action="rename"))
    assert (done.before, done.after) == (record.before, record.after)
    same = services.rename_device(db, actor, "m", "愛車", "愛車")
    assert (same.changed, same.before, same.after) == (False, None, None)


def test_batch_rows_carry_before_and_after_and_a_rolled_back_run_none(db: Database,
                                                                      actor: Actor) -> None:
    services.service_subscribe(db, actor, "m")
    services.register_device(db, actor, "m", "BMW", name="BMW")
    rows: list[dict[str, object]] = [
        {"action": "rename", "account": "m", "device": "BMW", "name": "Car"},
        {"action": "option-subscribe", "account": "m"},
    ]
    plan = apply(db, rows, dry_run=True)
    assert [(r.before, r.after) for r in plan] == [
        ({"name": "BMW"}, {"name": "Car"}),
        ({"plan": "one-number"}, {"plan": "one-number+multi"})]
    failing: list[dict[str, object]] = [
        *rows, {"action": "rename", "account": "m", "device": "nope", "name": "x"}]
    rolled_back = apply(db, failing, atomic=True)
    assert all((r.changed, r.before, r.after) == (False, None, None) for r in rolled_back)
    applied = apply(db, rows)
    assert [(r.before, r.after) for r in applied] == [(p.before, p.after) for p in plan]
    audit = {r.action: (r.before, r.after) for r in services.list_audit(db, "m", batch_id="b1")}
    assert audit == {"rename": ({"name": "BMW"}, {"name": "Car"}),
                     "option-subscribe": ({"plan": "one-number"},
                                          {"plan": "one-number+multi"})}
