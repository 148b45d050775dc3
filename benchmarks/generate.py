"""Build a database of N customers for the scale benchmarks, with bulk inserts.

    python benchmarks/generate.py --accounts 1000000 --db sqlite:///benchmarks/out/large.sqlite
    python benchmarks/generate.py --accounts 10 --db postgresql+psycopg://USER:PW@HOST/DB

The database must be empty (a new SQLite file, or a PostgreSQL database with no tables or
with the schema but no rows); the schema comes from the shipped migrations.  The data
obeys every rule, so ``onenumber check`` finds nothing in it:

* account ids ``cust0000001``...; half of them with the Multi-device option, 3 % cancelled;
* ~2.5 devices an account: 1 registered (one-number) or 1-5 (multi), plus an
  unregistered one for about half of the accounts (all of them on cancelled contracts);
* history: a ``register`` event for every device, an ``unregister`` event after it for
  every unregistered one; a third of the devices have a valid, unique IMEI.

The same ``--seed`` gives the same database.  Rows go in with ``executemany`` (SQLite) or
multi-row ``INSERT`` (PostgreSQL, SQLAlchemy's insertmanyvalues), one transaction per
``--chunk`` accounts.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from onenumber_cli.domain.imei import luhn_check_digit
from onenumber_cli.domain.names import name_key
from onenumber_cli.domain.values import Plan, Status
from onenumber_cli.storage import schema
from onenumber_cli.storage.engine import Database, parse_url, prepare_sqlite_file, sqlite_path
from onenumber_cli.storage.models import contracts as CONTRACTS
from onenumber_cli.storage.models import devices as DEVICES
from onenumber_cli.storage.models import history as HISTORY
from onenumber_cli.storage.unit import ID_ALPHABET, ID_LENGTH

TYPES = ("Apple Watch SE", "Apple Watch Series 9", "Pixel Watch 2", "Galaxy Watch6", "BMW",
         "Toyota Connected", "arrows Watch")
# One device in a thousand: what a support fix or a selective search looks for.
RARE_TYPE, RARE_SHARE = "Toyota bZ4X", 0.001
START = datetime(2021, 7, 1, tzinfo=UTC)
SPAN_SECONDS = 3 * 365 * 24 * 3600


def account_id(number: int) -> str:
    return f"cust{number:07d}"


def device_id(number: int) -> str:
    """Unique 8-character ids: the number in Crockford base32 (as the tool's own ids)."""
    digits = []
    for _ in range(ID_LENGTH):
        number, digit = divmod(number, len(ID_ALPHABET))
        digits.append(ID_ALPHABET[digit])
    return "".join(reversed(digits))


def imei(number: int) -> str:
    body = f"35{number:012d}"
    return body + str(luhn_check_digit(body))


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.devices = 0

    def account(self, number: int) -> tuple[dict[str, Any], list[dict[str, Any]],
                                            list[dict[str, Any]]]:
        """One customer: the contract row, its device rows and its history rows."""
        rng = self.rng
        account = account_id(number)
        cancelled = rng.random() < 0.03
        plan = Plan.MULTI if rng.random() < 0.5 and not cancelled else Plan.ONE_NUMBER
        registered = 0 if cancelled else (rng.randint(1, 5) if plan is Plan.MULTI else 1)
        unregistered = 1 if cancelled or rng.random() < 0.5 else 0
        created = START + timedelta(seconds=rng.randrange(SPAN_SECONDS // 2))
        devices: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for index in range(registered + unregistered):
            self.devices += 1
            kind = RARE_TYPE if rng.random() < RARE_SHARE else rng.choice(TYPES)
            name = f"{kind} {index + 1}"
            at = created + timedelta(seconds=rng.randrange(1, SPAN_SECONDS // 2))
            gone = at + timedelta(seconds=rng.randrange(1, 86_400 * 30)) \
                if index >= registered else None
            device = {
                "id": device_id(self.devices), "account": account,
                "slot": index + 1 if index < registered else None, "name": name,
                "name_key": name_key(name), "type": kind, "type_key": name_key(kind),
                "imei": imei(self.devices) if rng.random() < 0.33 else None,
                "registered_at": at, "unregistered_at": gone,
            }
            devices.append(device)
            common = {"account": account, "device_id": device["id"], "name": name,
                      "type": kind, "imei": device["imei"]}
            history.append({**common, "event": "register", "at": at})
            if gone is not None:
                history.append({**common, "event": "unregister", "at": gone})
        updated = max([created, *(h["at"] for h in history)])
        contract = {"account": account, "plan": plan.value, "created_at": created,
                    "updated_at": updated,
                    "status": (Status.CANCELLED if cancelled else Status.ACTIVE).value}
        return contract, devices, history


def chunks(total: int, size: int) -> Iterator[range]:
    for start in range(1, total + 1, size):
        yield range(start, min(start + size, total + 1))


def generate(db: Database, accounts: int, *, seed: int, chunk: int) -> dict[str, int]:
    generator = Generator(seed)
    counts = {"contracts": 0, "devices": 0, "history": 0}
    for numbers in chunks(accounts, chunk):
        contracts, devices, history = [], [], []
        for number in numbers:
            contract, account_devices, account_history = generator.account(number)
            contracts.append(contract)
            devices += account_devices
            history += account_history
        with db.engine.begin() as connection:
            for table, rows in ((CONTRACTS, contracts), (DEVICES, devices),
                                (HISTORY, history)):
                if rows:
                    connection.execute(insert(table), rows)
        counts["contracts"] += len(contracts)
        counts["devices"] += len(devices)
        counts["history"] += len(history)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--db", required=True, help="database URL (must be empty)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=20_000, help="accounts a transaction")
    args = parser.parse_args()
    url = parse_url(args.db)
    path = sqlite_path(url)
    if path is not None:
        prepare_sqlite_file(path, create=True)
    db = Database(url)
    if schema.state(db).revision is None:
        schema.upgrade(db)
    schema.require_current(db)
    with db.connected() as conn:
        if conn.scalar(select(func.count()).select_from(CONTRACTS)):
            sys.exit(f"{db.display_url()} already holds accounts; give an empty database")
    started = time.perf_counter()
    counts = generate(db, args.accounts, seed=args.seed, chunk=args.chunk)
    seconds = time.perf_counter() - started
    rows = sum(counts.values())
    print(f"{db.display_url()}: {counts['contracts']:,} accounts, {counts['devices']:,} "
          f"devices ({counts['devices'] / max(counts['contracts'], 1):.2f} an account), "
          f"{counts['history']:,} history events in {seconds:.1f} s "
          f"({rows / seconds:,.0f} rows/s)")
    db.dispose()


if __name__ == "__main__":
    main()
