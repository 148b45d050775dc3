"""Tables.  Every table carries the account key, so the schema can be distributed by
account (see docs/scaling.md).  Rules R1/R3 are backed by constraints: a registered
device holds a slot 1-5 unique per account, and its name key is unique per account
among registered devices (a partial unique index).  The schema itself is created only
by the Alembic migrations in ``onenumber_cli/migrations``; a test checks the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Contract(Base):
    """One account's contract.  The row every change locks (R12)."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'cancelled')", name="status"),
        CheckConstraint("plan IN ('one-number', 'one-number+multi')", name="plan"),
    )

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    plan: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Device(Base):
    """An accessory device's One Number registration.  ``slot`` is NULL once unregistered."""

    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint("slot BETWEEN 1 AND 5", name="slot_range"),
        CheckConstraint(
            "(slot IS NULL) = (unregistered_at IS NOT NULL)", name="slot_iff_registered"
        ),
        UniqueConstraint("account", "slot", name="uq_devices_account_slot"),
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    account: Mapped[str] = mapped_column(ForeignKey("contracts.account"), index=True)
    slot: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(30))
    name_key: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(64))
    imei: Mapped[str | None] = mapped_column(String(15), index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    unregistered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The type folded as names are (NFKC, case folded), for ``devices search --type``;
    # nullable in the database only because revision 0002 added it (the program always
    # writes it, ``check`` verifies it).
    type_key: Mapped[str | None] = mapped_column(String(256), index=True)


class HistoryEvent(Base):
    """Append-only registration history; ``seq`` orders events with equal timestamps."""

    __tablename__ = "history"
    __table_args__ = (
        CheckConstraint("event IN ('register', 'unregister')", name="event"),
        Index("ix_history_account_at", "account", "at", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(ForeignKey("contracts.account"))
    event: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    device_id: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(30))
    type: Mapped[str] = mapped_column(String(64))
    imei: Mapped[str | None] = mapped_column(String(15))


class AuditRecord(Base):
    """Append-only record of every change made through the tool."""

    __tablename__ = "audit"
    __table_args__ = (
        Index("ix_audit_account_at", "account", "at", "seq"),
        Index("ix_audit_at", "at", "seq"),
        Index("ix_audit_batch_id_at", "batch_id", "at", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    operator: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(String(16))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    batch_id: Mapped[str | None] = mapped_column(String(64))
    # A revert's record: which one it undoes, "BATCH_ID:SEQ" (a revert runs each once)
    reverts: Mapped[str | None] = mapped_column(String(64), index=True)


NAME_KEY_INDEX = "uq_devices_account_name_key"
NAME_SEARCH_INDEX = "ix_devices_name_key"  # devices search --name, across accounts


def declare_partial_indexes() -> None:
    """Add the partial unique index (name key per account among registered devices) to
    the metadata.  The migration creates it; only tooling that compares the metadata
    with a database needs it declared.  Declaring it at import would load the SQLite
    and PostgreSQL dialect modules (their ``*_where`` options), ~0.1 s on every run.
    """
    table = Base.metadata.tables["devices"]
    if any(index.name == NAME_KEY_INDEX for index in table.indexes):
        return
    Index(NAME_KEY_INDEX, table.c.account, table.c.name_key, unique=True,
          sqlite_where=text("slot IS NOT NULL"), postgresql_where=text("slot IS NOT NULL"))
    Index(NAME_SEARCH_INDEX, table.c.name_key,
          postgresql_ops={"name_key": "varchar_pattern_ops"})
