"""Times inside ``before``/``after`` in the display zone, like every other time.

The audit log keeps its before/after values as JSON (``Device.snapshot``: times as ISO
8601 strings in UTC, stable whatever the operator's zone).  Every other time in an
output is a ``datetime`` rendered in the display zone (``--tz``), so one document
mixed them: ``device.registered_at`` in ``+09:00``, ``after.registered_at`` in
``+00:00``.  :func:`zoned` is applied where records become JSON (``Output.to_json``,
also for a csv cell holding such a value): a string under a time key (``at``,
``*_at``) that parses as an ISO time with an offset is given in ``zone``; nothing is
changed in the stored values.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

SNAPSHOT_KEYS = ("before", "after")


def _time_key(key: object) -> bool:
    return isinstance(key, str) and (key == "at" or key.endswith("_at"))


def zoned(value: Any, zone: tzinfo) -> Any:
    """``value`` (a snapshot: dicts, lists, scalars) with its times in ``zone``; the same
    object when it holds none."""
    if isinstance(value, dict):
        changed = {}
        for key, item in value.items():
            if _time_key(key) and isinstance(item, str):
                new = _in_zone(item, zone)
            elif isinstance(item, dict | list):
                new = zoned(item, zone)
            else:
                continue
            if new is not item:
                changed[key] = new
        return {**value, **changed} if changed else value
    if isinstance(value, list):
        items = [zoned(item, zone) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


def with_zoned_snapshots(record: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """``record`` with its ``before``/``after`` values' times in ``zone`` (the same
    object when it has none: the usual case costs two lookups)."""
    if "before" not in record and "after" not in record:
        return record
    changed = {key: zoned(record[key], zone) for key in SNAPSHOT_KEYS
               if isinstance(record.get(key), dict | list)}
    return {**record, **changed} if changed else record


def _in_zone(text: str, zone: tzinfo) -> Any:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    return moment.astimezone(zone).isoformat()
