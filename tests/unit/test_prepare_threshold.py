"""``?prepare_threshold=`` in a PostgreSQL URL (PgBouncer's transaction pooling before
1.21): read as psycopg needs it, a bad value a usage error.  The pooler itself:
``integration/test_pooling.py``."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from onenumber_cli.cli.app import app
from onenumber_cli.errors import InvalidArgument
from onenumber_cli.storage.engine import parse_url, prepare_threshold

BASE = "postgresql+psycopg://operator@db.internal/onenumber"


@pytest.mark.parametrize(("query", "expected"), [
    ("prepare_threshold=none", None), ("prepare_threshold=None", None),
    ("prepare_threshold=0", 0), ("prepare_threshold=12", 12),
    ("sslmode=require&prepare_threshold=none", None),
])
def test_the_url_gives_psycopg_a_number_or_none(query: str, expected: int | None) -> None:
    assert prepare_threshold(parse_url(f"{BASE}?{query}")) == expected


@pytest.mark.parametrize("query", [
    "prepare_threshold=off", "prepare_threshold=-1",
    "prepare_threshold=1.5", "prepare_threshold=١", "prepare_threshold=1&prepare_threshold=2",
])
def test_a_bad_value_is_refused_when_the_url_is_read(query: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_url(f"{BASE}?{query}")
    assert refused.value.reason == "db_url"


def test_a_bad_value_exits_2_before_connecting() -> None:
    result = CliRunner().invoke(app, ["--db", f"{BASE}?prepare_threshold=off", "status", "a"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
