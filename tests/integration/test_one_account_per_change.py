"""Every change transaction touches the rows of one account only, so the schema can be
distributed by account (docs/scaling.md) without cross-shard transactions.

The check diffs every table before and after each change, so it holds whatever code
path (ORM or bulk statements) does the writing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from onenumber_cli import services
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database
from tests.conftest import TABLES


def snapshot(db: Database) -> set[tuple[str, tuple[Any, ...], str]]:
    rows = set()
    with db.engine.connect() as conn:
        for table in TABLES:
            for row in conn.execute(text(f"SELECT * FROM {table}")).mappings():
                values = tuple(str(v) for v in row.values())
                rows.add((table, values, str(row["account"])))
    return rows


def touched(db: Database, change: Callable[[], object]) -> set[str]:
    before = snapshot(db)
    change()
    return {account for _, _, account in before ^ snapshot(db)}


def test_every_kind_of_change_touches_exactly_one_account(db: Database, actor: Actor) -> None:
    for other in ("neighbour-a", "neighbour-z"):  # accounts sorting on both sides
        services.service_subscribe(db, actor, other, multi=True)
        services.register_device(db, actor, other, "Watch", name="W")
    a = "subject"
    steps: list[Callable[[], object]] = [
        lambda: services.service_subscribe(db, actor, a),
        lambda: services.register_device(db, actor, a, "Watch", name="W"),
        lambda: services.register_device(db, actor, a, "Car", name="W", replace=True),
        lambda: services.option_subscribe(db, actor, a),
        lambda: services.register_device(db, actor, a, "Watch", name="X"),
        lambda: services.rename_device(db, actor, a, "X", "Y"),
        lambda: services.unregister_device(db, actor, a, "Y"),
        lambda: services.option_cancel(db, actor, a),
        lambda: services.service_cancel(db, actor, a),
        lambda: services.service_subscribe(db, actor, a, multi=True),
    ]
    for number, step in enumerate(steps, 1):
        assert touched(db, step) == {a}, f"step {number}"


def test_the_detector_sees_a_change_spanning_two_accounts(db: Database, actor: Actor) -> None:
    def two_accounts() -> None:
        services.service_subscribe(db, actor, "first")
        services.service_subscribe(db, actor, "second")

    assert touched(db, two_accounts) == {"first", "second"}
