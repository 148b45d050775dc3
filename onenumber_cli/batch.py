"""Batch support fixes: one operation per row of a CSV or JSON Lines file.

The file is read twice, streaming both times (memory stays flat for millions of rows):

1. :func:`scan` checks the file itself (UTF-8, header, known columns, JSON syntax) and
   counts its rows, so an unusable file is refused with its line number before anything
   is written;
2. :func:`apply` runs the rows through the same transaction bodies as single commands.

(A run in one transaction may skip pass 1, as the CLI does when no terminal watches it:
a structural error then raises from pass 2 inside the transaction, which rolls back.)

Modes: by default each row is its own transaction.  ``dry_run`` and ``atomic`` run all
rows in one transaction, so every row is checked against the effects of the rows before
it; a dry run then rolls back, an atomic run commits only if every row succeeded.  In
one transaction the rows go by chunks: the chunk's accounts are locked and loaded in two
statements, its rows run in memory (a refused row is undone there), and its writes go
out as a few ``executemany`` statements.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import json
import pickle
import secrets
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import Connection

from onenumber_cli import services
from onenumber_cli.domain.values import is_account, parse_time
from onenumber_cli.errors import (
    DatabaseUnavailable,
    InvalidArgument,
    InvalidBatch,
    OneNumberError,
)
from onenumber_cli.frozen import frozen
from onenumber_cli.spreadsheet import NEVER_QUOTED, restore
from onenumber_cli.storage.engine import Database, WaitInterrupted
from onenumber_cli.storage.unit import Tx

FIELDS = ("action", "account", "device", "name", "type", "imei", "at", "multi", "replace")
assert set(FIELDS[2:]) == {field.column for spec in services.ACTIONS.values()
                           for field in spec.fields}, "the action table's columns"
REQUIRED_COLUMNS = ("action", "account")
# With --action, a file of `devices search` output is a batch: its other columns (``id``
# is the device) are accepted, and ignored where the action has no use for them.
SEARCH_COLUMNS = ("id", "slot", "registered_at", "unregistered_at")
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp932", "utf-16")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
CHUNK_ROWS = 500  # rows whose accounts a one-transaction run locks and loads at once
MAX_LINE_BYTES = 64 * 1024  # a row is a few hundred bytes; a longer line is not a row
# A full sheet (1,048,576 rows) of a search export is about 45 MB: a larger zip is not one
MAX_WORKBOOK_BYTES = 256 * 1024 * 1024
_SPOOL_CHUNK = 1 << 20
_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off", ""}


@frozen
class Row:
    number: int  # 1-based data row (the header is not a row)
    line: int  # line in the file, for messages
    fields: dict[str, Any]


@frozen
class RowResult(services.Record):
    row: int
    action: str | None
    account: str | None
    ok: bool
    changed: bool
    error: OneNumberError | None = None  # rendered by the CLI, in its language
    device_id: str | None = None
    before: Any = None  # what the row changed, from what (its audit record's values)
    after: Any = None

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))  # every value is plain already (``error``: the CLI's)

    def fields(self) -> tuple[Any, ...]:
        """The fields in order (``RowResult(*fields)`` is this result again): what a
        one-transaction run buffers, pickled at a quarter of the cost of the object."""
        return tuple(vars(self).values())


@dataclass
class Summary:
    batch_id: str
    rows: int = 0
    ok: int = 0
    changed: int = 0
    failed: int = 0
    dry_run: bool = False
    atomic: bool = False
    committed: bool = False
    interrupted: bool = False
    unavailable: bool = False  # stopped: the database became unavailable
    output_failed: bool = False  # stopped: its report could not be written

    def add(self, result: RowResult) -> None:
        self.rows += 1
        self.ok += result.ok
        self.changed += result.changed
        self.failed += not result.ok


def new_batch_id(now: datetime | None = None) -> str:
    """Sortable and unique enough: UTC time of the run plus random hex."""
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{moment}-{secrets.token_hex(3)}"


# --- the file -----------------------------------------------------------------------


def open_source(path: str) -> IO[bytes]:
    """The batch file as a seekable binary stream.  Standard input (``-``) and files that
    cannot be read twice (a FIFO, ``<(...)``) are spooled to a temporary file (memory
    stays flat); spooling stops at the first line over :data:`MAX_LINE_BYTES`, so an
    endless stream without newlines is refused, not stored."""
    if path == "-":
        return _spool(_blocks(sys.stdin.buffer))
    try:
        stream = Path(path).open("rb")  # noqa: SIM115 - the caller closes it
    except FileNotFoundError:
        raise InvalidBatch("missing", path=path) from None
    except IsADirectoryError:
        raise InvalidBatch("unreadable", path=path, detail="is a directory") from None
    except OSError as exc:
        raise InvalidBatch("unreadable", path=path, detail=exc.strerror) from None
    if stream.seekable():
        return stream
    with stream:
        return _spool(_blocks(stream))


def _spool(chunks: Iterator[bytes]) -> IO[bytes]:
    """``chunks`` in a temporary file, refusing a line over :data:`MAX_LINE_BYTES` as it
    comes (so an endless stream without newlines is refused, not stored).  A workbook
    (a zip: binary, without lines) is stored up to :data:`MAX_WORKBOOK_BYTES` instead."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    line, open_bytes = 1, 0  # the line being written, and its bytes so far
    stored, zipped = 0, None
    try:
        for chunk in chunks:
            if zipped is None:
                zipped = chunk.startswith(b"PK\x03\x04")
            if zipped:
                stored += len(chunk)
                if stored > MAX_WORKBOOK_BYTES:
                    raise InvalidBatch("xlsx", detail=f"larger than {MAX_WORKBOOK_BYTES} bytes")
                spool.write(chunk)
                continue
            newlines = chunk.count(b"\n")
            if newlines:
                line += newlines
                open_bytes = len(chunk) - chunk.rfind(b"\n") - 1
            else:
                open_bytes += len(chunk)
            if open_bytes > MAX_LINE_BYTES:
                raise InvalidBatch("line_too_long", line=line, limit=MAX_LINE_BYTES)
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def _blocks(source: IO[bytes]) -> Iterator[bytes]:
    while chunk := source.read(_SPOOL_CHUNK):
        yield chunk


