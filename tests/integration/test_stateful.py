"""Stateful property test: random sequences of every change, through the core API.

A hypothesis ``RuleBasedStateMachine`` drives single changes (each sometimes a dry run),
small batches (per row, atomic, dry run; every action, with every field it takes) and
``batch revert`` of any batch it made before (a revert too; per row, atomic, dry run)
over three accounts, a few device types, names whose keys collide, names that are one
of the account's device ids (as they are, or in capitals: allowed once that device is
unregistered), two IMEIs and ``at`` times from the far past to a minute ahead, so
capacity limits, duplicates, last-device refusals, ``--replace`` on full one-number
accounts, cancelled and re-subscribed contracts, and reverts after later changes all
come up.  On PostgreSQL a rule ends the tool's server sessions from a second
connection between steps, so the next change runs on a fresh connection.  After every
step the laws hold:

- ``check`` finds nothing (capacity, slots, names, history consistent with the
  registrations, nothing unregistered before it was registered, no future times);
- every change has exactly one audit record: the audit table grows by the number of
  successful, committed results with ``changed`` (a dry run and a rolled-back atomic
  batch commit nothing);
- history grows by what the changes imply (register 1 + the devices ``--replace``
  removed, unregister 1, service cancel 1 per removed device), and in total it has one
  ``register`` event per device and one ``unregister`` per unregistered device;
- audit and history are append-only (earlier rows never change);
- a refused change, a dry run and a no-op (``changed: false``) leave the database
  exactly as it was;
- revert locality (:func:`revert_locality`, after each revert step): a revert changes
  only the devices and contracts its batch's audit records name, and only back to the
  ``before`` those records hold; each record it writes undoes one record of that
  batch, and no record is ever undone twice.

A refused change raises :class:`OneNumberError` (any subclass); anything else escaping
a change is a bug, and hypothesis reports it with the shortest sequence it can find.

The ``db`` fixture is function-scoped and parametrized over the backends, so each test
binds the machine to its database (:func:`machine_for`); the machine empties its
accounts at the start of each example.  The sequences it found before the ``--at`` rule
(an explicit time is neither in the future nor before the account's latest event) are
replayed as plain tests at the end.
"""

from __future__ import annotations

import io
import json
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Select, bindparam, create_engine, delete, event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from onenumber_cli import batch, check, revert, services
from onenumber_cli.domain.values import Action
from onenumber_cli.errors import OneNumberError
from onenumber_cli.services import Actor, ChangeResult
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import audit as AUDIT
from onenumber_cli.storage.models import contracts as CONTRACTS
from onenumber_cli.storage.models import devices as DEVICES
from onenumber_cli.storage.models import history as HISTORY

TOKYO = ZoneInfo("Asia/Tokyo")
ACCOUNTS = ("state-a", "state-b", "state-c")  # only these: see `mine`
TYPES = ("BMW", "Apple Watch SE", "Car")  # the default name of "Car" collides with "Car"
NAMES = ("Car", "Watch", "watch", "ＷＡＴＣＨ", "Band")  # equal name keys on purpose
IMEIS = ("490154203237518", "356938035643809")  # valid (Luhn)
BAD_IMEI = "123456789012345"
MISSING_ID = "zzzzzzzz"  # has the form of a device id; no device has it
FAR_PAST = datetime(2020, 1, 1, tzinfo=UTC)
# How a change's time is given: mostly not at all.
AT_KINDS = ("none", "none", "none", "none", "none",
            "before_latest", "far_past", "seconds_ahead", "late", "now")
ACTIONS = tuple(Action)

# The laws must hold over at least MIN_STEPS steps a backend in CI (the test counts the
# rules run and fails with fewer): 60 sequences of up to 50 steps run 2,300-2,650.
# Measured on the two cores with seven other agents' work running (load 9-16):
# SQLite 2,452-2,628 steps in 31-47 s (11 s of the test process's CPU), PostgreSQL
# 2,309-2,424 steps in 145-195 s (25 s of the test process's CPU: the rest is waiting
# for the shared server); before reverts and kills, 40 sequences of up to 25 steps took
# 4 s and 11 s at load 7.  Not derandomized: that one fixed set of sequences missed the
# defects replayed at the end of this file, which a random run of 40 examples found in
# about 3 runs out of 4 (and the revert of a registration reaching a device named after
# its id, in 1 run of 1, in 5 minutes with shrinking).  A failure is saved in
# .hypothesis/ and replayed first; print_blob gives the @reproduce_failure line that
# replays it anywhere.
MIN_STEPS = 2000
SETTINGS = settings(
    max_examples=60,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)

