"""UTCDateTime on SQLite: the one-step conversions write SQLAlchemy's own text and read
back the same instant, including text another tool wrote."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.dialects.sqlite import DATETIME
from sqlalchemy.engine import Connection
from sqlalchemy.exc import StatementError

from onenumber_cli.storage.models import UTCDateTime

TOKYO = timezone(timedelta(hours=9))
metadata = MetaData()
times = Table("times", metadata, Column("id", Integer, primary_key=True),
              Column("at", UTCDateTime()))


@pytest.fixture
def connection() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        yield conn


@pytest.mark.parametrize("value", [
    datetime(2026, 11, 25, 6, 31, 29, 964180, tzinfo=UTC),
    datetime(2026, 11, 25, 15, 31, 29, tzinfo=TOKYO),  # no microseconds, another zone
    datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),  # a year of three digits
])
def test_written_as_sqlalchemy_writes_it_and_read_back_the_same(connection: Connection,
                                                              value: datetime) -> None:
    connection.execute(insert(times).values(id=1, at=value))
    stored = connection.scalar(text("SELECT at FROM times"))
    generic = DATETIME().bind_processor(connection.dialect)  # type: ignore[no-untyped-call]
    assert generic is not None
    assert stored == generic(value.astimezone(UTC).replace(tzinfo=None))
    read = connection.scalar(select(times.c.at))
    assert read == value and read.tzinfo is UTC


@pytest.mark.parametrize(("stored", "expected"), [
    ("2022-09-12 16:43:00", datetime(2022, 9, 12, 16, 43, tzinfo=UTC)),
    ("2022-09-12T16:43:00.5", datetime(2022, 9, 12, 16, 43, 0, 500000, tzinfo=UTC)),
    ("2022-09-13 01:43:00+09:00", datetime(2022, 9, 12, 16, 43, tzinfo=UTC)),
])
def test_text_another_tool_wrote_is_read(connection: Connection, stored: str,
                                         expected: datetime) -> None:
    connection.execute(text("INSERT INTO times (id, at) VALUES (1, :at)"), {"at": stored})
    assert connection.scalar(select(times.c.at)) == expected


def test_a_naive_datetime_is_refused(connection: Connection) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        connection.execute(insert(times).values(id=1, at=datetime(2026, 1, 1)))
