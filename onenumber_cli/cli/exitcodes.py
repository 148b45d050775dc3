"""Exit codes (identical for every command; documented in the README) and the one
place where error kinds become exit codes."""

from __future__ import annotations

from enum import IntEnum

from onenumber_cli import errors


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # also: declined at the prompt, check found violations, batch rows failed
    USAGE = 2  # also: confirmation required but not given
    NOT_FOUND = 3
    REFUSED = 4
    CONFLICT = 5
    DATABASE = 6
    INTERRUPTED = 130


_BY_KIND: tuple[tuple[type[errors.OneNumberError], ExitCode], ...] = (
    (errors.InvalidInput, ExitCode.USAGE),
    (errors.ConfirmationRequired, ExitCode.USAGE),
    (errors.NotFound, ExitCode.NOT_FOUND),
    (errors.RuleRefused, ExitCode.REFUSED),
    (errors.Conflict, ExitCode.CONFLICT),
    (errors.DatabaseUnavailable, ExitCode.DATABASE),
    (errors.SchemaMismatch, ExitCode.DATABASE),
)


def exit_code_for(error: errors.OneNumberError) -> ExitCode:
    for kind, code in _BY_KIND:
        if isinstance(error, kind):
            return code
    return ExitCode.FAILURE
