"""Batch files: structure checks and row decoding, without a database."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from onenumber_cli import batch
from onenumber_cli.errors import InvalidArgument, InvalidBatch
from onenumber_cli.i18n.errors import render
from onenumber_cli.services import Actor

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

TOKYO = ZoneInfo("Asia/Tokyo")


def stream(text: str | bytes) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8") if isinstance(text, str) else text)


def read(text: str | bytes, fmt: str | None = None) -> list[batch.Row]:
    data = stream(text)
    chosen = fmt or batch.detect_format(data)
    assert batch.scan(data, chosen) == len(list(batch.rows(data, chosen)))
    return list(batch.rows(data, chosen))


def test_csv_rows_are_numbered_and_keep_their_line() -> None:
    rows = read("action,account,device,name\n\nrename,a,BMW,Car\nrename,b,\"x,y\",\"名前\"\n")
    assert [(r.number, r.line) for r in rows] == [(1, 3), (2, 4)]
    assert rows[1].fields == {"action": "rename", "account": "b", "device": "x,y",
                              "name": "名前"}


def test_jsonl_is_detected_and_blank_lines_skipped() -> None:
    rows = read('\n{"action": "register", "account": "a", "type": "BMW", "imei": 490154203237518}'
                '\n\n{"action": "service-subscribe", "account": "b", "multi": true}\n')
    assert [r.line for r in rows] == [2, 4]
    assert rows[1].fields["multi"] is True


def test_a_byte_order_mark_is_ignored() -> None:
    assert read("\ufeffaction,account\nservice-cancel,a\n")[0].fields["action"] == "service-cancel"


@pytest.mark.parametrize(
    ("content", "reason", "line"),
    [
        ("", "header", 1),
        ("\n\n", "header", 1),
        ("action,account,colour\nrename,a,red\n", "columns", 1),
        ("device,name\nBMW,Car\n", "header", 1),
        ("action,account\nrename,a,extra\n", "cells", 2),
        ('action,account\nrename,"a\n', "csv", 2),
        (b"action,account\nrename,\x93a\x94\n", "encoding", 2),
        (b"action,account\nrename,a\x00b\n", "nul", 2),
        ('{"action": "rename", "account": "a"}\n{"action": \n', "json", 2),
        ('{"action": "rename", "account": "a"}\n[1, 2]\n', "json", 2),
        ('{"action": "rename", "account": "a", "colour": "red"}\n', "columns", 1),
    ],
)
def test_an_unusable_file_is_refused_with_its_line(content: str | bytes, reason: str,
                                                   line: int) -> None:
    data = stream(content)
    with pytest.raises(InvalidBatch) as caught:
        batch.scan(data, batch.detect_format(data))
    assert (caught.value.reason, caught.value.params["line"]) == (reason, line)
    assert f"{line}" in render(caught.value)[0]


def test_a_missing_file_is_refused(tmp_path: object) -> None:
    with pytest.raises(InvalidBatch) as caught:
        batch.open_source(f"{tmp_path}/nope.csv")
    assert caught.value.reason == "missing"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"action": "explode", "account": "a"}, "batch_action"),
        ({"action": "rename", "account": "a", "device": "x"}, "batch_field"),
        ({"action": "register", "account": "a"}, "batch_field"),
        ({"action": "rename", "device": "x", "name": "y"}, "batch_field"),
        ({"action": "service-subscribe", "account": "a", "multi": "perhaps"}, "batch_value"),
        ({"action": "rename", "account": "a", "device": ["x"], "name": "y"}, "batch_value"),
    ],
)
def test_malformed_rows_are_row_errors(fields: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        batch.operation(batch.Row(1, 2, fields), Actor("t"), TOKYO)
    assert caught.value.reason == reason


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes", True])
def test_flags_accept_the_usual_spellings(value: object) -> None:
    row = batch.Row(1, 2, {"action": "service-subscribe", "account": "a", "multi": value})
    change = batch.operation(row, Actor("t"), TOKYO)
    assert (change.action, change.account, change.params) == ("service-subscribe", "a",
                                                              {"multi": True})


def test_batch_ids_sort_by_time() -> None:
    from datetime import UTC, datetime

    early = batch.new_batch_id(datetime(2026, 1, 1, tzinfo=UTC))
    late = batch.new_batch_id(datetime(2026, 1, 2, tzinfo=UTC))
    assert early < late and early.startswith("20260101T000000Z-")


class _Endless(io.RawIOBase):
    """A file of endless bytes with no newline (as /dev/zero), counting what was read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        view[:] = b"x" * len(view)
        self.read_bytes += len(view)
        return len(view)


