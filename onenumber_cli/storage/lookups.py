"""The lookups behind shell completion.  A TAB must cost no more than ``status``, so this
module imports the tables and the engine only (not the use cases, the change bodies or
the unit of work), and each lookup is one indexed statement in one read transaction."""

from __future__ import annotations

from sqlalchemy import select

from onenumber_cli.domain.names import name_key
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import devices
from onenumber_cli.storage.queries import accounts_with_prefix


def account_ids(db: Database, prefix: str, limit: int = 20) -> list[str]:
    """Account ids starting with ``prefix`` (a primary-key range scan)."""
    with db.connected() as connection:
        return list(connection.scalars(accounts_with_prefix(prefix, limit)))


def device_refs(db: Database, account: str, prefix: str, limit: int = 20) -> list[str]:
    """Ids of the account's registered devices that start with ``prefix``, then names
    that start with it ignoring case and width, as a DEVICE is resolved (``apple`` and
    ``ａｐｐｌｅ`` find ``Apple Watch SE``); in slot order.  An unknown account has none."""
    query = (select(devices.c.id, devices.c.name, devices.c.name_key)
             .where(devices.c.account == account, devices.c.slot.is_not(None))
             .order_by(devices.c.slot))
    with db.connected() as connection:
        rows = connection.execute(query).all()
    key = name_key(prefix)
    ids = [row.id for row in rows if row.id.startswith(prefix)]
    names = [row.name for row in rows if row.name_key.startswith(key)]
    return (ids + names)[:limit]
