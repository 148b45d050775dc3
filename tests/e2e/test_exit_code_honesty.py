"""The exit-code law (SPEC 7), as a property of random command lines.

Each example runs one command line (valid and mangled options, every kind of command,
batch apply with a small generated file, batch revert, bad --fields and -o,
--csv-encoding cp932 with values it cannot hold, stdout a pipe, /dev/full or a pipe whose
reader has gone) through the installed console script, on a database the demo filled,
and checks after it:

* the exit code is a documented one (0 1 2 3 4 5 6 130);
* "unexpected internal error" (and a traceback) never appears;
* exit 2 => the database is unchanged: every table's rows, sorted, compared;
* a command that only reads never changes the database, whatever its exit code;
* exit 0 => the audit records follow what was reported (a change reported changed has
  its audit record, one reported unchanged has none and changed nothing);
* a batch's summary on stderr (exit 0, 1, 6, 130, output failures included) names its
  batch id and its changed rows: the audit holds exactly that many rows of that batch.

A subprocess costs about half a second: EXAMPLES (60 by default: 23 s on SQLite, 31 s on
PostgreSQL here, 55 s on a loaded 2-core machine) keeps the suite affordable;
``ONENUMBER_HONESTY_EXAMPLES=400`` hunts (run once a backend before this was merged).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from onenumber_cli.storage.engine import Database, parse_url
from tests.e2e.test_console_script import SCRIPT

EXAMPLES = int(os.environ.get("ONENUMBER_HONESTY_EXAMPLES", "60"))
DOCUMENTED = {0, 1, 2, 3, 4, 5, 6, 130}
SEEN_BATCHES: list[str] = []  # ids of batches run so far: what batch revert is given
TABLES = ("contracts", "devices", "history", "audit", "alembic_version", "onenumber_schema")

ACCOUNTS = ["demo-multi", "demo-single", "nobody-here", "Bad Account!"]
DEVICES = ["BMW", "Apple Watch SE", "Car", "通勤用", "Café", "nosuch"]
NAMES = ["Car", "通勤用", "Café", "x" * 31, "ok.name", "BMW", "車🚗"]
TYPES = ["Apple Watch SE", "BMW", "Café Watch"]
ACTIONS = ["rename", "register", "unregister", "option-subscribe", "option-cancel",
           "service-subscribe", "service-cancel", "bogus"]
READS = {("status",), ("devices", "list"), ("devices", "show"), ("history",), ("audit",),
         ("check",), ("accounts", "list"), ("db", "current")}
EXTRAS = [
    ["-o", "table"], ["-o", "json"], ["-o", "jsonl"], ["-o", "csv"], ["-o", "tsv"],
    ["-o", "xml"], ["--fields", "changed"], ["--fields", "account,changed"],
    ["--fields", "nosuch"], ["--fields", ","], ["--fields", "row,ok,error"],
    ["--fields", "name"], ["--csv-encoding", "cp932"], ["--csv-encoding", "utf-8-sig"],
    ["--csv-encoding", "latin1"], ["--dry-run"], ["--lang", "ja"], ["--tz", "Mars/Base"],
    ["--no-input"], ["--profile", "prod"], ["--yes"], ["-q"], ["--bogus-option"],
]


def dump(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every table's rows, as text, sorted: equal dumps are equal databases."""
    db = Database(parse_url(url))
    try:
        with db.engine.connect() as conn:
            return {table: sorted(tuple(str(value) for value in row)
                                  for row in conn.execute(text(f"SELECT * FROM {table}")))
                    for table in TABLES}
    finally:
        db.dispose()


def audit_of(url: str, batch_id: str) -> int:
    """How many audit records the batch ``batch_id`` left."""
    db = Database(parse_url(url))
    try:
        with db.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM audit WHERE batch_id = :b"),
                                    {"b": batch_id}).scalar_one())
    finally:
        db.dispose()


def run(argv: list[str], env: dict[str, str], sink: str) -> tuple[int, str, str]:
    """The console script with stdout a pipe, /dev/full, or a pipe already closed."""
    assert SCRIPT
    with open(os.devnull, "rb") as stdin, open("/dev/full", "wb") as full:
        proc = subprocess.Popen([SCRIPT, *argv], stdin=stdin, env=env,
                                stdout=full if sink == "full" else subprocess.PIPE,
                                stderr=subprocess.PIPE)
        if sink == "closed":
            assert proc.stdout is not None
            proc.stdout.close()
            proc.stdout = None
        out, err = proc.communicate(timeout=120)
    return proc.returncode, (out or b"").decode("utf-8", "replace"), err.decode("utf-8",
                                                                               "replace")


def batch_file(draw: Any, path: Path) -> str:
    rows = draw(st.lists(st.fixed_dictionaries({
        "action": st.sampled_from(ACTIONS), "account": st.sampled_from(ACCOUNTS),
        "device": st.sampled_from(DEVICES), "name": st.sampled_from(NAMES),
        "type": st.sampled_from(TYPES)}), min_size=1, max_size=6))
    if draw(st.booleans()):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                        encoding="utf-8")
    return str(path)


