"""The batch progress bar (stderr), and rows written to stdout on the same terminal.

With ``-o table`` (or any ``-o``) on a terminal, rows go to stdout while the bar is drawn on
stderr: the same screen.  The bar is a line redrawn in place (``\\r``), so a row written
after it continued the bar's line (``batch [#####---] 42%    27  rename ...``).  Here,
as ``tqdm.write``, indicatif's ``println``, pip and cargo do, every write to stdout first
clears the bar's line, and the bar is drawn again below what was written: the rows keep
streaming as they are done (an interrupted or killed batch has shown each committed row)
and the bar stays the last line.  (``gh`` stops its spinner for good before printing;
holding rows back until the end would hide them from an operator watching, and from a
batch that is killed.)  A write that leaves a line open (``-o json`` writes each item
before its comma) keeps the bar away until a line is complete, so nothing is drawn into
the document.

Only when stdout is a terminal: written to a file or a pipe, rows never meet the bar.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any, TypeVar

from onenumber_cli.cli.console import terminal

if TYPE_CHECKING:
    from onenumber_cli.cli.output import Output

T = TypeVar("T")
CLEAR_LINE = "\r\033[K"  # to the line's start, erase it
SHOW_CURSOR = "\033[?25h"  # the bar hides the cursor while drawn (Click's BEFORE_BAR)


class Progress:
    """A Click progress bar on ``out.stderr`` that rows written to ``out.stdout`` pass
    above (see the module's text); ``advance()`` once a row is done."""

    def __init__(self, out: Output, total: int, label: str) -> None:
        import typer

        self.out = out
        self.bar = typer.progressbar(length=total, file=out.stderr, label=label)
        self.drawn = False  # the bar is on the screen's current line
        self.line_open = False  # stdout's last write did not end its line
        self._stdout: IO[str] | None = None
        self.done = False  # finished: output spooled until the end (a spreadsheet
        # encoding) may still come through the wrapper, with no bar to draw again

    def track(self, items: Iterator[T]) -> Iterator[T]:
        """Draw the bar and route stdout above it now; then ``items``, the bar advanced
        after each, and at their end (or when the consumer stops) the bar finished and
        stdout given back."""
        self.bar.__enter__()
        self.drawn = True
        if terminal.stdout_is_tty():
            self._stdout = self.out.stdout
            self.out.stdout = _Above(self, self._stdout)  # type: ignore[assignment]
        return self._advancing(items)

    def _advancing(self, items: Iterator[T]) -> Iterator[T]:
        try:
            for item in items:
                self.advance()
                yield item
        finally:
            self.finish()

    def finish(self) -> None:
        if self._stdout is not None:
            self.out.stdout = self._stdout
            self._stdout = None
        self.done = True  # a write through a stale wrapper draws it no more
        if self.drawn:
            self.bar.render_finish()  # the cursor shown, the bar's line ended
            self.drawn = False
        else:
            self.out.stderr.write(SHOW_CURSOR)
            self.out.stderr.flush()

    def advance(self) -> None:
        self.bar.make_step(1)
        self.draw()

    def draw(self) -> None:
        if self.line_open or self.done:
            return
        self.bar._last_line = None  # Click draws only a changed line: it may be cleared
        self.bar.render_progress()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.out.stderr.write(CLEAR_LINE)
            self.out.stderr.flush()
            self.drawn = False


class _Above:
    """stdout while the bar is drawn: each write clears the bar's line first and draws
    the bar again after it; its ``buffer`` (bytes: csv in a spreadsheet encoding) too."""

    def __init__(self, progress: Progress, stream: Any, *, binary: bool = False) -> None:
        self._progress = progress
        self._stream = stream
        self._newline: str | bytes = b"\n" if binary else "\n"

    def write(self, data: Any) -> int:
        if not data:
            return 0
        self._progress.clear()
        written = int(self._stream.write(data))
        self._stream.flush()  # before the bar, on the other stream, is drawn again
        self._progress.line_open = not data.endswith(self._newline)
        self._progress.draw()
        return written

    def flush(self) -> None:
        self._stream.flush()

    @property
    def buffer(self) -> _Above:
        return _Above(self._progress, self._stream.buffer, binary=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
