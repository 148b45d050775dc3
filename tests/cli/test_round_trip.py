"""search -> edit (as a spreadsheet would) -> batch apply --action, in every encoding."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke


def edited(export: str, renames: dict[str, str]) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(export)))
    name = rows[0].index("name")
    for row in rows[1:]:
        row[name] = renames.get(row[name], row[name])
    return rows


def write(path: Path, rows: list[list[str]], encoding: str, newline: str) -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator=newline).writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))


@pytest.mark.parametrize(("encoding", "flag", "newline"), [
    ("utf-8", [], "\n"),
    ("utf-8-sig", [], "\r\n"),  # Excel's "CSV UTF-8": a BOM, CRLF
    ("cp932", ["--encoding", "cp932"], "\r\n"),  # Excel's CSV in Japan: Shift_JIS, CRLF
    ("utf-16", [], "\r\n"),  # "Unicode text": a BOM says so
])
def test_search_edit_apply_renames_exactly_the_edited_devices(
        demo_cli: Invoke, tmp_path: Path, encoding: str, flag: list[str], newline: str
) -> None:
    export = demo_cli("devices", "search", "--type", "bmw", "-o", "csv")
    assert export.exit_code == 0
    path = tmp_path / f"fix.{encoding}.csv"
    write(path, edited(export.stdout, {"BMW": "愛車"})[:2] + edited(export.stdout, {})[2:],
          encoding, newline)
    result = demo_cli("batch", "apply", str(path), "--action", "rename", *flag, "-o", "jsonl")
    assert result.exit_code == 0, result.stderr
    outcomes = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["account"], r["changed"]) for r in outcomes] == [("demo-multi", True),
                                                              ("demo-single", False)]
    names = demo_cli("devices", "search", "--type", "bmw", "-o", "csv").stdout
    assert [r[3] for r in list(csv.reader(io.StringIO(names)))[1:]] == ["愛車", "BMW"]
    assert demo_cli("check").exit_code == 0


def test_a_shift_jis_file_read_as_utf8_is_refused_with_a_hint_naming_cp932(
        demo_cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("account,id,name\r\ndemo-multi,x,愛車\r\n".encode("cp932"))
    result = demo_cli("batch", "apply", str(path), "--action", "rename")
    assert result.exit_code == 2
    assert "--encoding cp932" in result.stderr


def test_with_action_unknown_columns_and_an_action_column_are_still_refused(
        demo_cli: Invoke, tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("account,id,name,colour\ndemo-multi,x,y,red\n")
    assert demo_cli("batch", "apply", str(unknown), "--action", "rename").exit_code == 2
    both = tmp_path / "both.csv"
    both.write_text("action,account,device,name\nunregister,demo-multi,BMW,\n")
    result = demo_cli("batch", "apply", str(both), "--action", "rename")
    assert result.exit_code == 2 and "action column" in result.stderr
    assert demo_cli("devices", "show", "demo-multi", "BMW").exit_code == 0  # untouched


def test_json_lines_from_search_work_with_action_too(demo_cli: Invoke, tmp_path: Path
                                                     ) -> None:
    lines = demo_cli("devices", "search", "--name", "apple*", "-o", "jsonl").stdout
    records = [json.loads(line) for line in lines.splitlines()]
    for record in records:
        record["name"] = record["name"].replace("Apple", "林檎")
    path = tmp_path / "fix.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    result = demo_cli("batch", "apply", str(path), "--action", "rename", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert all(r["changed"] for r in json.loads(result.stdout))


def test_people_see_what_changed_from_what(demo_cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "fix.csv"
    path.write_text("action,account,device,name\nrename,demo-multi,BMW,愛車\n")
    plan = demo_cli("batch", "apply", str(path), "--dry-run")
    assert "BMW -> 愛車" in plan.stdout
    single = demo_cli("devices", "rename", "demo-single", "BMW", "Car", "--dry-run")
    assert "(BMW -> Car)" in single.stdout
    done = demo_cli("batch", "apply", str(path), "-o", "csv")
    assert done.stdout.splitlines()[0].endswith(",before,after")
    assert '"{""name"": ""BMW""}","{""name"": ""愛車""}"' in done.stdout
