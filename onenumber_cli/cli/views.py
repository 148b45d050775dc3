"""How results look to people (table mode) and which flat columns machines get."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from onenumber_cli.cli.output import Column, Output, text_width, wrap
from onenumber_cli.domain.values import OPTION_FEE_JPY, REGISTRATION_FEE_JPY
from onenumber_cli.i18n import t

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from onenumber_cli.batch import RowResult, Summary
    from onenumber_cli.services import AuditView, ChangeResult, ContractView, DeviceView

PLAN_LABELS = {"one-number": "plan.one_number", "one-number+multi": "plan.multi"}
STATUS_LABELS = {"active": "status.active", "cancelled": "status.cancelled"}

DEVICE_COLUMNS = (
    Column("slot", "field.slot"),
    Column("id", "field.id"),
    Column("name", "field.name"),
    Column("type", "field.type"),
    Column("imei", "field.imei"),
    Column("registered_at", "field.registered_at", "datetime"),
)
SEARCH_COLUMNS = (
    Column("account", "field.account"),
    Column("id", "field.id"),
    Column("slot", "field.slot"),
    Column("name", "field.name"),
    Column("type", "field.type"),
    Column("imei", "field.imei"),
    Column("registered_at", "field.registered_at", "datetime"),
    Column("unregistered_at", "field.unregistered_at", "datetime"),  # last: optional
)
STATUS_COLUMNS = (
    Column("account", "field.account"),
    Column("status", "field.status"),
    Column("plan", "field.plan"),
    Column("capacity", "field.capacity"),
    Column("registered", "field.registered"),
    *DEVICE_COLUMNS,
)
HISTORY_COLUMNS = (
    Column("event", "field.event"),
    Column("at", "field.at", "datetime"),
    Column("device_id", "field.device_id"),
    Column("name", "field.name"),
    Column("type", "field.type"),
    Column("imei", "field.imei"),
)
ACCOUNT_COLUMNS = (
    Column("account", "field.account"),
    Column("status", "field.status"),
    Column("plan", "field.plan"),
    Column("capacity", "field.capacity"),
    Column("registered", "field.registered"),
)
RESULT_COLUMNS = (
    Column("action", "field.action"),
    Column("account", "field.account"),
    Column("changed", "field.changed"),
    Column("dry_run", "field.dry_run"),
    Column("plan", "field.plan"),
    Column("status", "field.status"),
    Column("device_id", "field.device_id"),
    Column("device_name", "field.name"),
    Column("slot", "field.slot"),
)


BATCH_COLUMNS = (
    Column("row", "field.row"),
    Column("action", "field.action"),
    Column("account", "field.account"),
    Column("ok", "field.ok"),
    Column("changed", "field.changed"),
    Column("error", "field.error"),
    Column("device_id", "field.device_id"),
    Column("before", "field.before"),
    Column("after", "field.after"),
)
AUDIT_COLUMNS = (
    Column("at", "field.at", "datetime"),
    Column("operator", "field.operator"),
    Column("action", "field.action"),
    Column("account", "field.account"),
    Column("device_id", "field.device_id"),
    Column("before", "field.before"),
    Column("after", "field.after"),
    Column("batch_id", "field.batch_id"),
)
VIOLATION_COLUMNS = (
    Column("kind", "field.kind"),
    Column("account", "field.account"),
    Column("device_id", "field.device_id"),
    Column("message", "field.message"),
)


def imei_or_type(device: DeviceView) -> str:
    """Display rule (seed): the IMEI, or the device type where there is none."""
    return device.imei or device.type


def plan_label(plan: str) -> str:
    return t(PLAN_LABELS[plan])


def status_dict(view: ContractView) -> dict[str, Any]:
    data = view.to_dict()
    subscribable = view.status == "active" and view.plan == "one-number"
    data["option_monthly_fee_jpy"] = OPTION_FEE_JPY if subscribable else None
    data["registration_fee_jpy"] = REGISTRATION_FEE_JPY
    return data


def status_rows(view: ContractView) -> list[dict[str, Any]]:
    """One flat row per slot (empty slots too) for csv/tsv."""
    head = {"account": view.account, "status": view.status, "plan": view.plan,
            "capacity": view.capacity, "registered": view.registered}
    by_slot = {d.slot: d for d in view.devices}
    rows = []
    for slot in range(1, view.capacity + 1):
        device = by_slot.get(slot)
        rows.append({**head, **(device.to_dict() if device else {"slot": slot})})
    return rows


def show_status(out: Output, view: ContractView) -> None:
    out.table(
        [
            [t("field.account"), view.account],
            [t("field.plan"), plan_label(view.plan)],
            [t("field.status"), t(STATUS_LABELS[view.status])],
            [t("field.registered_count"), f"{view.registered} / {view.capacity}"],
        ],
        fmt="plain",
    )
    out.line()
    by_slot = {d.slot: d for d in view.devices}
    rows = []
    for slot in range(1, view.capacity + 1):
        device = by_slot.get(slot)
        if device is None:
            rows.append([str(slot), t("value.not_registered"), "", "", ""])
        else:
            rows.append([str(slot), device.name,
                         out.display(device.registered_at, "date"), imei_or_type(device),
                         device.id])
    out.table(rows, [t("field.slot"), t("field.name"), t("field.registered_date"),
                     t("field.imei"), t("field.id")])
    if out.settings.quiet:
        return
    out.line()
    for note in status_notes(view):
        out.note(note)


def status_notes(view: ContractView) -> list[str]:
    """The seed's notes that apply to this contract's state."""
    account = view.account
    if view.status != "active":
        return [t("note.cancelled", account=account)]
    lines = []
    if view.plan == "one-number":
        lines += [t("note.option_offer"),
                  t("note.option_fee", fee=OPTION_FEE_JPY, registration=REGISTRATION_FEE_JPY),
                  t("note.option_how", account=account)]
        lines.append("")
    lines.append(t("note.heading"))
    lines.append(" - " + t("note.may_still_show"))
    lines.append(" - " + t("note.needs_one", account=account))
    if view.plan == "one-number+multi":
        lines.append(" - " + t("note.reduce_to_one", account=account))
    return lines


def show_devices(out: Output, devices: Sequence[DeviceView]) -> None:
    if out.settings.fields:  # --fields: the chosen columns of the records
        out.records([{**d.to_dict(), "registered_at": out.display(d.registered_at, "date")}
                     for d in devices], DEVICE_COLUMNS)
        return
    if not devices:
        out.message(t("msg.no_devices"))
        return
    out.table(
        [[str(d.slot), d.name, d.type, imei_or_type(d), out.display(d.registered_at, "datetime"),
          d.id] for d in devices],
        [t("field.slot"), t("field.name"), t("field.type"), t("field.imei"),
         t("field.registered_at"), t("field.id")],
    )


def show_device(out: Output, device: DeviceView) -> None:
    rows = [
        [t("field.id"), device.id],
        [t("field.name"), device.name],
        [t("field.type"), device.type],
        [t("field.imei"), imei_or_type(device)],
        [t("field.registered_at"), out.display(device.registered_at, "datetime")],
        [t("field.slot"), str(device.slot) if device.slot else t("value.not_registered")],
    ]
    if device.unregistered_at is not None:
        rows.append([t("field.unregistered_at"), out.display(device.unregistered_at, "datetime")])
    out.table(rows, fmt="plain")


def show_history(out: Output, events: Sequence[Any]) -> None:
    if out.settings.fields:  # --fields: the chosen columns of the records
        out.records([e.to_dict() for e in events], HISTORY_COLUMNS)
        return
    if not events:
        out.message(t("msg.no_history"))
        return
    out.table(
        [[t(f"event.{e.event}"), out.display(e.at, "datetime"), e.name,
          e.imei or e.type, e.device_id] for e in events],
        [t("field.event"), t("field.at"), t("field.name"), t("field.imei"), t("field.device_id")],
    )


def confirmation(out: Output, device: DeviceView) -> None:
    """The seed's unregister confirmation (screen 5), written to stderr."""
    lines = [
        t("confirm.unregister.title"),
        "",
        f"  {t('field.name')}: {device.name}",
        f"  {t('field.registered_date')}: {out.display(device.registered_at, 'date')}",
        f"  {t('field.imei')}: {imei_or_type(device)}",
        "",
    ]
    lines += [f" - {t(f'confirm.unregister.note{i}')}" for i in range(1, 6)]
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
    text = t(f"result.{key}.{outcome}", **params)
    if result.action == "register" and result.removed:
        text += " " + t("result.register.replaced", **params)
    if result.dry_run and result.changed:
        text = t("result.dry_run", text=text)
        if change := describe_change(result.before, result.after):
            text += f" ({change})"  # what would change, from what
    out.note(text)


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


