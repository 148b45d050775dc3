"""A real spreadsheet program in the loop: LibreOffice Calc (headless) opens the tool's
``-o xlsx`` export and saves it again, as xlsx and as CSV (UTF-8 without a BOM, and
Windows-932); the saved file is edited as typing in a spreadsheet stores it; ``batch
apply --dry-run`` flags exactly the re-typed cells; the rest is applied; ``batch
revert`` undoes it; the search export is then identical to the first.  On both backends.

Outside CI a missing ``soffice`` skips (``.ci/run`` installs libreoffice-calc-nogui).
Each test session gives soffice a fresh profile directory of its own (made by the first
conversion, which takes longest), so parallel runs do not collide.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.cli.conftest import Invoke

pytestmark = pytest.mark.slow

# Calc's CSV filter options: field separator 44 (,), text delimiter 34 ("), character
# set (76: UTF-8, written without a BOM; 64: Shift_JIS, written as Windows-932: NEC and
# IBM extension characters such as ① and 髙 come out as cp932 decodes them).
CSV_FILTERS = {"utf-8": "76", "cp932": "64"}


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Calc's user profile for this session's conversions (a fresh one: never the
    user's own, never another run's)."""
    return tmp_path_factory.mktemp("calc-profile")


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        reason = "not installed: soffice (CI installs libreoffice-calc-nogui: .ci/run)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def calc_convert(source: Path, target: str, out: Path, profile: Path, *,
                 infilter: str | None = None) -> Path:
    """``source`` opened by Calc (with ``infilter``: as the CSV import dialog's options
    say) and saved as ``target`` (a --convert-to argument) in ``out``; returns the saved
    file."""
    opened = [f"--infilter={infilter}"] if infilter else []
    subprocess.run([soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--norestore", *opened, "--convert-to", target, "--outdir", str(out),
                    str(source)], check=True, capture_output=True, timeout=300)
    saved = out / (source.stem + "." + target.split(":")[0])
    assert saved.exists(), f"Calc wrote nothing for {target}"
    return saved


def fleet(cli: Invoke) -> None:
    assert cli("service", "subscribe", "calc-1", "--multi").exit_code == 0
    for name, device_type in (("0012", "Watch"), ("1.50", "1.50"), ("TRUE", "Watch"),
                              ("通勤用", "①髙")):
        result = cli("devices", "register", "calc-1", "--type", device_type, "--name", name)
        assert result.exit_code == 0, result.stderr


