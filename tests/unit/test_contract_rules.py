"""R1, R2, R6-R10 over plain snapshots, without a database."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from onenumber_cli.domain import contract as rules
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
from onenumber_cli.i18n.errors import render


class Ref(NamedTuple):
    """A registered device as the rules read it (:class:`rules.DeviceRef`)."""

    id: str
    slot: int
    name: str


def state(n: int, plan: Plan = Plan.MULTI, status: Status = Status.ACTIVE
          ) -> rules.ContractState:
    devices = [Ref(f"d{i}", i, f"name{i}") for i in range(1, n + 1)]
    return rules.ContractState("acct", status, plan, devices)


def test_lowest_free_slot_fills_gaps_first() -> None:
    assert rules.lowest_free_slot(set(), 5) == 1
    assert rules.lowest_free_slot({1, 2, 4}, 5) == 3
    assert rules.lowest_free_slot({1, 2, 3, 4, 5}, 5) is None


def test_registration_below_capacity_removes_nothing() -> None:
    assert rules.plan_registration(state(4), replace=False) == []
    assert rules.plan_registration(state(0, Plan.ONE_NUMBER), replace=False) == []


def test_full_one_number_contract_points_to_the_option_or_replace() -> None:
    with pytest.raises(CapacityExceeded) as caught:
        rules.plan_registration(state(1, Plan.ONE_NUMBER), replace=False)
    assert "option subscribe" in render(caught.value)[1]
    assert "--replace" in render(caught.value)[1]


def test_full_multi_contract_lists_its_devices() -> None:
    with pytest.raises(CapacityExceeded) as caught:
        rules.plan_registration(state(5), replace=False)
    assert "name5 (d5)" in render(caught.value)[0]


def test_replace_on_full_one_number_removes_the_current_device() -> None:
    assert [d.id for d in rules.plan_registration(state(1, Plan.ONE_NUMBER), replace=True)] == [
        "d1"
    ]


def test_replace_is_refused_on_multi() -> None:
    with pytest.raises(ReplaceNotAllowed):
        rules.plan_registration(state(2), replace=True)


def test_changes_on_cancelled_contracts_are_refused() -> None:
    cancelled = state(0, Plan.ONE_NUMBER, Status.CANCELLED)
    for check in (
        lambda: rules.plan_registration(cancelled, replace=False),
        lambda: rules.check_option_subscribe(cancelled),
        lambda: rules.check_unregister(cancelled, "d1"),
        lambda: rules.check_rename(cancelled, "d1"),
    ):
        with pytest.raises(ContractCancelled):
            check()


def test_last_device_cannot_be_unregistered() -> None:
    with pytest.raises(LastDevice) as caught:
        rules.check_unregister(state(1), "d1")
    assert "service cancel" in render(caught.value)[1]
    assert rules.check_unregister(state(2), "d1") is True
    assert rules.check_unregister(state(2), "gone") is False


def test_rename_needs_a_registered_device() -> None:
    rules.check_rename(state(1), "d1")
    with pytest.raises(NotRegistered):
        rules.check_rename(state(1), "gone")


def test_option_subscribe_is_idempotent() -> None:
    assert rules.check_option_subscribe(state(1, Plan.ONE_NUMBER)) is True
    assert rules.check_option_subscribe(state(1, Plan.MULTI)) is False


def test_option_cancel_needs_at_most_one_device() -> None:
    assert rules.check_option_cancel(state(1)) is True
    assert rules.check_option_cancel(state(0)) is True
    assert rules.check_option_cancel(state(1, Plan.ONE_NUMBER)) is False
    with pytest.raises(TooManyDevices) as caught:
        rules.check_option_cancel(state(3))
    assert "name2 (d2)" in render(caught.value)[0]


def test_service_cancel_needs_at_most_one_device_and_is_idempotent() -> None:
    assert rules.check_service_cancel(state(1)) is True
    assert rules.check_service_cancel(state(0, Plan.ONE_NUMBER, Status.CANCELLED)) is False
    with pytest.raises(TooManyDevices):
        rules.check_service_cancel(state(2))


def test_service_subscribe_creates_reactivates_or_is_a_no_op() -> None:
    assert rules.check_service_subscribe(None, Plan.ONE_NUMBER) is True
    assert rules.check_service_subscribe(
        state(0, Plan.ONE_NUMBER, Status.CANCELLED), Plan.MULTI) is True
    assert rules.check_service_subscribe(state(1, Plan.MULTI), Plan.MULTI) is False
    with pytest.raises(NotSubscribable):
        rules.check_service_subscribe(state(1, Plan.ONE_NUMBER), Plan.MULTI)