def audit_rows(records: Iterable[AuditView]) -> Iterator[dict[str, Any]]:
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
    return _batch_columns(t("batch.header.row"), t("batch.header.action"),
                          t("batch.header.account"), t("batch.header.outcome"))


def batch_line(out: Output, result: RowResult) -> str:
    """One streamed line per batch row, for people."""
    if result.ok:
        outcome = t("batch.changed") if result.changed else t("batch.unchanged")
        if result.changed and (change := describe_change(result.before, result.after)):
            outcome = f"{outcome}: {change}"
    else:
        outcome = f"{t('label.error')}: {(result.error or {}).get('message', '')}"
    return _batch_columns(str(result.row), out.display(result.action),
                          out.display(result.account), outcome)


def batch_summary(summary: Summary) -> str:
    if summary.unavailable:
        key = ("batch.summary.unavailable_nothing" if summary.dry_run or summary.atomic
               else "batch.summary.unavailable")
    elif summary.interrupted:
        key = ("batch.summary.interrupted_nothing" if summary.dry_run or summary.atomic
               else "batch.summary.interrupted")
    elif summary.dry_run:
        key = "batch.summary.dry_run"
    else:
        key = "batch.summary.done" if summary.committed else "batch.summary.rolled_back"
    return t(key, batch=summary.batch_id, rows=summary.rows, ok=summary.ok,
             changed=summary.changed, failed=summary.failed, stopped_at=summary.rows + 1)
