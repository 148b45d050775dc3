"""``batch apply``: support fixes from a CSV, JSON Lines or xlsx file."""

from __future__ import annotations

import dataclasses
import gc
import itertools
import signal
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from enum import StrEnum
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from onenumber_cli.cli.commands.common import DryRun, Yes
from onenumber_cli.cli.console import terminal
from onenumber_cli.cli.exitcodes import ExitCode
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import Invocation, current
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.cli.views import (
    BATCH_COLUMNS,
    batch_header,
    batch_line,
    batch_record,
    batch_summary,
)
from onenumber_cli.domain.values import Action
from onenumber_cli.errors import DatabaseUnavailable, NotEncodable, OutputFailed
from onenumber_cli.i18n import ngettext, t

if TYPE_CHECKING:
    from onenumber_cli import batch as core
    from onenumber_cli import revert
    from onenumber_cli.batch import Planner, Row, RowResult, Summary
else:
    core = lazy_import("onenumber_cli.batch")
    revert = lazy_import("onenumber_cli.revert")

app = typer.Typer(cls=LocalizedGroup, help="Batch support fixes from a file.", no_args_is_help=True)


class Format(StrEnum):
    AUTO = "auto"
    CSV = "csv"
    JSONL = "jsonl"
    XLSX = "xlsx"


class Encoding(StrEnum):
    AUTO = "auto"
    UTF8 = "utf-8"
    UTF8_SIG = "utf-8-sig"
    CP932 = "cp932"
    UTF16 = "utf-16"


def _tracked(results: Iterator[RowResult], summary: Summary, total: int | None,
             run: Invocation) -> Iterator[RowResult]:
    """Count every result into the summary; a progress bar when stderr is a terminal (and
    the rows were counted), drawn at once: what is written to stdout from now on (a
    header before the first row too) passes above it (cli/progress.py)."""
    if total is None or not (terminal.stderr_is_tty() and not run.settings.quiet):
        return _counted(results, summary)
    from onenumber_cli.cli.progress import Progress

    return Progress(run.out, total, t("batch")).track(_counted(results, summary))


def _counted(results: Iterator[RowResult], summary: Summary) -> Iterator[RowResult]:
    for result in results:
        summary.add(result)
        yield result


SHOWN_FAILURES = 50  # on a terminal; the full report is one -o away


def _for_a_person(run: Invocation) -> bool:
    """Table output to a terminal, not asked for: the operator watches a progress bar,
    then reads what needs their eyes (failed rows, the summary), not 20,000 lines.
    Piped, or with an explicit -o, the full report goes to stdout."""
    return (not run.settings.machine and terminal.stdout_is_tty()
            and run.settings.sources.get("output") == "default")


def _show_failed(run: Invocation, failed: list[RowResult]) -> None:
    if not failed:
        return
    run.out.note(batch_header())
    for result in failed[:SHOWN_FAILURES]:
        run.out.note(batch_line(run.out, result))  # wrapped to the terminal
    if len(failed) > SHOWN_FAILURES:
        run.out.message(ngettext("... and {count} more failed row: see the full report with -o csv "
                                 "(or -o jsonl), or re-run with > report.txt.",
                                 "... and {count} more failed rows: see the full report with -o "
                                 "csv (or -o jsonl), or re-run with > report.txt.",
                                 len(failed) - SHOWN_FAILURES, count=len(failed) - SHOWN_FAILURES))


@contextmanager
def _stop_on_first_interrupt() -> Iterator[Callable[[], bool]]:
    """The first Ctrl-C asks the batch to stop between rows (so no row is half done
    and every applied row is reported); a second one interrupts at once."""
    requested = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal requested
        if requested:
            raise KeyboardInterrupt
        requested = True

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread (embedded use): plain Ctrl-C behaviour
        yield lambda: False
        return
    try:
        yield lambda: requested
    finally:
        signal.signal(signal.SIGINT, previous)


def _settled(results: Iterator[RowResult]) -> Iterator[RowResult]:
    """The results of a one-transaction run, its first one taken before anything is
    written: it comes only once the transaction has ended, so a file found unusable on
    the way (exit 2) leaves the output empty, as when pass 1 refuses it (no ``[]``, no
    CSV header)."""
    first = next(results, None)
    return iter(()) if first is None else itertools.chain((first,), results)