maybe = st.booleans
# The third account starts without a contract (not found until a rule subscribes it).
an_account = st.sampled_from(ACCOUNTS[:2] * 2 + ACCOUNTS[2:])
optional_name = st.sampled_from((None, *NAMES))
optional_imei = st.sampled_from((None, None, None, *IMEIS, BAD_IMEI))


# --- reading the database ------------------------------------------------------------


def mine(table: Any) -> Any:
    """Rows of the machine's accounts.  Every read and delete is limited to them, so a
    process sharing the PostgreSQL test database (a developer's other run) neither
    disturbs the laws nor loses its rows."""
    return table.c.account.in_(ACCOUNTS)


def _all(*columns: Any) -> Select[Any]:
    return select(*columns).where(mine(columns[0].table)).order_by(columns[0])


# Built once: the machine reads the whole state after every step.
SNAPSHOT = {
    "contracts": _all(*(CONTRACTS.c[name] for name in (
        "account", "status", "plan", "created_at", "updated_at"))),
    "devices": _all(*(DEVICES.c[name] for name in (
        "id", "account", "slot", "name", "name_key", "type", "imei", "registered_at",
        "unregistered_at"))),
    "history": _all(HISTORY.c.seq, HISTORY.c.account, HISTORY.c.event,
                    HISTORY.c.at, HISTORY.c.device_id, HISTORY.c.name,
                    HISTORY.c.type, HISTORY.c.imei),
    "audit": _all(AUDIT.c.seq, AUDIT.c.at, AUDIT.c.operator, AUDIT.c.action,
                  AUDIT.c.account, AUDIT.c.device_id, AUDIT.c.before,
                  AUDIT.c.after, AUDIT.c.batch_id, AUDIT.c.reverts),
}
DEVICE_IDS = (select(HISTORY.c.device_id)
              .where(mine(HISTORY), HISTORY.c.event == "register")
              .order_by(HISTORY.c.seq))
KILL = text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid = ANY(:pids) AND pid <> pg_backend_pid()")
ALIVE = text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)")
LATEST = select(func.max(HISTORY.c.at)).where(HISTORY.c.account == bindparam("account"))
CREATED = select(CONTRACTS.c.created_at).where(CONTRACTS.c.account == bindparam("account"))


@dataclass(frozen=True)
class Snapshot:
    """Every row of every table (the databases stay small): equal snapshots, equal
    databases."""

    contracts: list[tuple[Any, ...]]
    devices: list[tuple[Any, ...]]
    history: list[tuple[Any, ...]]
    audit: list[tuple[Any, ...]]

    @property
    def registered_devices(self) -> int:
        return sum(slot is not None for _, _, slot, *_ in self.devices)

    @property
    def unregistered_devices(self) -> int:
        return len(self.devices) - self.registered_devices


def snapshot(db: Database) -> Snapshot:
    with db.connected() as connection:  # one read transaction
        return Snapshot(**{name: [tuple(row) for row in connection.execute(query)]
                           for name, query in SNAPSHOT.items()})


def device_ids(db: Database, account: str | None) -> list[str]:
    """The ids of the account's devices (or all), in the order they were registered (ids
    are random; the order is not)."""
    query = DEVICE_IDS if account is None else DEVICE_IDS.where(
        HISTORY.c.account == account)
    with db.connected() as connection:
        return list(connection.scalars(query))


def latest_event(db: Database, account: str) -> datetime:
    """The account's latest history event (else its creation; else an hour ago)."""
    with db.connected() as connection:
        latest = (connection.scalar(LATEST, {"account": account})
                  or connection.scalar(CREATED, {"account": account}))
    return latest or services.utcnow() - timedelta(hours=1)


def empty(db: Database) -> None:
    with db.engine.begin() as connection:
        for table in (AUDIT, HISTORY, DEVICES, CONTRACTS):
            connection.execute(delete(table).where(mine(table)))


