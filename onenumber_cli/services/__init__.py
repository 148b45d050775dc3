"""Use cases: the API the CLI (and batch runs, and tests) call.

* :mod:`.records`: what they return (plain ``@frozen`` records) and :class:`Actor`;
* :mod:`.reads`: an account, its devices and history, listings, the audit log;
* :mod:`.changes`: the change bodies, one transaction each (lock, decide, change,
  record);
* :mod:`.actions`: the action table that commands, batch rows and reverts read.

Each change is an entry of the action table; calling it makes the change, ``.check``
makes a dry run.  The names below are the library's: ``register_device(db, actor,
account, "Apple Watch SE")`` is the ``REGISTER`` entry called.
"""

from typing import TYPE_CHECKING, Any

from onenumber_cli.services.reads import (
    each_account,
    get_status,
    history,
    history_reader,
    list_accounts,
    list_audit,
    list_devices,
    show_device,
    status_in,
)
from onenumber_cli.services.records import (
    AccountSummary,
    Actor,
    AuditEntry,
    ChangeResult,
    Contract,
    Device,
    HistoryEntry,
    Record,
    utcnow,
)

if TYPE_CHECKING:
    from onenumber_cli.services.actions import (
        ACTIONS,
        OPTION_CANCEL,
        OPTION_SUBSCRIBE,
        REGISTER,
        RENAME,
        SERVICE_CANCEL,
        SERVICE_SUBSCRIBE,
        UNREGISTER,
        ActionSpec,
        Change,
        Done,
        Field,
        in_transaction,
        perform,
    )

    register_device = REGISTER
    rename_device = RENAME
    unregister_device = UNREGISTER
    option_subscribe = OPTION_SUBSCRIBE
    option_cancel = OPTION_CANCEL
    service_subscribe = SERVICE_SUBSCRIBE
    service_cancel = SERVICE_CANCEL

# The action table (and the change bodies) load on first use: a command that only reads
# (status, a completion lookup) does without them.  Every name of __all__ not imported
# above comes from services.actions, under its own name or the entry it is an alias of.
_ALIASES = {
    "register_device": "REGISTER", "rename_device": "RENAME",
    "unregister_device": "UNREGISTER", "option_subscribe": "OPTION_SUBSCRIBE",
    "option_cancel": "OPTION_CANCEL", "service_subscribe": "SERVICE_SUBSCRIBE",
    "service_cancel": "SERVICE_CANCEL",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from onenumber_cli.services import actions

    value = getattr(actions, _ALIASES.get(name, name))
    globals()[name] = value
    return value


__all__ = [
    "ACTIONS", "OPTION_CANCEL", "OPTION_SUBSCRIBE", "REGISTER", "RENAME", "SERVICE_CANCEL",
    "SERVICE_SUBSCRIBE", "UNREGISTER", "AccountSummary", "ActionSpec", "Actor", "AuditEntry",
    "Change", "ChangeResult", "Contract", "Device", "Done", "Field", "HistoryEntry", "Record",
    "each_account", "get_status", "history", "history_reader", "in_transaction",
    "list_accounts", "list_audit", "list_devices", "option_cancel", "option_subscribe",
    "perform", "register_device", "rename_device", "service_cancel", "service_subscribe",
    "show_device", "status_in", "unregister_device", "utcnow",
]
