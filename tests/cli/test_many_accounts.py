"""Several accounts in one call (issue 22): ``status``, ``devices list`` and ``history``
take many ACCOUNT arguments or ``-`` (one a line on stdin), answer in every format, and
report a missing account without stopping the others (exit 3 at the end)."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

from onenumber_cli import services
from onenumber_cli.errors import AccountNotFound
from onenumber_cli.storage.engine import Database
from tests.cli.conftest import Invoke


def test_status_of_several_accounts_is_one_json_list_in_the_order_given(
        demo_cli: Invoke) -> None:
    result = demo_cli("status", "demo-single", "demo-multi", "-o", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [d["account"] for d in data] == ["demo-single", "demo-multi"]
    single = json.loads(demo_cli("status", "demo-multi", "-o", "json").stdout)
    assert data[1] == single  # each element is the one-account document


def test_one_account_answers_as_it_always_has(demo_cli: Invoke) -> None:
    assert isinstance(json.loads(demo_cli("status", "demo-multi", "-o", "json").stdout), dict)
    missing = demo_cli("status", "nobody", "-o", "json")
    assert missing.exit_code == 3 and missing.stdout == ""


def test_a_missing_account_on_stdin_is_reported_and_the_others_answered(
        demo_cli: Invoke) -> None:
    result = demo_cli("devices", "list", "-", "-o", "jsonl",
                      input="demo-single\nnobody\n\n  demo-multi  \n")
    assert result.exit_code == 3
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["account"], d["slot"]) for d in lines] == [
        ("demo-single", 1), ("demo-multi", 1), ("demo-multi", 2), ("demo-multi", 3)]
    errors = [json.loads(line)["error"] for line in result.stderr.splitlines()]
    assert [(e["account"], e["code"]) for e in errors] == [("nobody", "account_not_found")]


def test_csv_of_several_accounts_has_one_header_and_the_account_on_every_row(
        demo_cli: Invoke) -> None:
    result = demo_cli("history", "demo-multi", "-", "-o", "csv", input="demo-single\n")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0].keys() >= {"account", "event", "at", "device_id"}
    assert {r["account"] for r in rows} == {"demo-multi", "demo-single"}
    order = [account for account, _ in itertools.groupby(r["account"] for r in rows)]
    assert order == ["demo-multi", "demo-single"]  # as given, each account's rows together
    status = demo_cli("status", "demo-single", "demo-multi", "-o", "csv")
    slots = list(csv.DictReader(io.StringIO(status.stdout)))
    assert len(slots) == 1 + 5  # a row per slot, empty ones too, as for one account


def test_a_table_has_a_block_per_account_and_the_errors_on_stderr(demo_cli: Invoke) -> None:
    result = demo_cli("devices", "list", "demo-single", "not an id", "demo-multi",
                      "--lang", "ja")
    assert result.exit_code == 2  # the first error's code: not an account id
    assert result.stdout.count("dアカウント: ") == 2  # a heading per block
    assert result.stdout.index("demo-single") < result.stdout.index("demo-multi")
    assert "not an id" in result.stderr
    history = demo_cli("history", "demo-single", "nobody", "demo-multi")
    assert history.exit_code == 3
    assert "nobody" in history.stderr and "nobody" not in history.stdout
    assert history.stdout.count("Registered") >= 4


def test_accounts_are_read_as_they_come_not_all_first(db: Database) -> None:
    """stdin may hold a million lines: the accounts are consumed a chunk at a time."""
    taken: list[str] = []

    def endless() -> Iterator[str]:
        for number in itertools.count():
            taken.append(f"acct{number}")
            yield taken[-1]

    answers = services.each_account(db, endless(), services.status_in, chunk=10)
    first = list(itertools.islice(answers, 25))
    assert [account for account, _ in first] == [f"acct{n}" for n in range(25)]
    assert all(isinstance(answer, AccountNotFound) for _, answer in first)
    assert len(taken) == 30  # three chunks of 10 read, no more


def test_an_xlsx_of_several_accounts_has_a_row_per_slot_as_csv_has(
        demo_cli: Invoke, tmp_path: Path) -> None:
    import openpyxl

    result = demo_cli("status", "demo-single", "demo-multi", "-o", "xlsx")
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "status.xlsx"
    path.write_bytes(result.stdout_bytes)
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:2] == ("account", "status")
    assert [(r[0], r[header.index("slot")]) for r in body] == [
        ("demo-single", 1), *(("demo-multi", slot) for slot in range(1, 6))]
