"""Small value rules: account ids, device types, plans and contract states."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from onenumber_cli.domain.names import name_key
from onenumber_cli.errors import InvalidAccount, InvalidOperator, InvalidTime, InvalidType

ACCOUNT_RE = re.compile(r"[A-Za-z0-9._@+\-]{1,64}")
TYPE_MAX_LENGTH = 64
# The type folded as names are (NFKC, case folded: devices.type_key, VARCHAR(256)) must fit
# its column on both backends: NFKC expands some characters up to 18 (U+FDFA: 1 -> 18).
TYPE_KEY_MAX_LENGTH = 256
OPERATOR_MAX_LENGTH = 128  # the audit column's size on both backends
FORMULA_STARTS = frozenset("=+-@")  # a spreadsheet cell starting so is a formula
# Times an operator may give: the calendar's edges cannot be converted between zones.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, tzinfo=UTC)


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


def is_account(raw: str) -> bool:
    """Whether ``raw`` is a d-account ID: 1-64 characters of ``A-Z a-z 0-9 . _ @ + -``."""
    return ACCOUNT_RE.fullmatch(raw) is not None


def validate_account(raw: str) -> str:
    """A d-account ID (:func:`is_account`), compared exactly."""
    if not is_account(raw):
        raise InvalidAccount(value=raw)
    return raw


def is_printable(text: str) -> bool:
    """No control, format or unassigned characters (newline, ESC, bidi overrides ...) and
    no line or paragraph separators: nothing that can drive a terminal or forge a line."""
    return all(unicodedata.category(c)[0] != "C" and unicodedata.category(c) not in ("Zl", "Zp")
               for c in text)


def validate_type(raw: str) -> str:
    """A device type, fixed at registration: 1-64 printable characters (NFC, trimmed) that
    do not start with ``= + - @`` (or their full-width forms): a spreadsheet would run
    such a cell of an exported file as a formula."""
    device_type = unicodedata.normalize("NFC", raw).strip()
    if not device_type or len(device_type) > TYPE_MAX_LENGTH or not is_printable(device_type):
        raise InvalidType(value=raw, max=TYPE_MAX_LENGTH)
    if unicodedata.normalize("NFKC", device_type[0]) in FORMULA_STARTS:
        raise InvalidType("formula", value=raw, first=device_type[0])
    key_length = len(name_key(device_type))
    if key_length > TYPE_KEY_MAX_LENGTH:
        raise InvalidType("key_too_long", value=raw, length=key_length,
                          max=TYPE_KEY_MAX_LENGTH)
    return device_type


def validate_operator(raw: str) -> str:
    """An operator name for the audit log: 1-128 printable characters, as given."""
    if not raw or len(raw) > OPERATOR_MAX_LENGTH or not is_printable(raw) or raw != raw.strip():
        raise InvalidOperator(value=raw, max=OPERATOR_MAX_LENGTH)
    return raw


# The forms the tool itself prints (Japanese tables) and spreadsheets show (Excel's and
# Calc's Japanese date format), read back as they are: 2022年09月12日, 2022年9月12日 16:43,
# 2022/09/12, 2022/9/12 16:43:05 (full-width digits too: the text is NFKC-folded first).
_PRINTED_TIME = re.compile(
    r"(?P<y>\d{4})(?:年(?P<m>\d{1,2})月(?P<d>\d{1,2})日|/(?P<m2>\d{1,2})/(?P<d2>\d{1,2}))"
    r"(?:[ T]?(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?")


def _iso(text: str) -> str:
    """``text`` in ISO 8601 when it is one of the printed forms; otherwise unchanged."""
    found = _PRINTED_TIME.fullmatch(text)
    if found is None:
        return text.replace("Z", "+00:00") if text.endswith("Z") else text
    parts = found.groupdict()
    month, day = parts["m"] or parts["m2"], parts["d"] or parts["d2"]
    iso = f"{parts['y']}-{int(month):02d}-{int(day):02d}"
    if parts["H"] is not None:
        iso += f"T{int(parts['H']):02d}:{parts['M']}:{parts['S'] or '00'}"
    return iso


def parse_time(raw: str, tz: tzinfo, *, now: datetime | None = None,
               allow_future: bool = True) -> datetime:
    """An operator-given time: ISO 8601 date or date-time, ``T`` or a space between, with
    an optional offset or ``Z``; or a date as the tool prints it (``2022年09月12日``,
    ``2022年09月12日 16:43``, ``2022/09/12``).  Without an offset it is read in ``tz``.
    Returns UTC."""
    text = unicodedata.normalize("NFKC", raw).strip()
    try:
        parsed = datetime.fromisoformat(_iso(text))
    except ValueError:
        raise InvalidTime("format", value=raw) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01 in Tokyo is still year 0 in UTC
        parsed = EARLIEST - timedelta(days=1) if parsed.year == 1 else LATEST + timedelta(1)
    if not EARLIEST <= parsed <= LATEST:
        raise InvalidTime("range", value=raw, earliest=EARLIEST.year, latest=LATEST.year)
    current = now or datetime.now(UTC)
    if not allow_future and parsed > current + timedelta(minutes=1):
        raise InvalidTime("future", value=raw)
    return parsed


def similar_accounts(wanted: str, candidates: list[str], n: int = 3) -> list[str]:
    """The existing account ids nearest to a mistyped ``wanted`` (``demo-mult`` ->
    ``demo-multi``), best first; none when nothing is close."""
    import difflib

    return difflib.get_close_matches(wanted, candidates, n=n, cutoff=0.75)
