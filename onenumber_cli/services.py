"""Use cases: the API the CLI (and batch runs, and tests) call.

Each changing function runs in one transaction (:meth:`Database.write`): lock the
contract row, load a :class:`~onenumber_cli.domain.contract.ContractState`, let the
domain rules decide, apply the change, append history and one audit record.  Inputs
are plain values; results are plain dataclasses; refusals are typed errors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onenumber_cli.domain import contract as rules
from onenumber_cli.domain.imei import validate_imei
from onenumber_cli.domain.names import default_name, ensure_unique, name_key, validate_name
from onenumber_cli.domain.values import (
    Action,
    Event,
    Plan,
    Status,
    validate_account,
    validate_type,
)
from onenumber_cli.errors import (
    AccountNotFound,
    AmbiguousDevice,
    DeviceNotFound,
    DuplicateImei,
    InvalidName,
)
from onenumber_cli.storage import queries
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import AuditRecord, Contract, Device, HistoryEvent


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and the batch it belongs to (recorded in the audit log)."""

    operator: str
    batch_id: str | None = None


class _Record:
    """Plain result types: ``to_dict`` gives their machine output fields."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload, no-any-return]


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
    def of(cls, device: Device) -> DeviceView:
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
    def of(cls, contract: Contract, devices: list[Device]) -> ContractView:
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


@dataclass(frozen=True)
class AccountSummary(_Record):
    account: str
    status: str
    plan: str
    capacity: int
    registered: int


@dataclass(frozen=True)
class ChangeResult:
    """What a changing command did (or, with ``dry_run``, would do)."""

    action: str
    account: str
    changed: bool
    plan: str
    status: str
    device: DeviceView | None = None
    removed: list[DeviceView] = field(default_factory=list)
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.device is None:
            del data["device"]
        return data


# --- helpers inside a write transaction --------------------------------------------


def _state(contract: Contract, registered: list[Device]) -> rules.ContractState:
    return rules.ContractState(
        account=contract.account,
        status=Status(contract.status),
        plan=Plan(contract.plan),
        registered=[rules.DeviceRef(d.id, d.slot or 0, d.name) for d in registered],
    )


def _snapshot(device: Device | DeviceView) -> dict[str, Any]:
    """A device as JSON-ready data for the audit log's before/after values."""
    view = DeviceView.of(device) if isinstance(device, Device) else device
    data = view.to_dict()
    for key in ("registered_at", "unregistered_at"):
        if data[key] is not None:
            data[key] = data[key].isoformat()
    return data


def _record(session: Session, actor: Actor, action: str, account: str, *,
            device_id: str | None = None, before: Any = None, after: Any = None) -> None:
    session.add(AuditRecord(at=utcnow(), operator=actor.operator, action=action,
                            account=account, device_id=device_id, before=before,
                            after=after, batch_id=actor.batch_id))


def _event(session: Session, event: Event, device: Device, at: datetime) -> None:
    session.add(HistoryEvent(account=device.account, event=event.value, at=at,
                             device_id=device.id, name=device.name, type=device.type,
                             imei=device.imei))


def _unregister(session: Session, device: Device, at: datetime) -> DeviceView:
    view = DeviceView.of(device)
    device.slot = None
    device.unregistered_at = at
    _event(session, Event.UNREGISTER, device, at)
    session.flush()  # free the slot and the name key before anything takes them
    return view


def _resolve(session: Session, account: str, ref: str,
             registered: list[Device] | None = None) -> Device:
    """DEVICE = id, IMEI or current name.  An id always wins (an unregistered device too);
    otherwise the IMEI or name must designate exactly one registered device.

    ``registered`` (the account's registered devices, already loaded under the lock)
    answers the common case without another query.
    """
    if registered is None:
        registered = queries.registered_devices(session, account)
    by_id = next((d for d in registered if d.id == ref), None)
    if by_id is None and queries.could_be_device_id(ref):
        by_id = queries.device_by_id(session, account, ref)
    if by_id is not None:
        return by_id
    key = name_key(ref)
    others = [d for d in registered if d.imei == ref or d.name_key == key]
    if not others:
        raise DeviceNotFound(account=account, device=ref)
    if len(others) > 1:
        ids = ", ".join(d.id for d in others)
        raise AmbiguousDevice(account=account, device=ref, ids=ids,
                              details=[d.id for d in others])
    return others[0]


def _touch(contract: Contract) -> None:
    contract.updated_at = utcnow()


@dataclass
class _Locked:
    """One account inside a change transaction: its locked contract and its devices."""

    contract: Contract
    registered: list[Device]

    @property
    def state(self) -> rules.ContractState:
        return _state(self.contract, self.registered)

    def result(self, action: str, changed: bool, device: Device | DeviceView | None = None,
               removed: list[DeviceView] | None = None) -> ChangeResult:
        view = DeviceView.of(device) if isinstance(device, Device) else device
        return ChangeResult(action=action, account=self.contract.account, changed=changed,
                            plan=self.contract.plan, status=self.contract.status,
                            device=view, removed=removed or [])


