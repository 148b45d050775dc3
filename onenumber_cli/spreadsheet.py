"""Cells for spreadsheets: what ``--csv-encoding utf-8-sig|cp932`` writes, and how
``batch apply`` reads a file saved back by a spreadsheet.

A spreadsheet does not keep a CSV cell as text when it can read it as something else:

* a cell starting with ``= + - @``, a tab or a carriage return (or the full-width
  ``＝ ＋ － ＠``) is run as a formula (OWASP "CSV injection"): a device name
  ``-1+1`` would come back as ``0``, a hostile one could fetch a URL;
* a cell that reads as a number is stored as one and saved back as the spreadsheet shows
  it: ``0012`` comes back as ``12``, a 15-digit IMEI as ``3.53457E+14``, a device id
  ``12e45678`` as ``1.2E+49``, a name ``1.50`` as ``1.5``, ``3-4`` as a date, ``true``
  as ``TRUE``.

In the spreadsheet encodings such a cell is written with a leading apostrophe (``'``),
which every spreadsheet shows as text and runs nothing of; so is a cell that starts with
an apostrophe itself, so that the mapping can be undone exactly.  Reading a file that a
spreadsheet saved (:func:`restore`) removes one leading apostrophe before a character
that :func:`neutralise` protects.  ``restore(neutralise(x)) == x`` for every text ``x``,
whether the spreadsheet kept the apostrophe in the cell (Excel and LibreOffice show it)
or took it as its "text" marker and saved the bare value: a bare value is one
:func:`restore` leaves alone, unless it starts with an apostrophe (no name, account or
IMEI can).

The default ``utf-8`` writes every cell as it is, byte for byte, for scripts.
"""

from __future__ import annotations

import re
import unicodedata

CSV_ENCODINGS = ("utf-8", "utf-8-sig", "cp932")
SPREADSHEET_ENCODINGS = frozenset({"utf-8-sig", "cp932"})
MARK = "'"
FORMULA_STARTS = frozenset("=+-@\t\r")
# Characters a protected cell can start with; restore() removes a mark only before one.
_PROTECTED_STARTS = FORMULA_STARTS | frozenset("0123456789.'")
# Text a spreadsheet reads as a number or a date and writes back differently: decimals
# and exponents, integers with a leading zero or too long to show in full (Excel's
# General format shows 11 digits), day-month forms.
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_KEPT_NUMBER = re.compile(r"[1-9]\d{0,10}|0")
_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?")
_BOOLEANS = frozenset({"true", "false"})  # read as TRUE/FALSE: a name "true" comes back "TRUE"


def _starts_protected(text: str) -> bool:
    first = text[0]
    return (first in FORMULA_STARTS or first == MARK
            or unicodedata.normalize("NFKC", first) in FORMULA_STARTS)


def neutralise(cell: str) -> str:
    """``cell`` as a spreadsheet keeps it: with a leading ``'`` when a spreadsheet would
    run it as a formula or read it as a number or date (see the module's docstring)."""
    if not cell:
        return cell
    if _starts_protected(cell) or cell.casefold() in _BOOLEANS or (
            cell[0] in "0123456789." and (
                (_NUMBER.fullmatch(cell) and not _KEPT_NUMBER.fullmatch(cell))
                or _DATE.fullmatch(cell))):
        return MARK + cell
    return cell


def restore(cell: str) -> str:
    """The value :func:`neutralise` protected: one leading ``'`` removed where it stands
    before a protected character; any other cell as it is."""
    if len(cell) > 1 and cell[0] == MARK and (
            cell[1] in _PROTECTED_STARTS or cell[1:].casefold() in _BOOLEANS
            or unicodedata.normalize("NFKC", cell[1]) in FORMULA_STARTS):
        return cell[1:]
    return cell


def is_spreadsheet_encoding(encoding: str) -> bool:
    """Whether csv/tsv output in ``encoding`` is meant for a spreadsheet."""
    return encoding in SPREADSHEET_ENCODINGS


# --- values a spreadsheet re-typed on its own (batch apply refuses them) ---------------

# Columns whose values can never contain an apostrophe (names: letters, digits and
# ``- _ . +``; accounts, device ids, IMEIs, actions): a leading ``'`` in them is always a
# spreadsheet's text mark, whatever encoding the file was saved in.  A device type may
# hold an apostrophe, even first (``'90s phone``): its mark is removed only in a file
# that is known to come from a spreadsheet (see batch.from_spreadsheet).
NEVER_QUOTED = frozenset({"action", "account", "device", "id", "name", "imei"})
_EXPONENT = re.compile(r"[+-]?\d(?:\.\d+)?[eE][+-]?\d+")
_SHOWN_DATE = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # 2026-03-04, 2026/3/4
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"  # 3/4/2026, 04.03.26
    r"|\d{1,2}-[A-Za-z]{3}(?:-\d{2,4})?|[A-Za-z]{3}-\d{1,4}"  # 4-Mar, Mar-04
    r"|\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月(?:\d{1,2}日)?")  # 3月4日, 2026年3月
_AS_BOOLEAN = {"true": "TRUE", "yes": "TRUE", "false": "FALSE", "no": "FALSE"}
_MONTHS = {name: str(number) for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def _date_parts(text: str) -> set[str]:
    """The numbers of a date as text, month names as their numbers, without leading
    zeros: ``2026-03-04`` and ``4-Mar-26`` -> {"2026", "3", "4"} and {"4", "3", "26"}."""
    parts = {str(int(digits)) for digits in re.findall(r"\d+", text)}
    return parts | {_MONTHS[word.casefold()] for word in re.findall(r"[A-Za-z]{3}", text)
                    if word.casefold() in _MONTHS}


def retyping(old: str, new: str) -> str | None:
    """How ``new`` looks like a spreadsheet's re-typing of ``old`` (the value the tool
    exported), or None: ``leading_zeros`` (``0012`` -> ``12``), ``exponent``
    (``12e45678`` -> ``1.79769313486232E+308``, ``356938035643809`` -> ``3.56938E+14``),
    ``number`` (``1.50`` -> ``1.5``), ``boolean`` (``true``/``yes`` -> ``TRUE``,
    ``false``/``no`` -> ``FALSE``), ``date`` (``3-4`` -> ``2026-03-04`` or ``4-Mar``: the
    old numbers all in the new date).  Another value is a rename like any other."""
    if new == old:
        return None
    if _NUMBER.fullmatch(old):
        if _EXPONENT.fullmatch(new):
            return "exponent"
        if _NUMBER.fullmatch(new):
            from decimal import Decimal, InvalidOperation

            try:
                same = Decimal(old) == Decimal(new)
            except InvalidOperation:
                same = False
            if same:
                bare = old.split(".")[0]
                lost = len(bare) > 1 and bare.startswith("0") and not new.startswith("0")
                return "leading_zeros" if lost else "number"
    if _AS_BOOLEAN.get(old.casefold()) == new:
        return "boolean"
    if (_DATE.fullmatch(old) and _SHOWN_DATE.fullmatch(new)
            and _date_parts(old) <= _date_parts(new)):  # the same day and month, shown
        return "date"
    return None
