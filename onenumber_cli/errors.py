"""Typed errors of the core library.

Every refusal is a :class:`OneNumberError` with a stable machine ``code`` (part of the
public interface: scripts match on it), a ``reason`` selecting the variant and the
parameters of the case.  The core writes no text: the message saying what was wrong and
the hint saying what to do are rendered, in the operator's language, by the presentation
layer (:mod:`onenumber_cli.i18n.errors`, used by the CLI).

The classes are grouped by *kind* (not found, rule refused, ...).  The CLI maps kinds
to exit codes in exactly one place; nothing here knows about exit codes.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar


class OneNumberError(Exception):
    """Base class: ``code`` is stable, ``reason`` selects a message variant, ``params``
    fill it in (raw values: datetimes, offending characters ...; the renderer formats
    them) and ``details`` is machine-readable data shown as it is."""

    code: ClassVar[str] = "error"

    def __init__(self, reason: str | None = None, /, details: Any = None, **params: Any) -> None:
        self.reason = reason
        self.params = params
        self.details = details
        super().__init__(self.code if reason is None else f"{self.code}.{reason}")

    def __repr__(self) -> str:  # for logs and debugging: the code, reason and parameters
        return f"{type(self).__name__}({self.reason!r}, {self.params!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as what it carries (a one-transaction batch buffers its row results)."""
        return (_rebuild, (type(self), self.reason, self.details, self.params))


def _rebuild(cls: type[OneNumberError], reason: str | None, details: Any,
             params: dict[str, Any]) -> OneNumberError:
    return cls(reason, details, **params)


class ValueKind(Enum):
    """The kind of a value that was given (a config file's) or expected, as a parameter
    of an error: the presentation layer says it in words (never Python's type names)."""

    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    TABLE = "table"
    ARRAY = "array"
    DATETIME = "datetime"
    OTHER = "other"


# --- kinds -------------------------------------------------------------------------


class InvalidInput(OneNumberError):
    """A malformed argument (not a rule about the contract)."""


class NotFound(OneNumberError):
    """The account or device does not exist."""


class RuleRefused(OneNumberError):
    """One of the service rules (R1-R10, names, IMEI) refuses the change."""


class ConfirmationRequired(OneNumberError):
    code = "confirmation_required"


class Conflict(OneNumberError):
    """Concurrent change or lock timeout; retrying may succeed."""

    code = "conflict"


class DatabaseUnavailable(OneNumberError):
    code = "database_unavailable"


class StrayWal(DatabaseUnavailable):
    """A SQLite file's ``-wal`` was made on another file (the database file was replaced
    and the old one's WAL left beside it): refused instead of applied."""

    code = "stray_wal"


class CommitUnknown(DatabaseUnavailable):
    """A change whose COMMIT did not end normally (not confirmed within the commit
    timeout, or interrupted): it may or may not have been applied."""

    code = "commit_unknown"


class SchemaMismatch(OneNumberError):
    code = "schema_mismatch"


# --- concrete errors ---------------------------------------------------------------


class InvalidAccount(InvalidInput):
    code = "invalid_account"


class InvalidTime(InvalidInput):
    code = "invalid_time"


class InvalidOperator(InvalidInput):
    code = "invalid_operator"


class InvalidArgument(InvalidInput):
    code = "invalid_argument"


class QueryFailed(OneNumberError):
    """``--query``'s expression failed on the output's values (a type JMESPath refuses):
    after the command ran, so exit 1, never 2."""

    code = "query_failed"


class InvalidBatch(InvalidInput):
    """The batch file itself is unusable (as opposed to one of its rows)."""

    code = "invalid_batch"


class NotEncodable(InvalidInput):
    """A value of csv/tsv output that the chosen ``--csv-encoding`` cannot hold (cp932
    lacks most of Unicode): the whole output is refused before any of it is written."""

    code = "not_encodable"


class AmbiguousDevice(InvalidInput):
    code = "ambiguous_device"


class AccountNotFound(NotFound):
    code = "account_not_found"


class DeviceNotFound(NotFound):
    code = "device_not_found"


class CapacityExceeded(RuleRefused):
    code = "capacity_exceeded"


class ReplaceNotAllowed(RuleRefused):
    code = "replace_not_allowed"


class InvalidName(RuleRefused):
    code = "invalid_name"


class DuplicateName(RuleRefused):
    code = "duplicate_name"


class InvalidImei(RuleRefused):
    code = "invalid_imei"


class InvalidType(RuleRefused):
    code = "invalid_type"


class DuplicateImei(RuleRefused):
    code = "duplicate_imei"


class NotRegistered(RuleRefused):
    code = "not_registered"


class LastDevice(RuleRefused):
    code = "last_device"


class TooManyDevices(RuleRefused):
    code = "too_many_devices"


class NotSubscribable(RuleRefused):
    code = "not_subscribable"


class ContractCancelled(RuleRefused):
    code = "contract_cancelled"


class CellRetyped(RuleRefused):
    """A cell of a batch workbook in a text column (names, ids, IMEIs, accounts) that is a
    number, a boolean, a date or a formula: a spreadsheet re-typed the text the tool
    wrote (``0012`` became 12), so the row is not applied."""

    code = "cell_retyped"


class ValueRetyped(RuleRefused):
    """A new name or IMEI that looks like a spreadsheet's re-typing of the current one
    (``0012`` -> ``12``, ``1.50`` -> ``1.5``, an exponent form, ``TRUE``, a date):
    refused unless ``--allow-reformatted``."""

    code = "value_retyped"


class BatchNotFound(NotFound):
    code = "batch_not_found"


class Irreversible(RuleRefused):
    """A batch row that ``batch revert`` cannot undo (the site: この操作を実行すると元に
    戻せなくなります); the reason names the action, the hint what to do instead."""

    code = "irreversible"


class ChangedSince(RuleRefused):
    """What a revert would undo was changed again after the batch."""

    code = "changed_since"


class TargetNotEmpty(InvalidInput):
    """``db copy`` refuses a target that holds anything but an interrupted copy."""

    code = "target_not_empty"


class CopySourceInvalid(InvalidInput):
    """``db copy`` found a source row the target's schema cannot hold (a value an older
    program stored in SQLite, which does not enforce column sizes): refused before the
    target is touched."""

    code = "copy_source_invalid"


class OutputFailed(OneNumberError):
    """Standard output could not be written (a closed pipe, a full disk, an I/O error):
    a cause outside the program.  ``closed`` is the reader having gone (``| head``)."""

    code = "output_failed"


class CopyUnverified(OneNumberError):
    """``db copy`` found other row counts in the target than in the source's snapshot."""

    code = "copy_unverified"


def all_error_classes() -> list[type[OneNumberError]]:
    """Every concrete error class (used by the catalog completeness test)."""
    found: list[type[OneNumberError]] = []
    pending: list[type[OneNumberError]] = [OneNumberError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "code" in cls.__dict__ and cls is not OneNumberError:
            found.append(cls)
    return sorted(found, key=lambda c: c.code)
