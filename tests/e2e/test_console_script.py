"""The installed ``onenumber`` console script, run as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = shutil.which("onenumber", path=str(Path(sys.executable).parent)) or shutil.which(
    "onenumber")


def run(*args: str, env: dict[str, str] | None = None, input: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    assert SCRIPT, "the onenumber console script is not installed (pip install -e .)"
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env,
                          input=input, timeout=60, check=False)


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return {**os.environ, "ONENUMBER_DATABASE_URL": db_url}


def test_demo_then_status_as_a_newcomer_would(env: dict[str, str]) -> None:
    demo = run("demo", env=env)
    assert demo.returncode == 0, demo.stderr
    assert "3 / 5" in demo.stdout
    status = run("status", "demo-multi", "-o", "json", env=env)
    assert json.loads(status.stdout)["registered"] == 3


def test_the_embedded_default_database_is_created_on_first_use(tmp_path: Path) -> None:
    env = {**os.environ, "ONENUMBER_DATA_DIR": str(tmp_path / "data")}
    env.pop("ONENUMBER_DATABASE_URL", None)
    result = run("demo", "-q", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "onenumber.sqlite").exists()


def test_exit_codes_and_json_errors_reach_the_shell(env: dict[str, str]) -> None:
    assert run("demo", env=env).returncode == 0
    missing = run("status", "nobody", "-o", "json", env=env)
    assert missing.returncode == 3
    assert json.loads(missing.stderr)["error"]["code"] == "account_not_found"
    refused = run("devices", "unregister", "demo-multi", "BMW", env=env)  # no TTY here
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    assert run("devices", "unregister", "demo-multi", "BMW", "--yes", env=env).returncode == 0


def test_unreachable_database_exits_6_without_traceback_or_password() -> None:
    env = {**os.environ,
           "ONENUMBER_DATABASE_URL": "postgresql+psycopg://op:Sup3rSecret@127.0.0.1:1/x"}
    result = run("status", "anyone", env=env)
    assert result.returncode == 6
    assert "Traceback" not in result.stderr
    assert "Sup3rSecret" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 2  # the error and its hint


def test_debug_logs_sql_on_stderr_and_keeps_stdout_for_data(env: dict[str, str]) -> None:
    assert run("demo", "-q", env=env).returncode == 0
    result = run("devices", "rename", "demo-multi", "BMW", "Car", "--debug", "-o", "json",
                 env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["changed"] is True
    assert "UPDATE devices SET" in result.stderr and "INSERT INTO audit" in result.stderr


def test_module_entry_point_matches_the_script() -> None:
    result = subprocess.run([sys.executable, "-m", "onenumber_cli", "--version"],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0
    assert result.stdout == run("--version").stdout


def complete(words: str, env: dict[str, str]) -> list[str]:
    """What bash completion would offer for the command line ``words``."""
    parts = words.split(" ")
    result = subprocess.run(
        [SCRIPT or "onenumber"], capture_output=True, text=True, timeout=60, check=False,
        env={**env, "_ONENUMBER_COMPLETE": "complete_bash", "COMP_WORDS": words,
             "COMP_CWORD": str(len(parts) - 1)},
    )
    assert result.returncode == 0 and result.stderr == ""
    return [line for line in result.stdout.splitlines() if line]  # one a line (IFS=\n)


def test_completion_offers_commands_accounts_and_devices(env: dict[str, str]) -> None:
    assert run("demo", "-q", env=env).returncode == 0
    assert "devices" in complete("onenumber dev", env)
    assert complete("onenumber status demo-", env) == ["demo-multi", "demo-single"]
    assert complete("onenumber status demo-s", env) == ["demo-single"]
    assert complete("onenumber devices show demo-multi B", env) == ["BMW"]
    assert complete("onenumber devices show demo-multi Apple", env) == [
        "Apple Watch SE", "Apple Watch Series 6"]


def test_completion_without_a_database_is_silent_and_creates_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "ONENUMBER_DATA_DIR": str(tmp_path / "none")}
    env.pop("ONENUMBER_DATABASE_URL", None)
    assert complete("onenumber status demo", env) == []
    assert not (tmp_path / "none").exists()
    broken = {**env, "ONENUMBER_DATABASE_URL": "postgresql+psycopg://x:y@127.0.0.1:1/z"}
    assert complete("onenumber status demo", broken) == []
