"""Issue 24 (the operator's shell, round 3) through CliRunner: values beginning with
``-``, and the items that need no real terminal."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Invoke


def _name(cli: Invoke, account: str, device: str) -> str:
    shown = cli("devices", "show", "-o", "json", "--", account, device)
    assert shown.exit_code == 0, shown.output
    return str(json.loads(shown.stdout)["name"])


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "A value that begins with '-' goes after '--'"),
    ("ja", "'-' で始まる値は、オプションの終わりを示す '--' の後ろに指定してください"),
])
def test_a_value_beginning_with_a_dash_is_refused_with_how_to_give_it(
        demo_cli: Invoke, lang: str, said: str) -> None:
    refused = demo_cli("devices", "rename", "demo-single", "BMW", "-通勤用", "--lang", lang)
    assert refused.exit_code == 2
    assert said in refused.stderr
    assert "onenumber devices rename [OPTIONS] -- ACCOUNT DEVICE NEW_NAME" in refused.stderr
    assert _name(demo_cli, "demo-single", "BMW") == "BMW"  # nothing written


def test_the_readme_line_with_the_double_dash_renames(demo_cli: Invoke) -> None:
    dry = demo_cli("devices", "rename", "demo-single", "BMW", "--dry-run", "--", "-通勤用")
    assert dry.exit_code == 0 and _name(demo_cli, "demo-single", "BMW") == "BMW"
    done = demo_cli("devices", "rename", "demo-single", "BMW", "--", "-通勤用")
    assert done.exit_code == 0, done.output
    assert _name(demo_cli, "demo-single", "-通勤用") == "-通勤用"


def test_a_mistyped_long_option_keeps_its_suggestion_without_the_dash_hint(
        demo_cli: Invoke) -> None:
    result = demo_cli("devices", "rename", "demo-single", "BMW", "X", "--dryrun")
    assert result.exit_code == 2
    assert "--dry-run" in result.stderr and "goes after '--'" not in result.stderr


@pytest.mark.parametrize(("lang", "again"), [
    ("en", "No registered device xxx: answer with a slot number (1, 2, 3)"),
    ("ja", "登録中の機器に xxx はありません。スロット番号（1, 2, 3）"),
])
def test_the_device_picker_explains_a_typo_asks_again_and_takes_a_slot_number(
        demo_cli: Invoke, monkeypatch: pytest.MonkeyPatch, lang: str, again: str) -> None:
    from onenumber_cli.cli import console

    monkeypatch.setattr(console.terminal, "interactive", lambda: True)
    result = demo_cli("devices", "unregister", "demo-multi", "--lang", lang, "-o", "json",
                      input="xxx\n2\ny\n")
    assert result.exit_code == 0, result.output
    assert again in result.stderr
    assert json.loads(result.stdout)["device"]["name"] == "Apple Watch Series 6"
    listed = demo_cli("devices", "list", "demo-multi", "-o", "json")
    assert "Apple Watch Series 6" not in {d["name"] for d in json.loads(listed.stdout)}


def test_the_device_picker_takes_a_name_ignoring_case_and_width(
        demo_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    from onenumber_cli.cli import console

    monkeypatch.setattr(console.terminal, "interactive", lambda: True)
    result = demo_cli("devices", "unregister", "demo-multi", "--dry-run", "-o", "json",
                      input="ｂｍｗ\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["device"]["name"] == "BMW"
