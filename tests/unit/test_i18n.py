"""Every message exists in English and Japanese, with the same placeholders, and every
message the code uses is in the catalogs."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from onenumber_cli import errors
from onenumber_cli.i18n import catalog, language_from_environment, set_language, t

PACKAGE = Path(errors.__file__).parent
SOURCES = [p for p in PACKAGE.rglob("*.py") if "i18n" not in p.parts]


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_both_catalogs_have_the_same_keys() -> None:
    en, ja = set(catalog("en")), set(catalog("ja"))
    assert en - ja == set(), "missing in Japanese"
    assert ja - en == set(), "missing in English"


@pytest.mark.parametrize("key", sorted(catalog("en")))
def test_placeholders_match_across_languages(key: str) -> None:
    assert placeholders(catalog("en")[key]) == placeholders(catalog("ja")[key])


def test_every_error_message_has_a_hint() -> None:
    for lang in ("en", "ja"):
        keys = set(catalog(lang))
        for key in keys:
            if key.startswith("error.") and key != "error.internal":
                assert "hint." + key.removeprefix("error.") in keys, key


def _raised_keys() -> set[str]:
    """error.<code>[.<reason>] for every ``ErrorClass(...)`` call in the package whose
    reason is a literal (or absent); reasons chosen at run time are checked by the unit
    tests that provoke them."""
    by_name = {cls.__name__: cls.code for cls in errors.all_error_classes()}
    pattern = re.compile(
        r"(?<!class )\b(" + "|".join(by_name) + r")\(\s*(?:\"(\w+)\"|(\)|\w+=))"
    )
    keys = set()
    for path in SOURCES:
        for name, reason, _ in pattern.findall(path.read_text(encoding="utf-8")):
            keys.add(f"error.{by_name[name]}" + (f".{reason}" if reason else ""))
    return keys


def test_every_raised_error_has_a_message_in_both_languages() -> None:
    keys = _raised_keys()
    assert "error.invalid_name.too_long" in keys  # the scan finds what it should
    for lang in ("en", "ja"):
        missing = {k for k in keys if k not in catalog(lang)}
        assert missing == set(), f"{lang}: {sorted(missing)}"


def test_every_literal_message_id_in_the_code_exists() -> None:
    pattern = re.compile(r"\bt\(\s*\"([a-z_]+\.[a-z0-9_.]+)\"")
    used = {key for path in SOURCES for key in pattern.findall(path.read_text("utf-8"))}
    assert "field.account" in used
    assert sorted(k for k in used if k not in catalog("en")) == []


@pytest.mark.parametrize("action", ["rename", "unregister", "option_subscribe",
                                    "option_cancel", "service_subscribe", "service_cancel"])
def test_result_sentences_exist_for_every_outcome(action: str) -> None:
    for outcome in ("done", "unchanged"):
        assert f"result.{action}.{outcome}" in catalog("ja")


def test_error_codes_are_the_documented_ones() -> None:
    codes = {cls.code for cls in errors.all_error_classes()}
    documented = {
        "account_not_found", "device_not_found", "ambiguous_device", "capacity_exceeded",
        "invalid_name", "duplicate_name", "invalid_imei", "last_device", "too_many_devices",
        "not_subscribable", "contract_cancelled", "confirmation_required", "conflict",
        "database_unavailable", "schema_mismatch",
    }
    assert documented <= codes


def test_japanese_uses_the_seed_wording() -> None:
    set_language("ja")
    assert t("value.not_registered") == "未登録"
    assert t("field.registered_count") == "登録台数"
    assert t("confirm.unregister.title") == "ワンナンバー登録を解除しますか？"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "ja"),
        ({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_language_follows_the_posix_locale_variables(environ: dict[str, str],
                                                     expected: str) -> None:
    assert language_from_environment(environ) == expected
