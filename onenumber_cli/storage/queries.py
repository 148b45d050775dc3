"""The statements of the read-only listings (the change transactions' own are in
:mod:`onenumber_cli.storage.unit`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, Select, func, select

from onenumber_cli.storage.models import audit, contracts, devices, history


def history_query(
    account: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> Select[Any]:
    """Newest first; of equal timestamps the one recorded later comes first."""
    query = select(history).where(history.c.account == account)
    if since is not None:
        query = query.where(history.c.at >= since)
    if until is not None:
        query = query.where(history.c.at < until)
    if kind is not None:
        query = query.where(history.c.event == kind)
    query = query.order_by(history.c.at.desc(), history.c.seq.desc())
    return query.limit(limit) if limit is not None else query


def registered_count() -> ScalarSelect[int]:
    """Correlated count of registered devices, for account listings."""
    return (
        select(func.count(devices.c.id))
        .where(devices.c.account == contracts.c.account, devices.c.slot.is_not(None))
        .correlate(contracts)
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
) -> Select[Any]:
    """Newest first (by time, then by the order of recording)."""
    query = select(audit)
    for column, value in ((audit.c.account, account), (audit.c.operator, operator),
                          (audit.c.action, action), (audit.c.batch_id, batch_id)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(audit.c.at >= since)
    if until is not None:
        query = query.where(audit.c.at < until)
    query = query.order_by(audit.c.at.desc(), audit.c.seq.desc())
    return query.limit(limit) if limit is not None else query


def prefix_successor(prefix: str) -> str:
    """The least string after every string that starts with ``prefix``, in code point
    order: its last character, plus one (a last U+10FFFF is dropped, and the one before
    it is increased)."""
    while prefix and prefix[-1] == chr(0x10FFFF):
        prefix = prefix[:-1]
    if not prefix:
        raise ValueError("no string follows every string with this prefix")
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def accounts_with_prefix(prefix: str, limit: int) -> Select[tuple[str]]:
    """``account >= prefix AND account < prefix_successor(prefix)``: a primary-key range
    scan on both backends, with no LIKE escaping to get wrong."""
    query = select(contracts.c.account).order_by(contracts.c.account).limit(limit)
    if prefix:
        query = query.where(contracts.c.account >= prefix,
                            contracts.c.account < prefix_successor(prefix))
    return query
