"""IMEI: 15 digits whose last one is the Luhn check digit of the first 14."""

from __future__ import annotations

from onenumber_cli.errors import InvalidImei

LENGTH = 15


def luhn_check_digit(body: str) -> int:
    """The Luhn check digit for the digit string ``body``."""
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:  # doubled: the rightmost digit of the body, then every other one
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def validate_imei(raw: str) -> str:
    """Return the IMEI (surrounding blanks removed) or raise :class:`InvalidImei`."""
    imei = raw.strip()
    if len(imei) != LENGTH or not (imei.isascii() and imei.isdigit()):
        raise InvalidImei("format", value=raw)
    expected = luhn_check_digit(imei[:-1])
    if int(imei[-1]) != expected:
        raise InvalidImei("check_digit", value=raw, expected=expected)
    return imei
