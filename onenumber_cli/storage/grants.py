"""``db grant``: the privileges of the operator and reader roles on PostgreSQL, in one step.

Run by the database owner after ``db upgrade``.  One transaction, re-runnable: the two
roles' table privileges are first revoked, then granted exactly as :data:`TABLE_GRANTS`
says, so a second run (or a run after a new version's migration) ends in the same state.

* R5 in the database too: the operator may UPDATE only the columns a change touches,
  and may only append (INSERT) to history and audit; the reader may only read.
* ``ALTER DEFAULT PRIVILEGES``: tables a later migration creates are readable by both
  roles at once (what they may change is granted by the next ``db grant``).
* ``CONNECT`` on the database is revoked from PUBLIC and granted to the two roles.

Role names are identifiers, never values: they are composed with psycopg's
:mod:`psycopg.sql` (quoted as identifiers), not formatted into strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from onenumber_cli.errors import InvalidArgument
from onenumber_cli.storage import schema
from onenumber_cli.storage.engine import Database

# What the operator role may do beyond SELECT, table by table, for the current schema
# (HEAD_REVISION).  A migration that adds a table the operator writes adds it here.
TABLE_GRANTS: dict[str, tuple[str, ...]] = {
    "contracts": ("INSERT", "UPDATE (status, plan, updated_at)"),
    "devices": ("INSERT", "UPDATE (slot, name, name_key, unregistered_at)"),
    # Appending, without choosing ``seq``: the sequence numbers it (an explicit one would
    # make a later append collide with it).
    "history": ("INSERT (account, event, at, device_id, name, type, imei)",),
    # Every column but ``seq`` and ``db_role``: that one takes its DEFAULT current_user, so
    # a record cannot say another role wrote it (the owner, who may, keeps the roles
    # ``db copy`` copies).
    "audit": ("INSERT (at, operator, action, account, device_id, before, after, batch_id, "
              "reverts)",),
    # ROW EXCLUSIVE mode on it is a change's place against migrations (schema.guard);
    # PostgreSQL grants that mode with INSERT.  Useless for anything else: the table's
    # key and CHECK admit its one row only, which is there.
    "onenumber_schema": ("INSERT",),
}
# A role name as a DBA writes it in CREATE ROLE (at most NAMEDATALEN - 1 = 63 bytes).
ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$-]{0,62}")


@dataclass(frozen=True)
class GrantReport:
    database: str
    schema: str
    operator: str
    reader: str
    tables: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"database": self.database, "schema": self.schema, "operator": self.operator,
                "reader": self.reader, "tables": list(self.tables), "changed": True}


def _statements(operator: str, reader: str, database: str, namespace: str, owner: str,
                tables: list[str]) -> list[Any]:
    from psycopg import sql

    op = sql.Identifier(operator)
    both = sql.SQL(", ").join([sql.Identifier(operator), sql.Identifier(reader)])
    db, ns, own = sql.Identifier(database), sql.Identifier(namespace), sql.Identifier(owner)
    statements = [
        sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(db),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, both),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(ns, both),
        # exact, whatever was granted before (by hand, or by an older docs/postgres-roles.sql)
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(ns, both),
        sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(ns, both),
        sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(ns, both),
        sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(ns, op),
    ]
    for table, privileges in TABLE_GRANTS.items():
        if table in tables:
            for privilege in privileges:
                statements.append(sql.SQL("GRANT " + privilege + " ON {}.{} TO {}")
                                  .format(ns, sql.Identifier(table), op))
    statements += [
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT SELECT ON TABLES "
                "TO {}").format(own, ns, both),
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT USAGE ON SEQUENCES "
                "TO {}").format(own, ns, op),
    ]
    return statements


_CONTEXT = text("SELECT current_database(), current_schema(), "
                "(SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename = 'contracts')")
_TABLES = text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
_ROLE = text("SELECT rolsuper FROM pg_roles WHERE rolname = :name")


def _check_role(value: str) -> str:
    if not ROLE_NAME.fullmatch(value):
        raise InvalidArgument("role", value=value)
    return value


def grant(db: Database, *, operator: str, reader: str) -> GrantReport:
    """Give ``operator`` and ``reader`` exactly their privileges on the current schema."""
    if db.backend != "postgresql":
        raise InvalidArgument("grant_backend")
    _check_role(operator)
    _check_role(reader)
    if operator == reader:
        raise InvalidArgument("same_roles", value=operator)
    schema.require_current(db)  # exactly current: it covers every table it knows
    with db.translate_errors(), db.engine.begin() as conn:
        for role in (operator, reader):
            superuser = conn.execute(_ROLE, {"name": role}).scalar()
            if superuser is None:
                raise InvalidArgument("role_missing", value=role)
            if superuser:
                raise InvalidArgument("role_superuser", value=role)
        database, namespace, owner = conn.execute(_CONTEXT).one()
        tables = sorted(conn.execute(_TABLES).scalars())
        raw = conn.connection.driver_connection
        for statement in _statements(operator, reader, database, namespace, owner, tables):
            conn.exec_driver_sql(statement.as_string(raw))  # identifiers quoted by psycopg
    return GrantReport(database, namespace, operator, reader, tuple(tables))
