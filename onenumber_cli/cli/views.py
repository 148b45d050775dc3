"""How results look to people (table mode) and which flat columns machines get."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from onenumber_cli.cli.output import Column, Output, text_width, wrap
from onenumber_cli.domain.values import OPTION_FEE_JPY, REGISTRATION_FEE_JPY
from onenumber_cli.i18n import N_, NP_, Message, N_plural, pgettext, t, translate

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from onenumber_cli.batch import RowResult, Summary
    from onenumber_cli.services import AuditEntry, ChangeResult, Contract, Device

PLAN_LABELS = {"one-number": N_("One Number Service"),
               "one-number+multi": N_("One Number Service + Multi-device option")}
STATUS_LABELS = {"active": N_("active"), "cancelled": N_("cancelled")}
EVENT_LABELS = {"register": NP_("event", "Registered"),
                "unregister": NP_("event", "Unregistered")}
UNREGISTER_NOTES = (
    N_("After unregistering, this accessory device can no longer use One Number Service."),
    N_("To use it with the service again, One Number registration must be done again."),
    N_("This operation cannot be undone."),
    N_("Unregistering does not cancel One Number Service or the Multi-device option."),
    N_("Unregistering may not delete the registration information from the accessory device "
       "itself."),
)
# the sentence saying what a change did (done) or why nothing changed
RESULTS = {
    ("register", "done"): N_("Registered '{name}' (id {id}) in slot {slot} of {account}."),
    ("rename", "done"): N_("Renamed device {id} of {account} to '{name}'."),
    ("rename", "unchanged"): N_("Device {id} of {account} is already named '{name}'; nothing "
                                "changed."),
    ("unregister", "done"): N_("Unregistered '{name}' (id {id}) from {account}."),
    ("unregister", "unchanged"): N_("Device '{name}' (id {id}) is not registered; nothing "
                                    "changed."),
    ("option_subscribe", "done"): N_("{account} now has the plan: {plan}."),
    ("option_subscribe", "unchanged"): N_("{account} already has the Multi-device option; nothing "
                                          "changed."),
    ("option_cancel", "done"): N_("Multi-device option of {account} cancelled; plan: {plan}."),
    ("option_cancel", "unchanged"): N_("{account} has no Multi-device option; nothing changed."),
    ("service_subscribe", "done"): N_("{account} is subscribed: {plan}."),
    ("service_subscribe", "unchanged"): N_("{account} is already subscribed ({plan}); nothing "
                                           "changed."),
    ("service_cancel", "done"): N_("One Number Service of {account} cancelled."),
    ("service_cancel", "unchanged"): N_("{account} is already cancelled; nothing changed."),
}

DEVICE_COLUMNS = (
    Column("slot", N_("Slot")),
    Column("id", N_("ID")),
    Column("name", N_("Device name")),
    Column("type", N_("Device type")),
    Column("imei", N_("IMEI")),
    Column("registered_at", N_("Registered at"), "datetime"),
)
SEARCH_COLUMNS = (
    Column("account", N_("d-account")),
    Column("id", N_("ID")),
    Column("slot", N_("Slot")),
    Column("name", N_("Device name")),
    Column("type", N_("Device type")),
    Column("imei", N_("IMEI")),
    Column("registered_at", N_("Registered at"), "datetime"),
    Column("unregistered_at", N_("Unregistered at"), "datetime"),  # last: optional
)
STATUS_COLUMNS = (
    Column("account", N_("d-account")),
    Column("status", N_("Status")),
    Column("plan", N_("Plan")),
    Column("capacity", N_("Capacity")),
    Column("registered", N_("Registered")),
    *DEVICE_COLUMNS,
)
HISTORY_COLUMNS = (
    Column("event", N_("Event")),
    Column("at", N_("Date and time"), "datetime"),
    Column("device_id", N_("Device ID")),
    Column("name", N_("Device name")),
    Column("type", N_("Device type")),
    Column("imei", N_("IMEI")),
)
ACCOUNT_COLUMNS = (
    Column("account", N_("d-account")),
    Column("status", N_("Status")),
    Column("plan", N_("Plan")),
    Column("capacity", N_("Capacity")),
    Column("registered", N_("Registered")),
)
RESULT_COLUMNS = (
    Column("action", N_("Action")),
    Column("account", N_("d-account")),
    Column("changed", N_("Changed")),
    Column("dry_run", N_("Dry run")),
    Column("plan", N_("Plan")),
    Column("status", N_("Status")),
    Column("device_id", N_("Device ID")),
    Column("device_name", N_("Device name")),
    Column("slot", N_("Slot")),
)


# The keys of a change result's JSON document (ChangeResult's fields; a unit test keeps
# them equal): with RESULT_COLUMNS, the names --fields may give a changing command.
RESULT_FIELDS = ("action", "account", "changed", "plan", "status", "device", "removed",
                 "dry_run", "before", "after")


def change_fields(fmt: str) -> list[str]:
    """The field names a change result has in output format ``fmt`` (a document in
    json/jsonl, flat columns otherwise)."""
    if fmt in ("json", "jsonl"):
        return list(RESULT_FIELDS)
    return [column.key for column in RESULT_COLUMNS]


BATCH_COLUMNS = (
    Column("row", N_("Row")),
    Column("action", N_("Action")),
    Column("account", N_("d-account")),
    Column("ok", N_("OK")),
    Column("changed", N_("Changed")),
    Column("error", N_("Error")),
    Column("device_id", N_("Device ID")),
    Column("before", N_("Before")),
    Column("after", N_("After")),
)
AUDIT_COLUMNS = (
    Column("at", N_("Date and time"), "datetime"),
    Column("operator", N_("Operator")),
    Column("action", N_("Action")),
    Column("account", N_("d-account")),
    Column("device_id", N_("Device ID")),
    Column("before", N_("Before")),
    Column("after", N_("After")),
    Column("batch_id", N_("Batch")),
    Column("db_role", N_("DB role")),  # last: csv columns are only ever appended
)
VIOLATION_COLUMNS = (
    Column("kind", N_("Kind")),
    Column("account", N_("d-account")),
    Column("device_id", N_("Device ID")),
    Column("message", N_("Message")),
)


def imei_or_type(device: Device) -> str:
    """Display rule (seed): the IMEI, or the device type where there is none."""
    return device.imei or device.type


def plan_label(plan: str) -> str:
    return t(PLAN_LABELS[plan])


def status_fields(fmt: str) -> list[str]:
    """The field names ``status`` output has in format ``fmt``."""
    if fmt in ("json", "jsonl"):
        import dataclasses

        from onenumber_cli.services.records import Contract

        return [*(f.name for f in dataclasses.fields(Contract)), "option_monthly_fee_jpy",
                "registration_fee_jpy"]
    return [column.key for column in STATUS_COLUMNS]


def status_dict(view: Contract) -> dict[str, Any]:
    data = view.to_dict()
    subscribable = view.status == "active" and view.plan == "one-number"
    data["option_monthly_fee_jpy"] = OPTION_FEE_JPY if subscribable else None
    data["registration_fee_jpy"] = REGISTRATION_FEE_JPY
    return data


def status_rows(view: Contract) -> list[dict[str, Any]]:
    """One flat row per slot (empty slots too) for csv/tsv."""
    head = {"account": view.account, "status": view.status, "plan": view.plan,
            "capacity": view.capacity, "registered": view.registered}
    by_slot = {d.slot: d for d in view.devices}
    rows = []
    for slot in range(1, view.capacity + 1):
        device = by_slot.get(slot)
        rows.append({**head, **(device.to_dict() if device else {"slot": slot})})
    return rows


def show_status(out: Output, view: Contract) -> None:
    out.table(
        [
            [t("d-account"), view.account],
            [t("Plan"), plan_label(view.plan)],
            [t("Status"), t(STATUS_LABELS[view.status])],
            [t("Registered devices"), f"{view.registered} / {view.capacity}"],
        ],
        fmt="plain",
    )
    out.line()
    by_slot = {d.slot: d for d in view.devices}
    rows = []
    for slot in range(1, view.capacity + 1):
        device = by_slot.get(slot)
        if device is None:
            rows.append([str(slot), t("Not registered"), "", "", ""])
        else:
            rows.append([str(slot), device.name,
                         out.display(device.registered_at, "date"), imei_or_type(device),
                         device.id])
    out.table(rows, [t("Slot"), t("Device name"), t("Registration date"),
                     t("IMEI"), t("ID")])
    if out.settings.quiet:
        return
    out.line()
    for note in status_notes(view):
        out.note(note)


def status_notes(view: Contract) -> list[str]:
    """The seed's notes that apply to this contract's state."""
    account = view.account
    if view.status != "active":
        return [t("This contract is cancelled. Reactivate it with: onenumber service subscribe "
                  "{account}", account=account)]
    lines = []
    if view.plan == "one-number":
        lines += [t("With the Multi-device option, up to 5 accessory devices can be used at the "
                    "same time."),
                  t("Monthly charge {fee} JPY (tax included); One Number registration fee "
                    "{registration} JPY.", fee=OPTION_FEE_JPY, registration=REGISTRATION_FEE_JPY),
                  t("Apply: onenumber option subscribe {account}", account=account)]
        lines.append("")
    lines.append(t("Notes:"))
    lines.append(" - " + t("Even after the One Number registration information is deleted on the "
                           "accessory device, it may still be shown here as in use."))
    lines.append(" - " + t("One Number Service needs one or more registered accessory devices. If "
                           "the customer does not use the service, cancel it: onenumber service "
                           "cancel {account}", account=account))
    if view.plan == "one-number+multi":
        lines.append(" - " + t("Unregister the accessory devices no longer used (onenumber devices "
                               "unregister {account} DEVICE). After reducing the devices in use to "
                               "1, cancel the Multi-device option: onenumber option cancel "
                               "{account}", account=account))
    return lines


def show_devices(out: Output, devices: Sequence[Device]) -> None:
    if out.settings.fields is not None:  # --fields: the chosen columns of the records
        out.records([{**d.to_dict(), "registered_at": out.display(d.registered_at, "date")}
                     for d in devices], DEVICE_COLUMNS)
        return
    if not devices:
        out.message(t("No registered devices."))
        return
    out.table(
        [[str(d.slot), d.name, d.type, imei_or_type(d), out.display(d.registered_at, "datetime"),
          d.id] for d in devices],
        [t("Slot"), t("Device name"), t("Device type"), t("IMEI"),
         t("Registered at"), t("ID")],
    )


def show_device(out: Output, device: Device) -> None:
    rows = [
        [t("ID"), device.id],
        [t("Device name"), device.name],
        [t("Device type"), device.type],
        [t("IMEI"), imei_or_type(device)],
        [t("Registered at"), out.display(device.registered_at, "datetime")],
        [t("Slot"), str(device.slot) if device.slot else t("Not registered")],
    ]
    if device.unregistered_at is not None:
        rows.append([t("Unregistered at"), out.display(device.unregistered_at, "datetime")])
    out.table(rows, fmt="plain")


def show_history(out: Output, events: Sequence[Any]) -> None:
    if out.settings.fields is not None:  # --fields: the chosen columns of the records
        out.records([e.to_dict() for e in events], HISTORY_COLUMNS)
        return
    if not events:
        out.message(t("No registration history."))
        return
    out.table(
        [[pgettext(*EVENT_LABELS[e.event]), out.display(e.at, "datetime"), e.name,
          e.imei or e.type, e.device_id] for e in events],
        [t("Event"), t("Date and time"), t("Device name"), t("IMEI"), t("Device ID")],
    )


def confirmation(out: Output, device: Device) -> None:
    """The seed's unregister confirmation (screen 5), written to stderr."""
    lines = [
        t("Unregister One Number registration?"),
        "",
        "  " + t("Device name") + f": {device.name}",
        "  " + t("Registration date") + f": {out.display(device.registered_at, 'date')}",
        "  " + t("IMEI") + f": {imei_or_type(device)}",
        "",
    ]
    lines += [f" - {t(note)}" for note in UNREGISTER_NOTES]
    width = out.stderr_width
    if width is not None:  # the notes fit the terminal, wrapped between words
        lines = [piece for line in lines for piece in wrap(line, width)]
    out.stderr.write("\n".join(lines) + "\n\n")


