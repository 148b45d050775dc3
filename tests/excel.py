"""A CSV file as a spreadsheet saves it back (for the round-trip tests): Excel's "CSV"
(cp932) or "CSV UTF-8" (a BOM), CRLF line ends, maybe every cell quoted."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable


def excel_save(data: bytes, encoding: str, *, keeps_mark: bool = True,
               quote_all: bool = True,
               edit: Callable[[dict[str, str]], dict[str, str]] | None = None) -> bytes:
    """``data`` (a csv export in ``encoding``) opened and saved by a spreadsheet.

    ``keeps_mark``: the cell shows a leading ``'`` and is saved with it (Excel and
    LibreOffice opening a CSV); otherwise the ``'`` is taken as the "text" marker and the
    bare text saved.  ``edit`` changes a row as a person would type it (typed text is
    saved as typed).
    """
    rows = list(csv.reader(io.StringIO(data.decode(encoding), newline="")))
    header, body = rows[0], rows[1:]
    saved: list[list[str]] = [header]
    for cells in body:
        shown = [c if keeps_mark or not c.startswith("'") else c[1:] for c in cells]
        if edit is not None:
            shown = list(edit(dict(zip(header, shown, strict=True))).values())
        saved.append(shown)
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n",
               quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerows(saved)
    return text.getvalue().encode(encoding)  # utf-8-sig: the BOM first
