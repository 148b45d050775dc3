"""``-o xlsx``: a listing as an Excel workbook, for operators who live in a spreadsheet.

Written with XlsxWriter in ``constant_memory`` mode (rows go to disk as they come; memory
stays flat for any length), imported only when ``-o xlsx`` is used.  The cells keep
their types, so that nothing a spreadsheet would re-type is ever exposed to it:

* every text value (ids, IMEIs, names, accounts, batch ids) is a *text* cell, and its
  column is formatted as text (``@``), so a value typed into it later stays text too:
  ``0012`` stays ``0012``, an IMEI keeps its leading zero, ``TRUE`` stays a word;
* times are date cells in the display time zone with a visible format
  (``yyyy-mm-dd hh:mm:ss``); numbers (slot, counts) are numbers, yes/no are booleans;
* a bold, frozen header row of the field names (``batch apply`` reads them back), an
  autofilter, and column widths from the display width of the values (wcwidth: Japanese
  is double width).

The workbook is written to a temporary file and copied to stdout only once complete:
an export that stops (Excel's row limit, an interruption, a database error) writes
nothing at all, never half a zip.  Excel holds :data:`MAX_ROWS` rows a sheet, the
header included; a listing with more is refused with ``invalid_argument.xlsx_rows``
(exit 2, nothing written) when its row :data:`MAX_ROWS` comes (a streamed listing's
length is not known before), and a batch report before the batch runs (its rows are
counted first).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from onenumber_cli.errors import InvalidArgument

if TYPE_CHECKING:
    from onenumber_cli.cli.output import Column, Output

MAX_ROWS = 1_048_576  # Excel's rows a sheet, the header row included
MAX_DATA_ROWS = MAX_ROWS - 1
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
MAX_WIDTH = 60  # a column is never wider than this many characters
_COPY_CHUNK = 1 << 20


def too_many_rows() -> InvalidArgument:
    return InvalidArgument("xlsx_rows", limit=MAX_DATA_ROWS)  # read when raised: tests lower it


def _width(text: str) -> int:
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else len(text)


def write(out: Output, items: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> int:
    """``items`` as a one-sheet workbook on ``out.stdout`` (its bytes); returns how many
    rows were written."""
    with tempfile.TemporaryDirectory(prefix="onenumber-xlsx-") as work:
        path = f"{work}/out.xlsx"
        count = _workbook(out, path, items, columns, MAX_DATA_ROWS)
        stdout = out.stdout
        stdout.flush()
        sink: IO[bytes] | None = getattr(stdout, "buffer", None)  # bytes under the text
        if sink is None:  # no standard output at all (descriptor 1 closed)
            stdout.write("")  # raises OutputFailed, as any write to it does
            return count
        try:
            with open(path, "rb") as written:
                shutil.copyfileobj(written, sink, _COPY_CHUNK)
            sink.flush()
        except OSError as exc:  # a full disk, a closed pipe: said as any output failure
            from onenumber_cli.cli.output import output_failed

            raise output_failed(exc) from None
    return count


def _workbook(out: Output, path: str, items: Iterable[Mapping[str, Any]],
              columns: Sequence[Column], limit: int) -> int:
    import xlsxwriter  # only -o xlsx pays for it

    zone = out.settings.zone
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": path.rsplit("/", 1)[0]})
    try:
        sheet = book.add_worksheet()
        bold = book.add_format({"bold": True})
        text = book.add_format({"num_format": "@"})
        stamp = book.add_format({"num_format": DATETIME_FORMAT})
        day = book.add_format({"num_format": DATE_FORMAT})
        keys = [column.key for column in columns]
        widths = [_width(key) + 2 for key in keys]  # room for the filter button
        times = {i: (day if column.kind == "date" else stamp)
                 for i, column in enumerate(columns) if column.kind in ("date", "datetime")}
        for index, key in enumerate(keys):
            sheet.write_string(0, index, key, bold)
        write_string, write_number = sheet.write_string, sheet.write_number
        write_boolean, write_datetime = sheet.write_boolean, sheet.write_datetime
        row = 0
        for item in items:
            if row == limit:
                raise too_many_rows()
            row += 1
            for index, key in enumerate(keys):
                value = item.get(key)
                if value is None:
                    continue
                kind = type(value)
                if kind is str:
                    write_string(row, index, value, text)
                    shown = len(value) if value.isascii() else _width(value)
                elif kind is bool:
                    write_boolean(row, index, value)
                    shown = 5
                elif kind is int or kind is float:
                    write_number(row, index, value)
                    shown = len(str(value))
                elif isinstance(value, datetime):
                    local = value.astimezone(zone).replace(tzinfo=None) if value.tzinfo else value
                    write_datetime(row, index, local, times.get(index, stamp))
                    shown = 19
                elif isinstance(value, date):
                    write_datetime(row, index, value, day)
                    shown = 10
                else:
                    cell = (out.to_json(value) if isinstance(value, dict | list)
                            else str(value))
                    write_string(row, index, cell, text)
                    shown = _width(cell)
                if shown > widths[index]:
                    widths[index] = shown
        for index, width in enumerate(widths):
            # text columns stay text for what is typed into them later (0012, TRUE)
            sheet.set_column(index, index, min(width, MAX_WIDTH) + 1,
                             None if index in times else text)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(row, 1), max(len(keys) - 1, 0))
    finally:
        book.close()
    return row

