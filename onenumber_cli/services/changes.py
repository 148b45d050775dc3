"""The change bodies: each one the whole of a change transaction, ``Tx`` in, result out.

Every body has one shape: lock the account (R12) and load it, let the domain rules
decide (and refuse with a typed error) before anything changes, return "unchanged" for
a no-op (so re-runs succeed), change only through the
:class:`~onenumber_cli.storage.unit.Tx`, then :func:`_done`: touch the contract, append
one audit record, and report what changed from what.  The bodies are entries of the
action table (:mod:`onenumber_cli.services.actions`), which runs them for commands,
batch rows and reverts alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

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
    ChangedSince,
    DeviceNotFound,
    DuplicateImei,
    DuplicateName,
    InvalidName,
    InvalidTime,
    ValueRetyped,
)
from onenumber_cli.services.reads import not_found, resolve
from onenumber_cli.services.records import Actor, ChangeResult, Device, utcnow
from onenumber_cli.spreadsheet import retyping
from onenumber_cli.storage.unit import Account, ContractRow, DeviceRow, Tx

Body = Callable[[Tx], ChangeResult]


# --- the shape every body shares ------------------------------------------------------


def _lock(tx: Tx, account: str) -> Account:
    """Validate the account id, lock its contract row (R12) and load its devices."""
    found = tx.account(validate_account(account))
    if found is None:
        raise not_found(tx.connection, account)
    return found


# The stored values' members, looked up (calling the enum costs a batch row 1.5 us).
_STATUSES = {status.value: status for status in Status}
_PLANS = {plan.value: plan for plan in Plan}


def _state(account: Account) -> rules.ContractState:
    contract = account.contract
    return rules.ContractState(contract.account, _STATUSES[contract.status],
                               _PLANS[contract.plan], account.registered)


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
        raise InvalidTime("future", value=at)
    if latest is not None and at < latest:
        raise InvalidTime("before_latest", value=at, latest=latest)
    return at


def _unchanged(account: Account, action: Action,
               device: DeviceRow | None = None) -> ChangeResult:
    contract = account.contract
    return ChangeResult(action=action, account=contract.account, changed=False,
                        plan=contract.plan, status=contract.status,
                        device=Device.of(device) if device is not None else None)


def _done(tx: Tx, actor: Actor, account: Account, action: Action, *,
          device: DeviceRow | Device | None = None, removed: Sequence[Device] = (),
          device_id: str | None = None, before: Any = None, after: Any = None,
          touch: bool = True, **contract_changes: Any) -> ChangeResult:
    """The end of every change: the contract changed (``contract_changes``) and touched,
    one audit record appended (about ``device_id``, by default the ``device``'s), and
    the result, whose ``before`` and ``after`` are the audit record's (a dry run: what
    would change, from what)."""
    now = utcnow()
    if touch:
        tx.change_contract(account, updated_at=now, **contract_changes)
    contract = account.contract
    view = Device.of(device) if isinstance(device, DeviceRow) else device
    tx.add_audit(at=now, operator=actor.operator, action=action,
                 account=contract.account, device_id=device_id or (view.id if view else None),
                 before=before, after=after, batch_id=actor.batch_id, reverts=actor.reverts)
    return ChangeResult(action=action, account=contract.account, changed=True,
                        plan=contract.plan, status=contract.status, device=view,
                        removed=list(removed), before=before, after=after)


def _unregister(tx: Tx, device: DeviceRow, at: datetime) -> Device:
    view = Device.of(device)
    tx.change_device(device, slot=None, unregistered_at=at)
    tx.add_history(Event.UNREGISTER, device, at)
    return view


def _check_name(name: str, others: Sequence[DeviceRow], imei: str | None = None) -> None:
    """R3 and R4 among ``others`` (the account's other registered devices), and the device
    stays reachable by its name and IMEI: neither may be another registered device's id,
    IMEI or name (a DEVICE is matched by id and IMEI before names)."""
    ensure_unique(name, {d.name_key: d.name for d in others})
    if imei is not None and any(d.imei == imei for d in others):
        raise DuplicateImei(account=others[0].account, imei=imei)
    for other in others:
        if name in (other.id, other.imei):
            raise DuplicateName("reference", name=name, other=other.id)
        if imei is not None and name_key(imei) == other.name_key:
            raise DuplicateImei("name", account=other.account, imei=imei, other=other.id)


# --- the bodies ------------------------------------------------------------------------


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
    if name is None:
        name = default_name(device_type, {d.name_key: d.name for d in staying})
        if name is None:
            raise InvalidName("no_default", type=device_type)
    _check_name(name, staying, imei)
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
    added = Device.of(device)
    return _done(tx, actor, locked, Action.REGISTER, device=added, removed=removed,
                 before={"replaced": [v.snapshot() for v in removed]} if removed else None,
                 after=added.snapshot())


def rename_in(tx: Tx, actor: Actor, account: str, device: str,
              new_name: str, *, refuse_retyped: bool = False) -> ChangeResult:
    """Change a registered device's name (R3; the only field that ever changes, R5).

    ``refuse_retyped`` (a batch file, unless ``--allow-reformatted``): a new name that
    looks like a spreadsheet's re-typing of the current one (``0012`` -> ``12``) is
    refused with :class:`ValueRetyped`; compared under the account's lock, with the name
    the device has now."""
    new_name = validate_name(new_name)
    locked = _lock(tx, account)
    target = resolve(tx, locked, device)
    if target.name == new_name:  # its own current name: a no-op, so re-runs succeed
        return _unchanged(locked, Action.RENAME, target)
    how = retyping(target.name, new_name) if refuse_retyped else None
    if how is not None:
        raise ValueRetyped(how, field="name", value=new_name, old=target.name,
                           account=account, device=target.id)
    return _rename(tx, actor, locked, target, new_name)


def _rename(tx: Tx, actor: Actor, locked: Account, target: DeviceRow,
            new_name: str) -> ChangeResult:
    rules.check_rename(_state(locked), target.id)
    _check_name(new_name, [d for d in locked.registered if d.id != target.id])
    old = target.name
    tx.change_device(target, name=new_name, name_key=name_key(new_name))
    return _done(tx, actor, locked, Action.RENAME, device=target,
                 before={"name": old}, after={"name": new_name})


def unregister_in(tx: Tx, actor: Actor, account: str, device: str, *,
                  at: datetime | None = None) -> ChangeResult:
    """Remove a device's registration (R6); an already unregistered device is a no-op."""
    locked = _lock(tx, account)
    target = resolve(tx, locked, device)
    if not rules.check_unregister(_state(locked), target.id):
        return _unchanged(locked, Action.UNREGISTER, target)
    return _unregister_done(tx, actor, locked, target, at)


def _unregister_done(tx: Tx, actor: Actor, locked: Account, target: DeviceRow,
                     at: datetime | None = None) -> ChangeResult:
    view = _unregister(tx, target, _event_time(locked, at))
    return _done(tx, actor, locked, Action.UNREGISTER, device=target,
                 before=view.snapshot(), after=None)


def option_subscribe_in(tx: Tx, actor: Actor, account: str) -> ChangeResult:
    """R7: one-number -> one-number+multi; a no-op when already subscribed."""
    locked = _lock(tx, account)
    if not rules.check_option_subscribe(_state(locked)):
        return _unchanged(locked, Action.OPTION_SUBSCRIBE)
    return _done(tx, actor, locked, Action.OPTION_SUBSCRIBE, plan=Plan.MULTI.value,
                 before={"plan": Plan.ONE_NUMBER.value}, after={"plan": Plan.MULTI.value})


def option_cancel_in(tx: Tx, actor: Actor, account: str) -> ChangeResult:
    """R8: back to one-number; the remaining device (if any) moves to slot 1."""
    locked = _lock(tx, account)
    if not rules.check_option_cancel(_state(locked)):
        return _unchanged(locked, Action.OPTION_CANCEL)
    registered = locked.registered
    moved = registered[0] if registered else None
    if moved is not None and moved.slot != 1:
        tx.change_device(moved, slot=1)
    return _done(tx, actor, locked, Action.OPTION_CANCEL, device=moved,
                 plan=Plan.ONE_NUMBER.value,
                 before={"plan": Plan.MULTI.value}, after={"plan": Plan.ONE_NUMBER.value})


def service_subscribe_in(tx: Tx, actor: Actor, account: str, *,
                         multi: bool = False) -> ChangeResult:
    """R9: create the account's contract, or reactivate a cancelled one (history kept)."""
    plan = Plan.MULTI if multi else Plan.ONE_NUMBER
    after = {"status": Status.ACTIVE.value, "plan": plan.value}
    locked = tx.account(validate_account(account))
    if locked is None:
        now = utcnow()
        created = tx.add_account(ContractRow(account=account, status=Status.ACTIVE.value,
                                             plan=plan.value, created_at=now, updated_at=now))
        return _done(tx, actor, created, Action.SERVICE_SUBSCRIBE, touch=False, after=after)
    if not rules.check_service_subscribe(_state(locked), plan):
        return _unchanged(locked, Action.SERVICE_SUBSCRIBE)
    before = {"status": locked.contract.status, "plan": locked.contract.plan}
    return _done(tx, actor, locked, Action.SERVICE_SUBSCRIBE, before=before, after=after,
                 status=Status.ACTIVE.value, plan=plan.value)


def service_cancel_in(tx: Tx, actor: Actor, account: str) -> ChangeResult:
    """R10: unregister the remaining device, end the option, cancel the contract."""
    locked = _lock(tx, account)
    if not rules.check_service_cancel(_state(locked)):
        return _unchanged(locked, Action.SERVICE_CANCEL)
    contract = locked.contract
    before = {"status": contract.status, "plan": contract.plan}
    when = _event_time(locked)
    removed = [_unregister(tx, d, when) for d in locked.registered]
    after = {"status": Status.CANCELLED.value, "plan": Plan.ONE_NUMBER.value}
    return _done(tx, actor, locked, Action.SERVICE_CANCEL,
                 device_id=removed[0].id if removed else None, removed=removed,
                 before={**before, "devices": [v.snapshot() for v in removed]},
                 after=after, status=Status.CANCELLED.value, plan=Plan.ONE_NUMBER.value)


# --- undoing a batch's change (``batch revert``) -------------------------------------


def once_in(tx: Tx, actor: Actor, account: str, action: Action, body: Body) -> ChangeResult:
    """Run a revert's ``body`` unless the audit record it undoes (``actor.reverts``) was
    undone already, checked under the account's lock: a batch reverted twice changes
    nothing the second time, even where its rows toggle (subscribe, then cancel)."""
    locked = _lock(tx, account)
    if actor.reverts is not None and tx.reverted(actor.reverts):
        return _unchanged(locked, action)
    return body(tx)


def _as_left(tx: Tx, account: str, device_id: str) -> DeviceRow:
    """The device a batch's audit record names, found by its id only (never by name or
    IMEI: another device may since be called after that id) and still registered;
    otherwise the revert would undo a later change (``changed_since``)."""
    target = tx.device(account, device_id)
    if target is None:
        raise DeviceNotFound(account=account, device=device_id)
    if target.slot is None:
        raise ChangedSince("unregistered", account=account, device=device_id,
                           name=target.name)
    return target


def _contract_as_left(locked: Account, status: str, plan: str) -> None:
    """The contract is still as the batch's audit record left it (else ``changed_since``)."""
    contract = locked.contract
    if (contract.status, contract.plan) != (status, plan):
        raise ChangedSince("contract", account=contract.account, status=contract.status,
                           plan=contract.plan, expected_status=status, expected_plan=plan)


def _registered_since(locked: Account, devices: Sequence[DeviceRow]) -> ChangedSince:
    return ChangedSince("registered_since", account=locked.contract.account,
                        devices=", ".join(f"{d.name} ({d.id})" for d in devices))


def revert_rename_in(tx: Tx, actor: Actor, account: str, device_id: str, *,
                     renamed_to: str, restore: str) -> ChangeResult:
    """Undo a rename: the device (by id) back to ``restore``, only while it is registered
    and still has the name the batch gave it (``renamed_to``)."""
    locked = _lock(tx, account)
    target = _as_left(tx, account, device_id)
    if target.name != renamed_to:
        raise ChangedSince("rename", account=account, device=device_id, expected=renamed_to,
                           current=target.name)
    return _rename(tx, actor, locked, target, restore)


def revert_register_in(tx: Tx, actor: Actor, account: str, device_id: str, *,
                       slot: int | None, name: str | None) -> ChangeResult:
    """Undo a registration: unregister that device (by id), only while it is registered
    in the slot and with the name the batch gave it (the rules still apply: the last
    device stays)."""
    locked = _lock(tx, account)
    target = _as_left(tx, account, device_id)
    if (target.slot, target.name) != (slot, name):
        raise ChangedSince("register", account=account, device=device_id, expected=name,
                           expected_slot=slot, current=target.name, slot=target.slot)
    rules.check_unregister(_state(locked), target.id)  # registered: True, or refused
    return _unregister_done(tx, actor, locked, target)


def revert_option_subscribe_in(tx: Tx, actor: Actor, account: str) -> ChangeResult:
    """Undo an option subscription: cancel it while the contract is still active with the
    option and holds no device registered since in a slot but the first (the batch left
    one-number's at most one device, in slot 1; cancelling would unregister or move a
    later one)."""
    locked = _lock(tx, account)
    _contract_as_left(locked, Status.ACTIVE.value, Plan.MULTI.value)
    later = [d for d in locked.registered if d.slot != 1]
    if later:
        raise _registered_since(locked, later)
    return option_cancel_in(tx, actor, account)


def revert_option_cancel_in(tx: Tx, actor: Actor, account: str) -> ChangeResult:
    """Undo an option cancellation: subscribe again while the contract is still active
    without it."""
    locked = _lock(tx, account)
    _contract_as_left(locked, Status.ACTIVE.value, Plan.ONE_NUMBER.value)
    return option_subscribe_in(tx, actor, account)


def revert_service_subscribe_in(tx: Tx, actor: Actor, account: str, *,
                                plan: str | None) -> ChangeResult:
    """Undo a service subscription (a contract created or reactivated): cancel it while it
    is still active with the plan the batch gave it and no device registered (it left
    none: every registered device came after, and cancelling would unregister it)."""
    locked = _lock(tx, account)
    _contract_as_left(locked, Status.ACTIVE.value, plan or "")
    if locked.registered:
        raise _registered_since(locked, locked.registered)
    return service_cancel_in(tx, actor, account)
