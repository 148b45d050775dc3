"""The watch over PostgreSQL COMMITs (the seam: a stand-in for psycopg's connection,
with a real socket): a COMMIT that ends in time is left alone; one still running at its
deadline is cancelled; one a cancel does not end either has its socket shut, so the
driver's wait returns (a server that answers nothing at all)."""

from __future__ import annotations

import socket
import time

import pytest

from onenumber_cli.storage import engine


class Driver:
    """What the watch uses of psycopg's connection: cancel_safe() and fileno()."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.cancels = 0

    def cancel_safe(self, timeout: float) -> None:
        self.cancels += 1

    def fileno(self) -> int:
        return self.sock.fileno()


def test_a_commit_that_ends_in_time_is_never_cancelled() -> None:
    ours, server = socket.socketpair()
    with ours, server:
        driver = Driver(ours)
        with engine._COMMIT_WATCH.bound(driver, 0.2) as bound:
            pass
        time.sleep(0.4)
        assert not bound.fired and driver.cancels == 0


def test_a_commit_past_its_deadline_is_cancelled_then_its_socket_shut(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "CANCEL_GRACE_SECONDS", 0.3)
    ours, server = socket.socketpair()
    with ours, server:
        driver = Driver(ours)
        started = time.monotonic()
        with engine._COMMIT_WATCH.bound(driver, 0.2) as bound:
            ours.settimeout(5)
            assert ours.recv(1) == b""  # the "COMMIT" waits for an answer: EOF, once shut
        assert bound.fired and driver.cancels == 1
        assert 0.4 < time.monotonic() - started < 3
