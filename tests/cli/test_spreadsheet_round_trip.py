"""``--csv-encoding`` for spreadsheets, end to end on both backends: export, a save by
Excel (re-encoded, CRLF, every cell quoted, the neutralising mark kept or taken as the
"text" marker), ``batch apply --action rename``: the same values come back."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from onenumber_cli.domain.names import validate_name
from onenumber_cli.errors import InvalidName
from tests.cli.conftest import Invoke
from tests.excel import excel_save

# (--csv-encoding, what batch apply is told: Excel's UTF-8 has a BOM, so auto reads it)
SPREADSHEETS = [("utf-8-sig", []), ("cp932", ["--encoding", "cp932"])]


def awkward_devices(cli: Invoke) -> None:
    """Devices whose names and types a spreadsheet would run or change."""
    for args in (["service", "subscribe", "sheet-1", "--multi"],
                 ["devices", "register", "sheet-1", "--type", "Watch=Sum", "--name", "-1+1"],
                 ["devices", "register", "sheet-1", "--type", "Pixel 'W'", "--name", "0012"],
                 ["devices", "register", "sheet-1", "--type", "1.50", "--name", "+81"],
                 ["devices", "register", "sheet-1", "--type", "ｱｲ@x", "--name", "通勤用"],
                 ["devices", "register", "sheet-1", "--type", "BMW", "--name", "3-4",
                  "--imei", "356938035643809"]):
        assert cli(*args).exit_code == 0, args


def plain_export(cli: Invoke) -> str:
    result = cli("devices", "search", "--account-prefix", "sheet-", "-o", "csv")
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(("encoding", "flag"), SPREADSHEETS)
@pytest.mark.parametrize("keeps_mark", [True, False])
def test_export_saved_by_excel_and_applied_back_changes_nothing(
        cli: Invoke, tmp_path: Path, encoding: str, flag: list[str], keeps_mark: bool
) -> None:
    awkward_devices(cli)
    before = plain_export(cli)
    export = cli("--csv-encoding", encoding, "devices", "search", "--account-prefix",
                 "sheet-", "-o", "csv")
    assert export.exit_code == 0, export.stderr
    assert b"'-1+1" in export.stdout_bytes and b"'0012" in export.stdout_bytes
    path = tmp_path / "saved.csv"
    path.write_bytes(excel_save(export.stdout_bytes, encoding, keeps_mark=keeps_mark))
    result = cli("batch", "apply", str(path), "--action", "rename", *flag, "-o", "jsonl")
    assert result.exit_code == 0, result.stderr
    outcomes = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outcomes) == 5 and not any(r["changed"] for r in outcomes)
    assert plain_export(cli) == before
    assert cli("check").exit_code == 0


@pytest.mark.parametrize(("encoding", "flag"), SPREADSHEETS)
def test_names_edited_in_excel_are_applied_exactly(
        cli: Invoke, tmp_path: Path, encoding: str, flag: list[str]) -> None:
    awkward_devices(cli)
    export = cli("devices", "search", "--account-prefix", "sheet-", "-o", "csv",
                 "--csv-encoding", encoding)
    renames = {"-1+1": "-2", "0012": "0013", "通勤用": "愛車"}  # typed as '-2 and '0013

    def edit(row: dict[str, str]) -> dict[str, str]:
        return {**row, "name": renames.get(row["name"].removeprefix("'"), row["name"])}

    path = tmp_path / "edited.csv"
    path.write_bytes(excel_save(export.stdout_bytes, encoding, edit=edit))
    result = cli("batch", "apply", str(path), "--action", "rename", *flag, "-o", "jsonl")
    assert result.exit_code == 0, result.stderr
    changed = [json.loads(line)["after"] for line in result.stdout.splitlines()
               if json.loads(line)["changed"]]
    assert changed == [{"name": "-2"}, {"name": "0013"}, {"name": "愛車"}]
    names = [r[3] for r in list(csv.reader(io.StringIO(plain_export(cli))))[1:]]
    assert names == ["-2", "0013", "+81", "愛車", "3-4"]
    assert cli("check").exit_code == 0


def test_a_type_cp932_cannot_hold_is_an_error_naming_row_and_column_with_nothing_written(
        cli: Invoke, db_url: str) -> None:
    awkward_devices(cli)
    assert cli("service", "subscribe", "sheet-2").exit_code == 0
    assert cli("devices", "register", "sheet-2", "--type", "Café", "--name", "x").exit_code == 0
    result = cli("devices", "search", "--account-prefix", "sheet-", "-o", "csv",
                 "--csv-encoding", "cp932", "-o", "json")
    assert result.exit_code == 0  # json ignores the csv encoding
    result = cli("devices", "search", "--account-prefix", "sheet-", "-o", "csv",
                 "--csv-encoding", "cp932")
    assert result.exit_code == 2
    assert "Row 6 (line 7), column type: 'Café' has a character cp932 cannot hold" \
        in result.stderr
    assert "--csv-encoding utf-8-sig" in result.stderr
    assert result.stdout_bytes == b""  # refused whole: never half a file
    japanese = cli("--lang", "ja", "devices", "search", "--account-prefix", "sheet-",
                   "-o", "tsv", "--csv-encoding", "cp932")
    assert japanese.exit_code == 2 and "cp932 で表せない文字" in japanese.stderr
    assert not reader_left_open(db_url)  # the stopped export's read ended with it


def reader_left_open(db_url: str) -> bool:
    """Whether a read transaction of this process is still open (an export stopped by
    an error must end its read at once: a leftover one blocks DDL, TRUNCATE, and on
    SQLite a checkpoint)."""
    engine = create_engine(db_url.replace("sqlite://", "sqlite+pysqlite://", 1))
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":  # busy = 1 while a reader holds a snapshot
                return bool(conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0])
            return bool(conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state IN ('idle in transaction', 'idle in transaction (aborted)') "
                "AND pid <> pg_backend_pid()").scalar())
    finally:
        engine.dispose()


def test_csv_encoding_from_environment_and_config(cli: Invoke, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    awkward_devices(cli)
    reference = plain_export(cli).encode()
    config = Path(tmp_path / "config" / "onenumber" / "config.toml")
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('csv_encoding = "cp932"\n', encoding="utf-8")
    shown = json.loads(cli("config", "show", "-o", "json").stdout)["settings"]
    assert shown["csv_encoding"] == {"value": "cp932", "source": "config"}
    assert cli("devices", "search", "-o", "csv").stdout_bytes.count(b"\r\n") == 6
    monkeypatch.setenv("ONENUMBER_CSV_ENCODING", "utf-8-sig")
    assert cli("devices", "search", "-o", "csv").stdout_bytes.startswith(b"\xef\xbb\xbf")
    plain = cli("--csv-encoding", "utf-8", "devices", "search", "-o", "csv")
    assert plain.stdout_bytes == reference  # the flag wins, and utf-8 is byte-exact
    monkeypatch.setenv("ONENUMBER_CSV_ENCODING", "latin-1")
    refused = cli("devices", "search", "-o", "csv")
    assert refused.exit_code == 2 and "utf-8, utf-8-sig, cp932" in refused.stderr


def _valid(name: str) -> bool:
    try:
        validate_name(name)
    except InvalidName:
        return False
    return True


NAMES = st.text(alphabet="-+.0123456789_ aZ愛車通勤ｱｲＡ１＋－", min_size=1, max_size=12
                ).filter(_valid)
TYPES = st.tuples(st.sampled_from("AZ愛ｱ0'."),
                  st.text(alphabet="=+-@'.0123456789 aZ愛ｱ＝", max_size=10)).map("".join)
_accounts = itertools.count()


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=NAMES, new=NAMES, kind=TYPES, encoding=st.sampled_from(SPREADSHEETS),
       keeps_mark=st.booleans())
def test_any_name_and_type_survive_the_spreadsheet_round_trip(
        cli: Invoke, tmp_path: Path, old: str, new: str, kind: str,
        encoding: tuple[str, list[str]], keeps_mark: bool) -> None:
    account = f"hyp-{next(_accounts):05d}"
    assert cli("service", "subscribe", account).exit_code == 0
    registered = cli("devices", "register", account, "--type", kind.strip() or "A",
                     "--name", old)
    assert registered.exit_code == 0, registered.stderr
    search = ["devices", "search", "--account-prefix", account, "-o", "csv"]
    before = cli(*search).stdout
    export = cli(*search, "--csv-encoding", encoding[0])
    path = tmp_path / f"{account}.csv"
    path.write_bytes(excel_save(export.stdout_bytes, encoding[0], keeps_mark=keeps_mark,
                                edit=lambda row: {**row, "name": new}))
    result = cli("batch", "apply", str(path), "--action", "rename", *encoding[1], "-o",
                 "jsonl")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    after = list(csv.reader(io.StringIO(cli(*search).stdout)))
    expected = list(csv.reader(io.StringIO(before)))
    expected[1][3] = new
    assert after == expected
