"""``-o xlsx``: every listing as a workbook whose cells keep their types (text stays text,
times are dates), on both backends; refused on a terminal; Excel's row limit refused
with nothing written."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from onenumber_cli.domain.imei import luhn_check_digit
from tests.cli.conftest import Invoke

BIN = Path(sys.executable).parent
LEADING_ZERO_IMEI = "01234567890123" + str(luhn_check_digit("01234567890123"))


def sheet_of(data: bytes) -> Any:
    assert data.startswith(b"PK\x03\x04"), data[:40]
    return load_workbook(io.BytesIO(data)).active


def awkward(cli: Invoke) -> None:
    for args in (["service", "subscribe", "sheet-0012", "--multi"],
                 ["devices", "register", "sheet-0012", "--type", "1.50", "--name", "0012",
                  "--imei", LEADING_ZERO_IMEI],
                 ["devices", "register", "sheet-0012", "--type", "Watch", "--name", "TRUE"],
                 ["devices", "register", "sheet-0012", "--type", "Watch",
                  "--name", "通勤用の時計"]):
        assert cli(*args).exit_code == 0, args


def test_a_search_as_xlsx_keeps_every_text_a_text_cell_and_times_real_dates(
        cli: Invoke) -> None:
    awkward(cli)
    result = cli("--tz", "Asia/Tokyo", "devices", "search", "--account-prefix", "sheet-",
                 "-o", "xlsx")
    assert result.exit_code == 0, result.stderr
    sheet = sheet_of(result.stdout_bytes)
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    assert header == ["account", "id", "slot", "name", "type", "imei", "registered_at"]
    assert all(cell.font.b for cell in rows[0])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:G{len(rows)}"
    by_name = {row[3].value: row for row in rows[1:]}
    assert set(by_name) == {"0012", "TRUE", "通勤用の時計"}
    zero = by_name["0012"]
    for cell in (zero[0], zero[1], zero[3], zero[4], zero[5]):
        assert cell.data_type == "s" and cell.number_format == "@", cell.coordinate
    assert zero[0].value == "sheet-0012" and zero[4].value == "1.50"
    assert zero[5].value == LEADING_ZERO_IMEI
    assert by_name["TRUE"][3].data_type == "s"
    stamp = zero[6]
    assert isinstance(stamp.value, datetime) and stamp.number_format == "yyyy-mm-dd hh:mm:ss"
    shown = cli("--tz", "Asia/Tokyo", "devices", "search", "--account-prefix", "sheet-",
                "-o", "jsonl").stdout
    assert f'"registered_at": "{stamp.value:%Y-%m-%dT%H:%M:%S}' in shown  # the zone's time
    # Japanese is double width: the name column is wider than its text's length
    assert sheet.column_dimensions["D"].width >= 2 * len("通勤用の時計")


@pytest.mark.parametrize("listing", [
    ["devices", "list", "sheet-0012"],
    ["accounts", "list"],
    ["history", "sheet-0012"],
    ["audit"],
    ["status", "sheet-0012"],
])
def test_every_listing_can_be_a_workbook(cli: Invoke, listing: list[str]) -> None:
    awkward(cli)
    result = cli(*listing, "-o", "xlsx")
    assert result.exit_code == 0, result.stderr
    rows = list(sheet_of(result.stdout_bytes).iter_rows(values_only=True))
    assert len(rows) >= 2 and all(isinstance(key, str) for key in rows[0])


def test_batch_results_as_a_workbook(cli: Invoke, tmp_path: Path) -> None:
    awkward(cli)
    fixes = tmp_path / "fixes.csv"
    fixes.write_text("action,account,device,name\nrename,sheet-0012,0012,0013\n")
    result = cli("batch", "apply", str(fixes), "-o", "xlsx")
    assert result.exit_code == 0, result.stderr
    rows = list(sheet_of(result.stdout_bytes).iter_rows(values_only=True))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["account"] == "sheet-0012" and record["ok"] is True
    assert record["after"] == '{"name": "0013"}'


def test_a_listing_longer_than_a_sheet_writes_nothing_and_exits_2(
        cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    from onenumber_cli.cli import xlsx

    awkward(cli)
    monkeypatch.setattr(xlsx, "MAX_DATA_ROWS", 2)
    result = cli("devices", "search", "--account-prefix", "sheet-", "-o", "xlsx")
    assert result.exit_code == 2
    assert result.stdout_bytes == b""
    assert "more than 2 rows" in result.stderr and "-o csv" in result.stderr
    monkeypatch.setattr(xlsx, "MAX_DATA_ROWS", 3)  # exactly full: fine
    assert cli("devices", "search", "--account-prefix", "sheet-", "-o", "xlsx").exit_code == 0


def test_a_batch_report_longer_than_a_sheet_is_refused_before_any_row_is_applied(
        cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from onenumber_cli.cli import xlsx

    awkward(cli)
    monkeypatch.setattr(xlsx, "MAX_DATA_ROWS", 1)
    fixes = tmp_path / "fixes.csv"
    fixes.write_text("action,account,device,name\nrename,sheet-0012,0012,0013\n"
                     "rename,sheet-0012,TRUE,true\n")
    result = cli("batch", "apply", str(fixes), "--atomic", "-o", "xlsx")
    assert result.exit_code == 2 and result.stdout_bytes == b""
    names = cli("devices", "list", "sheet-0012", "-o", "csv", "--fields", "name").stdout
    assert "0012" in names and "0013" not in names


def test_xlsx_to_a_terminal_is_a_usage_error_with_nothing_written(db_url: str) -> None:
    main, secondary = pty.openpty()
    env = {**os.environ, "ONENUMBER_DATABASE_URL": db_url}
    try:
        done = subprocess.run([str(BIN / "onenumber"), "accounts", "list", "-o", "xlsx"],
                              stdout=secondary, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              env=env, timeout=60)
        os.set_blocking(main, False)
        try:
            shown = os.read(main, 4096)
        except BlockingIOError:
            shown = b""
    finally:
        os.close(main)
        os.close(secondary)
    assert done.returncode == 2
    assert shown == b""
    assert b"xlsx" in done.stderr and b"> devices.xlsx" in done.stderr
