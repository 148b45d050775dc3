"""Team deployment: which program revisions may use the schema, and the database role of
each audit record.

* ``onenumber_schema`` (one row): ``compatible_from``, the oldest program revision that
  can still use the schema.  Every migration from this one on declares it as the module
  attribute ``compatible_from`` and ``env.py`` writes it after the step, so a program
  older than the database's revision (it cannot know the newer revision ids) reads it
  and goes on working when the newer migrations were additive.  Its own table, not a
  column beside ``alembic_version``: that table is Alembic's (``stamp`` deletes and
  inserts its rows) and must stay exactly as Alembic expects it.
* ``audit.db_role``: the database role that wrote the record, beside ``--operator`` (a
  name the operator gives; the role is what the server authenticated).  PostgreSQL fills
  it itself (``DEFAULT current_user``: no cost, and a role cannot forge it through the
  program); SQLite has no roles, so it stays NULL there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
# Programs from 0003 on may use the schema this migration leaves (it is the first
# revision that can record it; 0002 programs do not read onenumber_schema at all).
compatible_from = "0003"


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    op.add_column("audit", sa.Column(
        "db_role", sa.String(64), nullable=True,
        server_default=sa.text("current_user") if postgres else None))
    marker = op.create_table(
        "onenumber_schema",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("compatible_from", sa.String(32), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_onenumber_schema_one_row")),
        sa.PrimaryKeyConstraint("id", name="pk_onenumber_schema"),
    )
    op.bulk_insert(marker, [{"id": 1, "compatible_from": compatible_from}])


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("db_role")
    op.drop_table("onenumber_schema")
