"""``devices search`` through the CLI: every output format, the filters' usage errors."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli.conftest import Invoke


def test_search_csv_is_a_device_object_plus_account_per_row(demo_cli: Invoke) -> None:
    result = demo_cli("devices", "search", "--type", "ｂｍｗ", "-o", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["account", "id", "slot", "name", "type", "imei", "registered_at"]
    assert [(r["account"], r["name"]) for r in rows] == [("demo-multi", "BMW"),
                                                         ("demo-single", "BMW")]


def test_search_json_and_jsonl_stream_the_same_records(demo_cli: Invoke) -> None:
    as_json = json.loads(demo_cli("devices", "search", "--name", "apple*", "-o", "json").stdout)
    lines = demo_cli("devices", "search", "--name", "apple*", "-o", "jsonl").stdout
    assert as_json == [json.loads(line) for line in lines.splitlines()]
    assert {d["name"] for d in as_json} == {"Apple Watch SE", "Apple Watch Series 6"}
    assert all(set(d) >= {"account", "id", "slot", "type", "imei", "registered_at"}
               for d in as_json)


def test_an_imei_finds_its_account_in_a_table_for_people(demo_cli: Invoke) -> None:
    result = demo_cli("devices", "search", "--imei", "356938035643809", "--lang", "ja")
    assert result.exit_code == 0
    assert "demo-multi" in result.stdout and "Apple Watch Series 6" in result.stdout
    assert "登録日時" in result.stdout


def test_nothing_found_is_an_empty_list_not_an_error(demo_cli: Invoke) -> None:
    assert demo_cli("devices", "search", "--type", "Tesla", "-o", "json").stdout == "[]\n"
    assert demo_cli("devices", "search", "--type", "Tesla").exit_code == 0


def test_bad_filters_are_usage_errors(demo_cli: Invoke) -> None:
    for args, code in ((["--name", "a\tb"], 2), (["--imei", "12"], 4),
                       (["--plan", "gold"], 2), (["--registered-since", "soon"], 2),
                       (["--account-prefix", "a b"], 2), (["--limit", "0"], 2)):
        result = demo_cli("devices", "search", *args, "-o", "json")
        assert result.exit_code == code, (args, result.stderr)


def test_every_format_shows_the_same_devices_with_the_same_times(
        demo_cli: Invoke, caplog: pytest.LogCaptureFixture) -> None:
    """csv streams tuples straight from the driver; json builds device objects: both, and
    the SQL-logging path of --debug, agree (times in the output zone, unregistered_at in
    every device object)."""
    assert demo_cli("devices", "unregister", "demo-multi", "BMW", "--yes").exit_code == 0
    search = ["devices", "search", "--include-unregistered", "--tz", "UTC"]
    as_json = json.loads(demo_cli(*search, "-o", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(demo_cli(*search, "-o", "csv").stdout)))
    logged = demo_cli(*search, "-o", "csv", "--debug")
    assert logged.exit_code == 0 and "SELECT devices.account" in caplog.text
    assert list(csv.DictReader(io.StringIO(logged.stdout))) == as_csv
    assert [{k: "" if v is None else str(v) for k, v in d.items()} for d in as_json] == as_csv
    gone = [d for d in as_json if d["unregistered_at"] is not None]
    assert "BMW" in [d["name"] for d in gone] and all(d["slot"] is None for d in gone)
    assert all(d["unregistered_at"].endswith("+00:00") for d in gone)
    registered = json.loads(demo_cli("devices", "search", "-o", "json").stdout)
    assert all(d["unregistered_at"] is None for d in registered) and len(registered) == 3
