"""Tables.  Every table carries the account key, so the schema can be distributed by
account (see docs/scaling.md).  Rules R1/R3 are backed by constraints: a registered
device holds a slot 1-5 unique per account, and its name key is unique per account
among registered devices (a partial unique index).  The schema itself is created only
by the Alembic migrations in ``onenumber_cli/migrations``; a test checks the two agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
    text,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only gives INTEGER PRIMARY KEY its rowid (autoincrement) behaviour.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python; ``timestamptz`` on PostgreSQL, naive UTC on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # On SQLite the value is text, and the generic path takes three steps each way
    # (this decorator, then SQLite's DATETIME processor, plus ``replace(tzinfo=)``): a
    # one-step conversion is 1.4 -> 0.2 us a value read and 3.4 -> 1.7 us a value
    # written, which a batch of 20,000 rows does ~200,000 times.  The text is the same
    # (SQLAlchemy's SQLite format, ``YYYY-MM-DD HH:MM:SS.ffffff``), and so is the value.

    def bind_processor(self, dialect: Any) -> Callable[[datetime | None], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def to_text(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]  # no "+00:00"

        return to_text

    def result_processor(self, dialect: Any, coltype: Any
                         ) -> Callable[[Any], datetime | None] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        generic = super().result_processor(dialect, coltype)
        assert generic is not None

        def from_text(value: str | None) -> datetime | None:
            if value is None:
                return None
            try:
                return datetime.fromisoformat(value + "+00:00")
            except ValueError:  # not our format (a value another tool wrote)
                return generic(value)

        return from_text


metadata = MetaData(naming_convention=NAMING_CONVENTION)

# One account's contract.  The row every change locks (R12).
contracts = Table(
    "contracts", metadata,
    Column("account", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("plan", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("status IN ('active', 'cancelled')", name="status"),
    CheckConstraint("plan IN ('one-number', 'one-number+multi')", name="plan"),
)

# An accessory device's One Number registration.  ``slot`` is NULL once unregistered.
devices = Table(
    "devices", metadata,
    Column("id", String(16), primary_key=True),
    Column("account", String(64), ForeignKey("contracts.account"), nullable=False,
           index=True),
    Column("slot", Integer),
    Column("name", String(30), nullable=False),
    Column("name_key", String(120), nullable=False),
    Column("type", String(64), nullable=False),
    Column("imei", String(15), index=True),
    Column("registered_at", UTCDateTime(), nullable=False),
    Column("unregistered_at", UTCDateTime()),
    # The type folded as names are (NFKC, case folded), for ``devices search --type``;
    # nullable in the database only because revision 0002 added it (the program always
    # writes it, ``check`` verifies it).
    Column("type_key", String(256), index=True),
    CheckConstraint("slot BETWEEN 1 AND 5", name="slot_range"),
    CheckConstraint("(slot IS NULL) = (unregistered_at IS NOT NULL)",
                    name="slot_iff_registered"),
    UniqueConstraint("account", "slot", name="uq_devices_account_slot"),
)

# Append-only registration history; ``seq`` orders events with equal timestamps.
history = Table(
    "history", metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("account", String(64), ForeignKey("contracts.account"), nullable=False),
    Column("event", String(16), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("device_id", String(16), nullable=False),
    Column("name", String(30), nullable=False),
    Column("type", String(64), nullable=False),
    Column("imei", String(15)),
    CheckConstraint("event IN ('register', 'unregister')", name="event"),
    Index("ix_history_account_at", "account", "at", "seq"),
)

# Append-only record of every change made through the tool.
audit = Table(
    "audit", metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("operator", String(128), nullable=False),
    Column("action", String(32), nullable=False),
    Column("account", String(64), nullable=False),
    Column("device_id", String(16)),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Column("batch_id", String(64)),
    # A revert's record: which one it undoes, "BATCH_ID:SEQ" (a revert runs each once)
    Column("reverts", String(64), index=True),
    # The database role that wrote it (revision 0003): PostgreSQL's DEFAULT current_user,
    # set by the server; NULL on SQLite, which has no roles.
    Column("db_role", String(64)),
    Index("ix_audit_account_at", "account", "at", "seq"),
    Index("ix_audit_at", "at", "seq"),
    Index("ix_audit_batch_id_at", "batch_id", "at", "seq"),
)

# Which program revisions may use the schema (revision 0003; one row): the oldest one,
# as the latest migration declared it.  Written by migrations only, never copied.
onenumber_schema = Table(
    "onenumber_schema", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("compatible_from", String(32), nullable=False),
    CheckConstraint("id = 1", name="one_row"),
)


NAME_KEY_INDEX = "uq_devices_account_name_key"
NAME_SEARCH_INDEX = "ix_devices_name_key"  # devices search --name, across accounts


def declare_partial_indexes() -> None:
    """Add the partial unique index (name key per account among registered devices) to
    the metadata.  The migration creates it; only tooling that compares the metadata
    with a database needs it declared.  Declaring it at import would load the SQLite
    and PostgreSQL dialect modules (their ``*_where`` options), ~0.1 s on every run.
    """
    table = devices
    if any(index.name == NAME_KEY_INDEX for index in table.indexes):
        return
    Index(NAME_KEY_INDEX, table.c.account, table.c.name_key, unique=True,
          sqlite_where=text("slot IS NOT NULL"), postgresql_where=text("slot IS NOT NULL"))
    Index(NAME_SEARCH_INDEX, table.c.name_key,
          postgresql_ops={"name_key": "varchar_pattern_ops"})
