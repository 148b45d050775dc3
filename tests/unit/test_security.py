"""Review made executable: properties of the source that keep data safe."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

import onenumber_cli
from onenumber_cli.cli.app import app

PACKAGE = Path(onenumber_cli.__file__).parent
SOURCES = {p: p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")
           if "migrations" not in p.parts}


def test_history_and_audit_are_append_only_in_the_code() -> None:
    """Nothing updates or deletes history or audit rows (the PostgreSQL roles make the
    database enforce it too: docs/postgres-roles.sql)."""
    forbidden = re.compile(
        r"(update|delete)\(\s*(HistoryEvent|AuditRecord)|session\.delete\(|"
        r"(UPDATE|DELETE FROM)\s+(history|audit)\b", re.IGNORECASE)
    for path, text in SOURCES.items():
        if path.name == "removal.py":  # demo --remove: the demo accounts' rows only
            continue
        assert not forbidden.search(text), path


def test_rows_are_deleted_in_one_place_and_only_for_the_accounts_given() -> None:
    deleting = sorted(path.name for path, text in SOURCES.items()
                      if re.search(r"\bdelete\(|DELETE FROM", text))
    assert deleting == ["removal.py"]
    removal = next(text for path, text in SOURCES.items() if path.name == "removal.py")
    assert "delete(table).where(table.c.account.in_(wanted))" in removal


def test_no_shell_is_ever_started() -> None:
    """No shell anywhere; the one child process is the operator's own pager (``PAGER``,
    split into argv with shlex and run without a shell), in the output module."""
    for path, text in SOURCES.items():
        assert not re.search(r"\b(os\.system|os\.popen|shell=True)\b", text), path
        if path.name != "output.py":
            assert not re.search(r"\bsubprocess\b", text), path
    output = next(text for path, text in SOURCES.items() if path.name == "output.py")
    assert output.count("subprocess.Popen(") == 1 and "shlex.split(" in output


HOSTILE = "x'); DROP TABLE audit; --"


def test_values_reach_the_database_as_parameters_never_as_sql(
    db_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No SQL is built from values: hostile text given as an operator and a device type
    comes back verbatim with every table intact, and the settings the engine gives each
    transaction (PostgreSQL's lock and statement timeouts) are sent as parameters, never
    in a statement's text."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        sent.append((statement, parameters))

    monkeypatch.setenv("ONENUMBER_LOCK_TIMEOUT", "1.234")
    monkeypatch.setenv("ONENUMBER_STATEMENT_TIMEOUT", "5.678")
    runner = CliRunner()

    def cli(*args: str) -> str:
        result = runner.invoke(app, ["--db", db_url, "--operator", HOSTILE, *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    event.listen(Engine, "before_cursor_execute", record)
    try:
        cli("service", "subscribe", "acct")
        cli("devices", "register", "acct", "--type", HOSTILE)
        status = json.loads(cli("status", "acct", "-o", "json"))
        audit = json.loads(cli("audit", "-o", "json"))
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert [device["type"] for device in status["devices"] if device["id"]] == [HOSTILE]
    assert {entry["operator"] for entry in audit} == {HOSTILE}  # the audit table is there
    assert sent, "no statement seen"
    for statement, _ in sent:
        assert "DROP TABLE" not in statement and "1234" not in statement, statement
        assert "5678" not in statement, statement
    if db_url.startswith("postgresql"):  # the timeouts, bound: 1.234 s and 5.678 s
        bound = " ".join(str(parameters) for _, parameters in sent)
        assert "1234ms" in bound and "5678ms" in bound
