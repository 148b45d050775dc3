"""A CliRunner bound to a migrated database on each backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from onenumber_cli.cli.app import app

Invoke = Callable[..., Result]


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    monkeypatch.setenv("ONENUMBER_DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, **kwargs: Any) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def demo_cli(cli: Invoke) -> Invoke:
    assert cli("demo").exit_code == 0
    return cli
