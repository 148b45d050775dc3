"""The one place rows are deleted: ``demo --remove`` takes the demo customers out of a
database again (history and audit are append-only everywhere else, and the operator role
of PostgreSQL cannot delete at all: this is the database owner's job).

Only rows of the accounts given are touched, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Table, delete, func, select
from sqlalchemy.engine import Connection

from onenumber_cli.errors import DatabaseUnavailable
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import AuditRecord, Contract, Device, HistoryEvent

# Children before their parents (history and devices refer to contracts).
_TABLES: tuple[Table, ...] = tuple(model.__table__  # type: ignore[misc]
                                   for model in (AuditRecord, HistoryEvent, Device, Contract))
_CONTRACTS: Table = Contract.__table__  # type: ignore[assignment]


def other_accounts(db: Database, accounts: Collection[str]) -> int:
    """How many accounts the database holds besides ``accounts``."""
    query = select(func.count()).select_from(_CONTRACTS).where(
        _CONTRACTS.c.account.not_in(list(accounts)))
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
