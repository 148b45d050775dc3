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


@pytest.mark.parametrize("line", ["onenumber status demo-",
                                  "onenumber devices show demo-multi Ap"])
def test_a_tab_on_an_account_or_device_loads_no_use_case(db_url: str, line: str) -> None:
    """A lookup TAB must cost no more than ``status`` (benchmarks/startup.py): it reads
    through storage.lookups, never the use cases, the change bodies or the unit of work."""
    env = {"ONENUMBER_DATABASE_URL": db_url}
    subprocess.run([sys.executable, "-m", "onenumber_cli", "demo", "-q"], check=True,
                   env={**os.environ, **env}, capture_output=True, timeout=60)
    names = imported(env={**env, "_ONENUMBER_COMPLETE": "complete_bash", "COMP_LINE": line})
    assert "onenumber_cli.storage.lookups" in names  # the lookup really ran
    assert not {n for n in names if n.startswith("onenumber_cli.services")}
    assert "onenumber_cli.storage.unit" not in names


def test_status_as_json_needs_neither_alembic_nor_tabulate(db_url: str) -> None:
    env = {"ONENUMBER_DATABASE_URL": db_url}
    subprocess.run([sys.executable, "-m", "onenumber_cli", "demo", "-q"], check=True,
                   env={**os.environ, **env}, capture_output=True, timeout=60)
    names = imported("status", "demo-multi", "-o", "json", env=env)
    assert "sqlalchemy.engine" in names  # the call really reached the database
    assert not {"alembic", "tabulate"} & names  # (SQLAlchemy itself imports importlib.metadata)
    table = imported("status", "demo-multi", env=env)
    assert "tabulate" in table and "alembic" not in table


@pytest.mark.parametrize("args", [
    ["status", "demo-multi", "-o", "json"],
    ["devices", "list", "demo-multi"],
    ["devices", "rename", "demo-multi", "BMW", "BMW", "--dry-run"],
    ["devices", "search", "--type", "BMW"],
    ["history", "demo-multi"],
    ["accounts", "list"],
    ["audit", "--limit", "3", "--no-pager"],
    ["check"],
    ["option", "subscribe", "demo-single", "--dry-run"],
    ["db", "current"],
])
def test_no_command_but_db_upgrade_imports_the_orm_or_alembic(db_url: str,
                                                              args: list[str]) -> None:
    """Storage is SQLAlchemy Core: the ORM (~25 ms of every start) and Alembic (~0.3 s)
    are for ``db upgrade`` alone."""
    env = {"ONENUMBER_DATABASE_URL": db_url}
    subprocess.run([sys.executable, "-m", "onenumber_cli", "demo", "-q"], check=True,
                   env={**os.environ, **env}, capture_output=True, timeout=60)
    names = imported(*args, env=env)
    assert "sqlalchemy.engine" in names
    assert not {n for n in names if n.startswith(("sqlalchemy.orm", "alembic"))}


def test_db_upgrade_is_where_alembic_runs(tmp_path: Path) -> None:
    env = {"ONENUMBER_DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite'}"}
    assert "alembic" in imported("db", "upgrade", env=env)


SPREADSHEET_LIBRARIES = ("xlsxwriter", "openpyxl")


def test_the_spreadsheet_libraries_are_imported_only_for_a_workbook(db_url: str,
                                                                     tmp_path: Path) -> None:
    """XlsxWriter only for ``-o xlsx``, openpyxl only for a batch file that is a workbook:
    every other call (csv out, a CSV batch file in) pays for neither."""
    env = {"ONENUMBER_DATABASE_URL": db_url}
    subprocess.run([sys.executable, "-m", "onenumber_cli", "demo", "-q"], check=True,
                   env={**os.environ, **env}, capture_output=True, timeout=60)

    def libraries(*args: str) -> set[str]:
        result = subprocess.run([sys.executable, "-X", "importtime", "-m", "onenumber_cli",
                                 *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, timeout=60, check=False, env={**os.environ, **env})
        names = {line.rsplit("|", 1)[-1].strip().split(".")[0]
                 for line in result.stderr.splitlines() if line.startswith("import time:")}
        assert "onenumber_cli" in names and result.returncode == 0, result.stderr[-2000:]
        return names & set(SPREADSHEET_LIBRARIES)

    assert libraries("devices", "search", "--type", "BMW", "-o", "csv") == set()
    assert libraries("devices", "search", "--type", "BMW", "-o", "xlsx") == {"xlsxwriter"}
    fixes = tmp_path / "fixes.csv"
    fixes.write_text("action,account,device,name\nrename,demo-multi,BMW,BMW\n")
    assert libraries("batch", "apply", str(fixes), "--dry-run") == set()
    book = tmp_path / "fixes.xlsx"
    book.write_bytes(subprocess.run(
        [sys.executable, "-m", "onenumber_cli", "devices", "search", "--type", "BMW", "-o",
         "xlsx"], check=True, env={**os.environ, **env}, capture_output=True,
        timeout=60).stdout)
    assert libraries("batch", "apply", str(book), "--action", "rename", "--dry-run") == {
        "openpyxl"}


def test_jmespath_is_imported_only_with_query() -> None:
    assert "jmespath" not in imported("status", "--help")
    assert "jmespath" not in imported("status", "nobody-here", "-o", "json")
    assert "jmespath" in imported("status", "nobody-here", "--query", "account")
