"""Fuzzing the core with arbitrary Unicode: validators never crash, and their decisions
match the rules as written, checked against oracles written independently of the code
(str methods instead of Unicode categories, plain loops instead of regular expressions).
"""

from __future__ import annotations

import unicodedata
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from onenumber_cli import batch
from onenumber_cli.domain.imei import validate_imei
from onenumber_cli.domain.names import validate_name
from onenumber_cli.domain.values import validate_account
from onenumber_cli.errors import InvalidAccount, InvalidImei, InvalidName, OneNumberError
from onenumber_cli.i18n.errors import render
from onenumber_cli.services import Actor

# Characters that make the rules interesting, mixed into arbitrary text.
SPICE = st.sampled_from(list(
    "Aａｱア漢０９ -_.+－＿．＋\u3000@/・!()−‐①髙🚗\t\n\x00éßΩЖ〇々ー゛ﾞ\u200b\ufeff\u0301"
))
TEXT = st.text(st.one_of(st.characters(), SPICE), max_size=40)


def name_oracle(raw: str) -> bool:
    """SPEC.md R3, read literally."""
    name = unicodedata.normalize("NFC", raw)
    spaces = (" ", "\u3000")
    if not 1 <= len(name) <= 30:
        return False
    if name[0] in spaces or name[-1] in spaces:  # also refuses blanks-only
        return False
    for char in name:
        if char in spaces:
            continue
        if char not in "-_.+－＿．＋" and not char.isalnum():
            return False
        if char == "－":
            continue
        try:
            char.encode("shift_jis")
        except UnicodeEncodeError:
            return False
    return True


def imei_oracle(raw: str) -> bool:
    digits = raw.strip()
    if len(digits) != 15 or any(c not in "0123456789" for c in digits):
        return False
    total = 0
    for position, char in enumerate(digits):  # Luhn from the left: double every 2nd
        value = int(char) * (2 if position % 2 == 1 else 1)
        total += value // 10 + value % 10
    return total % 10 == 0


def account_oracle(raw: str) -> bool:
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@+-")
    return 1 <= len(raw) <= 64 and all(c in allowed for c in raw)


def accepts(validator: object, raw: str, error: type[Exception]) -> bool:
    try:
        validator(raw)  # type: ignore[operator]
    except error:
        return False
    return True


@settings(max_examples=2000)
@given(TEXT)
def test_name_decisions_match_the_rule_as_written(raw: str) -> None:
    assert accepts(validate_name, raw, InvalidName) == name_oracle(raw)


@settings(max_examples=1000)
@given(st.one_of(TEXT, st.text("0123456789", min_size=13, max_size=17)))
def test_imei_decisions_match_luhn(raw: str) -> None:
    assert accepts(validate_imei, raw, InvalidImei) == imei_oracle(raw)


@settings(max_examples=1000)
@given(st.one_of(TEXT, st.text("abcXYZ09._@+- ", max_size=70)))
def test_account_decisions_match_the_allowed_characters(raw: str) -> None:
    assert accepts(validate_account, raw, InvalidAccount) == account_oracle(raw)


FIELD = st.one_of(st.none(), TEXT, st.booleans(), st.integers(), st.floats(),
                  st.lists(st.integers(), max_size=2))


@settings(max_examples=1000)
@given(st.dictionaries(st.sampled_from(batch.FIELDS), FIELD))
def test_any_batch_row_becomes_an_operation_or_a_row_error(fields: dict[str, object]) -> None:
    try:
        body = batch.operation(batch.Row(1, 2, fields), Actor("fuzz"), ZoneInfo("UTC"))
    except OneNumberError as error:
        assert error.code and all(render(error))
    else:
        assert callable(body)
