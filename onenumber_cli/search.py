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
* ``account_prefix``: a range of the devices' account index, ``account >= prefix AND
  account < successor`` (``storage.queries.prefix_successor``): exact where the database
  orders the account characters by code point (SQLite; PostgreSQL with the ``C``,
  ``POSIX`` or ``C.UTF-8`` collation, as ``initdb --locale=C.UTF-8`` makes it).
  ``LIKE 'p%'`` can use that index under ``C`` only: under ``C.UTF-8`` it read the
  whole table.  A PostgreSQL database with a linguistic collation (``en_US.UTF-8``,
  ICU), where ``-`` or ``.`` may be ignored or ordered otherwise, gets the exact ``LIKE``
  instead (:func:`code_point_order` asks the database; exact, only slower);
* ``plan``/``status`` join the contract; ``registered_since``/``until`` and
  ``include_unregistered`` only narrow what the others found.

Rows come in account order, then by slot (unregistered devices last, by id), so a limited
search is repeatable.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, select

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
from onenumber_cli.storage.models import contracts, devices
from onenumber_cli.storage.prepared import Runner
from onenumber_cli.storage.queries import prefix_successor

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


# Account characters in code point order, and strings where a linguistic collation
# (which ignores punctuation, or folds case, at first) orders differently.
_ACCOUNT_ORDER = sorted(["+", "-", ".", "0", "9", "@", "A", "Z", "_", "a", "z",
                         "a-b", "a.", "a+c", "a,", "ab", "aB", "a", "A_", "a@"])


def code_point_order(connection: Any) -> bool:
    """Whether the database's default collation orders account IDs by code point
    (PostgreSQL ``C``, ``POSIX``, ``C.UTF-8``; SQLite always): asked of the database,
    whatever the collation's name or provider."""
    if connection.dialect.name == "sqlite":
        return True
    ordered = connection.exec_driver_sql(
        "SELECT array_agg(s ORDER BY s) FROM unnest(%(strings)s::text[]) AS s",
        {"strings": _ACCOUNT_ORDER}).scalar_one()
    return list(ordered) == _ACCOUNT_ORDER


def prefix_match(column: Any, prefix: str, dialect: str, *, ranged: bool = False) -> Any:
    """``column`` starts with ``prefix`` (a validated account id's start), exactly: the
    condition ``--account-prefix`` means in ``devices search`` and ``accounts list``.
    ``ranged`` (the database orders accounts by code point, :func:`code_point_order`):
    as a range of the index, which every collation's index can serve; else a pattern."""
    if ranged:
        return and_(column >= prefix, column < prefix_successor(prefix))
    return _matching(column, prefix + "*", dialect)


def query(found: SearchFilter, dialect: str, *, ranged: bool = True) -> Found:
    """The statement for ``found`` on ``dialect`` (``sqlite`` or ``postgresql``);
    ``ranged``: an account prefix is a range (the database orders accounts by code
    point, :func:`code_point_order`), else a ``LIKE``."""
    columns = (devices.c.account, devices.c.id, devices.c.slot, devices.c.name, devices.c.type,
               devices.c.imei, devices.c.registered_at, devices.c.unregistered_at)
    statement = select(*columns)
    if found.plan is not None or found.status is not None:
        statement = statement.join(contracts, contracts.c.account == devices.c.account)
        if found.plan is not None:
            statement = statement.where(contracts.c.plan == Plan(found.plan).value)
        if found.status is not None:
            statement = statement.where(contracts.c.status == Status(found.status).value)
    if not found.include_unregistered:
        statement = statement.where(devices.c.slot.is_not(None))
    if found.imei is not None:
        statement = statement.where(devices.c.imei == validate_imei(found.imei))
    if found.type is not None:
        statement = statement.where(devices.c.type_key == name_key(validate_type(found.type)))
    if found.name is not None:
        pattern, wild = name_pattern(found.name)
        statement = statement.where(_matching(devices.c.name_key, pattern, dialect) if wild
                                    else devices.c.name_key == pattern)
    if found.account_prefix:
        prefix = validate_account(found.account_prefix)
        statement = statement.where(prefix_match(devices.c.account, prefix, dialect,
                                                 ranged=ranged))
    if found.registered_since is not None:
        statement = statement.where(devices.c.registered_at >= found.registered_since)
    if found.registered_until is not None:
        statement = statement.where(devices.c.registered_at < found.registered_until)
    statement = statement.order_by(devices.c.account, devices.c.slot.is_(None), devices.c.slot,
                                   devices.c.id)
    return statement.limit(found.limit) if found.limit is not None else statement


def fields(found: SearchFilter) -> tuple[str, ...]:
    """The fields of each row :func:`rows` yields for ``found``: :data:`FIELDS`, without
    ``unregistered_at`` unless unregistered devices are included."""
    return FIELDS if found.include_unregistered else FIELDS[:-1]


def rows(db: Database, found: SearchFilter, *, chunk: int = 1000
         ) -> Generator[tuple[Any, ...], None, None]:
    """The devices ``found`` describes, as tuples of :func:`fields` (times as aware
    datetimes), streamed.

    An export reads millions of rows, so they come straight from the driver's cursor,
    ``chunk`` at a time (a server-side cursor on PostgreSQL), with none of SQLAlchemy's
    per-row result objects and type processing: the statement is still built and compiled
    by SQLAlchemy (:func:`query`) and run by
    :meth:`~onenumber_cli.storage.prepared.Runner.stream`; the one type that needs work,
    SQLite's text timestamps (naive UTC: ``2021-07-20 01:00:00.000000``), is read here."""
    statement = _shaped(query(found, db.backend), found)  # invalid filters refuse before
    with db.connected() as connection:  # connecting
        if found.account_prefix and not code_point_order(connection):
            statement = _shaped(query(found, db.backend, ranged=False), found)
        chunks = Runner(connection).stream(statement, chunk)
        if connection.dialect.name != "sqlite":  # the driver's own aware datetimes
            for fetched in chunks:
                yield from fetched
            return
        parse = datetime.fromisoformat
        if not found.include_unregistered:  # the common shape, and an export's: 7 fields
            for fetched in chunks:
                for account, id_, slot, name, kind, imei, registered in fetched:
                    yield (account, id_, slot, name, kind, imei,
                           parse(registered).replace(tzinfo=UTC))
            return
        for fetched in chunks:
            for *device, registered, unregistered in fetched:
                yield (*device, parse(registered).replace(tzinfo=UTC),
                       None if unregistered is None else parse(unregistered).replace(tzinfo=UTC))


def _shaped(statement: Found, found: SearchFilter) -> Found:
    if found.include_unregistered:
        return statement
    return statement.with_only_columns(*statement.selected_columns[:-1],
                                       maintain_column_froms=True)


def search(db: Database, found: SearchFilter, *, chunk: int = 1000
           ) -> Iterator[dict[str, Any]]:
    """The devices ``found`` describes, as :data:`FIELDS` records (``unregistered_at``
    None unless unregistered devices are included), streamed."""
    return map(record, rows(db, found, chunk=chunk))


def record(row: Sequence[Any]) -> dict[str, Any]:
    """A row of :func:`rows` as a device object plus its account (:data:`FIELDS`; without
    unregistered devices, ``unregistered_at`` is None)."""
    found = dict(zip(FIELDS, row, strict=False))
    if len(row) < len(FIELDS):
        found["unregistered_at"] = None
    return found