def history_implied(result: ChangeResult) -> int:
    """History events a successful change appends."""
    if result.action == Action.REGISTER:
        return 1 + len(result.removed)
    if result.action == Action.UNREGISTER:
        return 1
    if result.action == Action.SERVICE_CANCEL:
        return len(result.removed)
    return 0


# --- the machine ---------------------------------------------------------------------


class Changes(RuleBasedStateMachine):
    """The machine; :func:`machine_for` binds it to a database."""

    db: ClassVar[Database]
    pids: ClassVar[set[int]]  # PostgreSQL: the backends the tool's connections use
    killer: ClassVar[Engine | None]  # PostgreSQL: a second connection, to end them
    steps: ClassVar[int]  # rules run, over every example of the test
    kills: ClassVar[int]  # server sessions of the tool ended
    reverts: ClassVar[Counter[str]]  # revert steps by outcome, over every example
    actor = Actor(operator="stateful")

    def __init__(self) -> None:
        super().__init__()
        empty(self.db)
        self.audit_rows = 0  # the audit records the successful changes imply
        self.history_rows = 0  # the history events they imply
        self.last = snapshot(self.db)  # the state the laws last saw
        self.current: Snapshot | None = self.last  # the state now, when known
        self.token = secrets.token_hex(4)  # batch ids unique in the shared database
        self.runs = 0  # batches run (each gets an id of its own)
        self.batches: list[str] = []  # the batches that changed something: revertible
        self.steps_since_kill = 0  # kills between every step would test little else

    def state(self) -> Snapshot:
        """The database's state (read again only after a change)."""
        if self.current is None:
            self.current = snapshot(self.db)
        return self.current

    def step(self) -> None:
        type(self).steps += 1
        self.steps_since_kill += 1

    # --- inputs drawn against the current state --------------------------------------

    def at(self, data: st.DataObject, account: str) -> datetime | None:
        kind = data.draw(st.sampled_from(AT_KINDS), label="at")
        now = services.utcnow()
        if kind == "before_latest":
            seconds = data.draw(st.integers(1, 3600), label="seconds before latest")
            return latest_event(self.db, account) - timedelta(seconds=seconds)
        if kind == "far_past":
            return FAR_PAST
        if kind == "seconds_ahead":
            return now + timedelta(seconds=data.draw(st.integers(1, 5), label="ahead"))
        if kind == "late":
            return now + timedelta(seconds=data.draw(st.integers(30, 50), label="ahead"))
        if kind == "now":
            return now
        return None

    def device_ref(self, data: st.DataObject, account: str) -> str:
        """Mostly the id of one of the account's devices (registered or not); else
        another account's device, a name, an IMEI, or nothing that exists."""
        kind = data.draw(st.sampled_from(("own", "own", "own", "any", "name", "imei",
                                          "missing")), label="device by")
        ids = device_ids(self.db, None if kind == "any" else account)
        if kind in ("own", "any") and ids:
            return ids[data.draw(st.integers(0, len(ids) - 1), label="device index")]
        if kind == "imei":
            return data.draw(st.sampled_from(IMEIS), label="imei")
        if kind == "missing":
            return MISSING_ID
        return data.draw(st.sampled_from(NAMES), label="name")

    def new_name(self, data: st.DataObject, account: str) -> str:
        """A name: mostly one of NAMES; sometimes the id of one of the account's devices,
        as it is or in capitals (allowed once that device is unregistered: a revert must
        then never reach the device so named instead of the one its record names)."""
        if data.draw(st.integers(0, 3), label="named after a device id") == 0:
            ids = device_ids(self.db, account)
            if ids:
                chosen = ids[data.draw(st.integers(0, len(ids) - 1), label="id index")]
                return chosen.upper() if data.draw(maybe(), label="in capitals") else chosen
        return data.draw(st.sampled_from(NAMES), label="name")

    def optional_name(self, data: st.DataObject, account: str) -> str | None:
        return self.new_name(data, account) if data.draw(maybe(), label="named") else None

    # --- single changes ---------------------------------------------------------------

    def change(self, change: services.Change, dry_run: bool) -> None:
        before = self.state()
        self.current = None
        try:
            result = services.perform(self.db, change, dry_run=dry_run)
        except OneNumberError as error:
            assert self.state() == before, f"refused ({error.code}) but wrote"
            return
        if dry_run or not result.changed:
            assert self.state() == before, f"{result} wrote"
            return
        self.audit_rows += 1
        self.history_rows += history_implied(result)

    @initialize()
    def start(self) -> None:
        """A full one-number account and a multi account with two devices (the third
        account is left to the rules): every refusal is one step away.  Made by a batch,
        so that there is a batch to revert from the first step."""
        a, b = ACCOUNTS[:2]
        self.run_batch([
            {"action": "service-subscribe", "account": a},
            {"action": "register", "account": a, "type": "BMW"},
            {"action": "service-subscribe", "account": b, "multi": True},
            {"action": "register", "account": b, "type": "Apple Watch SE", "imei": IMEIS[0]},
            {"action": "register", "account": b, "type": "Car", "name": "Band"},
        ], dry_run=False, atomic=False)
        assert len(self.batches) == 1

    @rule(account=an_account, multi=maybe(), dry_run=maybe())
    def service_subscribe(self, account: str, multi: bool, dry_run: bool) -> None:
        self.step()
        self.change(services.SERVICE_SUBSCRIBE.bind(self.actor, account, multi=multi), dry_run)

    @rule(data=st.data(), account=an_account,
          device_type=st.sampled_from(TYPES), imei=optional_imei,
          replace=maybe(), dry_run=maybe())
    def register(self, data: st.DataObject, account: str, device_type: str,
                 imei: str | None, replace: bool, dry_run: bool) -> None:
        self.step()
        name = self.optional_name(data, account)
        at = self.at(data, account)
        self.change(services.REGISTER.bind(self.actor, account, device_type, name=name,
                                           imei=imei, at=at, replace=replace), dry_run)

    @rule(data=st.data(), account=an_account, dry_run=maybe())
    def rename(self, data: st.DataObject, account: str, dry_run: bool) -> None:
        self.step()
        device = self.device_ref(data, account)
        new_name = self.new_name(data, account)
        self.change(services.RENAME.bind(self.actor, account, device, new_name), dry_run)

    @rule(data=st.data(), account=an_account, dry_run=maybe())
    def unregister(self, data: st.DataObject, account: str, dry_run: bool) -> None:
        self.step()
        device = self.device_ref(data, account)
        at = self.at(data, account)
        self.change(services.UNREGISTER.bind(self.actor, account, device, at=at), dry_run)

    @rule(account=an_account, dry_run=maybe())
    def option_subscribe(self, account: str, dry_run: bool) -> None:
        self.step()
        self.change(services.OPTION_SUBSCRIBE.bind(self.actor, account), dry_run)

    @rule(account=an_account, dry_run=maybe())
    def option_cancel(self, account: str, dry_run: bool) -> None:
        self.step()
        self.change(services.OPTION_CANCEL.bind(self.actor, account), dry_run)

    @rule(account=an_account, dry_run=maybe())
    def service_cancel(self, account: str, dry_run: bool) -> None:
        self.step()
        self.change(services.SERVICE_CANCEL.bind(self.actor, account), dry_run)

    # --- batches ----------------------------------------------------------------------

    def batch_line(self, data: st.DataObject) -> dict[str, Any]:
        """A row of any action, with every field the action takes (each optional one
        sometimes left out)."""
        action = data.draw(st.sampled_from(ACTIONS), label="row action")
        account = data.draw(an_account, label="row account")
        line: dict[str, Any] = {"action": action.value, "account": account}
        if action == Action.REGISTER:
            line["type"] = data.draw(st.sampled_from(TYPES), label="row type")
            name = self.optional_name(data, account)
            imei = data.draw(optional_imei, label="row imei")
            for field, value in (("name", name), ("imei", imei)):
                if value is not None:
                    line[field] = value
            if data.draw(maybe(), label="row replace"):
                line["replace"] = True
            at = self.at(data, account)
            if at is not None:
                line["at"] = ("2020-01-01" if at == FAR_PAST  # a date, read in Tokyo
                              else at.isoformat())
        elif action in (Action.RENAME, Action.UNREGISTER):
            line["device"] = self.device_ref(data, account)
            if action == Action.RENAME:
                line["name"] = self.new_name(data, account)
        elif action == Action.SERVICE_SUBSCRIBE:
            line["multi"] = data.draw(maybe(), label="row multi")
        return line

    @rule(data=st.data(), count=st.integers(1, 4), dry_run=maybe(), atomic=maybe())
    def apply_batch(self, data: st.DataObject, count: int, dry_run: bool,
                    atomic: bool) -> None:
        self.step()
        self.run_batch([self.batch_line(data) for _ in range(count)], dry_run=dry_run,
                       atomic=atomic)

    def run_batch(self, lines: list[dict[str, Any]], *, dry_run: bool, atomic: bool) -> None:
        payload = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
        self.run(lambda: batch.rows(io.BytesIO(payload), "jsonl"), len(lines),
                 dry_run=dry_run, atomic=atomic)

    def run(self, source: Callable[[], Iterator[batch.Row]], rows: int, *,
            dry_run: bool, atomic: bool, reverts: str | None = None
            ) -> tuple[Snapshot, Snapshot, list[batch.RowResult]]:
        """Run a batch (a revert of batch ``reverts``), check what it wrote against its
        results, and remember it when it changed something; the states before and after."""
        self.runs += 1
        batch_id = f"st{self.token}-{self.runs}"
        before = self.state()
        self.current = None
        results = list(batch.apply(
            self.db, source, Actor(self.actor.operator, batch_id, reverts=reverts), TOKYO,
            dry_run=dry_run, atomic=atomic,
            planner=batch.operation if reverts is None else revert.inverse))
        after = self.state()
        assert [r.row for r in results] == list(range(1, rows + 1))
        assert all(r.ok == (r.error is None) for r in results)
        committed = not dry_run and (not atomic or all(r.ok for r in results))
        changes = sum(r.ok and r.changed for r in results)
        if not committed or not changes:
            assert after == before, f"a batch that changed nothing wrote: {results}"
            if not committed and not dry_run:
                assert not any(r.changed for r in results), "rolled back yet changed"
            return before, after, results
        self.batches.append(batch_id)
        self.audit_rows += changes
        # Results do not report what a row's --replace or service cancel removed:
        # count the events the devices imply (one register each, one unregister each
        # unregistered); the invariant checks the same from both ends.
        self.history_rows += (
            after.registered_devices + 2 * after.unregistered_devices
            - before.registered_devices - 2 * before.unregistered_devices
        )
        return before, after, results

    # --- reverts ----------------------------------------------------------------------

    @precondition(lambda self: bool(self.batches))
    @rule(data=st.data(), dry_run=maybe(), atomic=maybe())
    def revert_batch(self, data: st.DataObject, dry_run: bool, atomic: bool) -> None:
        """``batch revert`` of any earlier batch (a revert too; again, after later
        changes), per row, atomic or a dry run; then the law of revert locality."""
        self.step()
        last = len(self.batches) - 1  # half the time the latest: most of it goes back
        reverted = self.batches[data.draw(st.one_of(st.just(last), st.integers(0, last)),
                                          label="batch reverted")]
        before, after, results = self.run(revert.rows(self.db, reverted, chunk=3),
                                          revert.count(self.db, reverted), dry_run=dry_run,
                                          atomic=atomic, reverts=reverted)
        revert_locality(reverted, before, after)
        self.reverts.update(r.error.code if r.error else "changed" if r.changed else "no-op"
                            for r in results)

    # --- lost connections -------------------------------------------------------------

    @precondition(lambda self: self.steps_since_kill >= 10)
    @rule()
    def kill_connections(self) -> None:
        """PostgreSQL: end the server sessions of the tool's pooled connections from a
        second connection (as a failover or an idle-session timeout would), so the next
        change runs on a fresh connection.  SQLite has none to kill."""
        self.step()
        self.steps_since_kill = 0
        if self.killer is None or not self.pids:
            return
        pids = {"pids": sorted(self.pids)}
        with self.killer.connect() as connection:
            ended = connection.scalars(KILL, pids).all()
            # Wait until they are gone (pg_terminate_backend's own timeout polls every
            # 100 ms): the laws' own reads then never meet a session half ended.
            deadline = time.monotonic() + 5
            while connection.scalar(ALIVE, pids) and time.monotonic() < deadline:
                time.sleep(0.002)
        assert all(ended), "a server session of the tool was not ended"
        type(self).kills += len(ended)
        self.pids.clear()

    # --- the laws ---------------------------------------------------------------------

    @invariant()
    def laws(self) -> None:
        violations = [v.to_dict() for v in check.run(self.db) if v.account in ACCOUNTS]
        assert violations == [], violations
        now = self.state()
        assert len(now.audit) == self.audit_rows, "one audit record per change"
        assert len(now.history) == self.history_rows, "the history the changes imply"
        assert len(now.history) == now.registered_devices + 2 * now.unregistered_devices
        last = self.last
        assert now.history[:len(last.history)] == last.history, "history is append-only"
        assert now.audit[:len(last.audit)] == last.audit, "audit is append-only"
        undone = Counter(row[AUDIT_REVERTS] for row in now.audit if row[AUDIT_REVERTS])
        assert all(n == 1 for n in undone.values()), f"a record undone twice: {undone}"
        self.last = now


