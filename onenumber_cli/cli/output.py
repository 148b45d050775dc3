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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cached_property
from typing import IO, Any, TextIO

from onenumber_cli.cli.settings import Settings
from onenumber_cli.cli.snapshots import with_zoned_snapshots, zoned
from onenumber_cli.errors import InvalidArgument, NotEncodable, OneNumberError, OutputFailed
from onenumber_cli.i18n import N_, escape_controls, get_language, t
from onenumber_cli.spreadsheet import is_spreadsheet_encoding, neutralise


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
        self.stdout: IO[str] = Guarded(stdout or sys.stdout)  # type: ignore[assignment]
        self.stderr: TextIO = Tolerant(stderr or sys.stderr)  # type: ignore[assignment]
        self.declared: frozenset[str] = frozenset()  # --fields names checked before a change

    def expect(self, fields: Iterable[str]) -> None:
        """Check ``--fields`` against the fields this command's output has, before the
        command changes anything (a wrong name then refuses with exit 2 and nothing
        written, not after a commit).  Later, a declared field a record lacks is null."""
        known = list(dict.fromkeys(fields))
        chosen = self.settings.fields
        if chosen is None:
            self.declared = frozenset(known)
            return
        if not chosen:
            raise InvalidArgument("fields_empty", choices=", ".join(known))
        unknown = [name for name in chosen if name not in known]
        if unknown:
            raise InvalidArgument("fields", value=unknown[0], choices=", ".join(known))
        self.declared = frozenset(known)

    def flush(self) -> None:
        """Everything written so far out to stdout (an output failure raised here, as
        :class:`~onenumber_cli.errors.OutputFailed`, rather than at the process's exit)."""
        self.stdout.flush()

    # -- machine values --------------------------------------------------------------

    @cached_property
    def _zone(self) -> tzinfo:
        return self.settings.zone

    def _json_default(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(self._zone).isoformat()
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")

    @cached_property
    def _encoder(self) -> json.JSONEncoder:
        """One encoder for every line (``json.dumps`` with options builds one a call); no
        check for circular references, which records (trees of plain values) never have."""
        return json.JSONEncoder(ensure_ascii=False, check_circular=False,
                                default=self._json_default)

    def to_json(self, value: Any, *, indent: int | None = None) -> str:
        if isinstance(value, dict):  # before/after's times in the display zone too
            value = with_zoned_snapshots(value, self._zone)
        if indent is None:
            return self._encoder.encode(value)
        return json.dumps(value, ensure_ascii=False, indent=indent, default=self._json_default)

    def _flat(self, value: Any) -> Any:
        """A cell of csv/tsv output (the csv module writes None as "" and ints as such:
        most cells pass straight through, which matters for an export of millions)."""
        kind = type(value)
        if value is None or kind is str or kind is int:
            return value
        if kind is datetime:
            return value.astimezone(self._zone).isoformat()
        if isinstance(value, datetime):
            return str(self._json_default(value))
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):  # nested values stay machine-readable in a cell
            return self.to_json(zoned(value, self._zone))
        return str(value)

    def display(self, value: Any, kind: str = "text") -> str:
        """A value as a person reads it in a table."""
        if value is None:
            return "-"
        if kind in ("date", "datetime") and isinstance(value, datetime):
            return format_date(value, self.settings, with_time=kind == "datetime")
        if isinstance(value, bool):
            return t("yes") if value else t("no")
        return str(value)

    # -- emitters ----------------------------------------------------------------------

    def chosen(self, items: Iterable[Mapping[str, Any]], columns: Sequence[Column]
               ) -> tuple[Iterable[Mapping[str, Any]], Sequence[Column]]:
        """``--fields``: only the named keys, in that order, in every format.  A name
        neither a column nor a key of the first record is refused (exit 2)."""
        fields = self.settings.fields
        if fields is None:
            return items, columns
        iterator = iter(items)
        first = next(iterator, None)
        by_key = {c.key: c for c in columns}
        known = [*by_key, *(k for k in (first or {}) if k not in by_key)]
        if not fields:  # --fields "," names none: say which there are
            raise InvalidArgument("fields_empty", choices=", ".join(known))
        unknown = [f for f in fields if f not in known and f not in self.declared]
        if unknown and (first is not None or not set(fields) <= set(by_key)):
            raise InvalidArgument("fields", value=unknown[0], choices=", ".join(known))
        picked = [by_key.get(f) or Column(f, f) for f in fields]

        def rows() -> Iterator[Mapping[str, Any]]:
            if first is not None:
                yield {f: first.get(f) for f in fields}
            for item in iterator:
                yield {f: item.get(f) for f in fields}

        return rows(), picked

    def records(self, items: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> int:
        """A list of records in the chosen format; returns how many were written."""
        items, columns = self.chosen(items, columns)
        fmt = self.settings.output
        count = 0
        if self.settings.query is not None:  # (json or jsonl: settings.resolve)
            return self._queried(items)
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
            keys = [c.key for c in columns]
            count = self.flat_rows(keys, ([item.get(key) for key in keys] for item in items))
        elif fmt == "xlsx":  # a workbook: onenumber_cli.cli.xlsx
            from onenumber_cli.cli import xlsx

            count = xlsx.write(self, items, columns)
        else:
            count = self._streamed_table(items, columns)
            if not count:
                self.message(t("No rows."))
        return count

    def _queried(self, items: Iterable[Mapping[str, Any]]) -> int:
        """``--query`` (cli/query.py): on the whole list (json), or on each line (jsonl,
        still streamed)."""
        query = self.settings.query
        assert query is not None
        count = 0
        if self.settings.output == "jsonl":
            for item in items:
                self.stdout.write(self.to_json(query.apply(item, self.to_json)) + "\n")
                count += 1
            return count
        listed = list(items)
        self.stdout.write(self.to_json(query.apply(listed, self.to_json), indent=2) + "\n")
        return len(listed)

    def _streamed_table(self, items: Iterable[Mapping[str, Any]], columns: Sequence[Column]
                        ) -> int:
        """A table whose first :data:`TABLE_CHUNK` rows show at once (laid out by
        tabulate); later rows follow in the same column widths as they are read, so a
        long listing starts without waiting for its end."""
        import itertools

        iterator = iter(items)
        count = 0
        widths: list[int] | None = None
        while True:
            chunk = [[self.display(item.get(c.key), c.kind) for c in columns]
                     for item in itertools.islice(iterator, TABLE_CHUNK)]
            if not chunk:
                return count
            if widths is None:
                widths = self.table(chunk, [t(c.label) for c in columns])
            else:
                for row in chunk:
                    cells = [escape_controls(cell) for cell in row]
                    if self.width is not None:
                        cells = [shorten(cell, width) for cell, width in zip(cells, widths,
                                                                             strict=False)]
                    self.stdout.write("  ".join(
                        cell + " " * max(width - text_width(cell), 0)
                        for cell, width in zip(cells, widths, strict=False)).rstrip() + "\n")
            self.stdout.flush()
            count += len(chunk)

    @contextmanager
    def paged(self) -> Iterator[None]:
        """Long output on a terminal through a pager (``ONENUMBER_PAGER``, else
        ``PAGER``, else ``less -FRX``: short output just prints), as gh does; never when
        stdout is not a terminal, nor with ``--no-pager`` (or a pager of "" or "cat")."""
        import os
        import shlex
        import shutil
        import subprocess

        from onenumber_cli.cli.console import terminal

        command = os.environ.get("ONENUMBER_PAGER", os.environ.get("PAGER", "less"))
        argv = shlex.split(command) if command.strip() else []
        if (self.settings.no_pager or not terminal.stdout_is_tty() or not argv
                or argv[0] == "cat" or shutil.which(argv[0]) is None):
            yield
            return
        env = {**os.environ}
        env.setdefault("LESS", "FRX")
        env.setdefault("LV", "-c")
        self.width  # noqa: B018 - measured on the terminal, before stdout becomes a pipe
        pager = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env, text=True,
                                 encoding="utf-8", errors="replace")
        assert pager.stdin is not None
        saved, self.stdout = self.stdout, pager.stdin
        try:
            yield
        except BrokenPipeError:
            pass  # the operator quit the pager early: fine
        finally:
            self.stdout = saved
            with suppress(BrokenPipeError):
                pager.stdin.close()
            pager.wait()

    def document(self, data: Mapping[str, Any], *, table: Callable[[], object],
                 rows: tuple[Iterable[Mapping[str, Any]], Sequence[Column]] | None = None
                 ) -> None:
        """One object: JSON document, one JSONL line, flat rows, or a table for people."""
        fmt = self.settings.output
        if self.settings.fields is not None and (fmt in ("json", "jsonl") or rows is None):
            data = next(iter(self.chosen([data], _columns_of(data))[0]))
        elif self.settings.fields is not None and rows is not None:
            self.records(*rows)  # the chosen columns of the flat rows, as a table too
            return
        if self.settings.query is not None and fmt in ("json", "jsonl"):
            data = self.settings.query.apply(data, self.to_json)
        if fmt == "json":
            self.stdout.write(self.to_json(data, indent=2) + "\n")
        elif fmt == "jsonl":
            self.stdout.write(self.to_json(data) + "\n")
        elif fmt in ("csv", "tsv", "xlsx"):
            items, columns = rows if rows is not None else ([data], _columns_of(data))
            self.records(items, columns)
        else:
            table()

    def tuples(self, rows: Iterable[Sequence[Any]], columns: Sequence[Column], *,
               record: Callable[[Sequence[Any]], Mapping[str, Any]] | None = None) -> int:
        """Records given as tuples in the order of ``columns``, each value a str, an int,
        None or (in a ``datetime`` column) a datetime: a stream of one shape, such as a
        search's millions of rows, that csv/tsv write without building a mapping or
        looking at the type of each value.  Other formats, and ``--fields``, go through
        :meth:`records`, each row made a record by ``record`` (by default: the columns'
        keys and the row's values).  Returns how many were written."""
        keys = [column.key for column in columns]
        if self.settings.output not in ("csv", "tsv") or self.settings.fields is not None:
            made = record or (lambda row: dict(zip(keys, row, strict=True)))
            return self.records(map(made, rows), columns)
        times = [index for index, column in enumerate(columns) if column.kind == "datetime"]
        return self.flat_rows(keys, rows, times=times)

    def flat_rows(self, keys: Sequence[str], rows: Iterable[Sequence[Any]], *,
                  times: Sequence[int] | None = None) -> int:
        """csv/tsv: the header ``keys``, then ``rows`` (values in the order of ``keys``);
        returns how many rows were written.  In ``--csv-encoding utf-8`` (the default)
        every cell goes out as it is, for scripts; in a spreadsheet encoding the file
        starts with a BOM (utf-8-sig) or is cp932, lines end in CRLF as Excel writes
        them, and a cell a spreadsheet would run or change is neutralised
        (:mod:`onenumber_cli.spreadsheet`).  A value the encoding cannot hold stops the
        output before its row with :class:`NotEncodable` (exit 2), naming row and column.

        ``times``: the rows have the shape :meth:`tuples` describes, with datetimes (or
        None) at these positions; otherwise any value is made flat."""
        import csv

        delimiter = "\t" if self.settings.output == "tsv" else ","
        encoding = self.settings.csv_encoding
        count = 0
        if not is_spreadsheet_encoding(encoding):
            writer = csv.writer(self.stdout, delimiter=delimiter, lineterminator="\n")
            writer.writerow(keys)
            write = writer.writerow
            if times is None:
                flat = self._flat
                for row in rows:
                    write([flat(value) for value in row])
                    count += 1
                return count
            zone = self._zone
            for row in rows:
                cells = list(row)
                for index in times:
                    value = cells[index]
                    if value is not None:
                        cells[index] = value.astimezone(zone).isoformat()
                write(cells)
                count += 1
            return count
        import tempfile

        # Spooled until complete: a value the encoding cannot hold (an emoji in cp932)
        # is refused before any byte is out (exit 2, nothing written), never half a file.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            sink = _EncodedSink(self.stdout, encoding, into=spool)
            writer = csv.writer(sink, delimiter=delimiter, lineterminator="\r\n")
            writer.writerow(keys)
            for row in rows:
                cells = [self._spreadsheet_cell(value) for value in row]
                try:
                    writer.writerow(cells)
                except UnicodeEncodeError as exc:
                    raise _not_encodable(keys, cells, count + 1, encoding, exc) from None
                count += 1
            sink.release()
        return count

    def _spreadsheet_cell(self, value: Any) -> Any:
        flat = self._flat(value)
        return neutralise(flat) if type(flat) is str else flat

    @cached_property
    def width(self) -> int | None:
        """The terminal's width in columns when stdout is one (tables and notes fit it);
        None when piped: then nothing is shortened or wrapped."""
        from onenumber_cli.cli.console import terminal

        if not terminal.stdout_is_tty():
            return None
        import shutil

        return max(shutil.get_terminal_size().columns, 20)

    @cached_property
    def stderr_width(self) -> int | None:
        """The terminal's width when stderr is one (prompts and their notes)."""
        from onenumber_cli.cli.console import terminal

        if not terminal.stderr_is_tty():
            return None
        import shutil

        return max(shutil.get_terminal_size().columns, 20)

    def table(self, rows: Sequence[Sequence[str]], headers: Sequence[str] = (), *,
              fmt: str = "simple") -> list[int]:
        """Rows laid out by tabulate; returns the column widths (when headers are given)."""
        import tabulate  # only table output pays for tabulate's import

        tabulate.WIDE_CHARS_MODE = True
        safe = [[escape_controls(str(cell)) for cell in row] for row in rows]
        if self.width is not None:
            safe, headers = fit_columns(safe, list(headers), self.width)
        text = tabulate.tabulate(safe, headers=list(headers), tablefmt=fmt,
                                 disable_numparse=True)
        self.stdout.write(text + "\n")
        rule = text.splitlines()[1] if headers and len(text.splitlines()) > 1 else ""
        return [len(dashes) for dashes in rule.split()] if set(rule) <= {"-", " "} else []

    def cells(self, *values: str | None) -> None:
        """One line of tab-separated values for people and scripts (``check``'s report):
        each value escaped as :meth:`line` escapes, the tabs between them real."""
        self.stdout.write("\t".join(escape_controls(value or "") for value in values) + "\n")

    def line(self, text: str = "") -> None:
        """A line of human output on stdout (table mode only); a value in it cannot start
        another line or drive the terminal (control characters are escaped)."""
        self.stdout.write(escape_controls(text) + "\n")

    def note(self, text: str) -> None:
        """A note for people on stdout: on a terminal wrapped by display width at word
        boundaries (a ``" - "`` bullet's lines indented under it), never inside a
        command meant to be copied."""
        if self.width is None:
            self.line(text)
            return
        for piece in wrap(escape_controls(text), self.width):
            self.stdout.write(piece + "\n")

    def fit(self, text: str) -> str:
        """One line shortened to the terminal (``…`` marks the cut); unchanged when piped."""
        return text if self.width is None else shorten(text, self.width)

    def message(self, text: str) -> None:
        """Information for people on stderr (on a terminal wrapped between words, like
        notes); silenced by ``--quiet``."""
        if self.settings.quiet:
            return
        if self.stderr_width is not None and "\n" not in text:
            text = "\n".join(wrap(text, self.stderr_width))
        self.stderr.write(text + "\n")

    def error_dict(self, error: OneNumberError) -> dict[str, Any]:
        """The error as JSON reports it, its times shown as the other output shows them."""
        from onenumber_cli.i18n.errors import error_dict

        return error_dict(error, display=lambda value: self.display(value, "datetime"))

    def error(self, error: OneNumberError, *, committed: str | None = None,
              account: str | None = None) -> None:
        """The error on stderr; ``committed``: what the command had committed before it
        (JSON: the error object's ``committed``, so stderr stays one object a line);
        ``account``: the one of several it is about (JSON: ``account``; the message names
        it anyway)."""
        if self.settings.machine and self.settings.output in ("json", "jsonl"):
            report = self.error_dict(error)
            if committed:
                report["committed"] = committed
            if account is not None:
                report["account"] = account
            self.stderr.write(self.to_json({"error": report}) + "\n")
            return
        report = self.error_dict(error)
        prefix = t("error")
        if self.settings.color:
            prefix = f"\x1b[31m{prefix}\x1b[0m"
        self.stderr.write(f"{prefix}: {report['message']}\n")
        if report["hint"]:
            self.stderr.write(t("hint") + f": {report['hint']}\n")
        if committed:
            self.stderr.write(committed + "\n")


