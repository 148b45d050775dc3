"""``batch apply FILE.xlsx``: a batch file saved as a workbook by a spreadsheet.

The first sheet is read like a CSV file: a header row of the same columns, then one
operation a row (blank rows skipped).  openpyxl reads it in ``read_only`` mode (rows are
parsed as they are reached: memory stays flat but for the workbook's shared strings);
it is imported only when a workbook is read.

A spreadsheet keeps a cell's *type*: in a column that only ever holds text (names, ids,
IMEIs, accounts, actions, types: :data:`TEXT_COLUMNS`) a number, a boolean, a date, a
formula or an error value is text the spreadsheet re-typed as it was typed or pasted
(``0012`` became the number 12, ``true`` the boolean TRUE).  Such a cell is never guessed
back: it becomes a :class:`Retyped` value, and a row that uses it fails with
``cell_retyped`` (exit 4 for the row), naming the cell (``B7``), what it holds and how
to keep the column text.  A column the row's action does not use is not looked at (a
re-typed ``imei`` in a rename file changes nothing).

``at`` may be a date cell (read in the display time zone, as typed); ``multi`` and
``replace`` may be booleans.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import IO, TYPE_CHECKING, Any

from onenumber_cli.errors import CellRetyped, InvalidBatch
from onenumber_cli.frozen import frozen

if TYPE_CHECKING:
    from onenumber_cli.batch import Layout, Row

ZIP_MAGIC = b"PK\x03\x04"
CONTENT_TYPES = "[Content_Types].xml"
TEXT_COLUMNS = frozenset({"action", "account", "device", "id", "name", "type", "imei"})
TIME_COLUMNS = frozenset({"at"})


@frozen
class Retyped:
    """A text column's cell that a spreadsheet turned into another type."""

    cell: str  # A1 reference
    column: str
    seen: str  # as the spreadsheet shows it
    reason: str  # number | boolean | date | formula

    def error(self) -> CellRetyped:
        return CellRetyped(self.reason, cell=self.cell, column=self.column, seen=self.seen)


def is_workbook(stream: IO[bytes]) -> bool:
    """Whether ``stream`` (seekable) is an xlsx workbook: a zip holding
    ``[Content_Types].xml`` (what every Office Open XML file has), whatever its name."""
    head = stream.read(len(ZIP_MAGIC))
    stream.seek(0)
    if head != ZIP_MAGIC:
        return False
    try:
        with zipfile.ZipFile(stream) as archive:  # leaves the stream open
            found = CONTENT_TYPES in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        found = False
    stream.seek(0)
    return found


def _letter(index: int) -> str:
    """The column letters of 0-based ``index`` (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _cell(value: Any, kind: str, column: str, row: int, index: int) -> Any:
    """A cell's value as the batch reads it (see the module's docstring)."""
    if value is None:
        return None
    if column in TEXT_COLUMNS:
        if kind == "s" and isinstance(value, str):
            return value
        if kind == "b" or isinstance(value, bool):
            reason = "boolean"
        elif kind == "d" or isinstance(value, datetime | date | time):
            reason = "date"
        elif kind in ("f", "e") or isinstance(value, str):
            reason = "formula"
        else:
            reason = "number"
        return Retyped(f"{_letter(index)}{row}", column, _shown(value), reason)
    if column in TIME_COLUMNS and isinstance(value, datetime):
        return value.isoformat(sep=" ")  # the time as typed: read in the display zone
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _open(stream: IO[bytes]) -> Any:
    from openpyxl import load_workbook  # only a workbook pays for it

    stream.seek(0)
    try:
        return load_workbook(stream, read_only=True, data_only=False)
    except Exception as exc:
        raise InvalidBatch("xlsx", detail=str(exc) or type(exc).__name__) from None


def rows(stream: IO[bytes], layout: Layout) -> Iterator[Row]:
    """The data rows of the first sheet; raises :class:`InvalidBatch` (with the row) on
    a structural error, as for CSV."""
    from onenumber_cli.batch import Row

    book = _open(stream)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the file's own may be wrong: read every row there is
        cells = sheet.iter_rows()  # every row from the first, gaps filled
        try:
            first = next(cells, ())
        except Exception as exc:
            raise InvalidBatch("xlsx", detail=str(exc) or type(exc).__name__) from None
        columns = [("" if cell.value is None else str(cell.value)).strip() for cell in first]
        while columns and not columns[-1]:
            columns.pop()  # a formatted but empty cell after the header
        if not any(columns):
            raise InvalidBatch("header", line=1, known=", ".join(layout.known))
        from onenumber_cli.batch import check_header  # batch imports this module

        check_header(layout, columns)
        width = len(columns)
        number = 0
        for line, found in enumerate(cells, start=2):
            values = [(cell.value, cell.data_type) for cell in found]
            if not any(v is not None and (not isinstance(v, str) or v.strip())
                       for v, _ in values):
                continue
            extra = [v for v, _ in values[width:] if v is not None and str(v).strip()]
            if extra:
                raise InvalidBatch("cells", line=line, count=len(values), expected=width)
            data = {column: _cell(value, kind, column, line, index)
                    for index, (column, (value, kind))
                    in enumerate(zip(columns, values, strict=False))}
            number += 1
            yield Row(number, line, layout.fields(data))
    finally:
        book.close()