def search(cli: Invoke) -> str:
    result = cli("devices", "search", "--account-prefix", "calc-", "-o", "csv")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def outcomes(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def apply_and_revert(cli: Invoke, path: Path, retyped: set[str], renamed: dict[str, str],
                     code: str, before: str, flags: tuple[str, ...] = ()) -> None:
    """Dry run: exactly ``retyped`` (old names) fail with ``code``; apply; the renames
    happened; revert; the export is the first one again."""
    dry = cli("batch", "apply", str(path), "--action", "rename", "--dry-run", *flags,
              "-o", "jsonl")
    rows = outcomes(dry.stdout)
    assert dry.exit_code == 1, dry.stderr
    failed = [r for r in rows if not r["ok"]]
    assert {r["error"]["code"] for r in failed} == {code}
    assert len(failed) == len(retyped)
    assert sorted(r["after"]["name"] for r in rows if r["changed"]) == sorted(renamed.values())
    applied = cli("batch", "apply", str(path), "--action", "rename", *flags, "-o", "jsonl")
    assert applied.exit_code == 1
    audit = outcomes(cli("audit", "--action", "rename", "-o", "jsonl").stdout)
    (batch,) = {record["batch_id"] for record in audit}  # the one batch that renamed
    names = {row["name"] for row in csv.DictReader(io.StringIO(search(cli)))}
    assert set(renamed.values()) <= names and retyped <= names
    reverted = cli("batch", "revert", batch, "-o", "jsonl")
    assert reverted.exit_code == 0, reverted.stdout
    assert search(cli) == before
    assert cli("check").exit_code == 0


def test_an_export_saved_by_calc_as_xlsx_flags_exactly_the_cells_typing_retyped(
        cli: Invoke, tmp_path: Path, profile: Path) -> None:
    fleet(cli)
    before = search(cli)
    export = tmp_path / "devices.xlsx"
    export.write_bytes(cli("devices", "search", "--account-prefix", "calc-", "-o",
                           "xlsx").stdout_bytes)
    saved = calc_convert(export, "xlsx", tmp_path / "calc", profile)
    book = load_workbook(saved)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["account", "id"]
    name = header.index("name")
    cells = {row[name].value: row[name] for row in sheet.iter_rows(min_row=2)}
    assert set(cells) == {"0012", "1.50", "TRUE", "通勤用"}  # Calc kept the text cells
    assert all(cell.data_type == "s" for cell in cells.values())
    # typed over in a General cell, as Calc stores it: 0012 -> 12, 1.50 -> 1.5, TRUE
    cells["0012"].value = 12
    cells["1.50"].value = 1.5
    cells["TRUE"].value = True
    cells["通勤用"].value = "通勤用2"  # typed as text where the column is text
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    apply_and_revert(cli, edited, {"0012", "1.50", "TRUE"}, {"通勤用": "通勤用2"},
                     "cell_retyped", before)


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_an_export_saved_by_calc_as_csv_refuses_exactly_the_retyped_names(
        cli: Invoke, tmp_path: Path, profile: Path, encoding: str) -> None:
    fleet(cli)
    before = search(cli)
    export = tmp_path / "devices.xlsx"
    export.write_bytes(cli("devices", "search", "--account-prefix", "calc-", "-o",
                           "xlsx").stdout_bytes)
    target = f"csv:Text - txt - csv (StarCalc):44,34,{CSV_FILTERS[encoding]}"
    saved = calc_convert(export, target, tmp_path / "calc", profile)
    raw = saved.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # Calc's UTF-8 has no BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode(encoding), newline="")))
    assert sorted(r["name"] for r in rows) == sorted(["0012", "1.50", "TRUE", "通勤用"])
    # what Calc writes for cells typed over in General cells: the number as shown
    typed = {"0012": "12", "1.50": "1.5", "TRUE": "TRUE", "通勤用": "通勤用2"}
    for row in rows:
        row["name"] = typed[row["name"]]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    edited = tmp_path / "edited.csv"
    edited.write_bytes(text.getvalue().encode(encoding))
    # a Windows-932 file is named (nothing in it says so); "TRUE" was "TRUE" already: no
    # change, so nothing to refuse
    flags = ("--encoding", "cp932") if encoding == "cp932" else ()
    apply_and_revert(cli, edited, {"0012", "1.50"}, {"通勤用": "通勤用2"}, "value_retyped",
                     before, flags)


UTF8_CSV = "csv:Text - txt - csv (StarCalc):44,34,76"


def test_a_marked_csv_export_opened_and_saved_by_calc_changes_nothing(
        cli: Invoke, tmp_path: Path, profile: Path) -> None:
    """The issue's first broken path: ``--csv-encoding utf-8-sig`` out, Calc saves UTF-8
    without a BOM and keeps the ' it shows in the cell; every marked name then failed
    with invalid_name (the apostrophe at position 1)."""
    fleet(cli)
    before = search(cli)
    export = tmp_path / "devices.csv"
    export.write_bytes(cli("--csv-encoding", "utf-8-sig", "devices", "search",
                           "--account-prefix", "calc-", "-o", "csv").stdout_bytes)
    saved = calc_convert(export, UTF8_CSV, tmp_path / "calc", profile, infilter="CSV:44,34,76")
    raw = saved.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b",'0012," in raw  # as Calc saves it
    result = cli("batch", "apply", str(saved), "--action", "rename", "-o", "jsonl")
    assert result.exit_code == 0, result.stdout
    assert not any(r["changed"] for r in outcomes(result.stdout))
    assert search(cli) == before


def test_a_plain_csv_export_calc_retyped_is_refused_row_by_row(
        cli: Invoke, tmp_path: Path, profile: Path) -> None:
    """The issue's second broken path: plain ``-o csv`` opened in Calc turns 0012 into 12
    and 1.50 into 1.5, which batch apply took for ordinary renames."""
    fleet(cli)
    before = search(cli)
    export = tmp_path / "devices.csv"
    export.write_bytes(cli("devices", "search", "--account-prefix", "calc-", "-o",
                           "csv").stdout_bytes)
    saved = calc_convert(export, UTF8_CSV, tmp_path / "calc", profile, infilter="CSV:44,34,76")
    names = {row["name"] for row in csv.DictReader(io.StringIO(saved.read_text("utf-8")))}
    assert {"12", "1.5"} <= names  # what Calc made of 0012 and 1.50
    result = cli("batch", "apply", str(saved), "--action", "rename", "-o", "jsonl")
    assert result.exit_code == 1
    refused = sorted((r["error"]["code"], r["error"]["message"].split("'")[1])
                     for r in outcomes(result.stdout) if not r["ok"])
    assert refused == [("value_retyped", "1.5"), ("value_retyped", "12")]
    assert search(cli) == before
