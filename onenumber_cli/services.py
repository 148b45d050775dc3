"""Use cases: the API the CLI (and batch runs, and tests) call.

Each changing function runs in one transaction (:meth:`Database.write`): lock the
contract row, load a :class:`~onenumber_cli.domain.contract.ContractState`, let the
domain rules decide, apply the change, append history and one audit record.  Inputs
are plain values; results are plain dataclasses; refusals are typed errors.

A change body (``*_in``) works on a :class:`~onenumber_cli.storage.unit.Tx`: it decides
everything (and may refuse) before it changes anything, and changes only through the
``Tx``, which writes with Core statements and can undo a refused batch row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from onenumber_cli.domain import contract as rules
from onenumber_cli.domain.imei import validate_imei
from onenumber_cli.domain.names import default_name, ensure_unique, name_key, validate_name
from onenumber_cli.domain.values import (
    Action,
    Event,
    Plan,
    Status,
    similar_accounts,
    validate_account,
    validate_operator,
    validate_type,
)
from onenumber_cli.errors import (
    AccountNotFound,
    AmbiguousDevice,
    ChangedSince,
    DeviceNotFound,
    DuplicateImei,
    DuplicateName,
    InvalidName,
    InvalidTime,
)
from onenumber_cli.storage import queries
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import Contract
from onenumber_cli.storage.unit import Account, ContractRow, DeviceRow, Tx, could_be_device_id


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and the batch it belongs to (recorded in the audit log)."""

    operator: str
    batch_id: str | None = None
    reverts: str | None = None  # the batch this one undoes (``batch revert``)

    def __post_init__(self) -> None:
        validate_operator(self.operator)  # it is stored and shown: no control characters


def _plain(value: Any) -> Any:
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class _Record:
    """Plain result types: ``to_dict`` gives their machine output fields (nested results
    converted too; other values shared, not copied: ``dataclasses.asdict`` deep-copies
    and costs more than a batch row's rules)."""

    def to_dict(self) -> dict[str, Any]:
        return {name: _plain(value) for name, value in vars(self).items()}


@dataclass(frozen=True)
class DeviceView(_Record):
    id: str
    slot: int | None
    name: str
    type: str
    imei: str | None
    registered_at: datetime
    unregistered_at: datetime | None = None

    @classmethod
    def of(cls, device: DeviceRow) -> DeviceView:
        return cls(device.id, device.slot, device.name, device.type, device.imei,
                   device.registered_at, device.unregistered_at)

    @property
    def registered(self) -> bool:
        return self.slot is not None


@dataclass(frozen=True)
class ContractView(_Record):
    account: str
    status: str
    plan: str
    capacity: int
    registered: int
    devices: list[DeviceView]

    @classmethod
    def of(cls, contract: ContractRow, devices: Sequence[DeviceRow]) -> ContractView:
        return cls(contract.account, contract.status, contract.plan,
                   Plan(contract.plan).capacity, len(devices),
                   [DeviceView.of(d) for d in devices])


@dataclass(frozen=True)
class HistoryView(_Record):
    event: str
    at: datetime
    device_id: str
    name: str
    type: str
    imei: str | None


@dataclass(frozen=True)
class AuditView(_Record):
    at: datetime
    operator: str
    action: str
    account: str
    device_id: str | None
    before: Any
    after: Any
    batch_id: str | None
    reverts: str | None = None


@dataclass(frozen=True)
class AccountSummary(_Record):
    account: str
    status: str
    plan: str
    capacity: int
    registered: int


@dataclass(frozen=True)
class ChangeResult(_Record):
    """What a changing command did (or, with ``dry_run``, would do)."""

    action: str
    account: str
    changed: bool
    plan: str
    status: str
    device: DeviceView | None = None
    removed: list[DeviceView] = field(default_factory=list)
    dry_run: bool = False
    before: Any = None  # the audit record's values (None where nothing changed)
    after: Any = None

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.device is None:
            del data["device"]
        return data


# --- helpers inside a write transaction --------------------------------------------


def _state(account: Account) -> rules.ContractState:
    contract = account.contract
    return rules.ContractState(
        account=contract.account,
        status=Status(contract.status),
        plan=Plan(contract.plan),
        registered=[rules.DeviceRef(d.id, d.slot or 0, d.name) for d in account.registered],
    )


def _snapshot(device: DeviceRow | DeviceView) -> dict[str, Any]:
    """A device as JSON-ready data for the audit log's before/after values."""
    view = DeviceView.of(device) if isinstance(device, DeviceRow) else device
    data = view.to_dict()
    for key in ("registered_at", "unregistered_at"):
        if data[key] is not None:
            data[key] = data[key].isoformat()
    return data


