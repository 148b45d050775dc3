"""The invocation's terminal: streams, whether each is a TTY, colour, prompts.

Commands never ask ``sys.stdin.isatty()`` themselves; tests replace :data:`terminal`
to pretend to be (or not to be) an operator at a keyboard.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass
class Terminal:
    def stdin_is_tty(self) -> bool:
        return _isatty(sys.stdin)

    def stdout_is_tty(self) -> bool:
        return _isatty(sys.stdout)

    def stderr_is_tty(self) -> bool:
        return _isatty(sys.stderr)

    def interactive(self) -> bool:
        """An operator can answer a prompt: stdin and stderr are both terminals."""
        return self.stdin_is_tty() and self.stderr_is_tty()


def _isatty(stream: object) -> bool:
    """False for a stream the process started without (descriptor closed: ``>&-``)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty()) if isatty is not None else False


terminal = Terminal()


class Declined(Exception):
    """The operator answered no at a confirmation prompt, or ended its input (exit 1)."""


class Interrupted(Exception):
    """Ctrl-C at a prompt (exit 130, as anywhere else)."""


YES = ("y", "yes", "ｙ", "はい")
NO = ("n", "no", "ｎ", "いいえ")


def _answer(prompt: str) -> str:
    """One line from stdin after ``prompt`` on stderr, stripped.  Unlike Click's prompt,
    Ctrl-C is an interruption (exit 130) and Ctrl-D a refusal, each ended on a line of
    its own."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    try:
        line = sys.stdin.readline()
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        raise Interrupted() from None
    if not line:  # Ctrl-D: end of input
        sys.stderr.write("\n")
        raise Declined()
    return line.strip()


def confirm(question: str, *, default: bool = False) -> bool:
    """Ask yes or no (Ctrl-C and Ctrl-D as in :func:`_answer`); a wrong answer is
    explained in the operator's language."""
    from onenumber_cli.i18n import t

    suffix = " [Y/n]: " if default else " [y/N]: "
    while True:
        answer = _answer(question + suffix).lower()
        if not answer:
            return default
        if answer in YES:
            return True
        if answer in NO:
            return False
        sys.stderr.write(t("Please answer y or n.") + "\n")


def ask(question: str) -> str:
    """A line of text from the operator (asked again when empty)."""
    while True:
        if answer := _answer(question + ": "):
            return answer
