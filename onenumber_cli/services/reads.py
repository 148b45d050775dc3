"""The read use cases: an account, its devices and history, listings, the audit log,
and the lookups of shell completion.  Reads take no locks; an account is loaded the way
a change transaction loads it (:class:`~onenumber_cli.storage.unit.Tx`), so what
``status`` shows is what a change would see."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Connection

from onenumber_cli.domain.names import name_key
from onenumber_cli.domain.values import (
    Action,
    Event,
    Plan,
    Status,
    similar_accounts,
    validate_account,
)
from onenumber_cli.errors import AccountNotFound, AmbiguousDevice, DeviceNotFound, InvalidAccount
from onenumber_cli.services.records import (
    AccountSummary,
    AuditEntry,
    Contract,
    Device,
    HistoryEntry,
)
from onenumber_cli.storage import queries
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import contracts
from onenumber_cli.storage.unit import Account, DeviceRow, Tx, could_be_device_id

T = TypeVar("T")


def not_found(connection: Connection, account: str) -> AccountNotFound:
    """The error for a missing account, naming the nearest existing ones (a typo is
    never invited to be created).  A few primary-key range scans on ever shorter
    prefixes of the id: bounded work on any size of database."""
    candidates: set[str] = set()
    for length in range(len(account), max(len(account) // 2, 1) - 1, -1):
        prefix = account[:length]
        candidates.update(connection.scalars(queries.accounts_with_prefix(prefix, 50)))
        if len(candidates) >= 50:
            break
    similar = similar_accounts(account, sorted(candidates))
    if not similar:
        return AccountNotFound(account=account)
    return AccountNotFound("similar", details={"similar": similar}, account=account,
                           similar=", ".join(similar))


@contextmanager
def reading(db: Database, account: str) -> Iterator[tuple[Tx, Account]]:
    """One account, read (not locked) the way a change transaction loads it."""
    validate_account(account)
    with db.connected() as connection:
        tx = Tx(connection, lock=False)
        found = tx.account(account)
        if found is None:
            raise not_found(connection, account)
        yield tx, found


def get_status(db: Database, account: str) -> Contract:
    validate_account(account)
    with db.connected() as connection:
        return status_in(connection, account)


def status_in(connection: Connection, account: str) -> Contract:
    """An account's contract and devices, read on ``connection``."""
    validate_account(account)
    found = Tx(connection, lock=False).account(account)
    if found is None:
        raise not_found(connection, account)
    return Contract.of(found.contract, found.registered)


def each_account(db: Database, accounts: Iterable[str],
                 read: Callable[[Connection, str], T], *, chunk: int = 500
                 ) -> Iterator[tuple[str, T | AccountNotFound | InvalidAccount]]:
    """``read`` of every account of ``accounts``, in the order given (an iterable that
    may be a million lines of stdin: it is consumed ``chunk`` accounts at a time, so
    memory stays flat).  A missing or malformed account yields its error in place of a
    result and the others go on.  One read transaction per chunk: a transaction per
    account would cost as much as the read itself; none is held while more input is
    awaited."""
    pending = iter(accounts)
    while chunk_of := list(islice(pending, chunk)):
        with db.connected() as connection:
            for account in chunk_of:
                try:
                    yield account, read(connection, account)
                except (AccountNotFound, InvalidAccount) as error:
                    yield account, error


def list_devices(db: Database, account: str) -> list[Device]:
    return get_status(db, account).devices


def resolve(tx: Tx, account: Account, ref: str) -> DeviceRow:
    """DEVICE = id, IMEI or current name, in that order among the registered devices;
    then the id of a device no longer registered.  So a registered device is always
    reachable by its name, even one that looks like an unregistered device's id (and no
    registered device may be named after another's id or IMEI: the change bodies keep it
    so)."""
    owner = account.contract.account
    registered = account.registered
    by_id = next((d for d in registered if d.id == ref), None)
    if by_id is not None:
        return by_id
    key = name_key(ref)
    others = [d for d in registered if d.imei == ref or d.name_key == key]
    if len(others) > 1:
        ids = ", ".join(d.id for d in others)
        raise AmbiguousDevice(account=owner, device=ref, ids=ids,
                              details=[d.id for d in others])
    if others:
        return others[0]
    gone = tx.device(owner, ref) if could_be_device_id(ref) else None
    if gone is None:
        raise DeviceNotFound(account=owner, device=ref)
    return gone