SPOOL_BYTES = 8 << 20  # a spreadsheet export is held in memory up to this, then on disk


class _EncodedSink:
    """What csv.writer writes to, for a spreadsheet encoding: each row encoded as it is
    written (so a character the encoding lacks fails on its own row), into ``into`` (a
    spool); a BOM first for utf-8-sig.  :meth:`release` then copies the complete output
    to stdout's bytes (or, for an in-memory text stream, its text)."""

    def __init__(self, stdout: IO[str], encoding: str, *, into: IO[bytes]) -> None:
        self._codec = "utf-8" if encoding == "utf-8-sig" else encoding
        self._text = stdout
        self._spool = into
        if encoding == "utf-8-sig":
            into.write("\ufeff".encode())

    def write(self, text: str) -> None:
        self._spool.write(text.encode(self._codec))

    def release(self) -> None:
        """Copy the complete output to stdout; a stdout that cannot take it is
        :class:`~onenumber_cli.errors.OutputFailed` (see :class:`Guarded`)."""
        import shutil

        self._text.flush()
        self._spool.seek(0)
        target = getattr(self._text, "buffer", None)  # None: an in-memory text stream
        try:
            if target is None:
                self._text.write(self._spool.read().decode(self._codec))
            else:
                shutil.copyfileobj(self._spool, target, 1 << 20)
            (target or self._text).flush()
        except OSError as exc:
            raise output_failed(exc) from None


