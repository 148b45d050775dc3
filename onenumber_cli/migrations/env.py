"""Alembic environment: always run with a connection handed over by ``storage.schema``.

Online (``db upgrade``): the migrations run on that connection, in its transaction.
Offline (``db upgrade --dry-run``): they are rendered as SQL for that connection's
dialect into ``attributes["sql"]`` (values inlined); the connection is only read, by the
migrations whose SQL depends on the data (0002's type keys), through :func:`reader`.

After each step, the migration's ``compatible_from`` (declared from revision 0003 on)
is written to ``onenumber_schema`` (see ``storage/revision.py``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context

# Nothing of the package is imported here or by the migrations: each carries what it
# needs, so a later change to the live code never changes what a past migration does
# (tests/integration/test_storage.py checks both).  Without ``target_metadata`` Alembic
# cannot autogenerate, which the project never does: migrations are written by hand.
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running the alembic CLI by hand
    raise RuntimeError("run migrations through `onenumber db upgrade`")

_MARKER = sa.table("onenumber_schema", sa.column("id", sa.Integer),
                   sa.column("compatible_from", sa.String))


def _record_compatibility(*, ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    """Write the step's ``compatible_from`` (an upgrade step of revision 0003 or later)."""
    if not step.is_upgrade or step.up_revision is None:
        return
    declared = getattr(step.up_revision.module, "compatible_from", None)
    if declared is not None:
        ctx.impl.execute(_MARKER.update().where(_MARKER.c.id == 1)
                         .values(compatible_from=declared))


options: dict[str, Any] = {
    "render_as_batch": connection.dialect.name == "sqlite",
    "on_version_apply": [_record_compatibility],
}
if context.is_offline_mode():
    context.configure(dialect_name=connection.dialect.name, as_sql=True, literal_binds=True,
                      output_buffer=context.config.attributes["sql"], **options)
else:
    context.configure(connection=connection, **options)
with context.begin_transaction():
    context.run_migrations()
