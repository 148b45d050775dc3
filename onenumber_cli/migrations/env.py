"""Alembic environment: always run with a connection handed over by ``storage.schema``."""

from __future__ import annotations

from alembic import context

from onenumber_cli.storage.models import Base, declare_partial_indexes

declare_partial_indexes()

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running the alembic CLI by hand
    raise RuntimeError("run migrations through `onenumber db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