def result_row(result: ChangeResult) -> dict[str, Any]:
    device = result.device
    return {"action": result.action, "account": result.account, "changed": result.changed,
            "dry_run": result.dry_run, "plan": result.plan, "status": result.status,
            "device_id": device.id if device else None,
            "device_name": device.name if device else None,
            "slot": device.slot if device else None}


def show_result(out: Output, result: ChangeResult) -> None:
    """One sentence saying what the change did, would do, or why nothing changed."""
    out.note(result_text(result))


def result_text(result: ChangeResult) -> str:
    """The sentence :func:`show_result` shows."""
    device = result.device
    params: dict[str, Any] = {
        "account": result.account,
        "plan": plan_label(result.plan),
        "name": device.name if device else "",
        "id": device.id if device else "",
        "slot": device.slot if device else "",
        "removed": ", ".join(f"{d.name} ({d.id})" for d in result.removed),
    }
    key = result.action.replace("-", "_")
    outcome = "done" if result.changed else "unchanged"
    text = t(RESULTS[key, outcome], **params)
    if result.action == "register" and result.removed:
        text += " " + t("Replaced: {removed}.", **params)
    if result.dry_run and result.changed:
        text = t("Dry run, nothing written: {text}", text=text)
        if change := describe_change(result.before, result.after):
            text += f" ({change})"  # what would change, from what
    return text


