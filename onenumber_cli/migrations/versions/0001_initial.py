"""Initial schema: contracts, devices, history, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The column types as this revision creates them, written here rather than imported from
# the live models: a migration must do forever what it did when it shipped.  (The models'
# UTCDateTime is a TypeDecorator whose DDL is its impl's, this type.)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def UTCDateTime() -> sa.DateTime:  # named as the models name their type
    return sa.DateTime(timezone=True)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        # op.f(): the names are final; the naming convention must not prefix them again.
        sa.CheckConstraint("status IN ('active', 'cancelled')",
                           name=op.f("ck_contracts_status")),
        sa.CheckConstraint("plan IN ('one-number', 'one-number+multi')",
                           name=op.f("ck_contracts_plan")),
        sa.PrimaryKeyConstraint("account", name="pk_contracts"),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(30), nullable=False),
        sa.Column("name_key", sa.String(120), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("imei", sa.String(15), nullable=True),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("unregistered_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("slot BETWEEN 1 AND 5", name=op.f("ck_devices_slot_range")),
        sa.CheckConstraint(
            "(slot IS NULL) = (unregistered_at IS NOT NULL)",
            name=op.f("ck_devices_slot_iff_registered"),
        ),
        sa.ForeignKeyConstraint(
            ["account"], ["contracts.account"], name="fk_devices_account_contracts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
        sa.UniqueConstraint("account", "slot", name="uq_devices_account_slot"),
    )
    op.create_index("ix_devices_account", "devices", ["account"])
    op.create_index(
        "uq_devices_account_name_key",
        "devices",
        ["account", "name_key"],
        unique=True,
        sqlite_where=sa.text("slot IS NOT NULL"),
        postgresql_where=sa.text("slot IS NOT NULL"),
    )
    op.create_table(
        "history",
        sa.Column("seq", BigId, autoincrement=True, nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("device_id", sa.String(16), nullable=False),
        sa.Column("name", sa.String(30), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("imei", sa.String(15), nullable=True),
        sa.CheckConstraint("event IN ('register', 'unregister')", name=op.f("ck_history_event")),
        sa.ForeignKeyConstraint(
            ["account"], ["contracts.account"], name="fk_history_account_contracts"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_history"),
    )
    op.create_index("ix_history_account_at", "history", ["account", "at", "seq"])
    op.create_table(
        "audit",
        sa.Column("seq", BigId, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("operator", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(16), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("batch_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_audit"),
    )
    op.create_index("ix_audit_account_at", "audit", ["account", "at", "seq"])
    op.create_index("ix_audit_at", "audit", ["at", "seq"])


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("history")
    op.drop_table("devices")
    op.drop_table("contracts")