def pick(batches: list[str], index: int) -> str:
    """One of the latest batches run (the draw is an index: a strategy cannot depend on
    what earlier examples did), or a batch that never ran."""
    return batches[-1 - index] if index < len(batches) else "20990101T000000Z-000000"


def command(draw: Any, tmp: Path, batches: list[str], serial: int) -> list[str]:
    account = draw(st.sampled_from(ACCOUNTS))
    device = draw(st.sampled_from(DEVICES))
    name = draw(st.sampled_from(NAMES))
    yes = ["--yes"] if draw(st.booleans()) else []
    choices: list[list[str]] = [
        ["status", account], ["devices", "list", account], ["devices", "show", account, device],
        ["devices", "register", account, "--type", draw(st.sampled_from(TYPES)),
         "--name", name],
        ["devices", "rename", account, device, name],
        ["devices", "unregister", account, device, *yes],
        ["option", "subscribe", account], ["option", "cancel", account, *yes],
        ["service", "subscribe", account, *(["--multi"] if draw(st.booleans()) else [])],
        ["service", "cancel", account, *yes],
        ["history", account], ["audit"], ["check"], ["accounts", "list"],
        ["batch", "apply", batch_file(draw, tmp / f"batch-{serial}.csv"),
         *(["--atomic"] if draw(st.booleans()) else [])],
        ["batch", "revert", pick(batches, draw(st.integers(0, 4))),
         *(["--atomic"] if draw(st.booleans()) else [])],
        ["demo"], ["demo", "--remove", *yes], ["db", "upgrade"], ["db", "current"],
        ["db", "backup", str(tmp / f"backup-{serial}.sqlite")],
    ]
    argv: list[str] = draw(st.sampled_from(choices))
    for extra in draw(st.lists(st.sampled_from(EXTRAS), max_size=3)):
        argv = [*argv, *extra]
    return argv


def reported_change(argv: list[str], out: str) -> bool | None:
    """``changed`` as a single change reported it on stdout, when the format says it."""
    fmt = argv[argv.index("-o") + 1] if "-o" in argv else "table"
    try:
        if fmt == "json":
            value = json.loads(out).get("changed")
        elif fmt == "jsonl":
            value = json.loads(out.splitlines()[0]).get("changed")
        elif fmt in ("csv", "tsv"):
            rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff")),
                                       delimiter="\t" if fmt == "tsv" else ","))
            value = {"true": True, "'true": True, "false": False,
                     "'false": False}.get(rows[0].get("changed") or "")
        else:
            return None
    except (ValueError, IndexError, AttributeError, KeyError):
        return None
    return value if isinstance(value, bool) else None


SUMMARY = re.compile(r"^batch (\d{8}T\d{6}Z-[0-9a-f]{6})\b(.*)$", re.MULTILINE)


def summarised_changes(stderr: str) -> tuple[str, int] | None:
    """The batch id and the number of rows its summary says were changed and kept."""
    found = SUMMARY.search(stderr)
    if found is None:
        return None
    batch_id, rest = found.groups()
    if "nothing was written" in rest or "dry run" in rest:
        return batch_id, 0
    changed = re.search(r"\((\d+) changed\)", rest)
    return (batch_id, int(changed.group(1))) if changed else None


@pytest.fixture
def demo_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "onenumber"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("[profiles.prod]\nconfirm = true\n", encoding="utf-8")
    env = {**os.environ, "ONENUMBER_DATABASE_URL": db_url}
    code, _, err = run(["demo", "-q"], env, "pipe")
    assert code == 0, err
    return env


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_an_exit_code_never_lies_about_what_was_written(
        data: st.DataObject, demo_env: dict[str, str], db_url: str, tmp_path: Path) -> None:
    serial = len(list(tmp_path.iterdir()))
    argv = command(data.draw, tmp_path, SEEN_BATCHES, serial)
    sink = data.draw(st.sampled_from(["pipe", "pipe", "full", "closed"]))
    before = dump(db_url)
    code, out, err = run(argv, demo_env, sink)
    after = dump(db_url)
    said = f"onenumber {' '.join(argv)} (stdout: {sink}) exited {code}\n{err}"
    assert code in DOCUMENTED, said
    assert "unexpected internal error" not in err, said
    assert "Traceback" not in err, said
    if code == 2:
        assert after == before, "exit 2 but the database changed: " + said
    if tuple(argv[:2]) in READS or tuple(argv[:1]) in READS:
        assert after == before, "a read changed the database: " + said
    summary = summarised_changes(err)
    if summary is not None:
        batch_id, changed = summary
        SEEN_BATCHES.append(batch_id)
        assert audit_of(db_url, batch_id) == changed, said
    elif code == 0 and argv[0] in ("devices", "option", "service") and sink == "pipe":
        changed_flag = reported_change(argv, out)
        if changed_flag is not None and "--dry-run" not in argv:
            grew = len(after["audit"]) - len(before["audit"])
            assert grew == (1 if changed_flag else 0), said
            if not changed_flag:
                assert after == before, said