def _record(tx: Tx, actor: Actor, action: str, account: str, *,
            device_id: str | None = None, before: Any = None, after: Any = None
            ) -> tuple[Any, Any]:
    """Append the change's audit record; its ``before`` and ``after`` are also what the
    result reports (a dry run: what would change, from what)."""
    tx.add_audit(at=utcnow(), operator=actor.operator, action=action, account=account,
                 device_id=device_id, before=before, after=after, batch_id=actor.batch_id,
                 reverts=actor.reverts)
    return before, after


def _unregister(tx: Tx, device: DeviceRow, at: datetime) -> DeviceView:
    view = DeviceView.of(device)
    tx.change_device(device, slot=None, unregistered_at=at)
    tx.add_history(Event.UNREGISTER, device, at)
    return view


def _resolve(tx: Tx, account: Account, ref: str) -> DeviceRow:
    """DEVICE = id, IMEI or current name, in that order among the registered devices;
    then the id of a device no longer registered.  So a registered device is always
    reachable by its name, even one that looks like an unregistered device's id (and no
    registered device may be named after another's id or IMEI: :func:`_ensure_reachable`).
    """
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


def _ensure_reachable(name: str, imei: str | None, others: Sequence[DeviceRow]) -> None:
    """A registered device must stay reachable by its name and IMEI: neither may be
    another registered device's id, IMEI or name (ids and IMEIs are matched first)."""
    for other in others:
        if name in (other.id, other.imei):
            raise DuplicateName("reference", name=name, other=other.id)
        if imei is not None and name_key(imei) == other.name_key:
            raise DuplicateImei("name", account=other.account, imei=imei, other=other.id)


def _event_time(account: Account, at: datetime | None = None) -> datetime:
    """When a change of ``account`` happens, taken under its lock (so a change that waited
    for the lock records when it really happened).

    Without ``at``: now, but never before the account's latest event (another operator's
    clock may run ahead of ours), so every device is unregistered after it was
    registered and history stays in order.  With ``at`` (an operator's back-dated
    registration): it must not be in the future, nor before the account's latest event.
    """
    now = utcnow()
    latest = account.latest
    if at is None:
        return now if latest is None or now >= latest else latest
    if at > now:
        raise InvalidTime("future", value=at.isoformat())
    if latest is not None and at < latest:
        raise InvalidTime("before_latest", value=at.isoformat(), latest=latest.isoformat())
    return at


def _touch(tx: Tx, account: Account, **changes: Any) -> None:
    """Change the contract (``changes``, if any) and record when it changed."""
    tx.change_contract(account, updated_at=utcnow(), **changes)


def _result(account: Account, action: str, changed: bool,
            device: DeviceRow | DeviceView | None = None,
            removed: list[DeviceView] | None = None,
            change: tuple[Any, Any] = (None, None)) -> ChangeResult:
    view = DeviceView.of(device) if isinstance(device, DeviceRow) else device
    contract = account.contract
    return ChangeResult(action=action, account=contract.account, changed=changed,
                        plan=contract.plan, status=contract.status, device=view,
                        removed=removed or [], before=change[0], after=change[1])


def _lock(tx: Tx, account: str) -> Account:
    """Validate the account id, lock its contract row (R12) and load its devices."""
    found = tx.account(validate_account(account))
    if found is None:
        raise _not_found(tx.connection, account)
    return found


def _not_found(connection: Connection, account: str) -> AccountNotFound:
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


# --- reads -----------------------------------------------------------------------------


@contextmanager
def _reading(db: Database, account: str) -> Iterator[tuple[Tx, Account]]:
    """One account, read (not locked) the way a change transaction loads it."""
    validate_account(account)
    with db.connected() as connection:
        tx = Tx(connection, lock=False)
        found = tx.account(account)
        if found is None:
            raise _not_found(connection, account)
        yield tx, found


def get_status(db: Database, account: str) -> ContractView:
    with _reading(db, account) as (_tx, found):
        return ContractView.of(found.contract, found.registered)


def list_devices(db: Database, account: str) -> list[DeviceView]:
    return get_status(db, account).devices


def show_device(db: Database, account: str, device: str) -> DeviceView:
    with _reading(db, account) as (tx, found):
        return DeviceView.of(_resolve(tx, found, device))