def test_a_line_over_the_limit_is_refused_with_its_number_reading_no_further() -> None:
    source = _Endless()
    endless = io.BufferedReader(source)
    with pytest.raises(InvalidBatch) as refused:
        batch.scan(endless, "csv")
    assert (refused.value.reason, refused.value.params["line"]) == ("line_too_long", 1)
    assert source.read_bytes < 4 * batch.MAX_LINE_BYTES  # memory flat: it stopped reading
    text = "action,account\n" + "rename,a\n" * 3 + "r" * (batch.MAX_LINE_BYTES + 1) + "\n"
    with pytest.raises(InvalidBatch) as refused:
        read(text)
    assert refused.value.params["line"] == 5
    at_limit = "action,account,name\nrename,a," + "n" * (batch.MAX_LINE_BYTES - 20) + "\n"
    assert len(read(at_limit)) == 1


def test_repeated_keys_and_columns_are_refused_with_their_line() -> None:
    with pytest.raises(InvalidBatch) as refused:
        read('{"action": "rename", "account": "a"}\n'
             '{"action": "rename", "account": "a", "action": "unregister"}\n')
    assert (refused.value.reason, refused.value.params) == (
        "duplicate_key", {"line": 2, "key": "action"})
    with pytest.raises(InvalidBatch) as refused:
        read("action,account,name,name\nrename,a,b,c\n")
    assert refused.value.reason == "duplicate_column"


@pytest.mark.parametrize("line", [
    '{"action": "rename", "account": "a", "imei": ' + "1" * 5000 + "}",
    '{"action": "rename", "x": ' + "[" * 20000 + "]" * 20000 + "}",
    '{"action": "rename", "account": "\\ud800"}',
    '{"action": "rename", "\\udfff": 1}',
])
def test_json_that_cannot_be_text_again_is_refused_as_a_file_error(line: str) -> None:
    with pytest.raises(InvalidBatch) as refused:
        read(line + "\n")
    assert refused.value.reason == "json" and refused.value.params["line"] == 1


def test_a_stream_that_cannot_seek_is_spooled(tmp_path: object, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    import os
    import threading
    from pathlib import Path

    fifo = Path(str(tmp_path)) / "rows.csv"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(b"action,account\nrename,a\n",))
    writer.start()
    with batch.open_source(str(fifo)) as source:
        assert source.seekable()
        assert batch.scan(source, batch.detect_format(source)) == 1
    writer.join()


@pytest.mark.parametrize(("data", "encoding"), [
    ("action,account\r\nrename,愛車\r\n".encode("cp932"), "cp932"),
    ("action,account\nrename,愛車\n".encode("utf-16-le"), "utf-16"),  # no BOM: as given
    ("\ufeffaction,account\nrename,愛車\n".encode("utf-16-be"), "auto"),
    ("\ufeffaction,account\nrename,愛車\n".encode(), "auto"),
])
def test_every_encoding_reads_as_the_same_rows(data: bytes, encoding: str) -> None:
    stream = batch.as_utf8(io.BytesIO(data), encoding)
    rows = list(batch.rows(stream, "csv"))
    assert [r.fields for r in rows] == [{"action": "rename", "account": "愛車"}]


def test_a_byte_that_is_not_the_given_encoding_names_its_line() -> None:
    data = "action,account\r\nrename,a\r\n".encode("cp932") + b"rename,\x81\x20\r\n"
    with pytest.raises(InvalidBatch) as refused:
        batch.as_utf8(io.BytesIO(data), "cp932")
    assert (refused.value.reason, refused.value.params["line"]) == ("encoding_given", 3)


def test_action_layout_takes_search_output_and_ignores_what_the_action_does_not_use(
) -> None:
    layout = batch.Layout("rename")
    text = ("account,id,slot,name,type,imei,registered_at\n"
            "a,dev00001,1,New,BMW,,2022-09-12T16:43:00+09:00\n")
    (row,) = batch.rows(stream(text), "csv", layout)
    assert row.fields == {"account": "a", "name": "New", "type": "BMW", "imei": "",
                          "device": "dev00001", "action": "rename"}
