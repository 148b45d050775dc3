"""``check``: verify every invariant over the whole database, streaming.

Constraints already refuse most corruption; this finds what they cannot see (a plan's
capacity, name rules, history consistency) and what a hand edit or a restored backup may
have broken anyway.  Each violation names its kind, account and device.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from onenumber_cli.domain.imei import validate_imei
from onenumber_cli.domain.names import name_key, validate_name
from onenumber_cli.domain.values import Event, Plan, Status
from onenumber_cli.errors import InvalidImei, InvalidName
from onenumber_cli.i18n import N_, Message, N_plural
from onenumber_cli.services.records import Record
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import audit, contracts, devices, history

CLOCK_SKEW = timedelta(minutes=5)
PLANS = frozenset(p.value for p in Plan)
STATUSES = frozenset(s.value for s in Status)

# what each kind of violation says (rendered in the current language)
MESSAGES: dict[str, Message] = {
    "plan": N_("{account}: unknown plan '{value}'."),
    "status": N_("{account}: unknown contract status '{value}'."),
    "capacity": N_plural("{account}: {count} device registered, the plan allows {capacity}.",
                         "{account}: {count} devices registered, the plan allows {capacity}.",
                         "count"),
    "slot_range": N_("{account}: device {device} is in slot {slot}, outside 1-{capacity}."),
    "slot_duplicate": N_("{account}: device {device} shares slot {slot} with another."),
    "cancelled_with_devices": N_plural("{account}: the contract is cancelled but {count} device is "
                                       "registered.",
                                       "{account}: the contract is cancelled but {count} devices "
                                       "are registered.",
                                       "count"),
    "invalid_name": N_("{account}: device {device} has a name that breaks the rules: '{name}'."),
    "type_key": N_("{account}: device {device} has a missing or stale search key for its type "
                   "'{type}'."),
    "name_key": N_("{account}: device {device} has a stale comparison key for '{name}'."),
    "duplicate_name": N_("{account}: device {device} is named '{name}', the same as '{other}'."),
    "invalid_imei": N_("{account}: device {device} has an invalid IMEI '{imei}'."),
    "history_missing": N_("{account}: device {device} has no history."),
    "history_mismatch": N_("{account}: device {device}'s latest history event is '{event}' but "
                           "should be a matching '{expected}'."),
    "history_orphan": N_("{account}: history names device {device}, which does not exist."),
    "time_order": N_("{account}: device {device} was unregistered before it was registered."),
    "future_time": N_("{account}: {table} has a time in the future ({at}) for device {device}."),
}


@dataclass(frozen=True)
class Violation(Record):
    """One broken invariant: its ``kind`` (a key of :data:`MESSAGES`) and the values its
    message names; the CLI renders the message in the operator's language."""

    kind: str
    account: str
    device_id: str | None
    params: dict[str, Any]

    @property
    def message(self) -> Message:
        return MESSAGES[self.kind]


def _v(kind: str, account: str, device_id: str | None = None, **params: Any) -> Violation:
    return Violation(kind, account, device_id, params)


def run(db: Database, *, now: datetime | None = None, chunk: int = 2000) -> Iterator[Violation]:
    """Every violation in the database, streamed (account by account where it can be)."""
    limit = (now or datetime.now(UTC)) + CLOCK_SKEW
    with db.connected() as connection:
        yield from _contracts(connection)
        yield from _registered(connection, chunk)
        yield from _history(connection, chunk)
        yield from _times(connection, limit)


def _contracts(connection: Connection) -> Iterator[Violation]:
    bad = select(contracts.c.account, contracts.c.plan, contracts.c.status).where(
        or_(contracts.c.plan.not_in(PLANS), contracts.c.status.not_in(STATUSES)))
    for account, plan, status in connection.execute(bad):
        if plan not in PLANS:
            yield _v("plan", account, value=plan)
        if status not in STATUSES:
            yield _v("status", account, value=status)


def _registered(connection: Connection, chunk: int) -> Iterator[Violation]:
    """Capacity, slots, names, IMEIs and cancelled contracts, one account at a time."""
    query = (
        select(contracts.c.account, contracts.c.status, contracts.c.plan, devices.c.id,
               devices.c.slot, devices.c.name, devices.c.name_key, devices.c.imei,
               devices.c.type, devices.c.type_key)
        .join(devices, devices.c.account == contracts.c.account)
        .where(devices.c.slot.is_not(None))
        .order_by(contracts.c.account, devices.c.slot, devices.c.id)
        .execution_options(yield_per=chunk)
    )
    rows = connection.execute(query)
    for account, group in itertools.groupby(rows, key=lambda r: r[0]):
        yield from _account(account, list(group))


def _account(account: str, rows: list[Any]) -> Iterable[Violation]:
    status, plan_value = rows[0][1], rows[0][2]
    capacity = Plan(plan_value).capacity if plan_value in PLANS else Plan.MULTI.capacity
    if status == Status.CANCELLED:
        yield _v("cancelled_with_devices", account, count=len(rows))
    if len(rows) > capacity:
        yield _v("capacity", account, count=len(rows), capacity=capacity)
    slots = Counter(d[4] for d in rows)
    keys: dict[str, str] = {}
    for _, _, _, device_id, slot, name, stored_key, imei, kind, kind_key in rows:
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


def _history(connection: Connection, chunk: int) -> Iterator[Violation]:
    """Each device's latest event matches its state; no event names an unknown device."""
    latest = (
        select(func.max(history.c.seq))
        .where(history.c.account == devices.c.account, history.c.device_id == devices.c.id)
        .correlate(devices)
        .scalar_subquery()
    )
    query = (
        select(devices.c.account, devices.c.id, devices.c.slot, devices.c.registered_at,
               devices.c.unregistered_at, history.c.event, history.c.at)
        .outerjoin(history, history.c.seq == latest)
        .order_by(devices.c.account, devices.c.id)
        .execution_options(yield_per=chunk)
    )
    for account, device_id, slot, registered_at, unregistered_at, event, at in connection.execute(
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
    known = devices.alias("known")
    orphans = (
        select(history.c.account, history.c.device_id)
        .outerjoin(known, and_(known.c.id == history.c.device_id,
                               known.c.account == history.c.account))
        .where(known.c.id.is_(None))
        .distinct()
        .order_by(history.c.account, history.c.device_id)
    )
    for account, device_id in connection.execute(orphans):
        yield _v("history_orphan", account, device_id)


def _times(connection: Connection, limit: datetime) -> Iterator[Violation]:
    """No timestamp in the future; nothing unregistered before it was registered."""
    backwards = select(devices.c.account, devices.c.id).where(
        devices.c.unregistered_at < devices.c.registered_at)
    for account, device_id in connection.execute(backwards):
        yield _v("time_order", account, device_id)
    sources: tuple[tuple[str, Any, Any, Any], ...] = (
        ("devices", devices.c.account, devices.c.id, devices.c.registered_at),
        ("history", history.c.account, history.c.device_id, history.c.at),
        ("audit", audit.c.account, audit.c.device_id, audit.c.at),
    )
    for table, account_col, device_col, at_col in sources:
        for account, device_id, at in connection.execute(
            select(account_col, device_col, at_col).where(at_col > limit)
        ):
            yield _v("future_time", account, device_id, table=table, at=at.isoformat())
