"""The scale benchmarks' data generator (benchmarks/generate.py) makes data that obeys
every rule: ``check`` finds nothing in it, on each backend."""

from __future__ import annotations

import sys
from pathlib import Path

from onenumber_cli import check, services
from onenumber_cli.storage.engine import Database

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import generate


def test_generated_accounts_obey_every_rule(db: Database) -> None:
    counts = generate.generate(db, 300, seed=7, chunk=64)
    assert counts["contracts"] == 300
    assert 2.2 < counts["devices"] / 300 < 2.8  # "~2.5 devices an account"
    assert counts["history"] > counts["devices"]  # unregistered devices have two events
    assert list(check.run(db)) == []
    summaries = list(services.list_accounts(db))
    assert {s.plan for s in summaries} == {"one-number", "one-number+multi"}
    assert {s.status for s in summaries} == {"active", "cancelled"}
    assert max(s.registered for s in summaries) == 5


def test_the_same_seed_gives_the_same_data() -> None:
    first, second = generate.Generator(3), generate.Generator(3)
    assert [first.account(n) for n in range(1, 50)] == [second.account(n) for n in range(1, 50)]
