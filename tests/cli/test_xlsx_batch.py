"""``batch apply`` of an xlsx workbook, on both backends: recognised by content (a file,
stdin, ``--format xlsx``); a cell a spreadsheet re-typed fails its row with
``cell_retyped`` naming the cell; text typed as text is applied exactly."""

from __future__ import annotations

import io
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook, load_workbook

from tests.cli.conftest import Invoke
from tests.cli.test_xlsx_export import LEADING_ZERO_IMEI, awkward


def export(cli: Invoke) -> bytes:
    result = cli("devices", "search", "--account-prefix", "sheet-", "-o", "xlsx")
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def plain(cli: Invoke) -> str:
    return cli("devices", "search", "--account-prefix", "sheet-", "-o", "csv").stdout


def outcomes(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_an_exported_workbook_applied_back_changes_nothing(cli: Invoke, tmp_path: Path
                                                           ) -> None:
    awkward(cli)
    before = plain(cli)
    path = tmp_path / "devices.csv"  # the name does not matter: the content does
    path.write_bytes(export(cli))
    result = cli("batch", "apply", str(path), "--action", "rename", "-o", "jsonl")
    assert result.exit_code == 0, result.stderr
    rows = outcomes(result.stdout)
    assert len(rows) == 3 and all(r["ok"] and not r["changed"] for r in rows)
    assert plain(cli) == before


def test_cells_a_spreadsheet_retyped_fail_their_rows_naming_the_cell(
        cli: Invoke, tmp_path: Path) -> None:
    awkward(cli)
    book = load_workbook(io.BytesIO(export(cli)))
    sheet: Any = book.active
    header = [cell.value for cell in sheet[1]]
    name = header.index("name")
    rows = {row[name].value: row for row in sheet.iter_rows(min_row=2)}
    rows["0012"][name].value = 12  # as a spreadsheet stores 0012 typed in a General cell
    rows["TRUE"][name].value = True  # TRUE typed
    rows["通勤用の時計"][name].value = "通勤用の腕時計"  # text typed as text
    zero_cell = rows["0012"][name].coordinate
    path = tmp_path / "edited.xlsx"
    book.save(path)
    before = plain(cli)
    dry = cli("batch", "apply", str(path), "--action", "rename", "--dry-run", "-o", "jsonl")
    assert dry.exit_code == 1
    failed = {r["error"]["code"]: r["error"]["message"] for r in outcomes(dry.stdout)
              if not r["ok"]}
    assert list(failed) == ["cell_retyped"] or len(failed) == 1
    messages = [r["error"]["message"] for r in outcomes(dry.stdout) if not r["ok"]]
    assert len(messages) == 2
    assert any(f"Cell {zero_cell} (name) holds 12" in m for m in messages)
    assert any("holds TRUE" in m for m in messages)
    assert plain(cli) == before
    applied = cli("batch", "apply", str(path), "--action", "rename", "-o", "jsonl")
    assert applied.exit_code == 1
    changed = [r for r in outcomes(applied.stdout) if r["changed"]]
    assert [r["after"] for r in changed] == [{"name": "通勤用の腕時計"}]
    names = cli("devices", "list", "sheet-0012", "-o", "csv", "--fields", "name").stdout
    assert names.split() == ["name", "0012", "TRUE", "通勤用の腕時計"]


def test_an_imei_column_of_numbers_fails_a_register_row_not_guessed(
        cli: Invoke, tmp_path: Path) -> None:
    awkward(cli)
    book = Workbook()
    sheet: Any = book.active
    sheet.append(["action", "account", "type", "name", "imei", "at"])
    sheet.append(["register", "sheet-0012", "Watch", "n1", int(LEADING_ZERO_IMEI[1:]) + 1,
                  None])
    # a date cell in the display zone (after the account's latest event, not in the future)
    time.sleep(1.1)
    at = datetime.now(ZoneInfo("Asia/Tokyo")).replace(tzinfo=None, microsecond=0)
    sheet.append(["register", "sheet-0012", "Watch", "n2", None, at])
    path = tmp_path / "register.xlsx"
    book.save(path)
    result = cli("--tz", "Asia/Tokyo", "batch", "apply", str(path), "-o", "jsonl")
    assert result.exit_code == 1
    first, second = outcomes(result.stdout)
    assert first["error"]["code"] == "cell_retyped" and "E2 (imei)" in first["error"]["message"]
    assert second["ok"] and second["changed"], second["error"]
    devices = cli("devices", "list", "sheet-0012", "-o", "jsonl").stdout
    n2 = next(d for d in outcomes(devices) if d["name"] == "n2")
    assert n2["registered_at"] == at.isoformat() + "+09:00"  # the date cell, in the zone


def test_a_workbook_on_stdin_and_with_format_xlsx(cli: Invoke, tmp_path: Path) -> None:
    awkward(cli)
    data = export(cli)
    piped = cli("batch", "apply", "-", "--action", "rename", "-o", "jsonl", input=data)
    assert piped.exit_code == 0, piped.stderr
    assert len(outcomes(piped.stdout)) == 3
    path = tmp_path / "devices.bin"
    path.write_bytes(data)
    given = cli("batch", "apply", str(path), "--format", "xlsx", "--action", "rename",
                "--dry-run", "-o", "jsonl")
    assert given.exit_code == 0 and len(outcomes(given.stdout)) == 3


def test_a_file_that_is_not_a_workbook_with_format_xlsx_is_refused_with_exit_2(
        cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "fixes.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    result = cli("batch", "apply", str(path), "--format", "xlsx")
    assert result.exit_code == 2
    assert "not a workbook that can be read" in result.stderr
    assert result.stdout == ""