def _marked(stream: IO[bytes]) -> str | None:
    """The encoding a byte order mark at the start of ``stream`` names, if any."""
    head = stream.read(4)
    stream.seek(0)
    return next((name for bom, name in _BOMS if head.startswith(bom)), None)


def file_encoding(stream: IO[bytes], encoding: str = "auto") -> str:
    """The encoding ``stream`` is read in: ``encoding``, or for ``auto`` what a byte order
    mark says, else ``utf-8``."""
    if encoding not in ENCODINGS:
        raise InvalidArgument("encoding", value=encoding, choices=", ".join(ENCODINGS))
    return (_marked(stream) or "utf-8") if encoding == "auto" else encoding


def is_workbook(stream: IO[bytes]) -> bool:
    """Whether the batch file is an xlsx workbook (by its content, whatever its name)."""
    from onenumber_cli import workbook

    return workbook.is_workbook(stream)


def from_spreadsheet(encoding: str) -> bool:
    """Whether a CSV file read in ``encoding`` (as :func:`file_encoding` decided it) is
    taken as saved by a spreadsheet, so that its cells are read back with
    :func:`onenumber_cli.spreadsheet.restore`: everything but plain UTF-8 without a BOM,
    which is read byte for byte (what scripts and ``--csv-encoding utf-8`` write)."""
    return encoding != "utf-8"


def as_utf8(stream: IO[bytes], encoding: str = "auto") -> IO[bytes]:
    """The batch file as UTF-8 (a spreadsheet saves CSV as CP932, or UTF-8 with a BOM, or
    UTF-16).  ``auto``: a byte order mark decides, else UTF-8 (a file that is not UTF-8 is
    then refused, with a hint naming ``--encoding cp932``).  Other encodings are
    transcoded into a temporary file as they are read, so memory stays flat and the rest
    of the reading knows only UTF-8."""
    encoding = file_encoding(stream, encoding)
    if encoding in ("utf-8", "utf-8-sig"):  # read as it is (a BOM is skipped)
        return stream
    if encoding == "utf-16" and _marked(stream) != "utf-16":  # no BOM: Windows' own order
        encoding = "utf-16-le"
    return _transcode(stream, encoding)


def _transcode(source: IO[bytes], encoding: str) -> IO[bytes]:
    with source:
        return _spool(_as_utf8_chunks(source, encoding))


