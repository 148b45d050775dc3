"""``db copy``: every row with its ids, history and audit, either backend to either,
verified, refusing non-empty targets and itself, and restartable after being killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from onenumber_cli.cli.app import app
from onenumber_cli.errors import InvalidArgument, SchemaMismatch, TargetNotEmpty
from onenumber_cli.storage import copy as copying
from onenumber_cli.storage import schema
from onenumber_cli.storage.connect import open_database
from onenumber_cli.storage.engine import Database, parse_url
from tests.conftest import POSTGRES_URL, new_postgres_database

ROOT = Path(__file__).resolve().parents[2]
ONENUMBER = str(Path(sys.executable).with_name("onenumber"))
needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="ONENUMBER_TEST_POSTGRES_URL "
                                                             "is not set (CI sets it)")


def cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("ONENUMBER_TEST_POSTGRES_URL is not set (CI sets it)")
    yield from new_postgres_database("copy")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def empty_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'target.sqlite'}"  # not there yet: db copy creates it
    else:
        yield from new_postgres_database("copy")


def _populate(url: str) -> None:
    """Every kind of row: accounts on both plans, registrations, renames, unregistrations
    (history beyond the current devices), a cancelled contract, a batch and its audit."""
    lines = [{"action": "service-subscribe", "account": "acct-multi", "multi": True},
             {"action": "service-subscribe", "account": "acct-single"},
             {"action": "service-subscribe", "account": "acct-gone"}]
    lines += [{"action": "register", "account": "acct-multi", "type": "Apple Watch SE",
               "name": f"W{i}", "at": f"2024-0{i + 1}-01T10:00:00+09:00"} for i in range(4)]
    lines += [{"action": "register", "account": "acct-single", "type": "BMW",
               "name": "車", "imei": "356938035643809"},
              {"action": "register", "account": "acct-gone", "type": "iPad", "name": "Tab"},
              {"action": "rename", "account": "acct-multi", "device": "W0", "name": "時計"},
              {"action": "unregister", "account": "acct-multi", "device": "W3"},
              {"action": "service-cancel", "account": "acct-gone"}]
    code, out, err = cli("--db", url, "batch", "apply", "-", "-o", "jsonl", "-q",
                         stdin="\n".join(json.dumps(line, ensure_ascii=False)
                                         for line in lines))
    assert code == 0, out + err


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every copied table's rows, by primary key, as the program reads them."""
    db = Database(parse_url(url))
    try:
        with db.connected() as conn:
            return {table.name: [tuple(row) for row in conn.execute(
                select(table).order_by(*table.primary_key.columns))]
                for table in copying.copied_tables()}
    finally:
        db.dispose()


def _views(url: str) -> dict[str, Any]:
    """What operators see: audit log, history and status of every account."""
    seen: dict[str, Any] = {}
    for command in (["audit"], *(["history", a] for a in ("acct-multi", "acct-gone")),
                    *(["status", a] for a in ("acct-multi", "acct-single"))):
        code, out, err = cli("--db", url, "-o", "json", *command)
        assert code == 0, err
        seen[" ".join(command)] = json.loads(out)
    return seen


def test_copy_keeps_every_row_ids_history_and_audit_and_the_copy_is_clean(
    db_url: str, empty_target: str,
) -> None:
    """Both directions across the fixtures: SQLite -> SQLite/PostgreSQL, PostgreSQL ->
    SQLite/PostgreSQL."""
    _populate(db_url)
    code, out, err = cli("--db", db_url, "db", "copy", "--to", empty_target, "-o", "json")
    assert code == 0, err
    report = json.loads(out)
    counts = {entry["table"]: entry["rows"] for entry in report["tables"]}
    source = _rows(db_url)
    assert counts == {name: len(rows) for name, rows in source.items()}
    assert counts["history"] > counts["devices"] > 0 and counts["audit"] >= 10
    assert report["verified"] and report["clean"] and report["violations"] == []
    assert report["changed"] and not report["restarted"]
    assert _rows(empty_target) == source  # ids, times, JSON bodies: identical
    assert _views(empty_target) == _views(db_url)
    assert cli("--db", empty_target, "check")[0] == 0
    assert cli("--db", empty_target, "db", "current")[0] == 0
    # the copy is a working database: new ids continue after the copied ones
    code, _, err = cli("--db", empty_target, "devices", "register", "acct-multi",
                       "--type", "Pixel Watch", "--name", "New")
    assert code == 0, err
    after = _rows(empty_target)
    assert max(r[0] for r in after["audit"]) == max(r[0] for r in source["audit"]) + 1
    assert max(r[0] for r in after["history"]) == max(r[0] for r in source["history"]) + 1