def audit_value(value: Any) -> str:
    """A before/after value in a few words: devices by name and id, the rest as k=v."""
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(audit_value(v) for v in value) or "-"
    if not isinstance(value, dict):
        return str(value)
    if "id" in value and "name" in value:
        return f"{value['name']} ({value['id']})"
    return ", ".join(f"{key}={audit_value(item)}" for key, item in value.items())


def audit_rows(records: Iterable[AuditEntry]) -> Iterator[dict[str, Any]]:
    """Audit records for a table: before and after summarised."""
    for record in records:
        yield {**record.to_dict(), "before": audit_value(record.before),
               "after": audit_value(record.after)}


def describe_change(before: Any, after: Any) -> str:
    """What a change did, from what, for people: ``BMW -> 愛車``, ``one-number ->
    one-number+multi``, ``-> Watch (k3x9a2bc)`` for a registration, ``Watch (k3x9a2bc) ->``
    for an unregistration."""
    def device(snapshot: Any) -> str | None:
        if isinstance(snapshot, dict) and "id" in snapshot and "name" in snapshot:
            return f"{snapshot['name']} ({snapshot['id']})"
        return None

    if before is None and device(after):
        return f"-> {device(after)}"
    if after is None and device(before):
        return f"{device(before)} ->"
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    parts = [f"{old.get(key, '-')} -> {new[key]}" for key in new
             if not isinstance(new[key], dict | list) and old.get(key) != new[key]]
    return ", ".join(parts)


