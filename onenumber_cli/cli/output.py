"""The one formatter: every command's data goes out through :class:`Output`.

* ``json``: one document (lists are streamed element by element);
* ``jsonl``: one object per line;
* ``csv``/``tsv``: a header row, then flat rows (no truncation);
* ``table``: for people, via tabulate with wcwidth so CJK text aligns, dates in the
  chosen time zone and language.

Data goes to stdout; messages, warnings and errors to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from onenumber_cli.cli.settings import Settings
from onenumber_cli.errors import OneNumberError
from onenumber_cli.i18n import escape_controls, get_language, t


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # catalog id of the header
    kind: str = "text"  # text | date | datetime


def format_date(value: datetime, settings: Settings, *, with_time: bool) -> str:
    local = value.astimezone(settings.zone)
    if get_language() == "ja":
        text = f"{local.year:04d}年{local.month:02d}月{local.day:02d}日"
        return f"{text} {local:%H:%M}" if with_time else text
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


class Output:
    def __init__(self, settings: Settings, stdout: TextIO | None = None,
                 stderr: TextIO | None = None) -> None:
        self.settings = settings
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr

    # -- machine values --------------------------------------------------------------

    def _json_default(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(self.settings.zone).isoformat()
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")

    def to_json(self, value: Any, *, indent: int | None = None) -> str:
        return json.dumps(value, ensure_ascii=False, indent=indent, default=self._json_default)

    def _flat(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return str(self._json_default(value))
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            return self.to_json(value)  # nested values stay machine-readable in a cell
        return str(value)

    def display(self, value: Any, kind: str = "text") -> str:
        """A value as a person reads it in a table."""
        if value is None:
            return "-"
        if kind in ("date", "datetime") and isinstance(value, datetime):
            return format_date(value, self.settings, with_time=kind == "datetime")
        if isinstance(value, bool):
            return t("value.yes") if value else t("value.no")
        return str(value)

    # -- emitters ----------------------------------------------------------------------

    def records(self, items: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> int:
        """A list of records in the chosen format; returns how many were written."""
        fmt = self.settings.output
        count = 0
        if fmt == "json":
            self.stdout.write("[")
            try:
                for item in items:
                    self.stdout.write(("," if count else "") + "\n  " + self.to_json(item))
                    count += 1
            finally:  # interrupted or not, what was written stays one valid document
                self.stdout.write("\n]\n" if count else "]\n")
        elif fmt == "jsonl":
            for item in items:
                self.stdout.write(self.to_json(item) + "\n")
                count += 1
        elif fmt in ("csv", "tsv"):
            writer = self._writer()
            writer.writerow([c.key for c in columns])
            for item in items:
                writer.writerow([self._flat(item.get(c.key)) for c in columns])
                count += 1
        else:
            rows = [[self.display(item.get(c.key), c.kind) for c in columns] for item in items]
            count = len(rows)
            if rows:
                self.table(rows, [t(c.label) for c in columns])
            else:
                self.message(t("msg.no_rows"))
        return count

    def document(self, data: Mapping[str, Any], *, table: Callable[[], None],
                 rows: tuple[Iterable[Mapping[str, Any]], Sequence[Column]] | None = None
                 ) -> None:
        """One object: JSON document, one JSONL line, flat rows, or a table for people."""
        fmt = self.settings.output
        if fmt == "json":
            self.stdout.write(self.to_json(data, indent=2) + "\n")
        elif fmt == "jsonl":
            self.stdout.write(self.to_json(data) + "\n")
        elif fmt in ("csv", "tsv"):
            items, columns = rows if rows is not None else ([data], _columns_of(data))
            self.records(items, columns)
        else:
            table()

    def _writer(self) -> Any:
        delimiter = "\t" if self.settings.output == "tsv" else ","
        import csv

        return csv.writer(self.stdout, delimiter=delimiter, lineterminator="\n")

    def table(self, rows: Sequence[Sequence[str]], headers: Sequence[str] = (), *,
              fmt: str = "simple") -> None:
        import tabulate  # only table output pays for tabulate's import

        tabulate.WIDE_CHARS_MODE = True
        safe = [[escape_controls(str(cell)) for cell in row] for row in rows]
        self.stdout.write(
            tabulate.tabulate(safe, headers=list(headers), tablefmt=fmt, disable_numparse=True)
            + "\n"
        )

    def line(self, text: str = "") -> None:
        """A line of human output on stdout (table mode only); a value in it cannot start
        another line or drive the terminal (control characters are escaped)."""
        self.stdout.write(escape_controls(text) + "\n")

    def message(self, text: str) -> None:
        """Information for people on stderr; silenced by ``--quiet``."""
        if not self.settings.quiet:
            self.stderr.write(text + "\n")

    def error(self, error: OneNumberError) -> None:
        if self.settings.machine and self.settings.output in ("json", "jsonl"):
            self.stderr.write(self.to_json({"error": error.to_dict()}) + "\n")
            return
        prefix = t("label.error")
        if self.settings.color:
            prefix = f"\x1b[31m{prefix}\x1b[0m"
        self.stderr.write(f"{prefix}: {error.message}\n")
        if error.hint:
            self.stderr.write(f"{t('label.hint')}: {error.hint}\n")


def _columns_of(data: Mapping[str, Any]) -> list[Column]:
    return [Column(key, f"field.{key}") for key, value in data.items()
            if not isinstance(value, (list, dict))]