class Guarded:
    """Standard output as :class:`Output` writes to it: an error writing or flushing it
    (the reader closed the pipe, the disk is full, an I/O error) is raised as
    :class:`~onenumber_cli.errors.OutputFailed`, a cause outside the program that the
    error handler reports honestly (never as an internal error).  Everything else is
    the stream's own."""

    def __init__(self, stream: IO[str] | None) -> None:
        # None: the process started with file descriptor 1 closed (``>&-``)
        self.stream = stream.stream if isinstance(stream, Guarded) else stream

    def write(self, text: str) -> int:
        if self.stream is None:
            raise OutputFailed(detail="no standard output (file descriptor 1 is closed)")
        try:
            return self.stream.write(text)
        except OSError as exc:
            raise output_failed(exc) from None

    def flush(self) -> None:
        if self.stream is None:
            return  # nothing was written to it, or write() said so
        try:
            self.stream.flush()
        except OSError as exc:
            raise output_failed(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class Tolerant:
    """Standard error as :class:`Output` writes to it: the last channel there is, so a
    message it cannot take (``2>/dev/full``, descriptor 2 closed) is dropped, and the
    exit code still says what happened."""

    def __init__(self, stream: IO[str] | None) -> None:
        self.stream = stream.stream if isinstance(stream, Tolerant) else stream

    def write(self, text: str) -> int:
        if self.stream is not None:
            with suppress(OSError, ValueError):
                return self.stream.write(text)
        return len(text)

    def flush(self) -> None:
        if self.stream is not None:
            with suppress(OSError, ValueError):
                self.stream.flush()

    def isatty(self) -> bool:
        return self.stream is not None and self.stream.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def output_failed(error: OSError) -> OutputFailed:
    """The typed error for an OSError writing stdout (EPIPE: the reader went away)."""
    import errno

    closed = isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE
    return OutputFailed("closed" if closed else None,
                        detail=error.strerror or type(error).__name__)


def _not_encodable(keys: Sequence[str], cells: Sequence[Any], row: int, encoding: str,
                   error: UnicodeEncodeError) -> NotEncodable:
    """The error naming the row, column and character the encoding cannot hold."""
    for key, cell in zip(keys, cells, strict=True):
        text = "" if cell is None else str(cell)
        try:
            text.encode(encoding)
        except UnicodeEncodeError as found:
            char = text[found.start]
            return NotEncodable(row=row, line=row + 1, column=key, value=text,
                                char=char, codepoint=f"U+{ord(char):04X}", encoding=encoding)
    char = error.object[error.start]  # not in a cell: the row's own punctuation
    return NotEncodable(row=row, line=row + 1, column="-", value="", char=char,
                        codepoint=f"U+{ord(char):04X}", encoding=encoding)


# the header of each field a record may have (a document's keys: see _columns_of)
FIELD_LABELS = {
    "account": N_("d-account"),
    "status": N_("Status"),
    "plan": N_("Plan"),
    "capacity": N_("Capacity"),
    "registered": N_("Registered"),
    "registered_count": N_("Registered devices"),
    "slot": N_("Slot"),
    "id": N_("ID"),
    "name": N_("Device name"),
    "type": N_("Device type"),
    "imei": N_("IMEI"),
    "registered_at": N_("Registered at"),
    "registered_date": N_("Registration date"),
    "unregistered_at": N_("Unregistered at"),
    "event": N_("Event"),
    "at": N_("Date and time"),
    "device_id": N_("Device ID"),
    "action": N_("Action"),
    "changed": N_("Changed"),
    "dry_run": N_("Dry run"),
    "profile": N_("Profile"),
    "confirm_changes": N_("every change is confirmed"),
    "setting": N_("Setting"),
    "value": N_("Value"),
    "source": N_("Source"),
    "config_file": N_("Config file"),
    "url": N_("Database"),
    "revision": N_("Schema revision"),
    "head": N_("Program's revision"),
    "schema_state": N_("Schema"),
    "row": N_("Row"),
    "ok": N_("OK"),
    "error": N_("Error"),
    "operator": N_("Operator"),
    "before": N_("Before"),
    "after": N_("After"),
    "batch_id": N_("Batch"),
    "kind": N_("Kind"),
    "message": N_("Message"),
}


def _columns_of(data: Mapping[str, Any]) -> list[Column]:
    return [Column(key, FIELD_LABELS.get(key, key)) for key, value in data.items()
            if not isinstance(value, (list, dict))]


TABLE_CHUNK = 200  # rows of a table laid out together before the first is shown
MARK = "…"  # a cell or line shortened to fit the terminal
MIN_COLUMN = 6  # a column is never shortened below this many display columns


def text_width(text: str) -> int:
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else len(text)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` display columns, ending with :data:`MARK` when cut."""
    if text_width(text) <= width:
        return text
    from wcwidth import wcwidth

    out, used = [], 0
    for char in text:
        size = max(wcwidth(char), 0)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + MARK


def fit_columns(rows: list[list[str]], headers: list[str], width: int
                ) -> tuple[list[list[str]], list[str]]:
    """Rows and headers whose table (two spaces between columns) fits ``width``: the
    widest columns are shortened first, none below :data:`MIN_COLUMN`."""
    count = max([len(headers), *(len(r) for r in rows)], default=0)
    if not count:
        return rows, headers
    pad = 2  # tabulate.MIN_PADDING: a header's column is 2 wider than the header
    widths = [max([text_width(r[i]) for r in rows if i < len(r)] +
                  [text_width(headers[i]) + pad if i < len(headers) else 0])
              for i in range(count)]
    floor = [min(MIN_COLUMN, widths[i]) for i in range(count)]
    excess = sum(widths) + 2 * (count - 1) - width
    while excess > 0:
        widest = max(range(count), key=lambda i: widths[i] - floor[i])
        if widths[widest] <= floor[widest]:
            break  # cannot shrink further: the terminal wraps what is left
        widths[widest] -= 1
        excess -= 1
    return ([[shorten(cell, widths[i]) for i, cell in enumerate(row)] for row in rows],
            [shorten(header, max(widths[i] - pad, 1)) for i, header in enumerate(headers)])


COMMAND = r"onenumber(?: [^\s()（）。、]+)*[^\s().,（）。、]"


def _tokens(text: str) -> list[tuple[str, int]]:
    """``text`` as unbreakable tokens, each with the number of spaces before it: a
    command (``onenumber ...``) is one token; other words break at spaces, and runs of
    wide (Japanese) characters between any two characters."""
    import re

    tokens: list[tuple[str, int]] = []
    spaces = 0
    for part in re.split(f"({COMMAND}| +)", text):
        if not part:
            continue
        if part.isspace():
            spaces = len(part)
        elif re.fullmatch(COMMAND, part):
            tokens.append((part, spaces))
            spaces = 0
        else:
            run = ""
            for char in part:
                if text_width(char) == 2:
                    if run:
                        tokens.append((run, spaces))
                        spaces = 0
                    run = ""
                    tokens.append((char, spaces))
                    spaces = 0
                else:
                    run += char
            if run:
                tokens.append((run, spaces))
            spaces = 0
    # punctuation sticks to what it follows, an opening bracket to what follows it
    merged: list[tuple[str, int]] = []
    for token, before in tokens:
        if merged and not before and (token[:1] in "。、）)」.,:;!?"
                                      or merged[-1][0][-1:] in "(（「"):
            merged[-1] = (merged[-1][0] + token, merged[-1][1])
        else:
            merged.append((token, before))
    return merged


def wrap(text: str, width: int) -> list[str]:
    """``text`` wrapped to ``width`` display columns (see :func:`_tokens`), keeping the
    spaces between words on a line; continuation lines are indented under a bullet's
    (``" - "``) text.  A command longer than the line stays whole on a line of its own."""
    first = text[:len(text) - len(text.lstrip(" "))]
    if text.startswith(" - "):
        first = " - "
    indent = " " * len(first) if first == " - " else ""
    lines: list[str] = []
    current, used = first, len(first)
    for token, before in _tokens(text[len(first):]):
        gap = before if current.strip() else 0
        size = text_width(token)
        if used + gap + size > width and current.strip():
            lines.append(current.rstrip())
            current, used, gap = indent, len(indent), 0
        current += " " * gap + token
        used += gap + size
    if current.strip():
        lines.append(current.rstrip())
    return lines or [""]
