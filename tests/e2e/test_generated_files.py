"""Files derived from the program (docs/cli.md, completions/) must match it."""

from __future__ import annotations

import pytest

from scripts.regenerate import ROOT, SHELLS, cli_reference, completion_script


def test_the_command_reference_is_current() -> None:
    path = ROOT / "docs" / "cli.md"
    assert path.read_text(encoding="utf-8") == cli_reference(), (
        "docs/cli.md is stale: run python scripts/regenerate.py")


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_shipped_completion_scripts_are_current(shell: str) -> None:
    path = ROOT / "completions" / SHELLS[shell]
    assert path.read_text(encoding="utf-8") == completion_script(shell), (
        f"{path.name} is stale: run python scripts/regenerate.py")


def test_every_command_is_documented_with_an_example() -> None:
    reference = cli_reference()
    for command in ("status", "devices register", "devices unregister", "history",
                    "option cancel", "service subscribe", "accounts list", "batch apply",
                    "audit", "check", "db upgrade", "config show", "demo"):
        section = reference.split(f"## `onenumber {command}`", 1)[1].split("\n## ", 1)[0]
        assert "Example:" in section, command
