"""Typed errors of the core library.

Every refusal is a :class:`OneNumberError` with a stable machine ``code`` (part of the
public interface: scripts match on it), a ``message`` saying what was wrong and a
``hint`` saying what to do.  Both texts are rendered from the i18n catalogs in the
current language when they are read, so the core never formats user text itself.

The classes are grouped by *kind* (not found, rule refused, ...).  The CLI maps kinds
to exit codes in exactly one place; nothing here knows about exit codes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from onenumber_cli.i18n import t


class OneNumberError(Exception):
    """Base class: ``code`` is stable, ``reason`` selects a message variant."""

    code: ClassVar[str] = "error"

    def __init__(self, reason: str | None = None, /, details: Any = None, **params: Any) -> None:
        self.reason = reason
        self.params = params
        self.details = details
        super().__init__(self.code if reason is None else f"{self.code}.{reason}")

    def _key(self, kind: str) -> str:
        base = f"{kind}.{self.code}"
        return base if self.reason is None else f"{base}.{self.reason}"

    @property
    def message(self) -> str:
        return t(self._key("error"), **self.params)

    @property
    def hint(self) -> str:
        return t(self._key("hint"), **self.params)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message, "hint": self.hint}
        if self.details is not None:
            data["details"] = self.details
        return data

    def __str__(self) -> str:  # pragma: no cover - for logs and debugging
        return self.message


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


class InvalidBatch(InvalidInput):
    """The batch file itself is unusable (as opposed to one of its rows)."""

    code = "invalid_batch"


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


class BatchNotFound(NotFound):
    code = "batch_not_found"


class Irreversible(RuleRefused):
    """A batch row that ``batch revert`` cannot undo (the site: この操作を実行すると元に
    戻せなくなります); the reason names the action, the hint what to do instead."""

    code = "irreversible"


class ChangedSince(RuleRefused):
    """What a revert would undo was changed again after the batch."""

    code = "changed_since"


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
