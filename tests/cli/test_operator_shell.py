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
