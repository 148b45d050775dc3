"""Fleet work: device search across accounts (a folded type key, and indexes for IMEI,
type and name), and reverts (the audit records of a revert name the batch they undo).

``devices search`` compares types as names are compared (NFKC, case folded), so the key
is stored beside the type, as ``name_key`` is beside the name.  Devices registered
before this revision get theirs here.  The column stays nullable in the database (on
SQLite a NOT NULL would mean rebuilding the table); the program always writes it and
``check`` reports a missing or wrong one.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("devices", sa.Column("type_key", sa.String(256), nullable=True))
    devices = sa.table("devices", sa.column("type", sa.String), sa.column("type_key",
                                                                          sa.String))
    for kind in _kinds():  # a few kinds of device, however many devices
        op.execute(devices.update().where(devices.c.type == kind)
                   .values(type_key=name_key(kind)))
    op.create_index("ix_devices_imei", "devices", ["imei"])
    op.create_index("ix_devices_type_key", "devices", ["type_key"])
    # Byte order on PostgreSQL, so `LIKE 'prefix%'` uses it whatever the collation.
    op.create_index("ix_devices_name_key", "devices", ["name_key"],
                    postgresql_ops={"name_key": "varchar_pattern_ops"})
    op.add_column("audit", sa.Column("reverts", sa.String(64), nullable=True))
    op.create_index("ix_audit_reverts", "audit", ["reverts"])
    # audit --batch and batch revert read one batch's records, newest first
    op.create_index("ix_audit_batch_id_at", "audit", ["batch_id", "at", "seq"])


def name_key(name: str) -> str:
    """The folding this revision stored type keys with (``domain.names.name_key`` as it
    was when it shipped: NFKC, then case folding), written here so a later change to the
    live rule cannot change what this migration does."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFC", name)).casefold()


def _kinds() -> list[str]:
    """The device types in the database.  Rendering the SQL only (``db upgrade --dry-run``,
    Alembic's offline mode), they are read on the connection ``env.py`` was given: the
    statements printed are the ones an upgrade would run."""
    if not context.is_offline_mode():
        reader = op.get_bind()
    else:
        reader = context.config.attributes["connection"]
        if not sa.inspect(reader).has_table("devices"):  # from nothing: no devices yet
            return []
    devices = sa.table("devices", sa.column("type", sa.String))
    return list(reader.execute(sa.select(devices.c.type).distinct()).scalars())


def downgrade() -> None:
    op.drop_index("ix_audit_batch_id_at", "audit")
    op.drop_index("ix_audit_reverts", "audit")
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("reverts")
    op.drop_index("ix_devices_name_key", "devices")
    op.drop_index("ix_devices_type_key", "devices")
    op.drop_index("ix_devices_imei", "devices")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("type_key")
