"""Crash safety: a batch killed at random moments leaves no row half-applied.

Each row of the file renames one device to a name used nowhere else, so every applied
row leaves exactly one audit record, and the rows that landed must be a prefix of the
file.  After each kill: that prefix is exact, the device names are what the prefix
leaves, ``check`` is clean; re-running the file then completes it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from onenumber_cli import batch, check, services
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import audit as AUDIT
from tests.e2e.test_console_script import SCRIPT

pytestmark = pytest.mark.slow
ROWS = 20_000
ACCOUNTS = 1_000
KILLS = 3


def seed(db: Database) -> list[tuple[str, str]]:
    """ACCOUNTS accounts with 2 devices each; returns (account, device id) pairs."""
    lines = []
    for a in range(ACCOUNTS):
        lines.append({"action": "service-subscribe", "account": f"c{a:05d}", "multi": True})
        lines += [{"action": "register", "account": f"c{a:05d}", "type": "Watch",
                   "name": f"W{d}"} for d in range(2)]
    data = "\n".join(json.dumps(x) for x in lines).encode()
    import io

    stream = io.BytesIO(data)
    results = list(batch.apply(db, lambda: batch.rows(stream, "jsonl"), Actor("seed"),
                               services.utcnow().tzinfo, atomic=True))  # type: ignore[arg-type]
    assert all(r.ok for r in results)
    return [(f"c{a:05d}", d.id) for a in range(ACCOUNTS)
            for d in services.list_devices(db, f"c{a:05d}")]


def write_file(path: Path, devices: list[tuple[str, str]]) -> None:
    with path.open("w") as handle:
        for i in range(ROWS):
            account, device = devices[i % len(devices)]
            handle.write(json.dumps({"action": "rename", "account": account,
                                     "device": device, "name": f"N{i}"}) + "\n")


def audited_rows(db: Database, operator: str) -> list[int]:
    """The file rows (0-based) that ``operator``'s run applied, from its audit records."""
    with db.connected() as conn:
        records = conn.execute(select(AUDIT).where(AUDIT.c.operator == operator))
        return sorted(int(r.after["name"][1:]) for r in records)


def expected_names(devices: list[tuple[str, str]], prefix: int) -> dict[str, str]:
    names = {device: f"W{index % 2}" for index, (_, device) in enumerate(devices)}
    for i in range(prefix):
        names[devices[i % len(devices)][1]] = f"N{i}"
    return names


def actual_names(db: Database) -> dict[str, str]:
    return {d.id: d.name for a in range(ACCOUNTS)
            for d in services.list_devices(db, f"c{a:05d}")}


def wait_until_rows_land(db: Database, operator: str,
                         process: subprocess.Popen[bytes]) -> None:
    """Block until the batch has committed its first row (start-up and the file's
    structural pass come first)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, stderr = process.communicate()
            raise AssertionError(f"the batch ended early: {stderr.decode()[-2000:]}")
        with db.connected() as conn:
            if conn.scalars(select(AUDIT.c.seq).where(
                    AUDIT.c.operator == operator).limit(1)).first() is not None:
                return
        time.sleep(0.05)
    raise AssertionError("the batch never started applying rows")


def start(path: Path, db_url: str, operator: str, *, report: bool = False
          ) -> subprocess.Popen[bytes]:
    """The batch in a console script; its report is kept only when asked for (an
    undrained pipe would stall it)."""
    assert SCRIPT
    return subprocess.Popen(
        [SCRIPT, "batch", "apply", str(path), "-o", "jsonl", "--operator", operator],
        env={**os.environ, "ONENUMBER_DATABASE_URL": db_url},
        stdout=subprocess.PIPE if report else subprocess.DEVNULL, stderr=subprocess.PIPE)


def reseed(db: Database) -> list[tuple[str, str]]:
    with db.engine.begin() as conn:
        for table in ("audit", "history", "devices", "contracts"):
            conn.execute(text(f"DELETE FROM {table}"))
    return seed(db)


def test_sigkill_at_random_moments_never_half_applies_a_row(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    chance = random.Random(20261124)
    path = tmp_path / "renames.jsonl"
    figures = []
    for run in range(KILLS):
        devices = reseed(db)  # each killed run starts from the same state
        write_file(path, devices)
        operator = f"kill-{run}"
        process = start(path, db_url, operator)
        wait_until_rows_land(db, operator, process)
        time.sleep(chance.uniform(0.0, 5.0))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        rows = audited_rows(db, operator)
        assert rows == list(range(len(rows))), "what landed is not exactly rows 1..k"
        assert 0 < len(rows) < ROWS, "the kill should land mid-file"
        assert actual_names(db) == expected_names(devices, len(rows))
        assert list(check.run(db)) == []
        figures.append(len(rows))
    completion = start(path, db_url, "complete")  # on the last killed run's state
    _, stderr = completion.communicate(timeout=600)
    assert completion.returncode == 0, stderr.decode()
    assert actual_names(db) == expected_names(devices, ROWS)
    assert list(check.run(db)) == []
    print(f"\nSIGKILL [{db.backend}]: runs={KILLS} rows applied before each kill={figures} "
          f"rows audited={sum(figures)} (once each) violations=0; re-running the file "
          f"completed it")


def test_sigint_stops_cleanly_with_a_summary(db: Database, db_url: str,
                                             tmp_path: Path) -> None:
    devices = seed(db)
    path = tmp_path / "renames.jsonl"
    write_file(path, devices)
    process = start(path, db_url, "interrupted", report=True)
    wait_until_rows_land(db, "interrupted", process)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted after" in stderr.decode() and "Traceback" not in stderr.decode()
    reported = [json.loads(line) for line in stdout.decode().splitlines()]
    rows = audited_rows(db, "interrupted")
    prefix = len(rows)
    assert rows == list(range(prefix))
    assert len(reported) == prefix  # what it reported is exactly what landed
    assert actual_names(db) == expected_names(devices, prefix)
    assert list(check.run(db)) == []
