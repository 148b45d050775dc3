"""What each kind of call imports (issue 5): start-up time is paid in imports, so the
cheap paths must stay free of the database stack.  Checked with ``python -X importtime``
in a fresh interpreter per call, the way the console script starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "alembic", "tabulate", "importlib.metadata")


def imported(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh ``onenumber ARGS`` imports (exit status ignored: --help
    exits 0, a bare group 2)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "onenumber_cli", *args],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, **(env or {})})
    names = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
             if line.startswith("import time:")}
    assert "onenumber_cli.cli.app" in names, result.stderr[-2000:]
    return names


def heavy(names: set[str]) -> list[str]:
    return sorted(n for n in names if n.split(".")[0] in HEAVY or n in HEAVY)


@pytest.mark.parametrize("args", [
    ["--help"], ["--version"], ["devices", "--help"], ["devices", "register", "--help"],
    ["--lang", "ja", "--help"],
])
def test_help_and_version_import_nothing_of_the_database_stack(args: list[str]) -> None:
    assert heavy(imported(*args)) == []


def test_root_help_builds_no_command() -> None:
    """Listing the commands reads their help texts; Click parameters are built only for
    the command that runs (building all of them costs more than importing Typer)."""
    names = imported("--help")
    assert "onenumber_cli.services" not in names
    assert heavy(names) == []


def test_completing_a_command_name_imports_nothing_heavy(tmp_path: Path) -> None:
    env = {"_ONENUMBER_COMPLETE": "complete_bash", "COMP_WORDS": "onenumber dev",
           "COMP_CWORD": "1", "ONENUMBER_DATA_DIR": str(tmp_path)}
    assert heavy(imported(env=env)) == []


def test_status_as_json_needs_neither_alembic_nor_tabulate(db_url: str) -> None:
    env = {"ONENUMBER_DATABASE_URL": db_url}
    subprocess.run([sys.executable, "-m", "onenumber_cli", "demo", "-q"], check=True,
                   env={**os.environ, **env}, capture_output=True, timeout=60)
    names = imported("status", "demo-multi", "-o", "json", env=env)
    assert "sqlalchemy.orm" in names  # the call really reached the database
    assert not {"alembic", "tabulate"} & names  # (SQLAlchemy itself imports importlib.metadata)
    table = imported("status", "demo-multi", env=env)
    assert "tabulate" in table and "alembic" not in table
