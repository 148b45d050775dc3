"""The retry policy for a lost connection: bounded by a window of seconds (a Patroni
failover takes tens of seconds), shown while it runs, ended by the caller's stop."""

from __future__ import annotations

import os
import time

import pytest

from onenumber_cli.cli import settings
from onenumber_cli.errors import InvalidArgument
from onenumber_cli.storage import engine
from onenumber_cli.storage.engine import Reconnect, WaitInterrupted


def test_the_default_window_outlasts_a_patroni_failover_with_default_settings() -> None:
    ttl, loop_wait = 30, 10  # Patroni's defaults: the leader key expires, then a loop
    assert ttl + loop_wait < engine.RECONNECT_TIMEOUT_SECONDS
    assert Reconnect().timeout == engine.RECONNECT_TIMEOUT_SECONDS


def test_the_pauses_keep_going_until_the_window_is_spent_then_give_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "RECONNECT_BACKOFF", 0.01)
    policy = Reconnect(timeout=0.3)
    since = time.monotonic()
    attempts = 0
    while policy.pause(since, attempts + 1, None):
        attempts += 1
        assert time.monotonic() - since < 1.0, "the wait is not bounded"
    waited = time.monotonic() - since
    assert 0.3 <= waited < 1.0
    assert attempts >= 4  # more than the old four attempts in that time, and doubling:
    assert attempts < 30  # not a busy loop


def test_the_pause_doubles_up_to_its_cap() -> None:
    policy = Reconnect(timeout=100)
    slept = []
    for attempt in (1, 2, 3):
        started = time.monotonic()
        assert policy.pause(started, attempt, lambda: False)
        slept.append(round(time.monotonic() - started, 1))
    assert slept == [0.2, 0.5, 1.0] or slept == [0.3, 0.5, 1.0]  # 0.25 s, doubling
    assert engine.RECONNECT_BACKOFF * 2 ** 10 > engine.RECONNECT_BACKOFF_MAX == 2.0


def test_a_window_of_zero_gives_up_at_once() -> None:
    assert Reconnect(timeout=0).pause(time.monotonic(), 1, None) is False


def test_the_wait_is_reported_each_tick_and_its_end_once() -> None:
    told: list[float | None] = []
    policy = Reconnect(timeout=60, waiting=told.append)
    assert policy.pause(time.monotonic() - 12.0, 1, None)
    policy.over()
    assert told[-1] is None
    seconds = [s for s in told if s is not None]
    assert seconds and all(12.0 <= s < 13.0 for s in seconds)


def test_stop_ends_the_wait_at_once() -> None:
    asked: list[int] = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) >= 2

    started = time.monotonic()
    with pytest.raises(WaitInterrupted):
        Reconnect(timeout=60).pause(started, 5, stop)
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize("raw", ["-1", "3601", "nan", "inf", "60s"])
def test_a_reconnect_timeout_outside_the_range_is_refused(raw: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        settings.resolve({}, {**os.environ, "ONENUMBER_RECONNECT_TIMEOUT": raw})
    assert refused.value.reason == "reconnect_timeout"
    with pytest.raises(InvalidArgument):
        engine.validate_reconnect_timeout(float(raw.rstrip("s")) if raw != "60s" else -1)


def test_a_reconnect_timeout_in_the_range_is_used() -> None:
    resolved = settings.resolve({}, {**os.environ, "ONENUMBER_RECONNECT_TIMEOUT": "90"})
    assert resolved.reconnect_timeout == 90.0
    assert settings.resolve({}, {**os.environ, "ONENUMBER_RECONNECT_TIMEOUT": "0"}
                            ).reconnect_timeout == 0.0