def history(db: Database, account: str, *, since: datetime | None = None,
            until: datetime | None = None, kind: str | None = None,
            limit: int | None = None) -> list[HistoryView]:
    validate_account(account)
    if kind is not None:
        kind = Event(kind).value
    with db.reading() as session:
        try:
            queries.get_contract(session, account)
        except AccountNotFound:
            raise _not_found(session.connection(), account) from None
        rows = session.scalars(queries.history_query(account, since=since, until=until,
                                                     kind=kind, limit=limit))
        return [HistoryView(r.event, r.at, r.device_id, r.name, r.type, r.imei) for r in rows]


def list_accounts(db: Database, *, plan: str | None = None, status: str | None = None,
                  chunk: int = 1000) -> Iterator[AccountSummary]:
    """Stream every account (server-side cursor on PostgreSQL, chunks on SQLite)."""
    query = select(Contract.account, Contract.status, Contract.plan,
                   queries.registered_count()).order_by(Contract.account)
    if plan is not None:
        query = query.where(Contract.plan == Plan(plan).value)
    if status is not None:
        query = query.where(Contract.status == Status(status).value)
    with db.reading() as session:
        result = session.execute(query.execution_options(yield_per=chunk))
        for account, state, plan_value, registered in result:
            yield AccountSummary(account, state, plan_value, Plan(plan_value).capacity,
                                 registered)


def complete_accounts(db: Database, prefix: str, limit: int = 20) -> list[str]:
    """Account ids starting with ``prefix`` (an index range scan), for shell completion."""
    with db.reading() as session:
        return list(session.scalars(queries.accounts_with_prefix(prefix, limit)))


def complete_devices(db: Database, account: str, prefix: str, limit: int = 20) -> list[str]:
    """Ids of the account's registered devices that start with ``prefix``, then names
    that start with it ignoring case and width, as a DEVICE is resolved (``apple`` and
    ``ａｐｐｌｅ`` find ``Apple Watch SE``)."""
    with _reading(db, account) as (_tx, found):
        devices = found.registered
    key = name_key(prefix)
    found_ids = [d.id for d in devices if d.id.startswith(prefix)]
    found_names = [d.name for d in devices if d.name_key.startswith(key)]
    return (found_ids + found_names)[:limit]


def list_audit(db: Database, account: str | None = None, *, since: datetime | None = None,
               until: datetime | None = None, operator: str | None = None,
               action: str | None = None, batch_id: str | None = None,
               limit: int | None = None, chunk: int = 1000) -> Iterator[AuditView]:
    """The audit log, newest first, streamed; filters combine with AND."""
    if account is not None:
        validate_account(account)
    query = queries.audit_query(
        account=account, since=since, until=until, operator=operator,
        action=Action(action).value if action else None, batch_id=batch_id, limit=limit,
    )
    with db.reading() as session:
        for r in session.scalars(query.execution_options(yield_per=chunk)):
            yield AuditView(r.at, r.operator, r.action, r.account, r.device_id, r.before,
                            r.after, r.batch_id, r.reverts)


# --- changes -------------------------------------------------------------------------
#
# Each ``*_in`` function is the body of one change transaction: Tx in, result out.
# The public functions run one body per transaction; a batch can run several in one.


def register_in(tx: Tx, actor: Actor, account: str, device_type: str, *,
                name: str | None = None, imei: str | None = None,
                at: datetime | None = None, replace: bool = False) -> ChangeResult:
    """Register a device in the lowest free slot (R1, R2, R3, R4)."""
    device_type = validate_type(device_type)
    name = validate_name(name) if name is not None else None
    imei = validate_imei(imei) if imei is not None else None
    locked = _lock(tx, account)
    when = _event_time(locked, at)
    registered = locked.registered
    leaving = {ref.id for ref in rules.plan_registration(_state(locked), replace=replace)}
    staying = [d for d in registered if d.id not in leaving]
    taken = {d.name_key: d.name for d in staying}
    if name is None:
        name = default_name(device_type, taken)
        if name is None:
            raise InvalidName("no_default", type=device_type)
    ensure_unique(name, taken)
    if imei is not None and any(d.imei == imei for d in staying):
        raise DuplicateImei(account=account, imei=imei)
    _ensure_reachable(name, imei, staying)
    slot = rules.lowest_free_slot({d.slot for d in staying if d.slot is not None},
                                  Plan(locked.contract.plan).capacity)
    assert slot is not None, "plan_registration guarantees a free slot"
    removed = [_unregister(tx, d, when) for d in registered if d.id in leaving]
    avoid = {key for d in staying for key in (d.name, d.name_key)}
    device = DeviceRow(id=tx.new_device_id(avoid), account=account, slot=slot, name=name,
                       name_key=name_key(name), type=device_type, imei=imei,
                       registered_at=when, type_key=name_key(device_type))
    tx.add_device(locked, device)
    tx.add_history(Event.REGISTER, device, when)
    _touch(tx, locked)
    before = {"replaced": [_snapshot(v) for v in removed]} if removed else None
    change = _record(tx, actor, Action.REGISTER, account, device_id=device.id, before=before,
                     after=_snapshot(device))
    return _result(locked, Action.REGISTER, True, device, removed, change)


