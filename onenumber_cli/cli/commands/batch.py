"""``batch apply``: support fixes from a CSV or JSON Lines file."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from onenumber_cli.cli.commands.common import DryRun
from onenumber_cli.cli.console import terminal
from onenumber_cli.cli.exitcodes import ExitCode
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import Invocation, current
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.cli.views import BATCH_COLUMNS, batch_line, batch_summary
from onenumber_cli.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from onenumber_cli import batch as core
    from onenumber_cli.batch import RowResult, Summary
else:
    core = lazy_import("onenumber_cli.batch")

app = typer.Typer(cls=LocalizedGroup, help="Batch support fixes from a file.", no_args_is_help=True)


class Format(StrEnum):
    AUTO = "auto"
    CSV = "csv"
    JSONL = "jsonl"


def _tracked(results: Iterator[RowResult], summary: Summary, total: int,
             run: Invocation) -> Iterator[RowResult]:
    """Count every result into the summary; a progress bar when stderr is a terminal."""
    if not (terminal.stderr_is_tty() and not run.settings.quiet):
        for result in results:
            summary.add(result)
            yield result
        return
    with typer.progressbar(length=total, file=run.out.stderr, label="batch") as bar:
        for result in results:
            summary.add(result)
            bar.update(1)
            yield result


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


@app.command("apply", cls=LocalizedCommand)
def apply_(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="The file, or - for stdin.")],
    dry_run: DryRun = False,
    atomic: Annotated[bool, typer.Option(
        "--atomic", help="All rows in one transaction: all or nothing.")] = False,
    fmt: Annotated[Format, typer.Option(
        "--format", help="File format (auto: JSON Lines if it starts with '{').")
    ] = Format.AUTO,
) -> None:
    """Apply one operation per row: CSV with a header, or JSON Lines.

    Fields: action (register, rename, unregister, option-subscribe, option-cancel,
    service-subscribe, service-cancel), account, and as the action needs: device, name,
    type, imei, at, multi, replace.  Each row is its own transaction unless --atomic.
    Exit 0 when every row succeeded, 1 when any failed, 2 when the file is unusable.

    Example: onenumber batch apply fixes.csv --dry-run -o jsonl
    """
    run = current(ctx)
    with core.open_source(file) as stream:
        chosen = core.detect_format(stream) if fmt is Format.AUTO else fmt.value
        total = core.scan(stream, chosen)
        summary = core.Summary(core.new_batch_id(), dry_run=dry_run, atomic=atomic)
        with _stop_on_first_interrupt() as stop:
            results = _tracked(
                core.apply(run.database(), lambda: core.rows(stream, chosen),
                           run.actor(summary.batch_id), run.settings.zone,
                           dry_run=dry_run, atomic=atomic, stop=stop),
                summary, total, run,
            )
            try:
                if run.settings.machine:
                    run.out.records((r.to_dict() for r in results), BATCH_COLUMNS)
                else:
                    for result in results:
                        run.out.line(batch_line(run.out, result))
            except core.Stopped:
                # Every reported row was committed (per-row mode), or nothing was.
                summary.interrupted = True
                run.out.stdout.flush()
                run.out.message(batch_summary(summary))
                raise typer.Exit(ExitCode.INTERRUPTED) from None
            except (core.Unavailable, DatabaseUnavailable) as stop:
                # Per-row: the rows reported were committed, the rest not tried; one
                # transaction: nothing.  Either way the file can simply be run again.
                summary.unavailable = True
                run.out.stdout.flush()
                run.out.message(batch_summary(summary))
                raise (stop.error if isinstance(stop, core.Unavailable) else stop) from None
    summary.committed = not dry_run and (not atomic or summary.failed == 0)
    run.out.message(batch_summary(summary))
    if summary.failed:
        raise typer.Exit(ExitCode.FAILURE)
