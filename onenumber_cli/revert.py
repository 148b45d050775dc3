"""``batch revert``: undo a batch from its audit records, newest row first, as a new batch.

Each audit record of the batch becomes one row of the revert, run through the same
transactions, rules and modes (per row, ``--atomic``, ``--dry-run``) as ``batch apply``;
the revert's own audit records carry its batch id and name the batch they revert.

| the batch did | the revert does |
|---|---|
| rename A -> B | rename back to A while the device is still called B (else ``changed_since``) |
| register | unregister that device (the rules still apply: the last device stays) |
| option subscribe / cancel | option cancel / subscribe |
| service subscribe (created or reactivated the contract) | service cancel |
| unregister, service cancel, a ``--replace`` registration | nothing: ``irreversible`` |

The site says of unregistering: この操作を実行すると元に戻せなくなります (it cannot be
undone): a registration that was removed is gone, with its registration date; the hint
says what an operator can do instead.  A revert's audit record names the record it
undoes (``reverts``: ``BATCH_ID:SEQ``), and a record already undone is not undone again:
reverting twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import tzinfo
from typing import Any

from sqlalchemy import and_, func, or_, select

from onenumber_cli import services
from onenumber_cli.batch import Row
from onenumber_cli.domain.values import Action
from onenumber_cli.errors import BatchNotFound, Irreversible
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import AuditRecord
from onenumber_cli.storage.unit import Tx

Body = Callable[[Tx], services.ChangeResult]


def count(db: Database, batch_id: str) -> int:
    """How many rows the revert has (the batch's audit records); an unknown batch (or
    one that changed nothing) is :class:`BatchNotFound`."""
    with db.reading() as session:
        found = session.scalar(select(func.count()).select_from(AuditRecord)
                               .where(AuditRecord.batch_id == batch_id))
    if not found:
        raise BatchNotFound(batch=batch_id)
    return int(found)


def rows(db: Database, batch_id: str, *, chunk: int = 1000) -> Callable[[], Iterator[Row]]:
    """The batch's audit records as rows, newest first, read ``chunk`` at a time, each
    chunk in a short read transaction of its own (index ``ix_audit_batch_id_at``): a
    read kept open for the whole revert would hold SQLite's WAL, and slow every write."""
    query = (select(AuditRecord.seq, AuditRecord.at, AuditRecord.action,
                    AuditRecord.account, AuditRecord.device_id, AuditRecord.before,
                    AuditRecord.after)
             .where(AuditRecord.batch_id == batch_id)
             .order_by(AuditRecord.at.desc(), AuditRecord.seq.desc())
             .limit(chunk))

    def source() -> Iterator[Row]:
        number, page = 0, query
        while True:
            with db.reading() as session:
                found = session.execute(page).all()
            for seq, _at, action, account, device, before, after in found:
                number += 1
                yield Row(number, number, {
                    "action": action, "account": account, "device": device,
                    "before": before, "after": after, "record": f"{batch_id}:{seq}"})
            if len(found) < chunk:
                return
            last_seq, last_at = found[-1][0], found[-1][1]
            page = query.where(or_(AuditRecord.at < last_at,
                                   and_(AuditRecord.at == last_at, AuditRecord.seq < last_seq)))

    return source


def _value(snapshot: Any, key: str) -> Any:
    return snapshot.get(key) if isinstance(snapshot, dict) else None


def inverse(row: Row, actor: services.Actor, tz: tzinfo) -> Body:
    """The body that undoes one audit record (a :data:`onenumber_cli.batch.Planner`),
    once: its audit record names that record."""
    fields = row.fields
    once = replace(actor, reverts=fields["record"])
    body, action = _undo(fields, once)
    return lambda tx: services.once_in(tx, once, fields["account"], action, body)


def _undo(fields: dict[str, Any], actor: services.Actor) -> tuple[Body, str]:
    action, account, device = fields["action"], fields["account"], fields["device"]
    before, after = fields["before"], fields["after"]
    if action == Action.RENAME:
        renamed_to, restore = _value(after, "name"), _value(before, "name")
        return (lambda tx: services.revert_rename_in(tx, actor, account, device,
                                                     renamed_to=renamed_to, restore=restore),
                Action.RENAME)
    if action == Action.REGISTER:
        if _value(before, "replaced"):
            raise Irreversible("replace", account=account, device=device,
                               removed=", ".join(d.get("name", "") for d in before["replaced"]))
        return (lambda tx: services.unregister_in(tx, actor, account, device),
                Action.UNREGISTER)
    if action == Action.OPTION_SUBSCRIBE:
        return lambda tx: services.option_cancel_in(tx, actor, account), Action.OPTION_CANCEL
    if action == Action.OPTION_CANCEL:
        return (lambda tx: services.option_subscribe_in(tx, actor, account),
                Action.OPTION_SUBSCRIBE)
    if action == Action.SERVICE_SUBSCRIBE:
        return (lambda tx: services.service_cancel_in(tx, actor, account),
                Action.SERVICE_CANCEL)
    if action == Action.UNREGISTER:
        raise Irreversible("unregister", account=account, device=device,
                           name=_value(before, "name") or "", type=_value(before, "type") or "")
    raise Irreversible("service_cancel", account=account)
