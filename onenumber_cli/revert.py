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
from datetime import tzinfo

from sqlalchemy import and_, func, or_, select

from onenumber_cli import services
from onenumber_cli.batch import Row
from onenumber_cli.errors import BatchNotFound
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import audit


def count(db: Database, batch_id: str) -> int:
    """How many rows the revert has (the batch's audit records); an unknown batch (or
    one that changed nothing) is :class:`BatchNotFound`."""
    with db.connected() as connection:
        found = connection.scalar(select(func.count()).select_from(audit)
                               .where(audit.c.batch_id == batch_id))
    if not found:
        raise BatchNotFound(batch=batch_id)
    return int(found)


def rows(db: Database, batch_id: str, *, chunk: int = 1000) -> Callable[[], Iterator[Row]]:
    """The batch's audit records as rows, newest first, read ``chunk`` at a time, each
    chunk in a short read transaction of its own (index ``ix_audit_batch_id_at``): a
    read kept open for the whole revert would hold SQLite's WAL, and slow every write."""
    query = (select(audit.c.seq, audit.c.at, audit.c.action,
                    audit.c.account, audit.c.device_id, audit.c.before,
                    audit.c.after)
             .where(audit.c.batch_id == batch_id)
             .order_by(audit.c.at.desc(), audit.c.seq.desc())
             .limit(chunk))

    def source() -> Iterator[Row]:
        number, page = 0, query
        while True:
            with db.connected() as connection:
                found = connection.execute(page).all()
            for seq, _at, action, account, device, before, after in found:
                number += 1
                yield Row(number, number, {
                    "action": action, "account": account, "device": device,
                    "before": before, "after": after, "record": f"{batch_id}:{seq}"})
            if len(found) < chunk:
                return
            last_seq, last_at = found[-1][0], found[-1][1]
            page = query.where(or_(audit.c.at < last_at,
                                   and_(audit.c.at == last_at, audit.c.seq < last_seq)))

    return source


def inverse(row: Row, actor: services.Actor, tz: tzinfo) -> services.Change:
    """The change that undoes one audit record (a :data:`onenumber_cli.batch.Planner`):
    its action's inverse in the action table, run once."""
    fields = row.fields
    done = services.Done(record=fields["record"], account=fields["account"],
                         device=fields["device"], before=fields["before"],
                         after=fields["after"])
    return services.ACTIONS[fields["action"]].undo(actor, done)
