"""Contract rules R1, R2, R6-R10 over a plain snapshot of one account.

The service layer loads a :class:`ContractState` under lock, asks these functions what
the rules allow, and applies the answer.  Nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from onenumber_cli.domain.values import Plan, Status
from onenumber_cli.errors import (
    CapacityExceeded,
    ContractCancelled,
    LastDevice,
    NotRegistered,
    NotSubscribable,
    ReplaceNotAllowed,
    TooManyDevices,
)
from onenumber_cli.frozen import frozen


class DeviceRef(Protocol):
    """What the rules read of a registered device: any object with these attributes (the
    change transaction's stored rows as they are; building a copy of each for the rules
    cost a batch row more than the rules themselves)."""

    @property
    def id(self) -> str: ...
    @property
    def slot(self) -> int | None: ...  # registered: always a slot 1-5
    @property
    def name(self) -> str: ...


@frozen
class ContractState:
    account: str
    status: Status
    plan: Plan
    registered: Sequence[DeviceRef]  # registered devices only, any order

    @property
    def capacity(self) -> int:
        return self.plan.capacity

    @property
    def active(self) -> bool:
        return self.status is Status.ACTIVE

    def require_active(self) -> None:
        if not self.active:
            raise ContractCancelled(account=self.account)


def _device_list(devices: Sequence[DeviceRef]) -> str:
    return ", ".join(f"{d.name} ({d.id})" for d in sorted(devices, key=lambda d: d.slot or 0))


def lowest_free_slot(occupied: set[int], capacity: int) -> int | None:
    """The slot a new registration takes: the lowest free one, or None when full."""
    return next((slot for slot in range(1, capacity + 1) if slot not in occupied), None)


def plan_registration(state: ContractState, *, replace: bool) -> list[DeviceRef]:
    """R1/R2: the devices to unregister first (empty unless replacing) or raise."""
    state.require_active()
    if replace and state.plan is Plan.MULTI:
        raise ReplaceNotAllowed(account=state.account)
    if len(state.registered) < state.capacity:
        return []
    if replace:  # full one-number contract: switch devices in one transaction
        return list(state.registered)
    if state.plan is Plan.ONE_NUMBER:
        raise CapacityExceeded("one_number", account=state.account, capacity=state.capacity)
    raise CapacityExceeded(
        "multi", account=state.account, capacity=state.capacity,
        devices=_device_list(state.registered),
    )


def check_unregister(state: ContractState, device_id: str) -> bool:
    """R6: False when the device is already unregistered (a no-op), else check and True."""
    state.require_active()
    if all(d.id != device_id for d in state.registered):
        return False
    if len(state.registered) == 1:
        raise LastDevice(account=state.account)
    return True


def check_rename(state: ContractState, device_id: str) -> None:
    state.require_active()
    if all(d.id != device_id for d in state.registered):
        raise NotRegistered(account=state.account, device=device_id)


def check_option_subscribe(state: ContractState) -> bool:
    """R7: True when the plan must change, False when already subscribed."""
    state.require_active()
    return state.plan is Plan.ONE_NUMBER


def check_option_cancel(state: ContractState) -> bool:
    """R8: True when the option must end; refuses with more than one device."""
    if state.plan is Plan.ONE_NUMBER:
        return False
    state.require_active()
    if len(state.registered) > 1:
        raise TooManyDevices(
            "option", account=state.account, count=len(state.registered),
            devices=_device_list(state.registered),
        )
    return True


def check_service_cancel(state: ContractState) -> bool:
    """R10: True when the contract must be cancelled; refuses with more than one device."""
    if not state.active:
        return False
    if len(state.registered) > 1:
        raise TooManyDevices(
            "service", account=state.account, count=len(state.registered),
            devices=_device_list(state.registered),
        )
    return True


def check_service_subscribe(state: ContractState | None, plan: Plan) -> bool:
    """R9: True to create or reactivate; False when already active with that plan."""
    if state is None or not state.active:
        return True
    if state.plan is plan:
        return False
    raise NotSubscribable(
        "active_other_plan", account=state.account, plan=state.plan.value, wanted=plan.value,
    )