def rename_in(tx: Tx, actor: Actor, account: str, device: str,
              new_name: str) -> ChangeResult:
    """Change a registered device's name (R3; the only field that ever changes, R5)."""
    new_name = validate_name(new_name)
    locked = _lock(tx, account)
    target = _resolve(tx, locked, device)
    if target.name == new_name:  # its own current name: a no-op, so re-runs succeed
        return _result(locked, Action.RENAME, False, target)
    rules.check_rename(_state(locked), target.id)
    others = [d for d in locked.registered if d.id != target.id]
    ensure_unique(new_name, {d.name_key: d.name for d in others})
    _ensure_reachable(new_name, None, others)
    old = target.name
    tx.change_device(target, name=new_name, name_key=name_key(new_name))
    _touch(tx, locked)
    change = _record(tx, actor, Action.RENAME, account, device_id=target.id,
                     before={"name": old}, after={"name": new_name})
    return _result(locked, Action.RENAME, True, target, change=change)


def once_in(tx: Tx, actor: Actor, account: str, action: str,
            body: Callable[[Tx], ChangeResult]) -> ChangeResult:
    """Run a revert's ``body`` unless the audit record it undoes (``actor.reverts``) was
    undone already, checked under the account's lock: a batch reverted twice changes
    nothing the second time, even where its rows toggle (subscribe, then cancel)."""
    locked = _lock(tx, account)
    if actor.reverts is not None and tx.reverted(actor.reverts):
        return _result(locked, action, False)
    return body(tx)


def revert_rename_in(tx: Tx, actor: Actor, account: str, device_id: str, *,
                     renamed_to: str, restore: str) -> ChangeResult:
    """Undo a rename: back to ``restore``, only while the device still has the name the
    batch gave it (``renamed_to``); already back is a no-op, so a revert can run twice."""
    locked = _lock(tx, account)
    target = tx.device(account, device_id)
    if target is None:
        raise DeviceNotFound(account=account, device=device_id)
    if target.name == restore:
        return _result(locked, Action.RENAME, False, target)
    if target.name != renamed_to:
        raise ChangedSince("rename", account=account, device=device_id, expected=renamed_to,
                           current=target.name)
    return rename_in(tx, actor, account, device_id, restore)


def unregister_in(tx: Tx, actor: Actor, account: str, device: str, *,
                  at: datetime | None = None) -> ChangeResult:
    """Remove a device's registration (R6); an already unregistered device is a no-op."""
    locked = _lock(tx, account)
    target = _resolve(tx, locked, device)
    if not rules.check_unregister(_state(locked), target.id):
        return _result(locked, Action.UNREGISTER, False, target)
    view = _unregister(tx, target, _event_time(locked, at))
    _touch(tx, locked)
    change = _record(tx, actor, Action.UNREGISTER, account, device_id=target.id,
                     before=_snapshot(view), after=None)
    return _result(locked, Action.UNREGISTER, True, target, change=change)


def option_subscribe_in(tx: Tx, actor: Actor, account: str) -> ChangeResult:
    """R7: one-number -> one-number+multi; a no-op when already subscribed."""
    locked = _lock(tx, account)
    if not rules.check_option_subscribe(_state(locked)):
        return _result(locked, Action.OPTION_SUBSCRIBE, False)
    _touch(tx, locked, plan=Plan.MULTI.value)
    change = _record(tx, actor, Action.OPTION_SUBSCRIBE, account,
                     before={"plan": Plan.ONE_NUMBER.value}, after={"plan": Plan.MULTI.value})
    return _result(locked, Action.OPTION_SUBSCRIBE, True, change=change)


def option_cancel_in(tx: Tx, actor: Actor, account: str) -> ChangeResult:
    """R8: back to one-number; the remaining device (if any) moves to slot 1."""
    locked = _lock(tx, account)
    if not rules.check_option_cancel(_state(locked)):
        return _result(locked, Action.OPTION_CANCEL, False)
    registered = locked.registered
    moved = registered[0] if registered else None
    if moved is not None and moved.slot != 1:
        tx.change_device(moved, slot=1)
    _touch(tx, locked, plan=Plan.ONE_NUMBER.value)
    change = _record(tx, actor, Action.OPTION_CANCEL, account,
                     device_id=moved.id if moved else None,
                     before={"plan": Plan.MULTI.value}, after={"plan": Plan.ONE_NUMBER.value})
    return _result(locked, Action.OPTION_CANCEL, True, moved, change=change)


