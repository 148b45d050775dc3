"""The statements the services need, including the locking read of R12."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ScalarSelect, Select, func, select
from sqlalchemy.orm import Session

from onenumber_cli.errors import AccountNotFound
from onenumber_cli.storage.models import AuditRecord, Contract, Device, HistoryEvent

_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
ID_LENGTH = 8


def lock_contract(session: Session, account: str) -> Contract:
    """The contract row, locked until the transaction ends (FOR UPDATE on PostgreSQL;
    SQLite's BEGIN IMMEDIATE already holds the database's write lock)."""
    contract = session.scalars(
        select(Contract).where(Contract.account == account).with_for_update()
    ).one_or_none()
    if contract is None:
        raise AccountNotFound(account=account)
    return contract


def get_contract(session: Session, account: str) -> Contract:
    contract = session.get(Contract, account)
    if contract is None:
        raise AccountNotFound(account=account)
    return contract


def registered_devices(session: Session, account: str) -> list[Device]:
    return list(
        session.scalars(
            select(Device)
            .where(Device.account == account, Device.slot.is_not(None))
            .order_by(Device.slot)
        )
    )


def could_be_device_id(text: str) -> bool:
    """Whether ``text`` has the form of a device id (saves a query for names)."""
    return len(text) == ID_LENGTH and all(c in _ID_ALPHABET for c in text)


def device_by_id(session: Session, account: str, device_id: str) -> Device | None:
    return session.scalars(
        select(Device).where(Device.account == account, Device.id == device_id)
    ).one_or_none()


def new_device_id(session: Session) -> str:
    """A short random id, never reused (ids are never deleted, and we check)."""
    while True:
        candidate = "".join(secrets.choice(_ID_ALPHABET) for _ in range(ID_LENGTH))
        if session.get(Device, candidate) is None:
            return candidate


def history_query(
    account: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> Select[HistoryEvent]:
    """Newest first; of equal timestamps the one recorded later comes first."""
    query = select(HistoryEvent).where(HistoryEvent.account == account)
    if since is not None:
        query = query.where(HistoryEvent.at >= since)
    if until is not None:
        query = query.where(HistoryEvent.at < until)
    if kind is not None:
        query = query.where(HistoryEvent.event == kind)
    query = query.order_by(HistoryEvent.at.desc(), HistoryEvent.seq.desc())
    return query.limit(limit) if limit is not None else query


def registered_count() -> ScalarSelect[int]:
    """Correlated count of registered devices, for account listings."""
    return (
        select(func.count(Device.id))
        .where(Device.account == Contract.account, Device.slot.is_not(None))
        .correlate(Contract)
        .scalar_subquery()
    )


def audit_query(
    *,
    account: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    operator: str | None = None,
    action: str | None = None,
    batch_id: str | None = None,
    limit: int | None = None,
) -> Select[AuditRecord]:
    """Newest first (by time, then by the order of recording)."""
    query = select(AuditRecord)
    for column, value in ((AuditRecord.account, account), (AuditRecord.operator, operator),
                          (AuditRecord.action, action), (AuditRecord.batch_id, batch_id)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AuditRecord.at >= since)
    if until is not None:
        query = query.where(AuditRecord.at < until)
    query = query.order_by(AuditRecord.at.desc(), AuditRecord.seq.desc())
    return query.limit(limit) if limit is not None else query


def accounts_with_prefix(prefix: str, limit: int) -> Select[str]:
    """``account >= prefix AND account < prefix + U+FFFF``: a primary-key range scan on
    both backends, with no LIKE escaping to get wrong."""
    query = select(Contract.account).order_by(Contract.account).limit(limit)
    if prefix:
        query = query.where(Contract.account >= prefix, Contract.account < prefix + "\uffff")
    return query
