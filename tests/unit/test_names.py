"""R3 and R4: device names, without a database."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onenumber_cli.domain.names import (
    MAX_LENGTH,
    default_name,
    ensure_unique,
    is_name_char,
    name_key,
    validate_name,
)
from onenumber_cli.errors import DuplicateName, InvalidName
from onenumber_cli.i18n import printable
from onenumber_cli.i18n.errors import render


@pytest.mark.parametrize(
    "name",
    [
        "BMW",
        "Apple Watch SE",
        "ＢＭＷ",  # full-width letters
        "ｱｯﾌﾟﾙｳｫｯﾁ",  # half-width katakana (JIS X 0201), incl. the sound mark
        "アップルウォッチ",  # full-width katakana and the prolonged sound mark
        "愛車",  # kanji
        "通勤用　時計",  # ideographic space between characters
        "Car-2_a.b+c",
        "－＿．＋",  # the full-width symbols, incl. U+FF0D
        "０１２３",
        "a" * MAX_LENGTH,
        "x",
        "ΑΒΓ",  # Greek is in JIS X 0208
        "1",
    ],
)
def test_valid_names_are_accepted_unchanged(name: str) -> None:
    assert validate_name(name) == unicodedata.normalize("NFC", name)


@pytest.mark.parametrize(
    ("name", "reason", "positions"),
    [
        ("", "empty", []),
        ("a" * (MAX_LENGTH + 1), "too_long", [31]),
        ("   ", "blank", []),
        ("\u3000\u3000", "blank", []),
        (" BMW", "edge_space", [1]),
        ("BMW ", "edge_space", [4]),
        ("BMW\u3000", "edge_space", [4]),
        ("my@car", "bad_chars", [3]),
        ("a/b", "bad_chars", [2]),
        ("中・黒", "bad_chars", [2]),
        ("(car)", "bad_chars", [1, 5]),
        ("tab\there", "bad_chars", [4]),
        ("new\nline", "bad_chars", [4]),
        ("nul\x00", "bad_chars", [4]),
        ("car🚗", "bad_chars", [4]),
        ("①番", "outside_jis", [1]),
        ("髙橋", "outside_jis", [1]),
        ("a−b", "dash", [2]),  # U+2212 minus sign
        ("a‐b", "dash", [2]),  # U+2010 hyphen
        ("é", "outside_jis", [1]),  # a letter, but not in JIS X 0208
    ],
)
def test_invalid_names_are_refused_naming_each_offending_character(
    name: str, reason: str, positions: list[int]
) -> None:
    with pytest.raises(InvalidName) as caught:
        validate_name(name)
    assert caught.value.reason == reason
    assert [d["position"] for d in caught.value.details or []] == positions
    for detail in caught.value.details or []:
        assert f"position {detail['position']}" in render(caught.value)[0]
        assert str(printable(detail["char"])) in render(caught.value)[0]  # control chars escaped


def test_edge_space_error_suggests_the_trimmed_name() -> None:
    with pytest.raises(InvalidName) as caught:
        validate_name("  My Car ")
    assert "'My Car'" in render(caught.value)[1]


def test_dash_lookalikes_get_a_hint_to_use_hyphen() -> None:
    with pytest.raises(InvalidName) as caught:
        validate_name("car−2")
    assert "'-'" in render(caught.value)[1]


def test_length_is_counted_in_code_points_after_nfc() -> None:
    decomposed = "か\u3099" * MAX_LENGTH  # 60 code points before NFC, 30 after
    assert validate_name(decomposed) == "が" * MAX_LENGTH
    assert validate_name("ＢＭＷ" * 10) == "ＢＭＷ" * 10  # a full-width character counts 1


@pytest.mark.parametrize(
    ("a", "b"),
    [("BMW", "bmw"), ("BMW", "ＢＭＷ"), ("ｱ", "ア"), ("ｶﾞ", "ガ"), ("a b", "a　b")],
)
def test_names_equal_after_nfkc_and_casefold_collide(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)
    with pytest.raises(DuplicateName):
        ensure_unique(b, {name_key(a): a})


@pytest.mark.parametrize(
    ("a", "b"),
    # a number, kana of the other script, a voiced mark, a space: different names
    [("BMW", "BMW 2"), ("ア", "あ"), ("カ", "ガ"), ("ab", "a b")],
)
def test_names_that_differ_after_nfkc_and_casefold_do_not_collide(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)
    taken = {name_key(a): a}
    ensure_unique(b, taken)  # accepted: no DuplicateName
    with pytest.raises(DuplicateName):  # while the taken name itself is refused
        ensure_unique(a.upper(), taken)


@pytest.mark.parametrize(
    ("device_type", "taken", "expected"),
    [
        ("BMW", [], "BMW"),
        ("BMW", ["bmw"], "BMW 2"),
        ("BMW", ["bmw", "bmw 2"], "BMW 3"),
        ("Apple Watch (2nd gen)", [], "Apple Watch 2nd gen"),
        ("Galaxy Watch・Pro", [], "Galaxy WatchPro"),
        ("X" * 40, [], "X" * 30),
        ("X" * 40, ["x" * 30], "X" * 28 + " 2"),
        ("🚗", [], None),
        ("@@@", [], None),
    ],
)
def test_default_name_is_derived_from_the_type(
    device_type: str, taken: list[str], expected: str | None
) -> None:
    assert default_name(device_type, {name_key(t) for t in taken}) == expected


jis_name_chars = st.characters(
    categories=("Lu", "Ll", "Lo", "Nd"), max_codepoint=0xFFFF
).filter(is_name_char)
valid_names = st.builds(
    lambda first, middle: first + middle,
    jis_name_chars,
    st.text(st.one_of(jis_name_chars, st.sampled_from("-_.+ ")), max_size=MAX_LENGTH - 1),
).map(lambda s: unicodedata.normalize("NFC", s).rstrip(" ")).filter(
    lambda s: 0 < len(s) <= MAX_LENGTH
)


@given(valid_names)
def test_property_a_valid_name_round_trips(name: str) -> None:
    assert validate_name(name) == name
    assert validate_name(validate_name(name)) == name


@given(st.text(max_size=40))
def test_property_no_accepted_name_breaks_the_rules(raw: str) -> None:
    try:
        name = validate_name(raw)
    except InvalidName:
        return
    assert 1 <= len(name) <= MAX_LENGTH
    assert name == unicodedata.normalize("NFC", name)
    assert name.strip(" \u3000") == name
    for char in name:
        assert char in " \u3000" or is_name_char(char)
        assert char == "\uff0d" or char.encode("shift_jis")


@given(st.text(max_size=80))
def test_property_default_names_are_valid_or_none(device_type: str) -> None:
    name = default_name(device_type, set())
    if name is not None:
        assert validate_name(name) == name
