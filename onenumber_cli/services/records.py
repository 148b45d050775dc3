"""What the use cases return: plain records, ``@frozen`` (immutable to the type checker,
see :mod:`onenumber_cli.frozen`), and who asks for a change.

A device has three shapes, each named for where it lives: :class:`Device` here (what a
command reports), :class:`~onenumber_cli.storage.unit.DeviceRow` (a stored row inside a
change transaction) and :class:`~onenumber_cli.domain.contract.DeviceRef` (what the
rules need to know).  Rendering them is :mod:`onenumber_cli.cli.views`' job.
"""

from __future__ import annotations

from dataclasses import field
from datetime import UTC, datetime
from typing import Any

from onenumber_cli.domain.values import Plan, validate_operator
from onenumber_cli.frozen import frozen
from onenumber_cli.storage.unit import ContractRow, DeviceRow


def utcnow() -> datetime:
    return datetime.now(UTC)


@frozen
class Actor:
    """Who makes a change, and the batch it belongs to (recorded in the audit log)."""

    operator: str
    batch_id: str | None = None
    reverts: str | None = None  # the audit record this change undoes (``batch revert``)

    def __post_init__(self) -> None:
        validate_operator(self.operator)  # it is stored and shown: no control characters


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class Record:
    """Base of the result records: ``to_dict`` gives their machine output fields (nested
    records converted too; other values shared, not copied: ``dataclasses.asdict``
    deep-copies and costs more than a batch row's rules).  The one ``to_dict`` style:
    every result type, batch rows and ``check`` violations included, derives from it."""

    def to_dict(self) -> dict[str, Any]:
        return {name: _plain(value) for name, value in vars(self).items()}


@frozen
class Device(Record):
    id: str
    slot: int | None
    name: str
    type: str
    imei: str | None
    registered_at: datetime
    unregistered_at: datetime | None = None

    @classmethod
    def of(cls, device: DeviceRow) -> Device:
        return cls(device.id, device.slot, device.name, device.type, device.imei,
                   device.registered_at, device.unregistered_at)

    @property
    def registered(self) -> bool:
        return self.slot is not None

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready data, for the audit log's before/after values."""
        data = self.to_dict()
        for key in ("registered_at", "unregistered_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data


@frozen
class Contract(Record):
    account: str
    status: str
    plan: str
    capacity: int
    registered: int
    devices: list[Device]

    @classmethod
    def of(cls, contract: ContractRow, devices: tuple[DeviceRow, ...]) -> Contract:
        return cls(contract.account, contract.status, contract.plan,
                   Plan(contract.plan).capacity, len(devices), [Device.of(d) for d in devices])


@frozen
class HistoryEntry(Record):
    event: str
    at: datetime
    device_id: str
    name: str
    type: str
    imei: str | None


@frozen
class AuditEntry(Record):
    at: datetime
    operator: str
    action: str
    account: str
    device_id: str | None
    before: Any
    after: Any
    batch_id: str | None
    reverts: str | None = None
    db_role: str | None = None  # the database role that wrote it (PostgreSQL; revision 0003)


@frozen
class AccountSummary(Record):
    account: str
    status: str
    plan: str
    capacity: int
    registered: int


@frozen
class ChangeResult(Record):
    """What a changing command did (or, with ``dry_run``, would do)."""

    action: str
    account: str
    changed: bool
    plan: str
    status: str
    device: Device | None = None
    removed: list[Device] = field(default_factory=list)
    dry_run: bool = False
    before: Any = None  # the audit record's values (None where nothing changed)
    after: Any = None

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.device is None:
            del data["device"]
        return data