def _batch_columns(row: str, action: str, account: str, outcome: str) -> str:
    """The columns of a batch line, aligned by display width: the row number right in 6,
    the action left in 17, then the account and the outcome."""
    return (" " * max(6 - text_width(row), 0) + row + "  "
            + action + " " * max(17 - text_width(action), 0) + f"  {account}  {outcome}")


def batch_header() -> str:
    """The header over :func:`batch_line`'s columns."""
    return _batch_columns(t("row"), t("action"),
                          t("account"), t("outcome"))


def batch_record(out: Output, result: RowResult) -> dict[str, Any]:
    """A batch row's machine output: its error rendered in the current language."""
    data = result.to_dict()
    if result.error is not None:
        data["error"] = out.error_dict(result.error)
    return data


def batch_line(out: Output, result: RowResult) -> str:
    """One streamed line per batch row, for people."""
    if result.ok:
        outcome = t("ok, changed") if result.changed else t("ok, nothing to change")
        if result.changed and (change := describe_change(result.before, result.after)):
            outcome = f"{outcome}: {change}"
    else:
        message = out.error_dict(result.error)["message"] if result.error else ""
        outcome = t("error") + f": {message}"
    return _batch_columns(str(result.row), out.display(result.action),
                          out.display(result.account), outcome)


