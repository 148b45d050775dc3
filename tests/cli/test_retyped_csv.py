"""No silent re-typing through CSV: a file a spreadsheet saved is read back whatever its
encoding (the ``'`` marks removed where a value can never hold one), and a new name that
looks like a spreadsheet's re-typing of the current one is refused with ``value_retyped``
unless ``--allow-reformatted``; on both backends."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from onenumber_cli.cli.exitcodes import ExitCode, exit_code_for
from onenumber_cli.errors import CellRetyped, ValueRetyped
from tests.cli.conftest import Invoke

# name exported -> as a spreadsheet saves it back from a plain (unmarked) csv
RETYPED = {
    "0012": ("12", "leading_zeros"),
    "1.50": ("1.5", "number"),
    "12e45678": ("1.79769313486232E+308", "exponent"),
    "true": ("TRUE", "boolean"),
    "3-4": ("2026-03-04", "date"),
}


def devices(cli: Invoke) -> None:
    assert cli("service", "subscribe", "calc-1", "--multi").exit_code == 0
    for name in RETYPED:
        result = cli("devices", "register", "calc-1", "--type", "Watch", "--name", name)
        assert result.exit_code == 0, result.stderr


def search(cli: Invoke, *options: str) -> str:
    result = cli(*options, "devices", "search", "--account-prefix", "calc-", "-o", "csv")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def names(cli: Invoke) -> list[str]:
    rows = csv.DictReader(io.StringIO(search(cli)))
    return sorted(row["name"] for row in rows)


def outcomes(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_a_marked_export_saved_as_utf8_without_a_bom_changes_nothing(
        cli: Invoke, tmp_path: Path) -> None:
    """LibreOffice saves CSV as UTF-8 without a BOM, keeping the ' it shows in the cell:
    before, every marked name failed with invalid_name (''' at position 1)."""
    devices(cli)
    before = search(cli)
    marked = cli("--csv-encoding", "utf-8-sig", "devices", "search", "--account-prefix",
                 "calc-", "-o", "csv").stdout_bytes
    assert b",'0012," in marked
    path = tmp_path / "saved.csv"
    path.write_bytes(marked.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n"))
    result = cli("batch", "apply", str(path), "--action", "rename", "-o", "jsonl")
    assert result.exit_code == 0, result.stdout
    assert not any(r["changed"] for r in outcomes(result.stdout))
    assert search(cli) == before


def test_names_a_spreadsheet_retyped_are_refused_and_applied_only_when_allowed(
        cli: Invoke, tmp_path: Path) -> None:
    devices(cli)
    before = sorted(RETYPED)
    rows = list(csv.DictReader(io.StringIO(search(cli))))
    for row in rows:
        row["name"] = RETYPED[row["name"]][0]
    path = tmp_path / "resaved.csv"
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    dry = cli("batch", "apply", str(path), "--action", "rename", "--dry-run", "-o", "jsonl")
    assert dry.exit_code == 1
    errors = [r["error"] for r in outcomes(dry.stdout)]
    assert all(e is not None and e["code"] == "value_retyped" for e in errors)
    assert "--allow-reformatted" in errors[0]["hint"]
    refused = cli("batch", "apply", str(path), "--action", "rename", "-o", "jsonl")
    assert refused.exit_code == 1 and names(cli) == before
    allowed = cli("batch", "apply", str(path), "--action", "rename", "--allow-reformatted",
                  "-o", "jsonl")
    assert allowed.exit_code == 0, allowed.stdout
    assert names(cli) == sorted(new for new, _ in RETYPED.values())


def test_an_ordinary_rename_in_a_batch_is_not_taken_for_a_retyping(
        cli: Invoke, tmp_path: Path) -> None:
    devices(cli)
    path = tmp_path / "fixes.csv"
    path.write_text("action,account,device,name\nrename,calc-1,0012,0013\n"
                    "rename,calc-1,true,false-alarm\n")
    result = cli("batch", "apply", str(path), "-o", "jsonl")
    assert result.exit_code == 0, result.stdout
    assert "0013" in names(cli)


def test_a_type_may_begin_with_an_apostrophe_in_a_plain_utf8_file(
        cli: Invoke, tmp_path: Path) -> None:
    """The one column whose values may begin with ' keeps it unless the file is known to
    come from a spreadsheet (a BOM, cp932, UTF-16)."""
    assert cli("service", "subscribe", "calc-2").exit_code == 0
    path = tmp_path / "register.csv"
    path.write_text("action,account,type,name\nregister,calc-2,'90s phone,'0099\n")
    result = cli("batch", "apply", str(path), "-o", "jsonl")
    assert result.exit_code == 0, result.stdout
    listed = cli("devices", "list", "calc-2", "-o", "jsonl").stdout
    added = [d for d in outcomes(listed) if d["name"] == "0099"]
    assert [d["type"] for d in added] == ["'90s phone"]


@pytest.mark.parametrize("error", [ValueRetyped("number"), CellRetyped("number")])
def test_a_retyped_value_is_a_rule_refusal(error: Exception) -> None:
    assert exit_code_for(error) == ExitCode.REFUSED  # type: ignore[arg-type]
