"""The CLI's copies of storage limits (kept there so --help never imports SQLAlchemy)
equal the storage's own, and both refuse what PostgreSQL would misread."""

from __future__ import annotations

import os

import pytest

from onenumber_cli.cli import settings
from onenumber_cli.errors import InvalidArgument
from onenumber_cli.storage import engine


def test_the_cli_mirrors_equal_the_storage_limits() -> None:
    assert settings.LOCK_TIMEOUT_RANGE == engine.LOCK_TIMEOUT_RANGE
    assert settings.SYNCHRONOUS_MODES == engine.SYNCHRONOUS_MODES
    assert settings.STATEMENT_TIMEOUT_RANGE == engine.STATEMENT_TIMEOUT_RANGE
    assert settings.COMMIT_TIMEOUT_RANGE == engine.COMMIT_TIMEOUT_RANGE
    assert settings.RECONNECT_TIMEOUT_RANGE == engine.RECONNECT_TIMEOUT_RANGE


@pytest.mark.parametrize("raw", ["0", "-1", "86401", "nan", "30s"])
def test_a_commit_timeout_outside_the_range_is_refused(raw: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        settings.resolve({}, {**os.environ, "ONENUMBER_COMMIT_TIMEOUT": raw})
    assert refused.value.reason == "commit_timeout"


def test_a_commit_timeout_in_the_range_is_used() -> None:
    resolved = settings.resolve({}, {**os.environ, "ONENUMBER_COMMIT_TIMEOUT": "2.5"})
    assert resolved.commit_timeout == 2.5


@pytest.mark.parametrize("raw", ["0", "0.05", "-1", "86401", "nan", "inf", "60s"])
def test_a_statement_timeout_outside_the_range_is_refused(raw: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        settings.resolve({}, {**os.environ, "ONENUMBER_STATEMENT_TIMEOUT": raw})
    assert refused.value.reason == "statement_timeout"
    with pytest.raises(InvalidArgument):
        engine.validate_statement_timeout(float(raw.rstrip("s")) if raw != "60s" else -1)


def test_a_statement_timeout_in_the_range_is_used() -> None:
    resolved = settings.resolve({}, {**os.environ, "ONENUMBER_STATEMENT_TIMEOUT": "2.5"})
    assert resolved.statement_timeout == 2.5


@pytest.mark.parametrize("raw", ["0.0004", "0", "-1", "601", "nan", "inf", "3s"])
def test_a_lock_timeout_outside_the_range_is_refused(raw: str) -> None:
    with pytest.raises(InvalidArgument):
        settings.resolve({}, {**os.environ, "ONENUMBER_LOCK_TIMEOUT": raw})


@pytest.mark.parametrize("seconds", [0.0004, 0.0, float("nan"), 601.0])
def test_the_storage_refuses_them_too(seconds: float) -> None:
    with pytest.raises(InvalidArgument):
        engine.validate_lock_timeout(seconds)


def test_the_smallest_lock_timeout_is_a_whole_millisecond() -> None:
    resolved = settings.resolve({}, {**os.environ, "ONENUMBER_LOCK_TIMEOUT": "0.01"})
    assert resolved.lock_timeout == 0.01
