"""Limits hold after folding (NFKC, case folded), on both backends alike: a type or name
whose folded key would not fit its column is a rule refusal (exit 4), never a database
error; ``db copy`` refuses a legacy row that already breaks a size before touching the
target."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from onenumber_cli.domain import names, values
from onenumber_cli.domain.names import default_name, name_key, validate_name
from onenumber_cli.domain.values import validate_type
from onenumber_cli.errors import InvalidType
from onenumber_cli.storage.models import devices
from tests.integration.test_copy import _tables, cli, empty_target  # noqa: F401

LIGATURE = "\ufdfa"  # ﷺ: one character, 18 after NFKC
LONG_TYPE = LIGATURE * 20  # 20 characters (within 64), 360 folded (over 256)


def test_a_type_whose_folded_key_exceeds_its_column_is_refused() -> None:
    assert len(name_key(LONG_TYPE)) == 360
    with pytest.raises(InvalidType) as caught:
        validate_type(LONG_TYPE)
    assert caught.value.reason == "key_too_long"
    assert caught.value.params["length"] == 360 and caught.value.params["max"] == 256


def test_a_type_that_folds_to_exactly_the_column_size_is_accepted() -> None:
    exact = LIGATURE * 14 + "abcd"  # 14 * 18 + 4 = 256
    assert validate_type(exact) == exact
    with pytest.raises(InvalidType):
        validate_type(exact + "e")


def test_the_domain_limits_are_the_columns_sizes() -> None:
    assert devices.c.type_key.type.length == values.TYPE_KEY_MAX_LENGTH  # type: ignore[attr-defined]
    assert devices.c.name_key.type.length == names.KEY_MAX_LENGTH  # type: ignore[attr-defined]
    assert devices.c.name.type.length == names.MAX_LENGTH  # type: ignore[attr-defined]
    assert devices.c.type.type.length == values.TYPE_MAX_LENGTH  # type: ignore[attr-defined]


def test_no_name_character_folds_to_more_than_its_share_of_the_key_column() -> None:
    """A valid name (and a default name, made of the same characters) always has a key
    that fits: every character a name may hold folds to at most 120 / 30 characters."""
    share = names.KEY_MAX_LENGTH // names.MAX_LENGTH
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code < 0xE000 or not names.is_name_char(char):
            continue
        assert len(name_key(char)) <= share, f"U+{code:04X}"
    widest = validate_name("Ｗ" * names.MAX_LENGTH)
    assert len(name_key(widest)) <= names.KEY_MAX_LENGTH


@settings(max_examples=300, deadline=None)
@given(st.text(st.one_of(st.characters(), st.sampled_from([LIGATURE, "Ｗ", "ﾊ", "ﾟ", "ß", " "])),
               max_size=64))
def test_a_default_name_derived_from_any_type_is_a_valid_name_whose_key_fits(
        device_type: str) -> None:
    name = default_name(device_type, [])
    if name is not None:
        assert validate_name(name) == name
        assert len(name_key(name)) <= names.KEY_MAX_LENGTH


def test_register_with_such_a_type_is_exit_4_on_both_backends(db_url: str) -> None:
    assert cli("--db", db_url, "service", "subscribe", "acct")[0] == 0
    code, _out, err = cli("--db", db_url, "-o", "json", "devices", "register", "acct",
                          "--type", LONG_TYPE, "--name", "watch")
    assert code == 4, err
    error = json.loads(err)["error"]
    assert error["code"] == "invalid_type" and "360" in error["message"]
    assert "256" in error["message"] and error["hint"]
    code, out, _ = cli("--db", db_url, "-o", "json", "status", "acct")
    assert json.loads(out)["devices"] == []


def test_a_per_row_batch_reports_the_row_and_goes_on(db_url: str) -> None:
    rows = [{"action": "service-subscribe", "account": "acct"},
            {"action": "register", "account": "acct", "type": LONG_TYPE, "name": "a"},
            {"action": "register", "account": "acct", "type": "Watch", "name": "b"}]
    code, out, err = cli("--db", db_url, "-o", "jsonl", "batch", "apply", "-",
                         stdin="\n".join(json.dumps(row) for row in rows))
    assert code == 1, err
    results = [json.loads(line) for line in out.splitlines() if '"row"' in line]
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["error"]["code"] == "invalid_type"


def _legacy_source(tmp_path: Path) -> tuple[str, str]:
    """A SQLite database in which an older program stored the over-long type."""
    from onenumber_cli.storage.engine import Database, parse_url

    path = tmp_path / "legacy.sqlite"
    url = f"sqlite:///{path}"
    assert cli("--db", url, "db", "upgrade")[0] == 0
    assert cli("--db", url, "service", "subscribe", "acct")[0] == 0
    assert cli("--db", url, "devices", "register", "acct", "--type", "Watch",
               "--name", "w")[0] == 0
    db = Database(parse_url(url))
    try:
        with db.engine.begin() as conn:
            conn.execute(update(devices).values(type=LONG_TYPE, type_key=name_key(LONG_TYPE)))
            device_id = conn.execute(select(devices.c.id)).scalar_one()
    finally:
        db.dispose()
    assert unicodedata.is_normalized("NFC", LONG_TYPE)
    return url, device_id


def test_db_copy_refuses_a_legacy_row_up_front_and_leaves_the_target_untouched(
        tmp_path: Path, empty_target: str) -> None:  # noqa: F811
    source, device_id = _legacy_source(tmp_path)
    code, _out, err = cli("--db", source, "-o", "json", "db", "copy", "--to", empty_target)
    assert code == 2, err
    error = json.loads(err)["error"]
    assert error["code"] == "copy_source_invalid"
    assert f"id={device_id}" in error["message"] and "type_key" in error["message"]
    assert "360" in error["message"] and "Nothing was written" in error["hint"]
    assert not _tables(empty_target)  # not "being filled": nothing at all
    code, _out, err = cli("--db", empty_target, "status", "acct")
    assert code == 6 and "being filled" not in err
