"""What a command says when its output cannot be written, and options checked before a
change (SPEC 7: exit 2 means nothing was written; no internal error for a stream).

Through the installed console script: stdout is /dev/full or a pipe whose reader goes
away, as an operator's shell makes it."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from onenumber_cli.storage.engine import Database, parse_url
from tests.e2e.test_console_script import SCRIPT, run
from tests.e2e.test_exit_code_honesty import audit_of, dump, summarised_changes


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    environment = {**os.environ, "ONENUMBER_DATABASE_URL": db_url}
    assert run("demo", "-q", env=environment).returncode == 0
    return environment


def names(db_url: str, account: str = "demo-multi") -> list[str]:
    from onenumber_cli import services

    db = Database(parse_url(db_url))
    try:
        return sorted(device.name for device in services.list_devices(db, account))
    finally:
        db.dispose()


def to_full(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert SCRIPT
    with open("/dev/full", "w") as full:
        return subprocess.run([SCRIPT, *args], stdout=full, stderr=subprocess.PIPE, text=True,
                              env=env, timeout=120, check=False)


@pytest.mark.parametrize("argv", [
    ["devices", "rename", "demo-multi", "BMW", "Car", "--fields", "nosuch"],
    ["devices", "rename", "demo-multi", "BMW", "Car", "-o", "json", "--fields", "device_id"],
    ["service", "subscribe", "newcomer", "--fields", "nosuch"],
    ["option", "subscribe", "demo-single", "-o", "jsonl", "--fields", ","],
])
def test_a_bad_fields_value_refuses_a_change_before_anything_is_written(
        env: dict[str, str], db_url: str, argv: list[str]) -> None:
    before = dump(db_url)
    result = run(*argv, env=env)
    assert result.returncode == 2, result.stderr
    assert "--fields" in result.stderr
    assert dump(db_url) == before


def test_a_bad_fields_value_refuses_a_batch_before_its_first_row(
        env: dict[str, str], db_url: str, tmp_path: Path) -> None:
    batch = tmp_path / "b.csv"
    batch.write_text("action,account,device,name\nrename,demo-multi,BMW,Car\n", encoding="utf-8")
    before = dump(db_url)
    result = run("batch", "apply", "-", "-o", "csv", "--fields", "nosuch", env=env,
                 input=batch.read_text(encoding="utf-8"))
    assert result.returncode == 2, result.stderr
    assert "Choose among: row, action, account, ok, changed, error" in result.stderr
    assert dump(db_url) == before


def test_fields_naming_no_field_lists_the_real_field_names(env: dict[str, str]) -> None:
    result = run("status", "demo-multi", "--fields", ",", env=env)
    assert result.returncode == 2
    assert "hint: Choose among: account, status, plan, capacity, registered" in result.stderr
    assert "Choose among: -." not in result.stderr


def test_a_change_whose_output_hits_a_full_disk_exits_1_and_says_it_was_committed(
        env: dict[str, str], db_url: str) -> None:
    result = to_full("devices", "rename", "demo-multi", "BMW", "Car", env=env)
    assert result.returncode == 1, result.stderr
    assert "unexpected internal error" not in result.stderr
    assert "The output could not be written: No space left on device." in result.stderr
    assert "Committed before that: Renamed device" in result.stderr
    assert "Car" in names(db_url)


def test_a_read_whose_output_hits_a_full_disk_says_so_and_exits_1(env: dict[str, str]) -> None:
    result = to_full("status", "demo-multi", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: The output could not be written")
    assert "Committed" not in result.stderr


def test_a_cp932_batch_report_that_cannot_hold_an_error_stops_the_batch_and_tells_what_was_applied(
        env: dict[str, str], db_url: str, tmp_path: Path) -> None:
    batch = tmp_path / "b.csv"
    batch.write_text("action,account,device,name\nrename,demo-multi,BMW,Car\n"
                     "rename,demo-multi,Café,X\nrename,demo-multi,Car,Car2\n", encoding="utf-8")
    result = run("batch", "apply", str(batch), "-o", "csv", "--csv-encoding", "cp932", env=env)
    assert result.returncode == 1, result.stderr  # row 1 is committed: never exit 2
    assert "not_encodable" not in result.stdout
    summary = summarised_changes(result.stderr)
    assert summary is not None, result.stderr
    batch_id, changed = summary
    assert changed == 1 and audit_of(db_url, batch_id) == 1
    assert "stopped after row 2" in result.stderr and "Re-run the file" in result.stderr
    assert "Car" in names(db_url) and "Car2" not in names(db_url)  # row 3 never applied


def test_a_batch_whose_report_hits_a_full_disk_stops_with_its_summary_on_stderr(
        env: dict[str, str], db_url: str, tmp_path: Path) -> None:
    batch = tmp_path / "b.csv"
    batch.write_text("action,account,device,name\nrename,demo-multi,BMW,Car\n"
                     "rename,demo-multi,Car,Car2\n", encoding="utf-8")
    result = to_full("batch", "apply", str(batch), env=env)
    assert result.returncode == 1, result.stderr
    assert "unexpected internal error" not in result.stderr
    summary = summarised_changes(result.stderr)
    assert summary is not None, result.stderr
    batch_id, changed = summary
    assert changed == 1 and audit_of(db_url, batch_id) == 1  # row 1; row 2 never tried
    assert names(db_url).count("Car") == 1


def test_an_atomic_batch_whose_report_hits_a_full_disk_still_counts_every_committed_row(
        env: dict[str, str], db_url: str, tmp_path: Path) -> None:
    batch = tmp_path / "b.csv"
    batch.write_text("action,account,device,name\nrename,demo-multi,BMW,Car\n"
                     "rename,demo-multi,Car,Car2\n", encoding="utf-8")
    result = to_full("batch", "apply", str(batch), "--atomic", "-o", "jsonl", env=env)
    assert result.returncode == 1, result.stderr
    summary = summarised_changes(result.stderr)
    assert summary is not None, result.stderr
    batch_id, changed = summary
    assert changed == 2 and audit_of(db_url, batch_id) == 2


def test_a_batch_read_by_head_stops_at_the_next_row_and_reports_on_stderr(
        env: dict[str, str], db_url: str, tmp_path: Path) -> None:
    batch = tmp_path / "j.jsonl"
    names_cycle = ["Car", "BMW"]
    lines = [json.dumps({"action": "rename", "account": "demo-multi",
                         "device": names_cycle[(i + 1) % 2], "name": names_cycle[i % 2]})
             for i in range(600)]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert SCRIPT
    head = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    batch_run = subprocess.run([SCRIPT, "batch", "apply", str(batch), "-o", "jsonl"],
                               stdout=head.stdin, stderr=subprocess.PIPE, text=True, env=env,
                               timeout=300, check=False)
    assert head.stdin is not None
    head.stdin.close()
    head.stdin = None
    first, _ = head.communicate(timeout=60)
    assert json.loads(first)["row"] == 1
    assert batch_run.returncode == 1, batch_run.stderr
    assert "The output could not be written: its reader closed it" in batch_run.stderr
    summary = summarised_changes(batch_run.stderr)
    assert summary is not None, batch_run.stderr
    batch_id, changed = summary
    assert 1 <= changed < 600
    assert audit_of(db_url, batch_id) == changed
    assert re.search(r"stopped after row \d+: its report could not be written", batch_run.stderr)


def test_a_read_whose_reader_goes_away_ends_quietly(env: dict[str, str]) -> None:
    assert SCRIPT
    proc = subprocess.Popen([SCRIPT, "history", "demo-multi", "-o", "jsonl"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    proc.stdout.close()
    proc.stdout = None
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err == b""  # as `| head` expects: no error, no "Exception ignored"


def test_a_change_started_without_stdout_says_it_was_committed(
        env: dict[str, str], db_url: str) -> None:
    assert SCRIPT
    result = subprocess.run([SCRIPT, "devices", "rename", "demo-multi", "BMW", "Car"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env, timeout=120, check=False,
                            preexec_fn=lambda: os.close(1))  # as `onenumber ... >&-`
    assert result.returncode == 1, result.stderr
    assert "unexpected internal error" not in result.stderr
    assert "file descriptor 1 is closed" in result.stderr
    assert "Committed before that: Renamed device" in result.stderr
    assert "Car" in names(db_url)


@pytest.mark.parametrize(("argv", "code"), [
    (["status", "nobody-here"], 3),
    (["devices", "rename", "demo-multi", "BMW", "Car"], 0),
    (["devices", "rename", "demo-multi", "nosuch", "Car"], 3),
])
def test_a_full_stderr_never_changes_the_exit_code(
        env: dict[str, str], argv: list[str], code: int) -> None:
    assert SCRIPT
    with open("/dev/full", "w") as full:
        result = subprocess.run([SCRIPT, *argv], stdout=subprocess.PIPE, stderr=full,
                                env=env, timeout=120, check=False)
    assert result.returncode == code