# what a batch run says at its end, by outcome (the counts choose singular or plural)
BATCH_SUMMARIES: dict[str, Message] = {
    "done": N_plural("batch {batch}: {rows} row, {ok} ok ({changed} changed), {failed} failed.",
                     "batch {batch}: {rows} rows, {ok} ok ({changed} changed), {failed} failed.",
                     "rows"),
    "rolled_back": N_plural(
        "batch {batch} (atomic): {failed} of {rows} row failed, so nothing was written ({ok} "
        "ok, {changed} changed).",
        "batch {batch} (atomic): {failed} of {rows} rows failed, so nothing was written ({ok} "
        "ok, {changed} changed).",
        "rows"),
    "dry_run": N_plural(
        "batch {batch} (dry run, nothing written): {rows} row, {ok} ok ({changed} would "
        "change), {failed} failed.",
        "batch {batch} (dry run, nothing written): {rows} rows, {ok} ok ({changed} would "
        "change), {failed} failed.",
        "rows"),
    "interrupted": N_plural(
        "batch {batch} interrupted after {rows} row: {ok} applied ({changed} changed), {failed} "
        "failed; the row in progress was not applied.",
        "batch {batch} interrupted after {rows} rows: {ok} applied ({changed} changed), "
        "{failed} failed; the row in progress was not applied.",
        "rows"),
    "interrupted_nothing": N_plural(
        "batch {batch} interrupted after {rows} row; nothing was written.",
        "batch {batch} interrupted after {rows} rows; nothing was written.",
        "rows"),
    "unavailable": N_plural(
        "batch {batch} stopped at row {stopped_at}: the database became unavailable. {ok} row "
        "applied ({changed} changed), {failed} failed; row {stopped_at} and the rows after it "
        "were not applied.",
        "batch {batch} stopped at row {stopped_at}: the database became unavailable. {ok} rows "
        "applied ({changed} changed), {failed} failed; row {stopped_at} and the rows after it "
        "were not applied.",
        "ok"),
    "unavailable_nothing": N_("batch {batch} stopped: the database became unavailable; nothing "
                              "was written."),
    "output_failed": N_plural(
        "batch {batch} stopped after row {rows}: its report could not be written. {ok} row "
        "applied ({changed} changed), {failed} failed; the rows after it were not applied.",
        "batch {batch} stopped after row {rows}: its report could not be written. {ok} rows "
        "applied ({changed} changed), {failed} failed; the rows after it were not applied.",
        "ok"),
}
# what to do next, after a stopped summary: a batch file is re-run, a revert (which has
# no file) re-run by its batch id; both change only what is left to change
RERUN: dict[tuple[str, bool], Message] = {
    ("complete", False): N_("Re-run the file to complete it."),
    ("complete", True): N_("Re-run onenumber batch revert {reverts} to complete it (rows "
                           "already reverted are left as they are)."),
    ("when_back", False): N_("Re-run the file when it is back."),
    ("when_back", True): N_("Re-run onenumber batch revert {reverts} when it is back."),
}


def batch_summary(summary: Summary, *, reverts: str | None = None) -> str:
    """The batch's last line: what was applied and, when it stopped before its end,
    how to complete it (``reverts``: the batch a revert undoes)."""
    nothing = summary.dry_run or summary.atomic
    rerun: str | None = None
    if summary.unavailable:
        outcome = "unavailable_nothing" if nothing else "unavailable"
        rerun = "when_back" if nothing else "complete"
    elif summary.interrupted:
        outcome = "interrupted_nothing" if nothing else "interrupted"
        rerun = None if nothing else "complete"
    elif summary.output_failed and not nothing:
        outcome, rerun = "output_failed", "complete"
    elif summary.dry_run:
        outcome = "dry_run"
    else:
        outcome = "done" if summary.committed else "rolled_back"
    text = translate(BATCH_SUMMARIES[outcome], batch=summary.batch_id, rows=summary.rows,
                     ok=summary.ok, changed=summary.changed, failed=summary.failed,
                     stopped_at=summary.rows + 1)
    if rerun is not None:
        text += " " + translate(RERUN[rerun, reverts is not None], reverts=reverts or "")
    return text
