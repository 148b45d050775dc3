"""The statements of the read-only listings (the change transactions' own are in
:mod:`onenumber_cli.storage.unit`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ScalarSelect, Select, func, select
from sqlalchemy.orm import Session

from onenumber_cli.errors import AccountNotFound
from onenumber_cli.storage.models import AuditRecord, Contract, Device, HistoryEvent


def get_contract(session: Session, account: str) -> Contract:
    contract = session.get(Contract, account)
    if contract is None:
        raise AccountNotFound(account=account)
    return contract


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