def _lock(session: Session, account: str) -> _Locked:
    """Validate the account id, lock its contract row (R12) and load its devices."""
    contract = queries.lock_contract(session, validate_account(account))
    return _Locked(contract, queries.registered_devices(session, account))


# --- reads -----------------------------------------------------------------------------


def get_status(db: Database, account: str) -> ContractView:
    validate_account(account)
    with db.reading() as session:
        contract = queries.get_contract(session, account)
        return ContractView.of(contract, queries.registered_devices(session, account))


def list_devices(db: Database, account: str) -> list[DeviceView]:
    return get_status(db, account).devices


def show_device(db: Database, account: str, device: str) -> DeviceView:
    validate_account(account)
    with db.reading() as session:
        queries.get_contract(session, account)
        return DeviceView.of(_resolve(session, account, device))


def history(db: Database, account: str, *, since: datetime | None = None,
            until: datetime | None = None, kind: str | None = None,
            limit: int | None = None) -> list[HistoryView]:
    validate_account(account)
    if kind is not None:
        kind = Event(kind).value
    with db.reading() as session:
        queries.get_contract(session, account)
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
    """Ids and names of the account's registered devices that start with ``prefix``
    (case-sensitive, as Typer filters suggestions by prefix itself)."""
    with db.reading() as session:
        devices = queries.registered_devices(session, account)
    found = [d.id for d in devices if d.id.startswith(prefix)]
    found += [d.name for d in devices if d.name.startswith(prefix)]
    return found[:limit]


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
                            r.after, r.batch_id)


# --- changes -------------------------------------------------------------------------
#
# Each ``*_in`` function is the body of one change transaction: session in, result out.
# The public functions run one body per transaction; a batch can run several in one.


def register_in(session: Session, actor: Actor, account: str, device_type: str, *,
                name: str | None = None, imei: str | None = None,
                at: datetime | None = None, replace: bool = False) -> ChangeResult:
    """Register a device in the lowest free slot (R1, R2, R3, R4)."""
    device_type = validate_type(device_type)
    name = validate_name(name) if name is not None else None
    imei = validate_imei(imei) if imei is not None else None
    when = at or utcnow()
    locked = _lock(session, account)
    leaving = {ref.id for ref in rules.plan_registration(locked.state, replace=replace)}
    staying = [d for d in locked.registered if d.id not in leaving]
    taken = {d.name_key: d.name for d in staying}
    if name is None:
        name = default_name(device_type, taken)
        if name is None:
            raise InvalidName("no_default", type=device_type)
    ensure_unique(name, taken)
    if imei is not None and any(d.imei == imei for d in staying):
        raise DuplicateImei(account=account, imei=imei)
    removed = [_unregister(session, d, when) for d in locked.registered if d.id in leaving]
    slot = rules.lowest_free_slot({d.slot for d in staying if d.slot is not None},
                                  Plan(locked.contract.plan).capacity)
    assert slot is not None, "plan_registration guarantees a free slot"
    device = Device(id=queries.new_device_id(session), account=account, slot=slot, name=name,
                    name_key=name_key(name), type=device_type, imei=imei, registered_at=when)
    session.add(device)
    _event(session, Event.REGISTER, device, when)
    _touch(locked.contract)
    before = {"replaced": [_snapshot(v) for v in removed]} if removed else None
    _record(session, actor, Action.REGISTER, account, device_id=device.id, before=before,
            after=_snapshot(device))
    return locked.result(Action.REGISTER, True, device, removed)


def rename_in(session: Session, actor: Actor, account: str, device: str,
              new_name: str) -> ChangeResult:
    """Change a registered device's name (R3; the only field that ever changes, R5)."""
    new_name = validate_name(new_name)
    locked = _lock(session, account)
    target = _resolve(session, account, device, locked.registered)
    if target.name == new_name:  # its own current name: a no-op, so re-runs succeed
        return locked.result(Action.RENAME, False, target)
    rules.check_rename(locked.state, target.id)
    ensure_unique(new_name, {d.name_key: d.name for d in locked.registered if d.id != target.id})
    old = target.name
    target.name, target.name_key = new_name, name_key(new_name)
    _touch(locked.contract)
    _record(session, actor, Action.RENAME, account, device_id=target.id,
            before={"name": old}, after={"name": new_name})
    return locked.result(Action.RENAME, True, target)


def unregister_in(session: Session, actor: Actor, account: str, device: str, *,
                  at: datetime | None = None) -> ChangeResult:
    """Remove a device's registration (R6); an already unregistered device is a no-op."""
    locked = _lock(session, account)
    target = _resolve(session, account, device, locked.registered)
    if not rules.check_unregister(locked.state, target.id):
        return locked.result(Action.UNREGISTER, False, target)
    view = _unregister(session, target, at or utcnow())
    _touch(locked.contract)
    _record(session, actor, Action.UNREGISTER, account, device_id=target.id,
            before=_snapshot(view), after=None)
    return locked.result(Action.UNREGISTER, True, target)