# Positions in the snapshot's rows.
AUDIT_SEQ, AUDIT_ACTION, AUDIT_ACCOUNT, AUDIT_DEVICE, AUDIT_BEFORE = 0, 3, 4, 5, 6
AUDIT_BATCH, AUDIT_REVERTS = 8, 9
DEVICE_SLOT, DEVICE_NAME, DEVICE_NAME_KEY, DEVICE_UNREGISTERED_AT = 2, 3, 4, 8
CONTRACT_STATUS, CONTRACT_PLAN, CONTRACT_CREATED_AT = 1, 2, 3


def revert_locality(reverted: str, before: Snapshot, after: Snapshot) -> None:
    """The law of revert locality: reverting batch ``reverted`` changed only the devices
    and contracts its audit records name, and only back to the ``before`` those records
    hold; each audit record it wrote undoes one record of that batch."""
    records = [row for row in before.audit if row[AUDIT_BATCH] == reverted]
    seqs = {f"{reverted}:{row[AUDIT_SEQ]}" for row in records}
    new = after.audit[len(before.audit):]
    assert all(row[AUDIT_REVERTS] in seqs for row in new), "a revert record names no record"
    named_devices = {row[AUDIT_DEVICE] for row in records}
    named_accounts = {row[AUDIT_ACCOUNT] for row in records}
    names_before: defaultdict[str, set[str]] = defaultdict(set)  # device: its names before
    registered: set[str] = set()  # devices the batch registered (not by --replace)
    contract_before: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in records:
        action, account, device, was = (row[AUDIT_ACTION], row[AUDIT_ACCOUNT],
                                        row[AUDIT_DEVICE], row[AUDIT_BEFORE])
        if action == Action.RENAME:
            names_before[device].add(was["name"])
        elif action == Action.REGISTER and not (was or {}).get("replaced"):
            registered.add(device)
        elif action == Action.OPTION_SUBSCRIBE:
            contract_before[account].add(("active", "one-number"))
        elif action == Action.OPTION_CANCEL:
            contract_before[account].add(("active", "one-number+multi"))
        elif action == Action.SERVICE_SUBSCRIBE:  # created (no before): cancelled
            contract_before[account].add((was["status"], was["plan"]) if was
                                          else ("cancelled", "one-number"))
    devices = {row[0]: row for row in before.devices}
    assert len(after.devices) == len(devices), "a revert added a device"
    for row in after.devices:
        was = devices[row[0]]
        if row == was:
            continue
        assert row[0] in named_devices, f"reverting {reverted} changed {row[0]}: {was} -> {row}"
        changed = {i for i, (old, value) in enumerate(zip(was, row, strict=True))
                   if old != value}
        assert changed <= {DEVICE_SLOT, DEVICE_NAME, DEVICE_NAME_KEY, DEVICE_UNREGISTERED_AT}
        if DEVICE_NAME in changed:
            assert row[DEVICE_NAME] in names_before[row[0]], f"not back: {was} -> {row}"
        if changed & {DEVICE_SLOT, DEVICE_UNREGISTERED_AT}:  # only unregistered, and only
            assert row[0] in registered, f"not registered by {reverted}: {was} -> {row}"
            assert row[DEVICE_SLOT] is None and was[DEVICE_SLOT] is not None
    contracts = {row[0]: row for row in before.contracts}
    assert len(after.contracts) == len(contracts), "a revert added a contract"
    for row in after.contracts:
        was = contracts[row[0]]
        if row == was:
            continue
        assert row[0] in named_accounts, f"reverting {reverted} changed {row[0]}: {was} -> {row}"
        state = (row[CONTRACT_STATUS], row[CONTRACT_PLAN])
        if state != (was[CONTRACT_STATUS], was[CONTRACT_PLAN]):
            assert state in contract_before[row[0]], f"not back: {was} -> {row}"
        assert row[CONTRACT_CREATED_AT] == was[CONTRACT_CREATED_AT]


