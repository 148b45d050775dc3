"""``devices search``: registered devices across every account, streamed.

The operator's starting points are a kind of device ("every `Apple Watch SE` still called
`Apple Watch SE`") and an IMEI with no account (a support call).  Filters combine with
AND; each selective one has an index (revision 0002), so none scans the devices table:

* ``imei``: ``ix_devices_imei``;
* ``type``: compared as names are (NFKC, case folded) on ``type_key``
  (``ix_devices_type_key``);
* ``name``: exact on the folded name, or a pattern with ``*`` and ``?``; an exact name or
  a pattern with a literal prefix (``apple*``) is a range of ``ix_devices_name_key``:
  PostgreSQL's ``LIKE`` on a ``varchar_pattern_ops`` index (byte order, whatever the
  collation), SQLite's ``GLOB`` (case sensitive, so it can use the index; name keys are
  folded already).  A pattern that starts with a wildcard reads every device's name key:
  at 1,000,000 accounts (2.45 M devices) about as long as a full export;
* ``account_prefix``: the same pattern match on the devices' account index (on
  PostgreSQL a range of it where the database's collation is ``C``, as ``initdb
  --locale=C.UTF-8`` makes it; otherwise the prefix is still exact, only slower);
* ``plan``/``status`` join the contract; ``registered_since``/``until`` and
  ``include_unregistered`` only narrow what the others found.

Rows come in account order, then by slot (unregistered devices last, by id), so a limited
search is repeatable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from onenumber_cli.domain.imei import validate_imei
from onenumber_cli.domain.names import name_key
from onenumber_cli.domain.values import (
    Plan,
    Status,
    is_printable,
    validate_account,
    validate_type,
)
from onenumber_cli.errors import InvalidArgument
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import Contract, Device

WILDCARDS = "*?"
MAX_PATTERN = 120  # characters of a folded name pattern (a name key's column size)


# The statement's type: the columns of a FoundDevice, in order.
Found = Select[str, str, int | None, str, str, str | None, datetime, datetime | None]


@dataclass(frozen=True)
class SearchFilter:
    """What to find; every field None (or False) means "any"."""

    type: str | None = None
    name: str | None = None
    imei: str | None = None
    plan: str | None = None
    status: str | None = None
    registered_since: datetime | None = None
    registered_until: datetime | None = None
    account_prefix: str | None = None
    include_unregistered: bool = False
    limit: int | None = None


# What each record holds: a device object plus the account that holds it (machine output
# fields, in this order).  Records are plain dicts: an export makes millions of them.
FIELDS = ("account", "id", "slot", "name", "type", "imei", "registered_at",
          "unregistered_at")


def name_pattern(raw: str) -> tuple[str, bool]:
    """The folded pattern, and whether it has wildcards.  Folded as names are; an empty
    or over-long pattern, or one with control characters, is refused."""
    folded = name_key(raw.strip())
    if not folded or len(folded) > MAX_PATTERN or not is_printable(folded):
        raise InvalidArgument("name_pattern", value=raw, max=MAX_PATTERN)
    return folded, any(c in WILDCARDS for c in folded)


def _like(pattern: str) -> str:
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def _glob(pattern: str) -> str:
    # GLOB's own specials besides * and ?: brackets (a name key holds none, but a pattern
    # is operator input)
    return "".join(f"[{c}]" if c in "[]" else c for c in pattern)


def _matching(column: Any, pattern: str, dialect: str) -> Any:
    """``column`` matches ``pattern`` (``*``, ``?``), exactly character by character."""
    if dialect == "sqlite":
        return column.op("GLOB")(_glob(pattern))
    return column.like(_like(pattern), escape="\\")


def query(found: SearchFilter, dialect: str) -> Found:
    """The statement for ``found`` on ``dialect`` (``sqlite`` or ``postgresql``)."""
    columns = (Device.account, Device.id, Device.slot, Device.name, Device.type,
               Device.imei, Device.registered_at, Device.unregistered_at)
    statement = select(*columns)
    if found.plan is not None or found.status is not None:
        statement = statement.join(Contract, Contract.account == Device.account)
        if found.plan is not None:
            statement = statement.where(Contract.plan == Plan(found.plan).value)
        if found.status is not None:
            statement = statement.where(Contract.status == Status(found.status).value)
    if not found.include_unregistered:
        statement = statement.where(Device.slot.is_not(None))
    if found.imei is not None:
        statement = statement.where(Device.imei == validate_imei(found.imei))
    if found.type is not None:
        statement = statement.where(Device.type_key == name_key(validate_type(found.type)))
    if found.name is not None:
        pattern, wild = name_pattern(found.name)
        statement = statement.where(_matching(Device.name_key, pattern, dialect) if wild
                                    else Device.name_key == pattern)
    if found.account_prefix:
        prefix = validate_account(found.account_prefix)
        statement = statement.where(_matching(Device.account, prefix + "*", dialect))
    if found.registered_since is not None:
        statement = statement.where(Device.registered_at >= found.registered_since)
    if found.registered_until is not None:
        statement = statement.where(Device.registered_at < found.registered_until)
    statement = statement.order_by(Device.account, Device.slot.is_(None), Device.slot,
                                   Device.id)
    return statement.limit(found.limit) if found.limit is not None else statement


def search(db: Database, found: SearchFilter, *, chunk: int = 1000
           ) -> Iterator[dict[str, Any]]:
    """The devices ``found`` describes, as :data:`FIELDS` records, streamed (a server-side
    cursor on PostgreSQL)."""
    statement = query(found, db.backend)  # invalid filters refuse before connecting
    with db.connected() as connection:
        result = connection.execution_options(yield_per=chunk).execute(statement)
        for row in result:
            yield dict(zip(FIELDS, row, strict=True))
