"""``check``: verify every invariant over the whole database, streaming.

Constraints already refuse most corruption; this finds what they cannot see (a plan's
capacity, name rules, history consistency) and what a hand edit or a restored backup may
have broken anyway.  Each violation names its kind, account and device.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from onenumber_cli.domain.imei import validate_imei
from onenumber_cli.domain.names import name_key, validate_name
from onenumber_cli.domain.values import Event, Plan, Status
from onenumber_cli.errors import InvalidImei, InvalidName
from onenumber_cli.i18n import t
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import AuditRecord, Contract, Device, HistoryEvent

CLOCK_SKEW = timedelta(minutes=5)
PLANS = frozenset(p.value for p in Plan)
STATUSES = frozenset(s.value for s in Status)
KINDS = (
    "plan", "status", "capacity", "slot_range", "slot_duplicate", "cancelled_with_devices",
    "invalid_name", "name_key", "type_key", "duplicate_name", "invalid_imei", "history_missing",
    "history_mismatch", "history_orphan", "time_order", "future_time",
)


@dataclass(frozen=True)
class Violation:
    kind: str
    account: str
    device_id: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _v(kind: str, account: str, device_id: str | None = None, **params: Any) -> Violation:
    return Violation(kind, account, device_id,
                     t(f"check.{kind}", account=account, device=device_id or "", **params))


def run(db: Database, *, now: datetime | None = None, chunk: int = 2000) -> Iterator[Violation]:
    """Every violation in the database, streamed (account by account where it can be)."""
    limit = (now or datetime.now(UTC)) + CLOCK_SKEW
    with db.reading() as session:
        yield from _contracts(session)
        yield from _registered(session, chunk)
        yield from _history(session, chunk)
        yield from _times(session, limit)


def _contracts(session: Session) -> Iterator[Violation]:
    bad = select(Contract.account, Contract.plan, Contract.status).where(
        or_(Contract.plan.not_in(PLANS), Contract.status.not_in(STATUSES)))
    for account, plan, status in session.execute(bad):
        if plan not in PLANS:
            yield _v("plan", account, value=plan)
        if status not in STATUSES:
            yield _v("status", account, value=status)


def _registered(session: Session, chunk: int) -> Iterator[Violation]:
    """Capacity, slots, names, IMEIs and cancelled contracts, one account at a time."""
    query = (
        select(Contract.account, Contract.status, Contract.plan, Device.id, Device.slot,
               Device.name, Device.name_key, Device.imei, Device.type, Device.type_key)
        .join(Device, Device.account == Contract.account)
        .where(Device.slot.is_not(None))
        .order_by(Contract.account, Device.slot, Device.id)
        .execution_options(yield_per=chunk)
    )
    rows = session.execute(query)
    for account, group in itertools.groupby(rows, key=lambda r: r[0]):
        yield from _account(account, list(group))


def _account(account: str, devices: list[Any]) -> Iterable[Violation]:
    status, plan_value = devices[0][1], devices[0][2]
    capacity = Plan(plan_value).capacity if plan_value in PLANS else Plan.MULTI.capacity
    if status == Status.CANCELLED:
        yield _v("cancelled_with_devices", account, count=len(devices))
    if len(devices) > capacity:
        yield _v("capacity", account, count=len(devices), capacity=capacity)
    slots = Counter(d[4] for d in devices)
    keys: dict[str, str] = {}
    for _, _, _, device_id, slot, name, stored_key, imei, kind, kind_key in devices:
        if not 1 <= slot <= capacity:
            yield _v("slot_range", account, device_id, slot=slot, capacity=capacity)
        if slots[slot] > 1:
            yield _v("slot_duplicate", account, device_id, slot=slot)
        if not _valid_name(name):
            yield _v("invalid_name", account, device_id, name=name)
        key = name_key(name)
        if stored_key != key:
            yield _v("name_key", account, device_id, name=name)
        if key in keys:
            yield _v("duplicate_name", account, device_id, name=name, other=keys[key])
        if kind_key != name_key(kind):  # what devices search --type finds it by
            yield _v("type_key", account, device_id, type=kind)
        keys.setdefault(key, name)
        if imei is not None:
            try:
                validate_imei(imei)
            except InvalidImei:
                yield _v("invalid_imei", account, device_id, imei=imei)


def _valid_name(name: str) -> bool:
    """R3 holds and the name is stored in its normalized (NFC) form."""
    try:
        return validate_name(name) == name
    except InvalidName:
        return False


def _history(session: Session, chunk: int) -> Iterator[Violation]:
    """Each device's latest event matches its state; no event names an unknown device."""
    latest = (
        select(func.max(HistoryEvent.seq))
        .where(HistoryEvent.account == Device.account, HistoryEvent.device_id == Device.id)
        .correlate(Device)
        .scalar_subquery()
    )
    query = (
        select(Device.account, Device.id, Device.slot, Device.registered_at,
               Device.unregistered_at, HistoryEvent.event, HistoryEvent.at)
        .outerjoin(HistoryEvent, HistoryEvent.seq == latest)
        .order_by(Device.account, Device.id)
        .execution_options(yield_per=chunk)
    )
    for account, device_id, slot, registered_at, unregistered_at, event, at in session.execute(
        query
    ):
        if event is None:
            yield _v("history_missing", account, device_id)
            continue
        expected = (Event.REGISTER, registered_at) if slot is not None else (
            Event.UNREGISTER, unregistered_at)
        if (event, at) != expected:
            yield _v("history_mismatch", account, device_id, event=event,
                     expected=expected[0].value)
    known = aliased(Device)
    orphans = (
        select(HistoryEvent.account, HistoryEvent.device_id)
        .outerjoin(known, and_(known.id == HistoryEvent.device_id,
                               known.account == HistoryEvent.account))
        .where(known.id.is_(None))
        .distinct()
        .order_by(HistoryEvent.account, HistoryEvent.device_id)
    )
    for account, device_id in session.execute(orphans):
        yield _v("history_orphan", account, device_id)


def _times(session: Session, limit: datetime) -> Iterator[Violation]:
    """No timestamp in the future; nothing unregistered before it was registered."""
    backwards = select(Device.account, Device.id).where(
        Device.unregistered_at < Device.registered_at)
    for account, device_id in session.execute(backwards):
        yield _v("time_order", account, device_id)
    sources: tuple[tuple[str, Any, Any, Any], ...] = (
        ("devices", Device.account, Device.id, Device.registered_at),
        ("history", HistoryEvent.account, HistoryEvent.device_id, HistoryEvent.at),
        ("audit", AuditRecord.account, AuditRecord.device_id, AuditRecord.at),
    )
    for table, account_col, device_col, at_col in sources:
        for account, device_id, at in session.execute(
            select(account_col, device_col, at_col).where(at_col > limit)
        ):
            yield _v("future_time", account, device_id, table=table, at=at.isoformat())