def test_a_non_empty_target_is_refused_and_left_as_it_was(db_url: str, tmp_path: Path) -> None:
    _populate(db_url)
    other = tmp_path / "other.sqlite"
    assert cli("--db", f"sqlite:///{other}", "db", "upgrade")[0] == 0
    assert cli("--db", f"sqlite:///{other}", "service", "subscribe", "mine")[0] == 0
    before = _rows(f"sqlite:///{other}")
    code, _, err = cli("--db", db_url, "db", "copy", "--to", f"sqlite:///{other}",
                       "-o", "json")
    assert code == 2
    error = json.loads(err)["error"]
    assert error["code"] == "target_not_empty" and "empty database" in error["hint"]
    assert _rows(f"sqlite:///{other}") == before
    # a schema without rows is not empty either (it may be a team's fresh database)
    fresh = tmp_path / "fresh.sqlite"
    assert cli("--db", f"sqlite:///{fresh}", "db", "upgrade")[0] == 0
    with pytest.raises(TargetNotEmpty):
        copying.copy(Database(parse_url(db_url)), Database(parse_url(f"sqlite:///{fresh}")))


def test_copying_a_database_onto_itself_is_refused(db_url: str, tmp_path: Path) -> None:
    _populate(db_url)
    before = _rows(db_url)
    code, _, err = cli("--db", db_url, "db", "copy", "--to", db_url)
    assert code == 2 and "database being copied" in err
    if db_url.startswith("sqlite:///"):  # another spelling of the same file
        path = Path(db_url.removeprefix("sqlite:///"))
        link = tmp_path / "alias.sqlite"
        link.symlink_to(path)
        with pytest.raises(InvalidArgument) as caught:
            copying.copy(Database(parse_url(db_url)), Database(parse_url(f"sqlite:///{link}")))
        assert caught.value.reason == "copy_same_database"
    else:
        with pytest.raises(InvalidArgument):
            url = parse_url(db_url)
            alias = url.set(host="localhost" if url.host != "localhost" else "127.0.0.1")
            copying.copy(Database(url), Database(alias))
    assert _rows(db_url) == before


def test_a_source_behind_the_program_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite"
    db = open_database(f"sqlite:///{old}", data_dir=tmp_path, schema_check=False, create=True)
    schema.migrate(db, "0002")
    with pytest.raises(SchemaMismatch):
        copying.copy(db, Database(parse_url(f"sqlite:///{tmp_path / 't.sqlite'}")))
    db.dispose()


def _generate(url: str, accounts: int) -> None:
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--accounts",
                    str(accounts), "--db", url], check=True, capture_output=True, cwd=ROOT)


def _count(url: str, table: str) -> int:
    db = Database(parse_url(url))
    try:
        with db.connected() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    except Exception:
        return 0
    finally:
        db.dispose()


def test_a_copy_killed_midway_is_refused_by_every_command_and_a_rerun_finishes_it(
    tmp_path: Path, empty_target: str,
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite'}"
    _generate(source, 20_000)
    target = empty_target
    env = {**os.environ, "ONENUMBER_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen([ONENUMBER, "--db", source, "db", "copy", "--to", target],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count(target, "devices") == 0:  # killed in the middle of a table, not between
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _count(target, "history") < _count(source, "history")  # it was cut short
    code, _, err = cli("--db", target, "status", "cust0000001", "-o", "json")
    assert code == 6 and json.loads(err)["error"]["code"] == "schema_mismatch"
    assert "db copy" in json.loads(err)["error"]["hint"]
    assert cli("--db", target, "db", "upgrade")[0] == 6  # not something to migrate
    assert cli("--db", target, "db", "current")[0] == 6

    code, out, err = cli("--db", source, "db", "copy", "--to", target, "-o", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["restarted"] and report["clean"]
    assert {t["table"]: t["rows"] for t in report["tables"]} == {
        name: _count(source, name) for name in ("audit", "contracts", "devices", "history")}
    assert _rows(target) == _rows(source)
    assert cli("--db", target, "db", "current")[0] == 0
    assert copying.MARKER.name not in _tables(target)


def _tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    db = Database(parse_url(url))
    try:
        return set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()


def test_progress_goes_to_stderr_on_a_terminal_only(db_url: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from onenumber_cli.cli import console

    _populate(db_url)
    quiet = tmp_path / "quiet.sqlite"
    code, out, err = cli("--db", db_url, "db", "copy", "--to", f"sqlite:///{quiet}")
    assert code == 0 and "rows" in out and "/" not in err
    monkeypatch.setattr(console.terminal, "stderr_is_tty", lambda: True)
    shown = tmp_path / "shown.sqlite"
    code, out, err = cli("--db", db_url, "db", "copy", "--to", f"sqlite:///{shown}")
    assert code == 0
    assert "history: " in err and "rows" in err and "history: " not in out