def service_subscribe_in(tx: Tx, actor: Actor, account: str, *,
                         multi: bool = False) -> ChangeResult:
    """R9: create the account's contract, or reactivate a cancelled one (history kept)."""
    plan = Plan.MULTI if multi else Plan.ONE_NUMBER
    locked = tx.account(validate_account(account))
    if locked is not None and not rules.check_service_subscribe(_state(locked), plan):
        return _result(locked, Action.SERVICE_SUBSCRIBE, False)
    if locked is None:
        now = utcnow()
        locked = tx.add_account(ContractRow(account=account, status=Status.ACTIVE.value,
                                            plan=plan.value, created_at=now, updated_at=now))
        before = None
    else:
        before = {"status": locked.contract.status, "plan": locked.contract.plan}
        _touch(tx, locked, status=Status.ACTIVE.value, plan=plan.value)
    change = _record(tx, actor, Action.SERVICE_SUBSCRIBE, account, before=before,
                     after={"status": Status.ACTIVE.value, "plan": plan.value})
    return _result(locked, Action.SERVICE_SUBSCRIBE, True, change=change)


def service_cancel_in(tx: Tx, actor: Actor, account: str) -> ChangeResult:
    """R10: unregister the remaining device, end the option, cancel the contract."""
    locked = _lock(tx, account)
    if not rules.check_service_cancel(_state(locked)):
        return _result(locked, Action.SERVICE_CANCEL, False)
    contract = locked.contract
    before_state = {"status": contract.status, "plan": contract.plan}
    when = _event_time(locked)
    removed = [_unregister(tx, d, when) for d in locked.registered]
    _touch(tx, locked, status=Status.CANCELLED.value, plan=Plan.ONE_NUMBER.value)
    change = _record(tx, actor, Action.SERVICE_CANCEL, account,
                     device_id=removed[0].id if removed else None,
                     before={**before_state, "devices": [_snapshot(v) for v in removed]},
                     after={"status": contract.status, "plan": contract.plan})
    return _result(locked, Action.SERVICE_CANCEL, True, removed=removed, change=change)


def in_transaction(body: Callable[[Tx], ChangeResult], *, dry_run: bool = False
                   ) -> Callable[[Connection], ChangeResult]:
    """A change body as the work of one :meth:`Database.write` transaction (a dry run
    takes no row locks: a read-only role can check a change too)."""

    def work(connection: Connection) -> ChangeResult:
        tx = Tx(connection, dry_run=dry_run)
        result = body(tx)
        tx.flush()
        return result

    return work


def _write(db: Database, body: Callable[[Tx], ChangeResult], dry_run: bool) -> ChangeResult:
    """One change in its own transaction (rolled back after checking, for a dry run)."""
    result = db.write(in_transaction(body, dry_run=dry_run), dry_run=dry_run)
    return dataclasses.replace(result, dry_run=True) if dry_run else result


def register_device(db: Database, actor: Actor, account: str, device_type: str, *,
                    name: str | None = None, imei: str | None = None,
                    at: datetime | None = None, replace: bool = False,
                    dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda tx: register_in(tx, actor, account, device_type, name=name,
                                             imei=imei, at=at, replace=replace), dry_run)


def rename_device(db: Database, actor: Actor, account: str, device: str, new_name: str, *,
                  dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda tx: rename_in(tx, actor, account, device, new_name), dry_run)


def unregister_device(db: Database, actor: Actor, account: str, device: str, *,
                      at: datetime | None = None, dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda tx: unregister_in(tx, actor, account, device, at=at), dry_run)


def option_subscribe(db: Database, actor: Actor, account: str, *,
                     dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda tx: option_subscribe_in(tx, actor, account), dry_run)


def option_cancel(db: Database, actor: Actor, account: str, *,
                  dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda tx: option_cancel_in(tx, actor, account), dry_run)


def service_subscribe(db: Database, actor: Actor, account: str, *, multi: bool = False,
                      dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda tx: service_subscribe_in(tx, actor, account, multi=multi), dry_run)


def service_cancel(db: Database, actor: Actor, account: str, *,
                   dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda tx: service_cancel_in(tx, actor, account), dry_run)
