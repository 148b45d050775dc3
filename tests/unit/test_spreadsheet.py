"""Cells for spreadsheets (``--csv-encoding utf-8-sig|cp932``): neutralised on the way
out, restored on the way back in, whatever a spreadsheet does with the mark."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onenumber_cli import batch
from onenumber_cli.cli.output import Output
from onenumber_cli.cli.settings import Settings
from onenumber_cli.cli.views import SEARCH_COLUMNS
from onenumber_cli.errors import NotEncodable
from onenumber_cli.spreadsheet import neutralise, restore, retyping
from tests.excel import excel_save

FORMULA_CHARS = "=+-@\t\r'＝＋－＠"


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+81 90", "'+81 90"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("＝1", "'＝1"), ("'quoted", "''quoted"),
    ("0012", "'0012"), ("356938035643809", "'356938035643809"), ("12e45678", "'12e45678"),
    ("1.50", "'1.50"), (".5", "'.5"), ("3-4", "'3-4"), ("2024/1/2", "'2024/1/2"),
    ("true", "'true"), ("FALSE", "'FALSE"),
    # kept: text a spreadsheet keeps as it is, and numbers it writes back the same
    ("BMW", "BMW"), ("愛車", "愛車"), ("a=b", "a=b"), ("1", "1"), ("12345678", "12345678"),
    ("c05z4f6a", "c05z4f6a"), ("2021-07-20T10:00:00+09:00", "2021-07-20T10:00:00+09:00"),
    ("", ""),
])
def test_what_is_neutralised(value: str, written: str) -> None:
    assert neutralise(value) == written
    assert restore(written) == value


@given(st.text(alphabet=st.sampled_from(FORMULA_CHARS + "0123456789.eE/ aZ愛"), max_size=12)
       | st.text(max_size=12) | st.sampled_from(["true", "'true", "False", "''false"]))
def test_restore_undoes_neutralise_whether_the_spreadsheet_keeps_the_mark_or_not(
        value: str) -> None:
    written = neutralise(value)
    assert restore(written) == value  # the mark kept in the cell (Excel, LibreOffice)
    if not value.startswith("'"):  # the mark taken as "text" and the bare value saved
        assert restore(value) == value


def search_records(names: list[str], types: list[str]) -> list[dict[str, object]]:
    at = datetime(2024, 6, 1, 3, 4, 5, tzinfo=UTC)
    return [{"account": f"acct-{i}", "id": f"0{i:07d}", "slot": 1, "name": name,
             "type": kind, "imei": "356938035643809" if i % 2 else None,
             "registered_at": at} for i, (name, kind) in enumerate(zip(names, types,
                                                                        strict=True))]


def export(records: list[dict[str, object]], encoding: str) -> bytes:
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    settings_ = Settings(output="csv", csv_encoding=encoding)
    Output(settings_, stdout=stdout).records(records, SEARCH_COLUMNS[:-1])
    stdout.flush()
    return raw.getvalue()


NAME_CHARS = "abcXYZ019 -_.+愛車通勤用ｱｲｳＡＢ１２あいう漢字＋－"
TYPE_CHARS = NAME_CHARS + "=@'/,\"é"


def _type(text: str) -> str:
    return "Watch" + text  # a type never starts with = + - @ (the domain refuses it)


@settings(max_examples=150, deadline=None)
@given(names=st.lists(st.text(alphabet=NAME_CHARS, min_size=1, max_size=30), min_size=1,
                      max_size=5),
       types=st.lists(st.text(alphabet=TYPE_CHARS, max_size=20), min_size=5, max_size=5),
       encoding=st.sampled_from(["utf-8-sig", "cp932"]), keeps_mark=st.booleans(),
       quote_all=st.booleans())
def test_an_export_saved_back_by_a_spreadsheet_reads_as_the_same_values(
        names: list[str], types: list[str], encoding: str, keeps_mark: bool,
        quote_all: bool) -> None:
    records = search_records(names, [_type(t) for t in types[:len(names)]])
    if encoding == "cp932":
        records = [r for r in records if "é" not in str(r["type"])]  # not in cp932
    data = excel_save(export(records, encoding), encoding, keeps_mark=keeps_mark,
                      quote_all=quote_all)
    read_as = batch.file_encoding(io.BytesIO(data), "auto" if encoding == "utf-8-sig"
                                  else encoding)
    layout = batch.Layout("rename", spreadsheet=batch.from_spreadsheet(read_as))
    rows = list(batch.rows(batch.as_utf8(io.BytesIO(data), read_as), "csv", layout))
    assert [(r.fields["account"], r.fields["device"], r.fields["name"], r.fields["type"],
             r.fields["imei"] or None) for r in rows] == [
        (r["account"], r["id"], r["name"], r["type"], r["imei"]) for r in records]


def test_utf8_output_is_byte_exact_and_unmarked() -> None:
    records = search_records(["-1+1", "0012"], ["Watch=", "Watch"])
    written = export(records, "utf-8").decode("utf-8")
    assert written.splitlines()[1].startswith("acct-0,00000000,1,-1+1,Watch=,,2024-06-01T")
    assert "\r" not in written and not written.startswith("\ufeff")
    assert ",'" not in written


def test_spreadsheet_output_has_a_bom_or_cp932_and_crlf() -> None:
    records = search_records(["愛車"], ["Watch"])
    assert export(records, "utf-8-sig").startswith(b"\xef\xbb\xbfaccount,")
    cp932 = export(records, "cp932")
    assert "愛車".encode("cp932") in cp932 and cp932.count(b"\r\n") == 2


def test_a_value_cp932_cannot_hold_names_its_row_and_column_and_nothing_is_written() -> None:
    records = search_records(["ok", "fine", "too"], ["Watch", "Café Watch", "Watch"])
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    out = Output(Settings(output="csv", csv_encoding="cp932"), stdout=stdout)
    with pytest.raises(NotEncodable) as caught:
        out.records(records, SEARCH_COLUMNS[:-1])
    assert caught.value.params["row"] == 2 and caught.value.params["column"] == "type"
    assert caught.value.params["codepoint"] == "U+00E9"
    stdout.flush()
    assert raw.getvalue() == b""  # not the header and row 1: never half a file


def test_a_file_read_as_plain_utf8_keeps_apostrophes_only_where_a_value_may_hold_one(
        ) -> None:
    """A name, id, IMEI or account never holds a ', so a leading one is a spreadsheet's
    mark in any encoding (LibreOffice saves UTF-8 without a BOM); a type may begin with
    one, so it keeps it unless the file is known to come from a spreadsheet."""
    data = b"account,id,name,type\r\nacct,0000000a,'-1,'-1\r\n"
    read_as = batch.file_encoding(io.BytesIO(data))
    assert read_as == "utf-8" and not batch.from_spreadsheet(read_as)
    layout = batch.Layout("rename", spreadsheet=False)
    (row,) = batch.rows(batch.as_utf8(io.BytesIO(data), read_as), "csv", layout)
    assert row.fields["name"] == "-1" and row.fields["type"] == "'-1"


@pytest.mark.parametrize(("old", "new", "how"), [
    ("0012", "12", "leading_zeros"),
    ("007", "7", "leading_zeros"),
    ("1.50", "1.5", "number"),
    ("12e45678", "1.79769313486232E+308", "exponent"),
    ("356938035643809", "3.56938E+14", "exponent"),
    ("true", "TRUE", "boolean"),
    ("yes", "TRUE", "boolean"),
    ("no", "FALSE", "boolean"),
    ("3-4", "2026-03-04", "date"),
    ("3-4", "4-Mar", "date"),
    ("3-4", "Mar-04", "date"),
    ("3-4", "3/4/2026", "date"),
    ("11-2", "2026年11月2日", "date"),
])
def test_values_a_spreadsheet_retyped_are_recognised(old: str, new: str, how: str) -> None:
    assert retyping(old, new) == how


@pytest.mark.parametrize(("old", "new"), [
    ("0012", "0013"), ("0012", "0012"), ("12", "13"), ("1.50", "1.51"), ("BMW", "12"),
    ("true", "FALSE"), ("yes", "no"), ("TRUE", "true"), ("愛車", "TRUE"),
    ("2024-01-05", "2024-01-06"), ("3-4", "2026-03-05"), ("Watch-1", "Watch-2"),
])
def test_ordinary_renames_are_not_taken_for_retyping(old: str, new: str) -> None:
    assert retyping(old, new) is None


def export_workbook(records: list[dict[str, object]]) -> bytes:
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    Output(Settings(output="xlsx"), stdout=stdout).records(records, SEARCH_COLUMNS[:-1])
    stdout.flush()
    return raw.getvalue()


@settings(max_examples=60, deadline=None)
@given(names=st.lists(st.text(alphabet=NAME_CHARS, min_size=1, max_size=30)
                      | st.sampled_from(["0012", "1.50", "12e45678", "TRUE", "true", "3-4",
                                         "-1+1", "+81", "356938035643809"]),
                      min_size=1, max_size=5),
       types=st.lists(st.text(alphabet=TYPE_CHARS, max_size=20), min_size=5, max_size=5))
def test_a_workbook_export_reads_back_as_the_same_values(names: list[str],
                                                          types: list[str]) -> None:
    """Text cells stay text: whatever a name or type looks like, the workbook the tool
    writes reads back as exactly the values exported, and no cell counts as re-typed."""
    records = search_records(names, [_type(t) for t in types[:len(names)]])
    data = export_workbook(records)
    assert batch.is_workbook(io.BytesIO(data))
    rows = list(batch.rows(io.BytesIO(data), "xlsx", batch.Layout("rename")))
    assert [(r.fields["account"], r.fields["device"], r.fields["name"], r.fields["type"],
             r.fields["imei"]) for r in rows] == [
        (r["account"], r["id"], r["name"], r["type"], r["imei"]) for r in records]