def show_device(db: Database, account: str, device: str) -> Device:
    with reading(db, account) as (tx, found):
        return Device.of(resolve(tx, found, device))


def history(db: Database, account: str, *, since: datetime | None = None,
            until: datetime | None = None, kind: str | None = None,
            limit: int | None = None,
            read: Callable[[Connection, str], list[HistoryEntry]] | None = None
            ) -> list[HistoryEntry]:
    """An account's history, newest first, filtered so (or by ``read``, a
    :func:`history_reader`'s)."""
    validate_account(account)
    read = read or history_reader(since=since, until=until, kind=kind, limit=limit)
    with db.connected() as connection:
        return read(connection, account)


def history_reader(*, since: datetime | None = None, until: datetime | None = None,
                   kind: str | None = None, limit: int | None = None
                   ) -> Callable[[Connection, str], list[HistoryEntry]]:
    """The history of an account, newest first, filtered so (``limit`` events at most),
    as a read on a connection (for :func:`each_account`)."""
    if kind is not None:
        kind = Event(kind).value

    def read(connection: Connection, account: str) -> list[HistoryEntry]:
        validate_account(account)
        if connection.scalar(select(contracts.c.account)
                             .where(contracts.c.account == account)) is None:
            raise not_found(connection, account)
        rows = connection.execute(queries.history_query(account, since=since, until=until,
                                                        kind=kind, limit=limit))
        return [HistoryEntry(r.event, r.at, r.device_id, r.name, r.type, r.imei) for r in rows]

    return read


def list_accounts(db: Database, *, plan: str | None = None, status: str | None = None,
                  account_prefix: str | None = None, limit: int | None = None,
                  chunk: int = 1000) -> Generator[AccountSummary, None, None]:
    """Stream every account (server-side cursor on PostgreSQL, chunks on SQLite), by id;
    ``account_prefix`` and ``limit`` as ``devices search`` has them: the prefix matched
    exactly, character by character: a range of the accounts' primary key where the
    database orders accounts by code point (SQLite; PostgreSQL under C, POSIX, C.UTF-8),
    else a pattern."""
    query = select(contracts.c.account, contracts.c.status, contracts.c.plan,
                   queries.registered_count()).order_by(contracts.c.account)
    if plan is not None:
        query = query.where(contracts.c.plan == Plan(plan).value)
    if status is not None:
        query = query.where(contracts.c.status == Status(status).value)
    if limit is not None:
        query = query.limit(limit)
    with db.connected() as connection:
        if account_prefix:
            from onenumber_cli.search import code_point_order, prefix_match

            query = query.where(prefix_match(
                contracts.c.account, validate_account(account_prefix), db.engine.dialect.name,
                ranged=code_point_order(connection)))
        result = connection.execute(query.execution_options(yield_per=chunk))
        for account, state, plan_value, registered in result:
            yield AccountSummary(account, state, plan_value, Plan(plan_value).capacity,
                                 registered)


def list_audit(db: Database, account: str | None = None, *, since: datetime | None = None,
               until: datetime | None = None, operator: str | None = None,
               action: str | None = None, batch_id: str | None = None,
               limit: int | None = None, chunk: int = 1000) -> Generator[AuditEntry, None, None]:
    """The audit log, newest first, streamed; filters combine with AND."""
    if account is not None:
        validate_account(account)
    query = queries.audit_query(
        account=account, since=since, until=until, operator=operator,
        action=Action(action).value if action else None, batch_id=batch_id, limit=limit,
    )
    with db.connected() as connection:
        for r in connection.execute(query.execution_options(yield_per=chunk)):
            yield AuditEntry(r.at, r.operator, r.action, r.account, r.device_id, r.before,
                             r.after, r.batch_id, r.reverts, r.db_role)