def _as_utf8_chunks(source: IO[bytes], encoding: str) -> Iterator[bytes]:
    """``source`` decoded from ``encoding`` as it is read, in UTF-8; a byte that is not
    ``encoding`` is refused with its line."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line = 1
    while True:
        chunk = source.read(_SPOOL_CHUNK)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeError as exc:  # a bad byte; for UTF-16 also a lone half
            before = chunk[:getattr(exc, "start", 0)].decode(encoding, "replace")
            raise InvalidBatch("encoding_given", line=line + before.count("\n"),
                               encoding=encoding,
                               detail=getattr(exc, "reason", str(exc))) from None
        line += text.count("\n")
        yield text.encode("utf-8")
        if not chunk:
            return


@dataclass(frozen=True)
class Layout:
    """How a file's rows become operations: as they are, or (``action``, from
    ``--action``) every row that action, with `devices search` output columns accepted."""

    action: str | None = None
    # Cells as a spreadsheet saved them (see from_spreadsheet): the mark the spreadsheet
    # encodings of --csv-encoding put before a cell is removed (spreadsheet.restore).
    spreadsheet: bool = False

    @property
    def known(self) -> tuple[str, ...]:
        if self.action is None:
            return FIELDS
        return (*FIELDS[1:], *SEARCH_COLUMNS)

    @property
    def required(self) -> tuple[str, ...]:
        return REQUIRED_COLUMNS if self.action is None else ("account",)

    def check_columns(self, columns: Collection[str], line: int) -> None:
        if self.action is not None and "action" in columns:
            raise InvalidBatch("action_column", line=line, action=self.action)
        unknown = sorted(set(columns).difference(self.known))
        if unknown:
            raise InvalidBatch("columns", line=line, columns=", ".join(unknown),
                               known=", ".join(self.known))

    def fields(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.action is None:
            return data
        used = {key: value for key, value in data.items() if key in FIELDS}
        if "device" not in used and "id" in data:
            used["device"] = data["id"]
        used["action"] = self.action
        return used


AS_WRITTEN = Layout()


def detect_format(stream: IO[bytes]) -> str:
    """JSON Lines when the first non-blank character is ``{``, CSV otherwise."""
    head = stream.read(4096)
    stream.seek(0)
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return "jsonl" if stripped.startswith(b"{") else "csv"


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    """Decoded lines with their 1-based numbers; invalid UTF-8, a NUL byte or a line
    longer than :data:`MAX_LINE_BYTES` names its line (read at most that far: memory
    stays flat whatever the file)."""
    stream.seek(0)
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise InvalidBatch("line_too_long", line=number, limit=MAX_LINE_BYTES)
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if b"\x00" in raw:  # not a text file (or a hostile one): refuse it whole
            raise InvalidBatch("nul", line=number)
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidBatch("encoding", line=number, detail=exc.reason) from None


def rows(stream: IO[bytes], fmt: str, layout: Layout = AS_WRITTEN) -> Iterator[Row]:
    """The data rows; raises :class:`InvalidBatch` (with the line) on a structural error."""
    if fmt == "jsonl":
        yield from _jsonl_rows(stream, layout)
    elif fmt == "xlsx":  # a workbook: onenumber_cli.workbook
        from onenumber_cli import workbook

        yield from workbook.rows(stream, layout)
    else:
        yield from _csv_rows(stream, layout)


def _jsonl_rows(stream: IO[bytes], layout: Layout) -> Iterator[Row]:
    number = 0
    for line_number, line in _lines(stream):
        if not line.strip():
            continue
        try:
            data = _DECODER.decode(line)
        except json.JSONDecodeError as exc:
            raise InvalidBatch("json", line=line_number, detail=exc.msg) from None
        except _DuplicateKey as exc:
            raise InvalidBatch("duplicate_key", line=line_number, key=exc.key) from None
        except ValueError as exc:  # an integer of thousands of digits
            raise InvalidBatch("json", line=line_number, detail=str(exc)) from None
        except RecursionError:
            raise InvalidBatch("json", line=line_number, detail="nested too deeply") from None
        if "\\u" in line and _has_surrogate(data):
            raise InvalidBatch("json", line=line_number,
                               detail="a \\u escape that is not a character (lone surrogate)")
        if not isinstance(data, dict):
            raise InvalidBatch("json", line=line_number, detail="not a JSON object")
        layout.check_columns(data, line_number)
        number += 1
        yield Row(number, line_number, layout.fields(data))


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different (``json`` keeps the last of a repeated
    key silently: two ``action`` keys must not mean the second one)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return data


# Built once: ``json.loads`` with a hook builds a decoder per call, half a row's parsing.
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)


def _has_surrogate(value: Any) -> bool:
    """Whether a decoded JSON value holds a lone surrogate (``"\\ud800"``): text that
    cannot be written out as UTF-8 again."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if any("\ud800" <= c <= "\udfff" for c in item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def check_header(layout: Layout, columns: list[str]) -> None:
    """A batch file's header row (CSV or a workbook's first row): no column twice, every
    column known, every required one there; else :class:`InvalidBatch` at line 1."""
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        raise InvalidBatch("duplicate_column", line=1, columns=", ".join(repeated))
    layout.check_columns(columns, 1)
    missing = [c for c in layout.required if c not in columns]
    if missing:
        raise InvalidBatch("header", line=1, known=", ".join(layout.known))


def _csv_rows(stream: IO[bytes], layout: Layout) -> Iterator[Row]:
    lines = _lines(stream)
    position = {"line": 0}

    def text() -> Iterator[str]:
        for line_number, line in lines:
            position["line"] = line_number
            yield line

    reader = csv.reader(text(), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise InvalidBatch("header", line=1, known=", ".join(layout.known))
        columns = [cell.strip() for cell in header]
        check_header(layout, columns)
        marked = [i for i, column in enumerate(columns) if column in NEVER_QUOTED]
        number = 0
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                raise InvalidBatch("cells", line=position["line"], count=len(cells),
                                   expected=len(columns))
            if layout.spreadsheet:
                cells = [restore(cell) for cell in cells]
            elif marked:  # a spreadsheet's mark, whatever the file's encoding
                for index in marked:
                    cells[index] = restore(cells[index])
            number += 1
            yield Row(number, position["line"],
                      layout.fields(dict(zip(columns, cells, strict=True))))
    except csv.Error as exc:
        raise InvalidBatch("csv", line=position["line"], detail=str(exc)) from None


def scan(stream: IO[bytes], fmt: str, layout: Layout = AS_WRITTEN) -> int:
    """Pass 1: check the whole file's structure; return how many rows it has."""
    return sum(1 for _ in rows(stream, fmt, layout))


# --- the rows -----------------------------------------------------------------------


def _text(row: Row, name: str) -> str | None:
    value = row.fields.get(name)
    if value is None:
        return None
    if type(value) is not str:  # exactly str, the common case: no more checks
        if hasattr(value, "error"):  # a workbook's cell a spreadsheet re-typed
            raise value.error()
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise InvalidArgument("batch_value", field=name, value=value)
        value = str(value)
    return value if value.strip() else None


def _flag(row: Row, name: str) -> bool:
    value = row.fields.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidArgument("batch_value", field=name, value=value)


def _param(row: Row, field: services.Field, action: str, tz: tzinfo) -> Any:
    """One field of a row, parsed as the action's table entry says."""
    if field.kind == "flag":
        return _flag(row, field.column)
    value = _text(row, field.column)
    if value is None:
        if field.required:
            raise InvalidArgument("batch_field", field=field.column, action=action)
        return None
    if field.kind == "time":
        return parse_time(value, tz, allow_future=False)
    return value


def operation(row: Row, actor: services.Actor, tz: tzinfo, *,
              allow_reformatted: bool = False) -> services.Change:
    """The change one row asks for (an entry of the action table, bound to the row's
    fields); raises a row error for a malformed row.  A rename is refused with
    ``value_retyped`` when its new name looks like a spreadsheet's re-typing of the
    device's current name (decided in the change, under the account's lock), unless
    ``allow_reformatted``."""
    action, account = _text(row, "action"), _text(row, "account")
    spec = services.ACTIONS.get(action or "")
    if spec is None:
        raise InvalidArgument("batch_action", value=action or "",
                              known=", ".join(services.ACTIONS))
    if account is None:
        raise InvalidArgument("batch_field", field="account", action=action)
    params = {field.param: _param(row, field, spec.action, tz) for field in spec.fields}
    if spec.action == "rename" and not allow_reformatted:
        params["refuse_retyped"] = True
    return spec.bind_fields(actor, account, params)


def reformatted_allowed(row: Row, actor: services.Actor, tz: tzinfo) -> services.Change:
    """:func:`operation` for ``--allow-reformatted``: values that look re-typed by a
    spreadsheet are applied as they are."""
    return operation(row, actor, tz, allow_reformatted=True)


def _success(row: Row, result: services.ChangeResult) -> RowResult:
    return RowResult(row.number, result.action, result.account, True, result.changed,
                     device_id=result.device.id if result.device else None,
                     before=result.before, after=result.after)


def _failure(row: Row, error: OneNumberError) -> RowResult:
    action, account = row.fields.get("action"), row.fields.get("account")
    return RowResult(row.number, action if isinstance(action, str) else None,
                     account if isinstance(account, str) else None, False, False, error)


class Stopped(Exception):
    """The run was asked to stop (Ctrl-C); raised between rows, never inside one."""


class Unavailable(Exception):
    """A per-row run stopped because the database became unavailable (``error``) at row
    ``row``: the rows before it were reported (and committed), that row and the ones after
    it were not applied; re-running the file completes it.  Going on would only fail every
    remaining row the same way (or wait for a dead server's timeout at each)."""

    def __init__(self, error: DatabaseUnavailable, row: int) -> None:
        super().__init__(error.code)
        self.error = error
        self.row = row


def _never() -> bool:
    return False


# How a row becomes its change (a file's rows: :func:`operation`; a revert's:
# :func:`onenumber_cli.revert.inverse`); raises a row error for a bad row.
Planner = Callable[[Row, services.Actor, tzinfo], services.Change]


def apply(db: Database, source: Callable[[], Iterator[Row]], actor: services.Actor,
          tz: tzinfo, *, dry_run: bool = False, atomic: bool = False,
          stop: Callable[[], bool] = _never, planner: Planner = operation
          ) -> Iterator[RowResult]:
    """Pass 2: apply the rows; yields one result per row, in order.

    ``source`` returns a fresh iterator over the rows (a single-transaction run may have
    to start again after a conflict).  In a dry run ``changed`` says what a row would
    change; when an atomic run is rolled back, no row changed anything.

    ``stop`` is asked before each row; when it says so, :class:`Stopped` is raised
    between rows, so every row is either applied and reported or not applied at all
    (a one-transaction run then writes nothing).
    """
    if dry_run or atomic:
        yield from _single_transaction(db, source, actor, tz, dry_run=dry_run, stop=stop,
                                       planner=planner)
        return
    with db.writing() as writes:  # one connection, one transaction a row
        for row in source():
            if stop():
                raise Stopped()
            try:
                body = services.in_transaction(planner(row, actor, tz).body)
                result = _success(row, writes.run(body, stop=stop))
            except WaitInterrupted:  # waiting for the database: the row was not written
                raise Stopped() from None
            except DatabaseUnavailable as error:
                raise Unavailable(error, row.number) from None
            except OneNumberError as error:
                result = _failure(row, error)
            yield result


def _chunks(source: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in source:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _accounts(chunk: list[Row]) -> set[str]:
    """The well-formed account ids of a chunk (a malformed one fails in its own row)."""
    found = set()
    for row in chunk:
        account = row.fields.get("account")
        if isinstance(account, str) and is_account(account):
            found.add(account)
    return found


def _single_transaction(db: Database, source: Callable[[], Iterator[Row]],
                        actor: services.Actor, tz: tzinfo, *, dry_run: bool,
                        stop: Callable[[], bool], planner: Planner) -> Iterator[RowResult]:
    """All rows in one transaction, chunk by chunk.  Results are buffered in a temporary
    file until the transaction's outcome is known, then yielded: pickled (the file is
    this process's own), a chunk's results as one list of tuples, which costs a row
    about a tenth of pickling each result object on its own."""
    with tempfile.TemporaryFile("w+b") as buffer:

        def work(connection: Connection) -> bool:
            buffer.seek(0)
            buffer.truncate()
            failed = False
            tx = Tx(connection, dry_run=dry_run)
            for chunk in _chunks(source(), CHUNK_ROWS):
                tx.load(_accounts(chunk))
                results = []
                for row in chunk:
                    if stop():
                        raise Stopped()  # leaving db.write rolls the whole transaction back
                    try:
                        body = planner(row, actor, tz).body
                        with tx.row():
                            result = _success(row, body(tx))
                    except OneNumberError as error:
                        result, failed = _failure(row, error), True
                    results.append(result.fields())
                pickle.dump(results, buffer, pickle.HIGHEST_PROTOCOL)
                tx.flush()
                tx.forget()  # keep memory flat: the chunk's rows are in the database
            if failed or dry_run:
                connection.rollback()
                return False
            return True

        try:
            committed = db.write(work, stop=stop)
        except WaitInterrupted:  # waiting for the database: nothing was written
            raise Stopped() from None
        end = buffer.tell()
        buffer.seek(0)
        while buffer.tell() < end:
            for fields in pickle.load(buffer):  # our own file, just written
                result = RowResult(*fields)
                if not (committed or dry_run):
                    result = dataclasses.replace(result, changed=False, before=None,
                                                 after=None)
                yield result