@contextmanager
def machine_for(db: Database) -> Iterator[type[Changes]]:
    """The machine bound to the test's database (the fixture is per test and backend);
    on PostgreSQL it notes the server session of every connection the tool checks out,
    for :meth:`Changes.kill_connections`, and holds a second connection to end them."""
    pids: set[int] = set()
    killer = None
    if db.engine.dialect.name == "postgresql":
        @event.listens_for(db.engine, "checkout")
        def _noted(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            pids.add(dbapi_connection.info.backend_pid)

        killer = create_engine(db.engine.url, poolclass=NullPool,
                               isolation_level="AUTOCOMMIT")  # pg_stat_activity anew
    try:
        yield type("Changes", (Changes,), {"db": db, "pids": pids, "killer": killer,
                                           "steps": 0, "kills": 0, "reverts": Counter()})
    finally:
        if killer is not None:
            killer.dispose()


def test_random_changes_keep_the_laws(db: Database) -> None:
    with machine_for(db) as machine:
        started = time.monotonic()
        run_state_machine_as_test(machine, settings=SETTINGS)
        print(f"\n{db.engine.dialect.name}: {machine.steps} steps in "
              f"{time.monotonic() - started:.1f} s, {machine.kills} sessions killed, "
              f"reverts: {dict(machine.reverts)}")
    assert machine.steps >= MIN_STEPS, f"only {machine.steps} steps"


# --- what it found -------------------------------------------------------------------
#
# Before the --at rule, hypothesis found these (here cut to their essential steps); each
# ended in check's ``time_order`` violation: a device unregistered before it was
# registered.  They are replayed through the machine, so the same laws judge them,
# whatever error code refuses them now.

Step = Callable[[Changes], None]


def _register(account: str, device_type: str, **options: Any) -> Step:
    return lambda m: m.change(services.REGISTER.bind(m.actor, account, device_type, **options),
                              False)


def _unregister(account: str, device: str, **options: Any) -> Step:
    return lambda m: m.change(services.UNREGISTER.bind(m.actor, account, device, **options),
                              False)


def _batch_register(account: str, device_type: str, **fields: Any) -> Step:
    line = {"action": "register", "account": account, "type": device_type, **fields}
    return lambda m: m.run_batch([line], dry_run=False, atomic=False)


# Steps after `start` (state-a: one-number with one device; state-b: multi with two).
FOUND: dict[str, Callable[[], list[Step]]] = {
    # --replace on a full one-number account, back-dated: the current device was
    # unregistered in 2020, before it was registered.
    "replace_at_far_past": lambda: [
        _register(ACCOUNTS[0], "Car", replace=True, at=FAR_PAST)],
    "replace_at_far_past_in_a_batch": lambda: [
        _batch_register(ACCOUNTS[0], "Car", replace=True, at="2020-01-01")],
    # A registration 50 s ahead, then an unregistration now (the automatic time).
    "register_ahead_then_unregister": lambda: [
        _register(ACCOUNTS[1], "BMW", name="Watch",
                  at=services.utcnow() + timedelta(seconds=50)),
        _unregister(ACCOUNTS[1], "Watch")],
    # An unregistration back-dated before the device's registration.
    "unregister_at_far_past": lambda: [_unregister(ACCOUNTS[1], "Band", at=FAR_PAST)],
}


@pytest.mark.parametrize("name", sorted(FOUND))
def test_the_sequences_it_found_keep_the_laws(db: Database, name: str) -> None:
    with machine_for(db) as bound:
        machine = bound()
        machine.start()
        machine.laws()
        for step in FOUND[name]():
            step(machine)
            machine.laws()
        machine.teardown()
