"""``db backup`` (SQLite): a copy taken while another process writes is one consistent
moment of the database; restored (used as the database), ``check`` is clean."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onenumber_cli.cli.app import app
from tests.conftest import POSTGRES_URL

ACCOUNTS = 150


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_a_backup_taken_while_another_process_writes_restores_clean(
    tmp_path: Path, sqlite_template: Path,
) -> None:
    live = tmp_path / "live.sqlite"
    live.write_bytes(sqlite_template.read_bytes())
    live.chmod(0o600)
    url = f"sqlite:///{live}"
    rows = tmp_path / "rows.csv"
    rows.write_text("action,account,type\n" + "".join(
        f"service-subscribe,acct{i:04d},\nregister,acct{i:04d},Watch\n" for i in range(ACCOUNTS)))
    writer = subprocess.Popen(  # another operator, one transaction a row
        [sys.executable, "-m", "onenumber_cli", "--db", url, "batch", "apply", str(rows),
         "-q", "-o", "jsonl"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while _count(live, "SELECT count(*) FROM contracts") < 10:
            assert writer.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        copy = tmp_path / "backup.sqlite"
        code, out, err = cli("--db", url, "db", "backup", str(copy), "-o", "json")
        assert code == 0, err
        assert '"integrity": "ok"' in out
    finally:
        _, errors = writer.communicate(timeout=120)
    assert writer.returncode == 0, errors
    assert copy.stat().st_mode & 0o777 == 0o600
    restored = tmp_path / "restored.sqlite"  # a restore: the copy put in place and used
    restored.write_bytes(copy.read_bytes())
    restored.chmod(0o600)
    assert cli("--db", f"sqlite:///{restored}", "check")[0] == 0
    contracts = _count(restored, "SELECT count(*) FROM contracts")
    assert 10 <= contracts <= ACCOUNTS
    # one moment: each change with its audit record, each device with its history event
    assert _count(restored, "SELECT count(*) FROM audit WHERE action = 'service-subscribe'"
                  ) == contracts
    devices = _count(restored, "SELECT count(*) FROM devices")
    assert devices == _count(restored, "SELECT count(*) FROM audit WHERE action = 'register'")
    assert devices == _count(restored, "SELECT count(*) FROM history")
    assert devices in (contracts - 1, contracts)
    assert _count(live, "SELECT count(*) FROM contracts") == ACCOUNTS  # the writer went on


def test_backup_never_overwrites_and_refuses_postgres(tmp_path: Path,
                                                     sqlite_template: Path) -> None:
    url = f"sqlite:///{sqlite_template}"
    taken = tmp_path / "taken.sqlite"
    taken.write_text("keep me")
    code, _, err = cli("--db", url, "db", "backup", str(taken))
    assert code == 2 and "never overwrites" in err
    assert taken.read_text() == "keep me"
    code, _, err = cli("--db", url, "--lang", "ja", "db", "backup", str(tmp_path / "no/dir.db"))
    assert code == 2 and "作成できません" in err
    if POSTGRES_URL:
        code, _, err = cli("--db", POSTGRES_URL, "db", "backup", str(tmp_path / "pg.dump"))
        assert code == 2 and "pg_dump" in err
    else:
        pytest.skip("the PostgreSQL half needs ONENUMBER_TEST_POSTGRES_URL")