def option_subscribe_in(session: Session, actor: Actor, account: str) -> ChangeResult:
    """R7: one-number -> one-number+multi; a no-op when already subscribed."""
    locked = _lock(session, account)
    if not rules.check_option_subscribe(locked.state):
        return locked.result(Action.OPTION_SUBSCRIBE, False)
    locked.contract.plan = Plan.MULTI.value
    _touch(locked.contract)
    _record(session, actor, Action.OPTION_SUBSCRIBE, account,
            before={"plan": Plan.ONE_NUMBER.value}, after={"plan": Plan.MULTI.value})
    return locked.result(Action.OPTION_SUBSCRIBE, True)


def option_cancel_in(session: Session, actor: Actor, account: str) -> ChangeResult:
    """R8: back to one-number; the remaining device (if any) moves to slot 1."""
    locked = _lock(session, account)
    if not rules.check_option_cancel(locked.state):
        return locked.result(Action.OPTION_CANCEL, False)
    locked.contract.plan = Plan.ONE_NUMBER.value
    moved = locked.registered[0] if locked.registered else None
    if moved is not None:
        moved.slot = 1
    _touch(locked.contract)
    _record(session, actor, Action.OPTION_CANCEL, account, device_id=moved.id if moved else None,
            before={"plan": Plan.MULTI.value}, after={"plan": Plan.ONE_NUMBER.value})
    return locked.result(Action.OPTION_CANCEL, True, moved)


def service_subscribe_in(session: Session, actor: Actor, account: str, *,
                         multi: bool = False) -> ChangeResult:
    """R9: create the account's contract, or reactivate a cancelled one (history kept)."""
    plan = Plan.MULTI if multi else Plan.ONE_NUMBER
    try:
        locked: _Locked | None = _lock(session, account)
    except AccountNotFound:
        locked = None
    if locked is not None and not rules.check_service_subscribe(locked.state, plan):
        return locked.result(Action.SERVICE_SUBSCRIBE, False)
    now = utcnow()
    if locked is None:
        contract = Contract(account=account, status=Status.ACTIVE.value, plan=plan.value,
                            created_at=now, updated_at=now)
        session.add(contract)
        locked, before = _Locked(contract, []), None
    else:
        before = {"status": locked.contract.status, "plan": locked.contract.plan}
        locked.contract.status, locked.contract.plan = Status.ACTIVE.value, plan.value
        _touch(locked.contract)
    _record(session, actor, Action.SERVICE_SUBSCRIBE, account, before=before,
            after={"status": Status.ACTIVE.value, "plan": plan.value})
    return locked.result(Action.SERVICE_SUBSCRIBE, True)


def service_cancel_in(session: Session, actor: Actor, account: str) -> ChangeResult:
    """R10: unregister the remaining device, end the option, cancel the contract."""
    locked = _lock(session, account)
    if not rules.check_service_cancel(locked.state):
        return locked.result(Action.SERVICE_CANCEL, False)
    contract = locked.contract
    removed = [_unregister(session, d, utcnow()) for d in locked.registered]
    before = {"status": contract.status, "plan": contract.plan,
              "devices": [_snapshot(v) for v in removed]}
    contract.status, contract.plan = Status.CANCELLED.value, Plan.ONE_NUMBER.value
    _touch(contract)
    _record(session, actor, Action.SERVICE_CANCEL, account,
            device_id=removed[0].id if removed else None, before=before,
            after={"status": contract.status, "plan": contract.plan})
    return locked.result(Action.SERVICE_CANCEL, True, removed=removed)


def _write(db: Database, body: Callable[[Session], ChangeResult],
           dry_run: bool) -> ChangeResult:
    """One change in its own transaction (rolled back after checking, for a dry run)."""
    result = db.write(body, dry_run=dry_run)
    return dataclasses.replace(result, dry_run=True) if dry_run else result


def register_device(db: Database, actor: Actor, account: str, device_type: str, *,
                    name: str | None = None, imei: str | None = None,
                    at: datetime | None = None, replace: bool = False,
                    dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda s: register_in(s, actor, account, device_type, name=name,
                                            imei=imei, at=at, replace=replace), dry_run)


def rename_device(db: Database, actor: Actor, account: str, device: str, new_name: str, *,
                  dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda s: rename_in(s, actor, account, device, new_name), dry_run)


def unregister_device(db: Database, actor: Actor, account: str, device: str, *,
                      at: datetime | None = None, dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda s: unregister_in(s, actor, account, device, at=at), dry_run)


def option_subscribe(db: Database, actor: Actor, account: str, *,
                     dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda s: option_subscribe_in(s, actor, account), dry_run)


def option_cancel(db: Database, actor: Actor, account: str, *,
                  dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda s: option_cancel_in(s, actor, account), dry_run)


def service_subscribe(db: Database, actor: Actor, account: str, *, multi: bool = False,
                      dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda s: service_subscribe_in(s, actor, account, multi=multi), dry_run)


def service_cancel(db: Database, actor: Actor, account: str, *,
                   dry_run: bool = False) -> ChangeResult:
    return _write(db, lambda s: service_cancel_in(s, actor, account), dry_run)
