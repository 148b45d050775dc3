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
        return sys.stdin.isatty()

    def stdout_is_tty(self) -> bool:
        return sys.stdout.isatty()

    def stderr_is_tty(self) -> bool:
        return sys.stderr.isatty()

    def interactive(self) -> bool:
        """An operator can answer a prompt: stdin and stderr are both terminals."""
        return self.stdin_is_tty() and self.stderr_is_tty()


terminal = Terminal()


class Declined(Exception):
    """The operator answered no at a confirmation prompt (exit 1)."""
