"""Review made executable: properties of the source that keep data safe."""

from __future__ import annotations

import re
from pathlib import Path

import onenumber_cli

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


def test_no_sql_is_built_from_strings() -> None:
    """Raw SQL appears only as constants (values, the lock timeout too, are bound).
    Everything else goes through SQLAlchemy with bound parameters."""
    formatted = []
    for path, text in SOURCES.items():
        for match in re.finditer(r"(exec_driver_sql|text)\((f?)\"([^\"]*)\"", text):
            if match.group(2):
                formatted.append((path.name, match.group(3)))
    assert formatted == []
