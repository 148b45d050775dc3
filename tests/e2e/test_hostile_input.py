"""Hostile and malformed input, through the installed console script.

Every case must answer with its exit code (2, 3, 4 or 6), one clear message (an error
line and a hint), no traceback, and no change to the database.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
from pathlib import Path

import pytest

from onenumber_cli.storage.engine import Database
from tests.e2e.test_console_script import SCRIPT
from tests.integration.test_one_account_per_change import snapshot

BIG = "x" * 100_000


def cases(tmp: Path) -> list[tuple[str, list[str], int]]:
    def file(name: str, content: bytes) -> str:
        path = tmp / name
        path.write_bytes(content)
        return str(path)

    header = b"action,account,device,name\n"
    garbage = file("garbage.sqlite", b"SQLite format 2\x00" + os.urandom(4096))
    return [
        ("over-long account", ["status", "a" * 10_000], 2),
        ("control character in account", ["status", "demo\x01multi"], 2),
        ("newline in account", ["status", "demo\nmulti"], 2),
        ("over-long name", ["devices", "rename", "demo-multi", "BMW", BIG], 4),
        ("control character in name", ["devices", "rename", "demo-multi", "BMW", "a\x07b"], 4),
        ("tab in name", ["devices", "rename", "demo-multi", "BMW", "a\tb"], 4),
        ("emoji name", ["devices", "rename", "demo-multi", "BMW", "車🚗"], 4),
        ("SQL in account", ["status", "x'; DROP TABLE contracts; --"], 2),
        ("SQL in name", ["devices", "rename", "demo-multi", "BMW",
                         "Robert'); DROP TABLE devices;--"], 4),
        ("SQL in device", ["devices", "show", "demo-multi", "'; DROP TABLE devices; --"], 3),
        ("escape sequence in type", ["devices", "register", "demo-multi", "--type",
                                     "x\x1b[2Jy"], 4),
        ("bad IMEI", ["devices", "register", "demo-multi", "--type", "X", "--imei",
                      "1" * 15], 4),
        ("bad date", ["history", "demo-multi", "--since", "2022-13-45"], 2),
        ("words for a date", ["devices", "register", "demo-multi", "--type", "X", "--at",
                              "yesterday"], 2),
        ("negative limit", ["history", "demo-multi", "--limit", "-1"], 2),
        ("text limit", ["history", "demo-multi", "--limit", "many"], 2),
        ("unknown output format", ["status", "demo-multi", "-o", "xml"], 2),
        ("unknown time zone", ["status", "demo-multi", "--tz", "Mars/Base"], 2),
        ("unknown language", ["status", "demo-multi", "--lang", "fr"], 2),
        ("unknown kind", ["history", "demo-multi", "--kind", "delete"], 2),
        ("missing batch file", ["batch", "apply", str(tmp / "nope.csv")], 2),
        ("batch: invalid UTF-8", ["batch", "apply", file(
            "latin1.csv", header + "rename,demo-multi,BMW,caf\xe9\n".encode("latin-1"))], 2),
        ("batch: unbalanced quotes", ["batch", "apply", file(
            "quotes.csv", header + b'rename,demo-multi,"BMW,Car\n')], 2),
        ("batch: unknown column", ["batch", "apply", file(
            "columns.csv", b"action,account,colour\nrename,demo-multi,red\n")], 2),
        ("batch: NUL byte", ["batch", "apply", file(
            "nul.csv", header + b"rename,demo-multi,BMW,C\x00ar\n")], 2),
        ("batch: 1 MB field", ["batch", "apply", file(
            "big.csv", header + b"rename,demo-multi,BMW," + b"x" * 1_000_000 + b"\n")], 2),
        ("batch: not JSON", ["batch", "apply", file("bad.jsonl", b'{"action": "rename",\n')],
         2),
        ("batch: no header", ["batch", "apply", file("empty.csv", b"")], 2),
        ("malformed database URL", ["status", "demo-multi", "--db", "::nonsense::"], 2),
        ("unsupported database", ["status", "demo-multi", "--db", "mysql://u:p@h/d"], 6),
        ("garbage SQLite file", ["status", "demo-multi", "--db", f"sqlite:///{garbage}"], 6),
    ]


def run(args: list[str], env: dict[str, str], limit_file_size: int | None = None
        ) -> subprocess.CompletedProcess[str]:
    def preexec() -> None:
        if limit_file_size is not None:  # a full disk: writes fail with EFBIG
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    assert SCRIPT
    return subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False, preexec_fn=preexec)


def assert_clean_refusal(result: subprocess.CompletedProcess[str], code: int) -> None:
    assert result.returncode == code, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line]
    if lines[0].startswith("Usage: "):  # the parser's own usage error: usage, tip, error
        assert len(lines) == 3 and lines[-1].startswith("Error: ")
    else:
        assert len(lines) == 2 and lines[0].startswith("error: ")
        assert lines[1].startswith("hint: ")
    assert result.stdout == ""


def test_hostile_and_malformed_input_matrix(db: Database, db_url: str,
                                           tmp_path: Path) -> None:
    env = {**os.environ, "ONENUMBER_DATABASE_URL": db_url}
    assert run(["demo", "-q"], env).returncode == 0
    before = snapshot(db)
    matrix = cases(tmp_path)
    for name, args, code in matrix:
        result = run(args, env)
        try:
            assert_clean_refusal(result, code)
        except AssertionError as failure:
            raise AssertionError(f"case {name!r}: {failure}") from None
    assert snapshot(db) == before, "a refused input changed the database"
    print(f"\nhostile input [{db.backend}]: {len(matrix)} of {len(matrix)} cases clean")


def test_a_read_only_database_refuses_changes_cleanly(db: Database, db_url: str,
                                                      tmp_path: Path) -> None:
    if db.backend != "sqlite":
        pytest.skip("the PostgreSQL read-only role is tested in test_postgres.py")
    env = {**os.environ, "ONENUMBER_DATABASE_URL": db_url}
    assert run(["demo", "-q"], env).returncode == 0
    before = snapshot(db)
    path = db_url.removeprefix("sqlite:///")
    read_only = {**env, "ONENUMBER_DATABASE_URL": f"sqlite:///file:{path}?mode=ro&uri=true"}
    assert run(["status", "demo-multi"], read_only).returncode == 0
    result = run(["devices", "rename", "demo-multi", "BMW", "Car"], read_only)
    assert_clean_refusal(result, 6)
    assert "read-only" in result.stderr
    assert snapshot(db) == before


def test_a_full_disk_refuses_changes_cleanly(db: Database, db_url: str) -> None:
    if db.backend != "sqlite":
        pytest.skip("a full disk is simulated on the SQLite file (RLIMIT_FSIZE)")
    env = {**os.environ, "ONENUMBER_DATABASE_URL": db_url}
    assert run(["demo", "-q"], env).returncode == 0
    before = snapshot(db)
    result = run(["devices", "register", "demo-multi", "--type", "Watch"], env,
                 limit_file_size=1024)
    assert_clean_refusal(result, 6)
    assert "could not be written" in result.stderr and "ulimit" in result.stderr
    assert snapshot(db) == before
