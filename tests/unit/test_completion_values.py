"""What fish gets for a device name matched ignoring width (completion.fish_value)."""

from __future__ import annotations

import pytest

from onenumber_cli.cli.completion import fish_value
from onenumber_cli.domain.names import name_key


@pytest.mark.parametrize(
    ("name", "typed", "expected"),
    [
        ("Apple Watch SE", "Apple", "Apple Watch SE"),  # fish matches these itself
        ("Apple Watch SE", "apple w", "Apple Watch SE"),
        ("Apple Watch SE", "ＡＰＰＬＥ", "ＡＰＰＬＥ Watch SE"),
        ("Apple Watch SE", "ａｐｐｌｅ　ｗ", "ａｐｐｌｅ　ｗatch SE"),  # ideographic space
        ("ガーミン", "ｶﾞｰ", "ｶﾞｰミン"),  # half-width kana: 3 characters for 2
        ("ＢＭＷ", "bm", "bmＷ"),
    ],
)
def test_a_name_matched_ignoring_width_keeps_the_typed_characters(
        name: str, typed: str, expected: str) -> None:
    value = fish_value(name, typed)
    assert value == expected
    assert value.lower().startswith(typed.lower())  # fish keeps it: a prefix match
    assert name_key(value) == name_key(name)  # and it resolves to the same device