@contextmanager
def _collecting_batch_objects_only() -> Iterator[None]:
    """While a batch runs, what was alive before it (modules, the engine, compiled
    statements) is out of the garbage collector's sight, and its youngest generation is
    collected every 10,000 allocations rather than 700: its passes then look at the
    batch's own objects, and less often (they took 9% of an --atomic run of 20,000
    rows; cycles, such as a refused row's error and traceback, are still collected)."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@app.command("apply", cls=LocalizedCommand)
def apply_(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="The file, or - for stdin.")],
    dry_run: DryRun = False,
    atomic: Annotated[bool, typer.Option(
        "--atomic", help="All rows in one transaction: all or nothing.")] = False,
    yes: Yes = False,  # read by a profile with confirm = true (Invocation.before_change)
    fmt: Annotated[Format, typer.Option(
        "--format", help="File format (auto: an xlsx workbook by its content, JSON Lines "
                         "if it starts with '{', else CSV).")
    ] = Format.AUTO,
    action: Annotated[Action | None, typer.Option(
        "--action", help="Give every row this action; the file may then be devices search "
                         "output (id is the device; columns the action does not use are "
                         "ignored).")] = None,
    encoding: Annotated[Encoding, typer.Option(
        "--encoding", help="The file's encoding (auto: a byte order mark decides, else "
                           "UTF-8; Excel's CSV is cp932 or utf-8-sig). The ' that "
                           "--csv-encoding put before a cell is removed: from names, ids, "
                           "IMEIs and accounts always, from types when the file is not in "
                           "plain UTF-8.")] = Encoding.AUTO,
    allow_reformatted: Annotated[bool, typer.Option(
        "--allow-reformatted", help="Apply new names that look like a spreadsheet re-typed "
                                    "the current ones (0012 -> 12, 1.50 -> 1.5, TRUE, a "
                                    "date); refused by default.")] = False,
) -> None:
    """Apply one operation per row: CSV with a header, JSON Lines, or an xlsx workbook.

    Fields: action (register, rename, unregister, option-subscribe, option-cancel,
    service-subscribe, service-cancel), account, and as the action needs: device, name,
    type, imei, at, multi, replace.  Each row is its own transaction unless --atomic.
    Exit 0 when every row succeeded, 1 when any failed, 2 when the file is unusable.

    Example: onenumber batch apply fixes.csv --dry-run -o jsonl
    """
    run = current(ctx)
    if file == "-" and terminal.stdin_is_tty():
        run.out.message(t("Reading the batch from the terminal: type CSV (a header row first) or "
                          "JSON Lines, then Ctrl-D. Usually a file is given: onenumber batch apply "
                          "FILE, or cmd | onenumber batch apply -"))  # not a silent wait
    source = core.open_source(file)
    # A workbook (by content, or --format xlsx) is read as it is: no encoding, no marks.
    workbook = fmt is Format.XLSX or (fmt is Format.AUTO and core.is_workbook(source))
    read_as = "utf-8" if workbook else core.file_encoding(source, encoding.value)
    layout = core.Layout(action.value if action else None,
                         spreadsheet=not workbook and core.from_spreadsheet(read_as))
    with source if workbook else core.as_utf8(source, read_as) as stream:
        chosen = (Format.XLSX.value if workbook else
                  core.detect_format(stream) if fmt is Format.AUTO else fmt.value)
        # Pass 1 checks the whole file before anything is written or asked.  A run in one
        # transaction that nobody watches (no terminal: no progress bar, no prompt) goes
        # without it: a structural error met on the way rolls that transaction back, so
        # nothing is written either (the same error and exit code; its rows are never
        # reported, as results come only once the transaction has ended).
        single = atomic or dry_run
        watched = terminal.stderr_is_tty() or terminal.stdin_is_tty()
        counted = watched or not single or run.settings.output == "xlsx"  # a sheet's limit
        total = core.scan(stream, chosen, layout) if counted else None
        _run(run, lambda: core.rows(stream, chosen, layout), total, dry_run=dry_run,
             atomic=atomic, planner=core.reformatted_allowed if allow_reformatted else None)


@app.command("revert", cls=LocalizedCommand)
def revert_(
    ctx: typer.Context,
    batch_id: Annotated[str, typer.Argument(metavar="BATCH_ID",
                                            help="The batch to undo (see onenumber audit).")],
    dry_run: DryRun = False,
    atomic: Annotated[bool, typer.Option(
        "--atomic", help="All rows in one transaction: all or nothing.")] = False,
    yes: Yes = False,  # read by a profile with confirm = true (Invocation.before_change)
) -> None:
    """Undo a batch from its audit records, newest row first, as a new batch.

    A row reaches the device its audit record names by id only, and undoes the batch's
    change only while that device or contract is still as the batch left it (else it
    fails with changed_since: a later change is never undone).  Renames go back,
    registrations are unregistered, option subscriptions and cancellations are swapped,
    new contracts cancelled.  Unregistrations, service cancellations and --replace
    registrations cannot be undone: those rows fail with irreversible.  Reverting twice
    changes nothing the second time.  Exit codes as batch apply.

    Example: onenumber batch revert 20261125T010612Z-db5ea4 --dry-run
    """
    run = current(ctx)
    db = run.database()
    total = revert.count(db, batch_id)
    _run(run, revert.rows(db, batch_id), total, dry_run=dry_run, atomic=atomic,
         planner=revert.inverse, reverts=batch_id)


def _run(run: Invocation, source: Callable[[], Iterator[Row]], total: int | None, *,
         dry_run: bool, atomic: bool, planner: Planner | None = None,
         reverts: str | None = None) -> None:
    """Apply the rows as one batch, report each, then the summary; exit 1 when a row
    failed, 130 when interrupted, 6 when the database went away.  A report that cannot
    be written (stdout closed or full, a value --csv-encoding cannot hold) stops a
    per-row batch before its next row; the summary on stderr says what was applied."""
    if run.settings.output == "xlsx" and total is not None:
        from onenumber_cli.cli import xlsx

        if total > xlsx.MAX_DATA_ROWS:  # the report would not fit: refused before any row
            raise xlsx.too_many_rows()
    summary = core.Summary(core.new_batch_id(), dry_run=dry_run, atomic=atomic)
    fields = [*(column.key for column in BATCH_COLUMNS),
              *(field.name for field in dataclasses.fields(core.RowResult))]
    actor = run.actor(summary.batch_id, reverts=reverts, fields=fields)
    with _stop_on_first_interrupt() as stop, _collecting_batch_objects_only():
        applied = core.apply(run.database(), source, actor, run.settings.zone,
                             dry_run=dry_run, atomic=atomic, stop=stop,
                             planner=planner or core.operation)
        results = _tracked(_reported(applied, run), summary, total, run)
        failed: list[RowResult] = []
        on_terminal = _for_a_person(run)
        try:
            if total is None:  # the file was not checked first (apply_): see _settled
                results = _settled(results)
            if run.settings.machine:
                run.out.records((batch_record(run.out, r) for r in results), BATCH_COLUMNS)
            elif on_terminal:
                failed.extend(r for r in results if not r.ok)
            else:
                for result in results:
                    run.out.line(batch_line(run.out, result))
        except core.Stopped:
            # Every reported row was committed (per-row mode), or nothing was.
            summary.interrupted = True
            _show_failed(run, failed)
            run.out.stdout.flush()
            run.out.message(batch_summary(summary, reverts=reverts))
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except (core.Unavailable, DatabaseUnavailable) as stopped:
            # Per-row: the rows reported were committed, the rest not tried; one
            # transaction: nothing.  Either way the batch can simply be run again.
            summary.unavailable = True
            _show_failed(run, failed)
            run.out.stdout.flush()
            run.out.message(batch_summary(summary, reverts=reverts))
            raise (stopped.error if isinstance(stopped, core.Unavailable)
                   else stopped) from None
        except (OutputFailed, NotEncodable):
            # Per-row: the rows counted were committed (the last one's report was lost),
            # the rest are not tried; one transaction: its outcome was settled before the
            # first report, so the rest are only counted.
            summary.output_failed = True
            if atomic or dry_run:
                for result in applied:
                    summary.add(result)
                summary.committed = not dry_run and summary.failed == 0
            elif isinstance(applied, Generator):
                applied.close()  # the row after the last one reported is never applied
            _summary_on_stderr(run, batch_summary(summary, reverts=reverts))
            if summary.changed and (summary.committed or not (atomic or dry_run)):
                run.committed = ""  # said in the summary: the handler then never exits 2
            raise
    _show_failed(run, failed)
    summary.committed = not dry_run and (not atomic or summary.failed == 0)
    run.out.message(batch_summary(summary, reverts=reverts))
    if summary.failed:
        raise typer.Exit(ExitCode.FAILURE)


def _reported(results: Iterator[RowResult], run: Invocation) -> Iterator[RowResult]:
    """The results, each row's report out (flushed) before the next row is applied: a
    closed or full stdout stops a per-row batch at the next row boundary."""
    for result in results:
        yield result
        run.out.flush()


def _summary_on_stderr(run: Invocation, text: str) -> None:
    """The summary even with --quiet: it is what says what was committed (stderr drops
    what it cannot take: Output's Tolerant)."""
    run.out.stderr.write(text + "\n")
    run.out.stderr.flush()
