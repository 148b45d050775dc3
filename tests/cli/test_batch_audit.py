"""``batch apply`` and ``audit`` through the CLI: exit codes, formats, stdin."""

from __future__ import annotations

import csv
import io
import json
from itertools import pairwise
from pathlib import Path

from tests.cli.conftest import Invoke

FIXES = (
    "action,account,device,name,type,imei,at,multi,replace\n"
    "rename,demo-multi,BMW,愛車,,,,,\n"
    "register,demo-multi,,,Apple Watch Ultra,490154203237518,2024-01-02T03:04,,\n"
    "option-subscribe,demo-single,,,,,,,\n"
)


def write(tmp_path: Path, text: str, name: str = "fixes.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_successful_batch_exits_0_and_reports_every_row(demo_cli: Invoke,
                                                          tmp_path: Path) -> None:
    result = demo_cli("batch", "apply", write(tmp_path, FIXES), "-o", "json",
                      "--operator", "sato")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(r["row"], r["action"], r["ok"], r["changed"], r["error"]) for r in report] == [
        (1, "rename", True, True, None), (2, "register", True, True, None),
        (3, "option-subscribe", True, True, None)]
    assert "3 rows, 3 ok (3 changed), 0 failed" in result.stderr
    batch_id = result.stderr.split("batch ", 1)[1].split(":", 1)[0]
    audit = json.loads(demo_cli("audit", "--batch", batch_id, "-o", "json").stdout)
    assert len(audit) == 3 and {a["operator"] for a in audit} == {"sato"}
    history = json.loads(demo_cli("history", "demo-multi", "-o", "json", "--limit", "1",
                                  "--since", "2024-01-01", "--until", "2024-01-03").stdout)
    assert history[0]["at"] == "2024-01-02T03:04:00+09:00"


def test_rerunning_reports_no_changes_and_failed_rows_exit_1(demo_cli: Invoke,
                                                             tmp_path: Path) -> None:
    path = write(tmp_path, "action,account,device,name\nrename,demo-multi,BMW,BMW\n"
                           "option-subscribe,demo-multi,,\nrename,demo-multi,ghost,x\n")
    result = demo_cli("batch", "apply", path, "-o", "csv")
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["ok"], r["changed"]) for r in rows] == [
        ("true", "false"), ("true", "false"), ("false", "false")]
    assert json.loads(rows[2]["error"])["code"] == "device_not_found"


def test_stdin_jsonl_and_table_output(demo_cli: Invoke) -> None:
    lines = "\n".join(json.dumps(x) for x in [
        {"action": "rename", "account": "demo-multi", "device": "BMW", "name": "Car"},
        {"action": "unregister", "account": "demo-multi", "device": "Car"},
    ])
    result = demo_cli("batch", "apply", "-", input=lines + "\n")
    assert result.exit_code == 0, result.stderr
    first, second = result.stdout.splitlines()[:2]
    assert first.split()[:5] == ["1", "rename", "demo-multi", "ok,", "changed:"]
    assert first.endswith("BMW -> Car")  # what changed, from what
    assert second.split()[:5] == ["2", "unregister", "demo-multi", "ok,", "changed:"]
    assert second.endswith(") ->")  # Car (id) ->: the device is gone


def test_an_unusable_file_exits_2_naming_the_line_and_changes_nothing(
    demo_cli: Invoke, tmp_path: Path
) -> None:
    before = demo_cli("audit", "-o", "json").stdout
    bad = FIXES + 'rename,demo-multi,"unbalanced\n'
    result = demo_cli("batch", "apply", write(tmp_path, bad), "-o", "json")
    assert result.exit_code == 2
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "invalid_batch" and "Line 5" in error["message"]
    assert demo_cli("audit", "-o", "json").stdout == before
    missing = demo_cli("batch", "apply", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes("action,account,device,name\nrename,demo-multi,BMW,愛車\n".encode("cp932"))
    assert demo_cli("batch", "apply", str(sjis)).exit_code == 2


def test_a_file_unusable_past_its_first_chunk_changes_nothing_in_any_mode(
    demo_cli: Invoke, tmp_path: Path
) -> None:
    """A one-transaction run nobody watches reads the file once (no pass 1): rows are
    applied (and a chunk written) before the broken line is met, and the transaction is
    rolled back; per-row mode refuses the file before its first row.  Same error either
    way, and no row reported."""
    names = ["BMW", *(f"B{i}" for i in range(1, 601))]
    lines = [json.dumps({"action": "rename", "account": "demo-multi", "device": old,
                         "name": new}) for old, new in pairwise(names)]
    path = write(tmp_path, "\n".join([*lines, '{"action": "rename",', ""]), "fixes.jsonl")
    before = demo_cli("audit", "-o", "json").stdout
    for mode in (["--atomic"], ["--dry-run"], []):
        for fmt in ("jsonl", "json", "csv"):
            result = demo_cli("batch", "apply", path, "-o", fmt, *mode)
            assert result.exit_code == 2, (mode, fmt, result.stderr)
            assert "Line 601" in result.stderr, (mode, fmt)
            assert result.stdout == "", (mode, fmt)  # no "[]", no CSV header
    assert demo_cli("audit", "-o", "json").stdout == before
    assert "BMW" in demo_cli("devices", "list", "demo-multi").stdout


def test_atomic_and_dry_run_modes(demo_cli: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path, FIXES + "rename,demo-multi,ghost,x,,,,,\n")
    atomic = demo_cli("batch", "apply", path, "--atomic", "-o", "jsonl")
    assert atomic.exit_code == 1
    assert "nothing was written" in atomic.stderr
    assert not any(json.loads(x)["changed"] for x in atomic.stdout.splitlines())
    dry = demo_cli("batch", "apply", write(tmp_path, FIXES, "ok.csv"), "--dry-run", "-o",
                   "jsonl")
    assert dry.exit_code == 0
    assert all(json.loads(x)["changed"] for x in dry.stdout.splitlines())
    assert "BMW" in demo_cli("devices", "list", "demo-multi").stdout  # nothing written


def test_audit_filters_and_formats(demo_cli: Invoke) -> None:
    assert demo_cli("devices", "rename", "demo-multi", "BMW", "Car",
                    "--operator", "tanaka").exit_code == 0
    mine = json.loads(demo_cli("audit", "--operator", "tanaka", "-o", "json").stdout)
    assert [(a["action"], a["before"], a["after"]) for a in mine] == [
        ("rename", {"name": "BMW"}, {"name": "Car"})]
    renames = json.loads(demo_cli("audit", "demo-multi", "--action", "rename", "-o",
                                  "json").stdout)
    assert [a["after"]["name"] for a in renames] == ["Car", "Apple Watch Series 6"]
    assert len(json.loads(demo_cli("audit", "--limit", "2", "-o", "json").stdout)) == 2
    table = demo_cli("audit", "demo-multi", "--action", "rename", "--lang", "ja").stdout
    assert "name=BMW" in table and "オペレーター" in table
    assert demo_cli("audit", "--action", "delete").exit_code == 2
