"""Issue 14's smaller items through CliRunner: help, usage lines, --lang anywhere,
typo suggestions, NO_COLOR, the output fitting helpers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from onenumber_cli.cli.output import fit_columns, shorten, text_width, wrap
from onenumber_cli.cli.settings import resolve
from tests.cli.conftest import Invoke


def test_help_command_prints_the_commands_own_help(cli: Invoke) -> None:
    assert cli("help", "devices", "unregister").output == cli(
        "devices", "unregister", "--help").output
    assert cli("help").output == cli("--help").output
    missing = cli("help", "nope")
    assert missing.exit_code == 2 and "nope" in missing.output


def test_usage_lines_show_arguments_without_braces(cli: Invoke) -> None:
    usage = cli("devices", "rename", "--help").output.splitlines()[0]
    assert usage == "Usage: onenumber devices rename [OPTIONS] ACCOUNT DEVICE NEW_NAME"


def test_a_mistyped_account_suggests_the_nearest_never_creating_it(demo_cli: Invoke) -> None:
    result = demo_cli("status", "demo-mult")
    assert result.exit_code == 3
    assert "demo-multi" in result.output and "subscribe" not in result.output
    as_json = demo_cli("history", "demo-multi2", "-o", "json")
    # (the last line: an earlier test's --debug may leave SQL logging on in this process)
    error = json.loads(as_json.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] == "account_not_found"
    assert error["details"] == {"similar": ["demo-multi"]}
    far = demo_cli("status", "zz-nobody-at-all")
    assert far.exit_code == 3 and "Did you mean" not in far.output


def test_changes_to_a_mistyped_account_suggest_too(demo_cli: Invoke) -> None:
    result = demo_cli("option", "subscribe", "demo-singel")
    assert result.exit_code == 3 and "demo-single" in result.output


def test_an_empty_no_color_does_not_count_as_set() -> None:
    assert resolve({}, {"NO_COLOR": ""}, stdout_tty=True).color is True
    assert resolve({}, {"NO_COLOR": "1"}, stdout_tty=True).color is False


def test_cells_are_shortened_by_display_width_with_a_marker() -> None:
    assert shorten("とても長い名前", 7) == "とても…"
    rows, _headers = fit_columns([["1", "とても長い名前の車載端末ナビ", "2021-07-20"]],
                                ["Slot", "Device name", "Date"], 30)
    line = "  ".join(cell for cell in rows[0])
    assert text_width(line) <= 30 and "…" in rows[0][1] and rows[0][2] == "2021-07-20"


def test_notes_wrap_at_words_and_never_split_a_command() -> None:
    text = (" - One Number Service needs one or more registered accessory devices. If the "
            "customer does not use the service, cancel it: onenumber service cancel demo-x")
    lines = wrap(text, 40)
    assert all(text_width(x) <= 40 for x in lines)
    assert "   onenumber service cancel demo-x" in lines
    assert all(word in text.split() for x in lines for word in x.split()[1:])  # whole words
    japanese = wrap("利用を終了するアクセサリ端末はワンナンバー登録を解除してください"
                    "（onenumber devices unregister demo-x 端末）。", 30)
    assert all(text_width(x) <= 30 for x in japanese[:-1])
    assert any("（onenumber devices unregister demo-x 端末）。" in x for x in japanese)


def test_fields_choose_and_order_columns_in_every_format(demo_cli: Invoke) -> None:
    csv_out = demo_cli("devices", "list", "demo-multi", "--fields", "name,id", "-o", "csv")
    assert csv_out.stdout.splitlines()[0] == "name,id"
    assert csv_out.stdout.splitlines()[1].startswith("Apple Watch SE,")
    lines = demo_cli("history", "demo-multi", "-o", "jsonl", "--fields", "name,event").stdout
    assert list(json.loads(lines.splitlines()[0])) == ["name", "event"]
    doc = json.loads(demo_cli("status", "demo-multi", "-o", "json", "--fields",
                              "registered,account").stdout)
    assert doc == {"registered": 3, "account": "demo-multi"}
    table = demo_cli("accounts", "list", "--fields", "account").stdout
    assert "demo-multi" in table and "one-number" not in table.split("\n", 2)[2]
    wrong = demo_cli("devices", "list", "demo-multi", "--fields", "nope")
    assert wrong.exit_code == 2 and "nope" in wrong.output


def _config(tmp_path_env: str, text: str) -> None:
    from pathlib import Path

    path = Path(tmp_path_env) / "onenumber" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_profiles_select_settings_and_config_show_names_them(
        cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    _config(os.environ["XDG_CONFIG_HOME"],
            'lang = "en"\n[profiles.prod]\nlang = "ja"\noperator = "sato"\nconfirm = true\n')
    shown = json.loads(cli("--profile", "prod", "config", "show", "-o", "json").stdout)
    assert shown["profile"] == "prod" and shown["profile_confirms_changes"] is True
    assert shown["settings"]["lang"] == {"value": "ja", "source": "profile prod"}
    monkeypatch.setenv("ONENUMBER_PROFILE", "prod")
    assert "プロファイル: prod" in cli("config", "show").stdout  # lang = "ja" from it
    missing = cli("--profile", "nope", "config", "show")
    assert missing.exit_code == 2 and "prod" in missing.output


def test_a_confirming_profile_refuses_changes_without_a_terminal_but_yes_works(
        demo_cli: Invoke) -> None:
    import os

    _config(os.environ["XDG_CONFIG_HOME"], "[profiles.prod]\nconfirm = true\n")
    refused = demo_cli("--profile", "prod", "option", "subscribe", "demo-single")
    assert refused.exit_code == 2 and "--yes" in refused.output
    done = demo_cli("--profile", "prod", "devices", "unregister", "demo-multi", "BMW", "--yes")
    assert done.exit_code == 0, done.output
    dry = demo_cli("--profile", "prod", "option", "subscribe", "demo-single", "--dry-run")
    assert dry.exit_code == 0
    for args in (["option", "subscribe", "demo-single"],  # every changing command: --yes
                 ["devices", "register", "demo-multi", "--type", "Watch"],
                 ["devices", "rename", "demo-multi", "Watch", "Watch2"],
                 ["service", "subscribe", "brand-new"]):
        assert demo_cli("--profile", "prod", *args, "--yes").exit_code == 0, args


def test_a_confirming_profile_asks_once_naming_the_change_and_the_database(
        demo_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 24, item 4: one confirmation, naming the profile, the (masked) database and
    the change; a command with its own confirmation (unregister) asks only that one."""
    import os

    from onenumber_cli.cli import console

    _config(os.environ["XDG_CONFIG_HOME"], "[profiles.prod]\nconfirm = true\n")
    monkeypatch.setattr(console.terminal, "interactive", lambda: True)
    rename = demo_cli("--profile", "prod", "devices", "rename", "demo-multi", "BMW", "愛車",
                      input="y\n")
    assert rename.exit_code == 0, rename.output
    assert rename.output.count("[y/N]") == 1
    prompt = next(line for line in rename.output.splitlines() if "[y/N]" in line)
    assert "Profile prod" in prompt and "devices rename demo-multi BMW '愛車'" in prompt
    assert os.environ["ONENUMBER_DATABASE_URL"].split("@")[-1].split("/")[-1] in prompt
    unregister = demo_cli("--profile", "prod", "devices", "unregister", "demo-multi", "愛車",
                          input="y\n")
    assert unregister.exit_code == 0, unregister.output
    assert unregister.output.count("[y/N]") == 1  # the seed's confirmation only
    assert "Unregister One Number registration?" in unregister.output


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_no_input_on_a_terminal_says_it_forbids_asking(
        demo_cli: Invoke, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    """Issue 24, item 5: not 'there is no terminal', when there is one."""
    import os

    from onenumber_cli.cli import console

    monkeypatch.setattr(console.terminal, "interactive", lambda: True)
    refused = demo_cli("devices", "unregister", "demo-multi", "BMW", "--no-input",
                       "--lang", lang)
    expected = {"en": "--no-input forbids asking", "ja": "--no-input が指定されているため"}
    assert refused.exit_code == 2 and expected[lang] in refused.output
    assert "terminal" not in refused.output and "端末" not in refused.output
    _config(os.environ["XDG_CONFIG_HOME"], "[profiles.prod]\nconfirm = true\n")
    profile = demo_cli("--profile", "prod", "--no-input", "option", "subscribe", "demo-single",
                       "--lang", lang)
    assert profile.exit_code == 2 and expected[lang] in profile.output


def test_no_input_never_prompts(demo_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    from onenumber_cli.cli import console

    monkeypatch.setattr(console.terminal, "interactive", lambda: True)
    refused = demo_cli("devices", "unregister", "demo-multi", "BMW", "--no-input", input="y\n")
    assert refused.exit_code == 2 and "--yes" in refused.output
    no_device = demo_cli("devices", "unregister", "demo-multi", "--no-input")
    assert no_device.exit_code == 2 and "DEVICE" in no_device.output


def test_a_missing_device_is_asked_for_on_a_terminal(demo_cli: Invoke,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from onenumber_cli.cli import console

    assert demo_cli("devices", "unregister", "demo-multi").exit_code == 2  # no terminal
    monkeypatch.setattr(console.terminal, "interactive", lambda: True)
    result = demo_cli("devices", "unregister", "demo-multi", input="BMW\ny\n")
    assert result.exit_code == 0, result.output
    assert re.search(r"^  1  \w{8}  Apple Watch SE$", result.output, re.M)  # by slot


def test_a_long_table_shows_its_first_rows_before_reading_the_rest() -> None:
    import io

    from onenumber_cli.cli.output import TABLE_CHUNK, Column, Output
    from onenumber_cli.cli.settings import Settings

    stdout = io.StringIO()
    out = Output(Settings(), stdout=stdout, stderr=io.StringIO())

    def rows() -> Iterator[dict[str, str]]:
        for i in range(TABLE_CHUNK + 5):
            yield {"n": str(i), "name": "x" * (i % 7)}
        assert "199" in stdout.getvalue()

    assert out.records(rows(), [Column("n", "Slot"), Column("name", "Device name")]) \
        == TABLE_CHUNK + 5
    lines = stdout.getvalue().splitlines()
    assert len(lines) == TABLE_CHUNK + 5 + 2
    header_name_at = lines[0].index("Device name")
    assert lines[-1].startswith("204") and lines[-1].index("x") == header_name_at


def test_japanese_help_wraps_by_display_width(cli: Invoke) -> None:
    result = cli("status", "--help", "--lang", "ja", terminal_width=60)
    assert result.exit_code == 0
    assert "お客さまの契約情報" in result.output
    assert all(text_width(line) <= 60 for line in result.output.splitlines()), result.output
