"""One change transaction's working set: accounts loaded under lock as plain rows,
changes recorded in order and written with SQLAlchemy Core statements, compiled once
and run on the DBAPI cursor (:mod:`onenumber_cli.storage.prepared`).

The use cases in :mod:`onenumber_cli.services` read and change accounts only through a
:class:`Tx`; every change goes through one of its methods, which is what makes two
things cheap that the ORM made expensive:

* writing: :meth:`Tx.flush` sends the recorded changes table by table, in the order they
  were made, consecutive changes of the same shape as one ``executemany`` (a batch of
  10,000 renames is a handful of statements, not 30,000 ORM flushes);
* undoing one batch row: :meth:`Tx.row` remembers what a row changed in memory and puts
  it back when the row is refused, so a one-transaction batch needs no savepoints.

Order matters only inside a table (a slot or a name is freed before it is taken again;
history and audit keep the order of events); across tables nothing depends on order
except that a new contract exists before its devices, so contracts are written first.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cache
from operator import attrgetter
from types import TracebackType
from typing import Any

from sqlalchemy import BindParameter, Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from onenumber_cli.errors import OneNumberError
from onenumber_cli.storage.models import audit as _AUDIT
from onenumber_cli.storage.models import contracts as _CONTRACTS
from onenumber_cli.storage.models import devices as _DEVICES
from onenumber_cli.storage.models import history as _HISTORY
from onenumber_cli.storage.prepared import Runner, Statement

ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
ID_LENGTH = 8



@dataclass(eq=False)
class ContractRow:
    account: str
    status: str
    plan: str
    created_at: datetime
    updated_at: datetime


@dataclass(eq=False)
class DeviceRow:
    id: str
    account: str
    slot: int | None
    name: str
    name_key: str
    type: str
    imei: str | None
    registered_at: datetime
    unregistered_at: datetime | None = None
    # The type folded as names are, for devices search: written with a new device; not
    # read back with the registered ones (nothing in a change reads it).
    type_key: str | None = None


# Loading selects the columns in these orders, so rows build the dataclasses positionally.
CONTRACT_FIELDS = tuple(f.name for f in fields(ContractRow))
DEVICE_FIELDS = tuple(f.name for f in fields(DeviceRow))
# What a change may touch (R5: a device's type, IMEI and registration time never change).
_CONTRACT_CHANGES = ("status", "plan", "updated_at")
_DEVICE_CHANGES = ("slot", "name", "name_key", "unregistered_at")


@cache
def _changing(table: Table, key: str, columns: tuple[str, ...]
              ) -> tuple[Statement, tuple[str, ...]]:
    """``UPDATE table SET columns... WHERE key = :b_key``, and the names of its values (the
    key's first).  Only the columns a change sets: SQLite then maintains only the indexes
    over those (a rename leaves the slot's alone).  One statement per set of columns, so
    a batch's changes of one kind are still one ``executemany``."""
    allowed = {_CONTRACTS: _CONTRACT_CHANGES, _DEVICES: _DEVICE_CHANGES}[table]
    assert set(columns) <= set(allowed), f"{table.name}: {columns} may not change"
    statement = (update(table).where(table.c[key] == bindparam(f"b_{key}"))
                 .values({name: bindparam(f"b_{name}") for name in columns}))
    return statement, tuple(f"b_{name}" for name in (key, *columns))


def _adding(table: Table, columns: tuple[str, ...]) -> Statement:
    """``INSERT INTO table (columns...)``; ``inline``: no RETURNING of the new key."""
    return insert(table).inline().values({name: bindparam(name) for name in columns})


_HISTORY_FIELDS = ("account", "event", "at", "device_id", "name", "type", "imei")
_AUDIT_FIELDS = ("at", "operator", "action", "account", "device_id", "before", "after",
                 "batch_id", "reverts")
_INSERT_CONTRACT = _adding(_CONTRACTS, CONTRACT_FIELDS)
_INSERT_DEVICE = _adding(_DEVICES, DEVICE_FIELDS)
_INSERT_HISTORY = _adding(_HISTORY, _HISTORY_FIELDS)
_INSERT_AUDIT = _adding(_AUDIT, _AUDIT_FIELDS)

# The time of the account's latest history event (index ix_history_account_at): no change
# may record an earlier one, so events stay in order whatever the clocks of operators do.
_LATEST_EVENT = (select(func.max(_HISTORY.c.at)).where(_HISTORY.c.account == _CONTRACTS.c.account)
                 .correlate(_CONTRACTS).scalar_subquery())
_CONTRACT_COLUMNS = [*(_CONTRACTS.c[name] for name in CONTRACT_FIELDS), _LATEST_EVENT]
_DEVICE_COLUMNS = [_DEVICES.c[name] for name in DEVICE_FIELDS]
_ONE: BindParameter[str] = bindparam("account")
# An account's registered devices: all but the last two columns, which a registered
# device has empty (unregistered_at) or a change never reads (type_key).
assert DEVICE_FIELDS[-2:] == ("unregistered_at", "type_key")
_REGISTERED = select(*_DEVICE_COLUMNS[:-2]).where(_DEVICES.c.slot.is_not(None))
LOAD_SIZE = 500
_PLACES = tuple(f"a{i}" for i in range(LOAD_SIZE))  # the placeholders of a load of many
_INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL: a role that may not write


@cache
def _loading(one: bool, lock: bool) -> tuple[Statement, Statement]:
    """The statements that load (and lock) one account, or :data:`LOAD_SIZE` of them (a
    chunk of batch rows): its contract, and its registered devices.

    For many, the placeholders are a fixed list, padded by repeating the last account,
    so that one compiled statement serves every chunk (an expanding IN would be rendered
    afresh for each size).  Built on first use: the 500 placeholders cost ~10 ms, which
    a single command does not need to pay."""
    if one:
        where_contract = _CONTRACTS.c.account == _ONE
        where_device = _DEVICES.c.account == _ONE
    else:
        many: list[BindParameter[str]] = [bindparam(name) for name in _PLACES]
        where_contract = _CONTRACTS.c.account.in_(many)
        where_device = _DEVICES.c.account.in_(many)
    contracts = (select(*_CONTRACT_COLUMNS).where(where_contract)
                 .order_by(_CONTRACTS.c.account))  # one lock order: no deadlock between us
    return (contracts.with_for_update() if lock else contracts,
            _REGISTERED.where(where_device))


_DEVICE_BY_ID = select(*_DEVICE_COLUMNS).where(_DEVICES.c.account == _ONE,
                                               _DEVICES.c.id == bindparam("id"))
_ID_TAKEN = select(_DEVICES.c.id).where(_DEVICES.c.id == bindparam("id"))
_REVERTED = select(_AUDIT.c.seq).where(_AUDIT.c.reverts == bindparam("reverts"))


_SLOT = attrgetter("slot")


@dataclass(eq=False)
class Account:
    """One account as a change transaction sees it: its contract row, locked (R12), and
    the devices the transaction knows of (every registered one, and any it touched)."""

    contract: ContractRow
    devices: list[DeviceRow] = field(default_factory=list)
    latest: datetime | None = None  # the time of its latest history event
    _registered: tuple[DeviceRow, ...] | None = field(default=None, repr=False)

    @property
    def registered(self) -> tuple[DeviceRow, ...]:
        """The registered devices, by slot (kept until the :class:`Tx` changes one)."""
        if self._registered is None:
            self._registered = tuple(sorted([d for d in self.devices if d.slot is not None],
                                            key=_SLOT))
        return self._registered

    def changed(self) -> None:
        """A device was added, or one's slot changed: sort the registered ones again."""
        self._registered = None


class _Values:
    """A row's fields ``names`` as a statement's values, keyed ``prefix + name`` (read with
    one ``attrgetter`` call: a batch row builds three of these)."""

    def __init__(self, names: tuple[str, ...], prefix: str = "") -> None:
        assert len(names) > 1, "attrgetter of one name gives a value, not a tuple"
        self._keys = tuple(prefix + name for name in names)
        self._get = attrgetter(*names)

    def __call__(self, row: Any) -> dict[str, Any]:
        return dict(zip(self._keys, self._get(row), strict=True))


_NEW_CONTRACT = _Values(CONTRACT_FIELDS)
_NEW_DEVICE = _Values(DEVICE_FIELDS)


def _before(row: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """The values of the fields ``changes`` sets, as they are before it does."""
    return {name: getattr(row, name) for name in changes}


def could_be_device_id(text: str) -> bool:
    """Whether ``text`` has the form of a device id (saves a query for names)."""
    return len(text) == ID_LENGTH and all(c in ID_ALPHABET for c in text)


class Tx:
    """The working set of one change transaction on ``connection`` (in a write
    transaction).  Nothing is written before :meth:`flush`; reads of rows this
    transaction already holds are answered from memory, so they see its own changes.

    With ``lock=False`` it only reads (no ``FOR UPDATE``, which a read-only role may not
    use): the commands that show an account share the loading code of the changes.

    With ``dry_run`` (rolled back at the end) it takes no row locks either, and a role
    that may not write (PostgreSQL's reader) still gets every rule decided: the first
    flush refused for lack of privilege is undone (a savepoint) and from then on the
    changes stay in memory only, where every later read of them is answered."""

    def __init__(self, connection: Connection, *, lock: bool = True,
                 dry_run: bool = False) -> None:
        self._connection = connection
        self._lock = lock and not dry_run
        self._dry_run = dry_run
        self._memory_only = False  # a dry run by a role that may not write
        self._dialect = connection.dialect
        self._run = Runner(connection)
        self._accounts: dict[str, Account | None] = {}  # None: looked up, does not exist
        self._devices: dict[str, DeviceRow] = {}
        self._writes: dict[str, list[tuple[Statement, dict[str, Any]]]] = {
            "contracts": [], "devices": [], "history": [], "audit": []}
        self._undo: list[_Undo] | None = None  # inside row(): how to undo it

    @property
    def connection(self) -> Connection:
        """The connection this transaction runs on (for reads beside the working set)."""
        return self._connection

    def _select(self, statement: Statement, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        return self._run.select(statement, values)

    # --- reading, under lock -----------------------------------------------------------

    def load(self, accounts: Collection[str]) -> None:
        """Lock and load every account of ``accounts`` not yet held, two statements per
        :data:`LOAD_SIZE` accounts (a whole chunk of batch rows at once)."""
        wanted = sorted({a for a in accounts if a not in self._accounts})
        for start in range(0, len(wanted), LOAD_SIZE):
            self._load(wanted[start:start + LOAD_SIZE])

    def _load(self, part: list[str]) -> None:
        one = len(part) == 1
        contracts, devices = _loading(one, self._lock)
        values = ({"account": part[0]} if one else
                  dict(zip(_PLACES, part + part[-1:] * (LOAD_SIZE - len(part)), strict=True)))
        for account in part:
            self._accounts[account] = None
        for row in self._select(contracts, values):
            self._accounts[row[0]] = Account(ContractRow(*row[:-1]), latest=row[-1])
        if not any(self._accounts[a] is not None for a in part):
            return
        for row in self._select(devices, values):
            device = DeviceRow(*row)
            self._devices[device.id] = device
            holder = self._accounts[device.account]
            assert holder is not None
            holder.devices.append(device)

    def account(self, account: str) -> Account | None:
        """The account, locked until the transaction ends; None when it does not exist."""
        if account not in self._accounts:
            self.load((account,))
        return self._accounts[account]

    def device(self, account: str, device_id: str) -> DeviceRow | None:
        """Any device of the account by id, registered or not."""
        known = self._devices.get(device_id)
        if known is not None:
            return known if known.account == account else None
        rows = self._select(_DEVICE_BY_ID, {"account": account, "id": device_id})
        if not rows:
            return None
        device = DeviceRow(*rows[0])
        self._devices[device.id] = device
        holder = self._accounts.get(account)
        if holder is not None:
            holder.devices.append(device)
            holder.changed()
        return device

    def new_device_id(self, avoid: Collection[str] = ()) -> str:
        """A short random id, never used before (ids are never deleted, and we check), and
        none of ``avoid`` (the account's device names: an id is matched before a name)."""
        while True:
            candidate = "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
            if candidate not in self._devices and candidate not in avoid and \
                    not self._select(_ID_TAKEN, {"id": candidate}):
                return candidate

    def reverted(self, key: str) -> bool:
        """Whether a revert already undid the audit record ``key`` (``BATCH_ID:SEQ``)."""
        return bool(self._select(_REVERTED, {"reverts": key}))

    # --- changing ----------------------------------------------------------------------

    def add_account(self, contract: ContractRow) -> Account:
        account = Account(contract)
        self._remember(_AccountAdded(contract.account, self._accounts.get(contract.account)))
        self._accounts[contract.account] = account
        self._write("contracts", _INSERT_CONTRACT, _NEW_CONTRACT(contract))
        return account

    def change_contract(self, account: Account, **changes: Any) -> None:
        contract = account.contract
        self._remember(_FieldsChanged(contract, _before(contract, changes)))
        for name, value in changes.items():
            setattr(contract, name, value)
        statement, names = _changing(_CONTRACTS, "account", tuple(changes))
        self._write("contracts", statement,
                    dict(zip(names, (contract.account, *changes.values()), strict=True)))

    def add_device(self, account: Account, device: DeviceRow) -> None:
        self._remember(_DeviceAdded(account, device))
        account.devices.append(device)
        account.changed()
        self._devices[device.id] = device
        self._write("devices", _INSERT_DEVICE, _NEW_DEVICE(device))

    def change_device(self, device: DeviceRow, **changes: Any) -> None:
        self._remember(_FieldsChanged(device, _before(device, changes)))
        for name, value in changes.items():
            setattr(device, name, value)
        self._changed(device)
        statement, names = _changing(_DEVICES, "id", tuple(changes))
        self._write("devices", statement,
                    dict(zip(names, (device.id, *changes.values()), strict=True)))

    def add_history(self, event: str, device: DeviceRow, at: datetime) -> None:
        holder = self._accounts.get(device.account)
        if holder is not None and (holder.latest is None or at > holder.latest):
            self._remember(_FieldsChanged(holder, {"latest": holder.latest}))
            holder.latest = at
        self._write("history", _INSERT_HISTORY, {
            "account": device.account, "event": event, "at": at, "device_id": device.id,
            "name": device.name, "type": device.type, "imei": device.imei})

    def add_audit(self, **record: Any) -> None:
        self._write("audit", _INSERT_AUDIT, record)

    def _write(self, table: str, statement: Statement, values: dict[str, Any]) -> None:
        self._writes[table].append((statement, values))  # a refused row: _Row drops it

    def flush(self) -> None:
        """Write everything recorded so far: table by table, each in the order of the
        changes, consecutive statements of one shape as one executemany."""
        assert self._undo is None, "flush() inside a batch row: _Row keeps the lengths"
        if self._memory_only:
            self._discard()
            return
        if not (self._dry_run and self._dialect.name == "postgresql"):
            self._flush()
            return
        self._connection.exec_driver_sql("SAVEPOINT onenumber_dry_run")
        try:
            self._flush()
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
                raise
            self._connection.exec_driver_sql("ROLLBACK TO SAVEPOINT onenumber_dry_run")
            self._memory_only = True
            self._discard()
            return
        self._connection.exec_driver_sql("RELEASE SAVEPOINT onenumber_dry_run")

    def _discard(self) -> None:
        for writes in self._writes.values():
            writes.clear()

    def _flush(self) -> None:
        for writes in self._writes.values():
            start = 0
            while start < len(writes):
                statement = writes[start][0]
                end = start + 1
                while end < len(writes) and writes[end][0] is statement:
                    end += 1
                self._run.execute(statement, [values for _, values in writes[start:end]])
                start = end
            writes.clear()

    def forget(self) -> None:
        """Drop the rows read so far, to keep a long transaction's memory flat.  Only
        after :meth:`flush`: reading them again then sees this transaction's writes (and
        the locks are held until it ends)."""
        assert not any(self._writes.values()), "forget() before flush() would lose writes"
        if self._memory_only:  # the rows in memory are the only record of the changes
            return
        self._accounts.clear()
        self._devices.clear()

    # --- one batch row -----------------------------------------------------------------

    def row(self) -> _Row:
        """A batch row (``with tx.row(): ...``): when it is refused
        (:class:`OneNumberError`), everything it changed in memory and every write it
        recorded are undone, as if it never ran."""
        return _Row(self)

    def _remember(self, entry: _Undo) -> None:
        if self._undo is not None:
            self._undo.append(entry)

    def _changed(self, device: DeviceRow) -> None:
        holder = self._accounts.get(device.account)
        if holder is not None:
            holder.changed()


class _Row:
    """:meth:`Tx.row`'s context (a class: a generator-based one costs a batch row 1.5 us).
    A refused row's writes are dropped by cutting each table's list back to its length
    when the row began; its changes in memory are undone entry by entry."""

    __slots__ = ("_lengths", "_tx")

    def __init__(self, tx: Tx) -> None:
        self._tx = tx
        self._lengths: list[int] = []

    def __enter__(self) -> None:
        self._tx._undo = []
        self._lengths = list(map(len, self._tx._writes.values()))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        tx = self._tx
        undo, tx._undo = tx._undo, None
        if undo is not None and kind is not None and issubclass(kind, OneNumberError):
            for entry in reversed(undo):
                entry.undo(tx)
            for writes, length in zip(tx._writes.values(), self._lengths, strict=True):
                del writes[length:]


# --- how a refused batch row's changes are undone, one entry per change ------------
# (plain slotted classes: built several times a row, where frozen ones cost 3x as much)


@dataclass(eq=False, slots=True)
class _FieldsChanged:
    """Fields of a contract, device or account set; ``before`` holds their old values."""

    target: ContractRow | DeviceRow | Account
    before: dict[str, Any]

    def undo(self, tx: Tx) -> None:
        for name, value in self.before.items():
            setattr(self.target, name, value)
        if isinstance(self.target, DeviceRow):
            tx._changed(self.target)


@dataclass(eq=False, slots=True)
class _DeviceAdded:
    account: Account
    device: DeviceRow

    def undo(self, tx: Tx) -> None:
        self.account.devices.remove(self.device)
        self.account.changed()
        del tx._devices[self.device.id]


@dataclass(eq=False, slots=True)
class _AccountAdded:
    """A new contract: the account was unknown (``before`` None) or known not to exist."""

    account: str
    before: Account | None

    def undo(self, tx: Tx) -> None:
        tx._accounts[self.account] = self.before


_Undo = _FieldsChanged | _DeviceAdded | _AccountAdded
