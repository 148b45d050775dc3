"""The action table: every change the tool makes, as one entry that commands, batch
rows and reverts all read.

An entry (:class:`ActionSpec`) holds the action's transaction body
(:mod:`onenumber_cli.services.changes`), the batch fields it takes and how each is
parsed, and its inverse (what ``batch revert`` runs to undo one of its audit records,
or the reason it cannot).  Calling an entry runs the change in its own transaction::

    services.RENAME(db, actor, "demo-multi", "Apple Watch SE", "愛車")        # commits
    services.RENAME.check(db, actor, "demo-multi", "Apple Watch SE", "愛車")  # dry run

Adding an action: its ``Action`` value, its body in ``changes``, one entry here (and a
command, and its messages).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, Literal, ParamSpec

from sqlalchemy.engine import Connection

from onenumber_cli.domain.values import Action
from onenumber_cli.errors import Irreversible
from onenumber_cli.frozen import frozen
from onenumber_cli.services import changes
from onenumber_cli.services.changes import Body
from onenumber_cli.services.records import Actor, ChangeResult
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.unit import Tx

P = ParamSpec("P")


@dataclass(frozen=True)
class Field:
    """A batch column an action reads: the body's keyword ``param``, parsed as ``kind``
    (text; a yes/no flag; a time in the operator's zone, never in the future)."""

    column: str
    param: str
    kind: Literal["text", "flag", "time"] = "text"
    required: bool = False


@frozen
class Change:
    """One change, bound to its arguments: the body of one transaction (or of one row of
    a batch's transaction)."""

    action: Action
    account: str
    body: Body
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # a batch row's


@dataclass(frozen=True)
class Done:
    """An audit record to undo: what ``batch revert`` reads of it."""

    record: str  # "BATCH_ID:SEQ", named by the undoing change's own audit record
    account: str
    device: str | None
    before: Any
    after: Any

    def value(self, side: Literal["before", "after"], key: str) -> Any:
        snapshot = self.before if side == "before" else self.after
        return snapshot.get(key) if isinstance(snapshot, dict) else None


Inverse = Callable[[Actor, Done], Change]


def perform(db: Database, change: Change, *, dry_run: bool = False) -> ChangeResult:
    """Run ``change`` in its own transaction (checked, then rolled back, for a dry run)."""
    result = db.write(in_transaction(change.body, dry_run=dry_run), dry_run=dry_run)
    return dataclasses.replace(result, dry_run=True) if dry_run else result


def in_transaction(body: Body, *, dry_run: bool = False) -> Callable[[Connection], ChangeResult]:
    """A change body as the work of one :meth:`Database.write` transaction (a dry run
    takes no row locks: a read-only role can check a change too)."""

    def work(connection: Connection) -> ChangeResult:
        tx = Tx(connection, dry_run=dry_run)
        result = body(tx)
        tx.flush()
        return result

    return work


class ActionSpec(Generic[P]):
    """One action of the table: its body, batch fields and inverse."""

    def __init__(self, action: Action,
                 body: Callable[Concatenate[Tx, Actor, str, P], ChangeResult], *,
                 fields: tuple[Field, ...] = (), inverse: Inverse | None = None) -> None:
        self.action = action
        self.body = body
        self.fields = fields
        self._inverse = inverse

    def __repr__(self) -> str:
        return f"ActionSpec({self.action.value!r})"

    def bind(self, actor: Actor, account: str, /, *args: P.args,
             **kwargs: P.kwargs) -> Change:
        body = self.body
        return Change(self.action, account, lambda tx: body(tx, actor, account, *args, **kwargs))

    def bind_fields(self, actor: Actor, account: str, params: Mapping[str, Any]) -> Change:
        """The change a batch row asks for, ``params`` being its parsed :attr:`fields`."""
        body: Callable[..., ChangeResult] = self.body
        return Change(self.action, account, lambda tx: body(tx, actor, account, **params),
                      params)

    def __call__(self, db: Database, actor: Actor, account: str, /, *args: P.args,
                 **kwargs: P.kwargs) -> ChangeResult:
        """Make the change, in its own transaction."""
        return perform(db, self.bind(actor, account, *args, **kwargs))

    def check(self, db: Database, actor: Actor, account: str, /, *args: P.args,
              **kwargs: P.kwargs) -> ChangeResult:
        """A dry run: every rule decided, what would change reported, nothing written."""
        return perform(db, self.bind(actor, account, *args, **kwargs), dry_run=True)

    def undo(self, actor: Actor, done: Done) -> Change:
        """The change that undoes ``done`` (one of this action's audit records), run once
        (its own audit record names ``done``); :class:`Irreversible` when there is none."""
        assert self._inverse is not None, f"{self.action} has no inverse"
        once = dataclasses.replace(actor, reverts=done.record)
        inverse = self._inverse(once, done)
        return Change(inverse.action, done.account,
                      lambda tx: changes.once_in(tx, once, done.account, inverse.action,
                                                 inverse.body))


# --- inverses (``batch revert``) ---------------------------------------------------------


# Each inverse addresses the device by the id its record names (never by name or IMEI),
# checks under the account's lock that the device or contract is still exactly as the
# record's ``after`` left it (else ``changed_since``: a revert never undoes a later
# change), and changes it back to the record's ``before`` only.


def _undo_rename(actor: Actor, done: Done) -> Change:
    return Change(Action.RENAME, done.account, lambda tx: changes.revert_rename_in(
        tx, actor, done.account, done.device or "", renamed_to=done.value("after", "name"),
        restore=done.value("before", "name")))


def _undo_register(actor: Actor, done: Done) -> Change:
    replaced = done.value("before", "replaced")
    if replaced:  # the device it replaced is gone for good
        raise Irreversible("replace", account=done.account, device=done.device,
                           removed=", ".join(d.get("name", "") for d in replaced))
    return Change(Action.UNREGISTER, done.account, lambda tx: changes.revert_register_in(
        tx, actor, done.account, done.device or "", slot=done.value("after", "slot"),
        name=done.value("after", "name")))


def _undo_unregister(actor: Actor, done: Done) -> Change:
    raise Irreversible("unregister", account=done.account, device=done.device,
                       name=done.value("before", "name") or "",
                       type=done.value("before", "type") or "")


def _undo_service_cancel(actor: Actor, done: Done) -> Change:
    raise Irreversible("service_cancel", account=done.account)


def _undo_option_subscribe(actor: Actor, done: Done) -> Change:
    return Change(Action.OPTION_CANCEL, done.account,
                  lambda tx: changes.revert_option_subscribe_in(tx, actor, done.account))


def _undo_option_cancel(actor: Actor, done: Done) -> Change:
    return Change(Action.OPTION_SUBSCRIBE, done.account,
                  lambda tx: changes.revert_option_cancel_in(tx, actor, done.account))


def _undo_service_subscribe(actor: Actor, done: Done) -> Change:
    """A contract it created, or reactivated, is cancelled again (``before`` held none,
    or a cancelled one: a cancelled contract is the nearest to none)."""
    return Change(Action.SERVICE_CANCEL, done.account,
                  lambda tx: changes.revert_service_subscribe_in(
                      tx, actor, done.account, plan=done.value("after", "plan")))


REGISTER = ActionSpec(Action.REGISTER, changes.register_in, fields=(
    Field("type", "device_type", required=True), Field("name", "name"), Field("imei", "imei"),
    Field("at", "at", "time"), Field("replace", "replace", "flag"),
), inverse=_undo_register)
RENAME = ActionSpec(Action.RENAME, changes.rename_in, fields=(
    Field("device", "device", required=True), Field("name", "new_name", required=True),
), inverse=_undo_rename)
UNREGISTER = ActionSpec(Action.UNREGISTER, changes.unregister_in, fields=(
    Field("device", "device", required=True),
), inverse=_undo_unregister)
OPTION_SUBSCRIBE = ActionSpec(Action.OPTION_SUBSCRIBE, changes.option_subscribe_in,
                              inverse=_undo_option_subscribe)
OPTION_CANCEL = ActionSpec(Action.OPTION_CANCEL, changes.option_cancel_in,
                           inverse=_undo_option_cancel)
SERVICE_SUBSCRIBE = ActionSpec(Action.SERVICE_SUBSCRIBE, changes.service_subscribe_in, fields=(
    Field("multi", "multi", "flag"),
), inverse=_undo_service_subscribe)
SERVICE_CANCEL = ActionSpec(Action.SERVICE_CANCEL, changes.service_cancel_in,
                            inverse=_undo_service_cancel)

ACTIONS: dict[str, ActionSpec[Any]] = {spec.action.value: spec for spec in (
    REGISTER, RENAME, UNREGISTER, OPTION_SUBSCRIBE, OPTION_CANCEL, SERVICE_SUBSCRIBE,
    SERVICE_CANCEL)}
assert set(ACTIONS) == {a.value for a in Action}, "every Action has one entry"
