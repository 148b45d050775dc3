"""Small value rules: account ids, device types, plans and contract states."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from onenumber_cli.errors import InvalidAccount, InvalidTime, InvalidType

ACCOUNT_RE = re.compile(r"[A-Za-z0-9._@+\-]{1,64}")
TYPE_MAX_LENGTH = 64


class Plan(StrEnum):
    ONE_NUMBER = "one-number"
    MULTI = "one-number+multi"

    @property
    def capacity(self) -> int:
        return 5 if self is Plan.MULTI else 1


class Status(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Event(StrEnum):
    REGISTER = "register"
    UNREGISTER = "unregister"


class Action(StrEnum):
    """Changes the tool makes: audit log actions and batch row actions alike."""

    REGISTER = "register"
    RENAME = "rename"
    UNREGISTER = "unregister"
    OPTION_SUBSCRIBE = "option-subscribe"
    OPTION_CANCEL = "option-cancel"
    SERVICE_SUBSCRIBE = "service-subscribe"
    SERVICE_CANCEL = "service-cancel"


OPTION_FEE_JPY = 550  # a month, tax included (seed)
REGISTRATION_FEE_JPY = 0


def validate_account(raw: str) -> str:
    """A d-account ID: 1-64 characters of ``A-Z a-z 0-9 . _ @ + -``, compared exactly."""
    if not ACCOUNT_RE.fullmatch(raw):
        raise InvalidAccount(value=raw)
    return raw


def validate_type(raw: str) -> str:
    """A device type: 1-64 printable characters, fixed at registration."""
    device_type = unicodedata.normalize("NFC", raw).strip()
    printable = all(unicodedata.category(c)[0] != "C" for c in device_type)
    if not device_type or len(device_type) > TYPE_MAX_LENGTH or not printable:
        raise InvalidType(value=raw, max=TYPE_MAX_LENGTH)
    return device_type


def parse_time(raw: str, tz: tzinfo, *, now: datetime | None = None,
               allow_future: bool = True) -> datetime:
    """An operator-given time: ISO 8601 date or date-time, ``T`` or a space between, with
    an optional offset or ``Z``.  Without an offset it is read in ``tz``.  Returns UTC."""
    text = raw.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z")
                                        else text)
    except ValueError:
        raise InvalidTime("format", value=raw) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    parsed = parsed.astimezone(UTC)
    current = now or datetime.now(UTC)
    if not allow_future and parsed > current + timedelta(minutes=1):
        raise InvalidTime("future", value=raw)
    return parsed
