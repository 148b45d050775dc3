"""Why :mod:`onenumber_cli.storage.prepared` exists: the change transactions' statements
run on the DBAPI cursor against the same statements run with ``Connection.execute``.

    python benchmarks/prepared.py [--statements 20000] [--db URL]

Both paths run the same compiled Core statements, in one transaction on one connection,
with the same values (a batch row's shapes: the locking read of one account, an UPDATE of
a device, an INSERT into history), interleaved in rounds so a slow spell of the machine
hits both.  The figure is microseconds a statement and the ratio of the two; SQLite
in a temporary file unless ``--db`` names a database at the program's schema (its
contents are not changed: the transaction is rolled back).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import report
from sqlalchemy import insert

from onenumber_cli.storage import schema
from onenumber_cli.storage.engine import Database, parse_url, prepare_sqlite_file
from onenumber_cli.storage.models import contracts, devices
from onenumber_cli.storage.prepared import Runner, Statement
from onenumber_cli.storage.unit import _DEVICE_BY_ID, _INSERT_HISTORY, _changing

NOW = datetime(2026, 11, 25, tzinfo=UTC)
ACCOUNT = "benchmark-prepared"
SHAPES: list[tuple[str, Statement, dict[str, Any]]] = [
    ("select a device", _DEVICE_BY_ID, {"account": ACCOUNT, "id": "00000000"}),
    ("update a device", _changing(devices, "id", ("name", "name_key"))[0],
     {"b_id": "00000000", "b_name": "x", "b_name_key": "x"}),
    ("insert history", _INSERT_HISTORY, {"account": ACCOUNT, "event": "register", "at": NOW,
                                         "device_id": "00000000", "name": "x", "type": "t",
                                         "imei": None}),
]


def per_statement(step: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        step()
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", help="a database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'prepared.sqlite'}"
        if args.db is None:
            prepare_sqlite_file(Path(tmp) / "prepared.sqlite", create=True)
        db = Database(parse_url(url))
        if args.db is None:
            schema.upgrade(db)
        rows: list[tuple[str, str]] = [("database", db.backend)]
        per_round = max(args.statements // args.rounds, 1)
        with db.engine.connect() as connection:
            connection.begin()  # rolled back at the end: nothing stays
            connection.execute(insert(contracts).values(
                account=ACCOUNT, status="active", plan="one-number", created_at=NOW,
                updated_at=NOW))
            runner = Runner(connection)
            for label, statement, values in SHAPES:
                runner.prepare(statement)  # compiled once, as in a real run
                fast: list[float] = []
                plain: list[float] = []
                for _ in range(args.rounds):
                    fast.append(per_statement(
                        partial(runner.execute, statement, [values]), per_round))
                    plain.append(per_statement(
                        partial(connection.execute, statement, values), per_round))
                a, b = statistics.median(fast), statistics.median(plain)
                rows += [(label, f"prepared {a:6.1f} us, Connection.execute {b:6.1f} us"),
                         ("  Connection.execute / prepared", f"{b / a:6.1f}x")]
            connection.rollback()
        db.dispose()
    report(rows)


if __name__ == "__main__":
    main()
