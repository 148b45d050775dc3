"""Errors rendered by the CLI from their code, reason and parameters: both languages, the
JSON shape, and times in the display zone and format."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.conftest import Invoke


def last_json(stderr: str) -> Any:
    """The error document: the last line (a test before may have left SQL logging on)."""
    return json.loads(stderr.strip().splitlines()[-1])


EARLY = ("devices", "register", "demo-multi", "--type", "X", "--at", "2022-09-01T10:00",
         "--yes")


@pytest.mark.parametrize(
    ("options", "expected"),
    [((), "error: '2022-09-01 10:00' is earlier than the account's latest event "
          "(2022-09-12 16:43).\n"
          "hint: History stays in order: give a time at or after 2022-09-12 16:43, or leave "
          "--at out for now.\n"),
     (("--tz", "UTC"), "error: '2022-09-01 10:00' is earlier than the account's latest event "
                       "(2022-09-12 07:43).\n"),
     (("--lang", "ja"), "エラー: 「2022年09月01日 10:00」はこのアカウントの最新の履歴"
                        "（2022年09月12日 16:43）より前です。\n")],
)
def test_the_at_error_shows_times_as_the_cli_shows_them(demo_cli: Invoke, options: tuple[str, ...],
                                                        expected: str) -> None:
    """Not the UTC isoformat of the core: the display zone (--tz) and format (--lang)."""
    result = demo_cli(*EARLY, *options)
    assert result.exit_code == 2, result.stderr  # invalid input
    assert expected in result.stderr
    assert "+00:00" not in result.stderr


def test_a_json_error_keeps_its_shape(demo_cli: Invoke) -> None:
    result = demo_cli(*EARLY, "-o", "json")
    error = last_json(result.stderr)["error"]
    assert set(error) == {"code", "message", "hint"}
    assert error["code"] == "invalid_time"
    assert error["message"].startswith("'2022-09-01 10:00' is earlier")


def test_a_name_error_lists_its_characters_in_the_language(demo_cli: Invoke) -> None:
    english = demo_cli("devices", "rename", "demo-multi", "BMW", "a—b", "-o", "json")
    japanese = demo_cli("devices", "rename", "demo-multi", "BMW", "a—b", "-o", "json",
                        "--lang", "ja")
    en, ja = last_json(english.stderr)["error"], last_json(japanese.stderr)["error"]
    assert "'—' (U+2014) at position 2" in en["message"]
    assert "2文字目の「—」(U+2014)" in ja["message"]
    assert en["details"] == ja["details"] == [{"position": 2, "char": "—",
                                               "codepoint": "U+2014"}]


@pytest.mark.parametrize(("rows", "expected"), [(1, ": 1 row, 1 ok (1 changed), 0 failed."),
                                                 (2, ": 2 rows, 2 ok (2 changed), 0 failed.")])
def test_counts_agree_with_their_noun(demo_cli: Invoke, rows: int, expected: str) -> None:
    lines = ["rename,demo-multi,BMW,Car", "rename,demo-multi,Car,BMW"][:rows]
    result = demo_cli("batch", "apply", "-", "--yes",
                      input="action,account,device,name\n" + "\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    assert expected in result.stderr
