"""The one place rows are deleted: ``demo --remove`` takes the demo customers out of a
database again (history and audit are append-only everywhere else, and the operator role
of PostgreSQL cannot delete at all: this is the database owner's job).

Only rows of the accounts given are touched, all in one transaction.  The other deletes
here are ``db copy``'s, in its own target only (a database that holds its marker table,
checked in the same transaction): the version row it keeps away until the copy is
complete, and, when an interrupted copy is started again, the rows that copy wrote.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Table, delete, func, inspect, select
from sqlalchemy.engine import Connection

from onenumber_cli.errors import DatabaseUnavailable
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import audit, contracts, devices, history

# Children before their parents (history and devices refer to contracts).
_TABLES: tuple[Table, ...] = (audit, history, devices, contracts)


def other_accounts(db: Database, accounts: Collection[str]) -> int:
    """How many accounts the database holds besides ``accounts``."""
    query = select(func.count()).select_from(contracts).where(
        contracts.c.account.not_in(list(accounts)))
    with db.connected() as conn:
        return int(conn.execute(query).scalar_one())


def remove_accounts(db: Database, accounts: Collection[str]) -> dict[str, int]:
    """Delete every row of ``accounts`` (audit, history, devices, contract); the number of
    rows deleted per table.  A role that may not delete gets ``remove_denied`` (exit 6)."""
    wanted = list(accounts)

    def work(conn: Connection) -> dict[str, int]:
        counts = {}
        for table in _TABLES:
            result = conn.execute(delete(table).where(table.c.account.in_(wanted)))
            counts[table.name] = result.rowcount
        return counts

    try:
        return db.write(work)
    except DatabaseUnavailable as error:
        if error.reason == "read_only":
            raise DatabaseUnavailable("remove_denied", url=db.display_url()) from None
        raise


def clear_unfinished_copy(conn: Connection, marker: Table, version: Table,
                          tables: Sequence[Table]) -> None:
    """``db copy`` preparing its target: the version row (the copy keeps it in ``marker``
    until it is complete) and the rows of ``tables`` an interrupted copy wrote.  Only in a
    database that holds ``marker`` (the copy made it): anything else is a bug."""
    if not inspect(conn).has_table(marker.name):
        raise RuntimeError(f"not a db copy target: no {marker.name} table")
    conn.execute(delete(version))
    for table in tables:
        conn.execute(delete(table))
