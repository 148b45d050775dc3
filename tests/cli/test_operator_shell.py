"""Issue 24 (the operator's shell, round 3) through CliRunner: values beginning with
``-``, and the items that need no real terminal."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Invoke
from tests.e2e.terminal import ROOT


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


def test_a_value_beginning_with_two_dashes_gets_the_same_explanation(
        demo_cli: Invoke) -> None:
    refused = demo_cli("devices", "rename", "demo-single", "BMW", "--通勤用")
    assert refused.exit_code == 2
    assert "A value that begins with '-' goes after '--'" in refused.stderr


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


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME (no rc file, no folders), the config folder under it."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / ".config"))
    for name in ("XDG_DATA_HOME", "ZDOTDIR", "BASH_COMPLETION_USER_DIR"):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.mark.parametrize(("shell", "path", "rc_lines"), [
    ("bash", ".local/share/bash-completion/completions/onenumber",
     ["source ~/.local/share/bash-completion/completions/onenumber"]),
    ("zsh", ".zfunc/_onenumber", ["fpath+=~/.zfunc", "autoload -Uz compinit && compinit"]),
    ("fish", ".config/fish/completions/onenumber.fish", []),
])
def test_completion_install_writes_the_shipped_script_and_says_what_the_rc_needs(
        cli: Invoke, home: Path, shell: str, path: str, rc_lines: list[str]) -> None:
    result = cli("completion", "install", shell, "-o", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["path"] == str(home / path) and report["changed"] is True
    assert report["rc_lines"] == rc_lines
    shipped = ROOT / "completions" / {"bash": "onenumber.bash", "zsh": "_onenumber",
                                      "fish": "onenumber.fish"}[shell]
    assert (home / path).read_text() == shipped.read_text()
    again = json.loads(cli("completion", "install", shell, "-o", "json").stdout)
    assert again["changed"] is False  # idempotent
    assert sorted(p.name for p in home.parent.glob("home/**/.*.tmp")) == []


def test_completion_install_takes_the_shell_from_dollar_shell_and_says_so_in_japanese(
        cli: Invoke, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELL", "/usr/bin/zsh")
    (home / ".zshrc").write_text("fpath+=~/.zfunc\nautoload -Uz compinit && compinit\n")
    result = cli("completion", "install", "--lang", "ja")
    assert result.exit_code == 0, result.output
    wrote = f"zsh の補完スクリプトを {home / '.zfunc/_onenumber'} に書き込みました。"
    assert wrote in result.stdout
    assert "新しいシェルを開くと" in result.stdout  # the rc file has what it needs
    again = cli("completion", "install")
    assert "is already current" in again.stdout and "Add to" not in again.stdout


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "Cannot tell the shell from $SHELL (/bin/tcsh)"),
    ("ja", "$SHELL（/bin/tcsh）からシェルを判別できません。"),
])
def test_completion_install_without_a_known_shell_is_a_usage_error_writing_nothing(
        cli: Invoke, home: Path, monkeypatch: pytest.MonkeyPatch, lang: str,
        said: str) -> None:
    from typer import _completion_shared

    monkeypatch.setenv("SHELL", "/bin/tcsh")
    monkeypatch.setattr(_completion_shared, "_get_shell_name", lambda: "tcsh")
    result = cli("completion", "install", "--lang", lang)
    assert result.exit_code == 2 and said in result.stderr
    assert list(home.rglob("*")) == []


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "The completion script"), ("ja", "補完スクリプト")])
def test_completion_install_where_nothing_can_be_written_says_so_not_internal_error(
        cli: Invoke, home: Path, lang: str, said: str) -> None:
    (home / ".local").write_text("a file where the folder should be\n")
    result = cli("completion", "install", "bash", "--lang", lang)
    assert result.exit_code == 2 and said in result.stderr, result.output
    assert "internal error" not in result.output and "内部エラー" not in result.output
    assert (home / ".local").read_text() == "a file where the folder should be\n"


def test_install_completion_option_does_the_same(cli: Invoke, home: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELL", "/usr/bin/fish")
    result = cli("--install-completion")
    assert result.exit_code == 0, result.output
    assert (home / ".config/fish/completions/onenumber.fish").exists()
    assert "Wrote the fish completion" in result.stdout


ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)$")


def _times(value: object) -> list[str]:
    """Every ISO 8601 time (with an offset) anywhere in a JSON value."""
    if isinstance(value, dict):
        return [t for item in value.values() for t in _times(item)]
    if isinstance(value, list):
        return [t for item in value for t in _times(item)]
    return [value] if isinstance(value, str) and ISO_TIME.match(value) else []


def _one_zone(result_stdout: str, zone: str) -> list[str]:
    """The times of a -o json document or -o jsonl lines, each checked to be given in
    ``zone`` (its offset at that moment)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    text = result_stdout.strip()
    documents = [json.loads(text)] if text.startswith(("{", "[")) and "\n{" not in text \
        else [json.loads(line) for line in text.splitlines()]
    times = _times(documents)
    assert times, result_stdout
    wrong = [t for t in times if datetime.fromisoformat(t).utcoffset()
             != datetime.fromisoformat(t).astimezone(ZoneInfo(zone)).utcoffset()]
    assert wrong == [], result_stdout
    return times


ZONE = "America/New_York"  # neither UTC nor +09:00
NEW_YORK = ("--tz", ZONE)


@pytest.mark.parametrize("dry_run", [False, True])
def test_every_changing_command_gives_every_time_of_its_json_in_the_display_zone(
        demo_cli: Invoke, tmp_path: Path, dry_run: bool) -> None:
    """``device.registered_at`` and ``after.registered_at`` (the audit snapshot) used to
    differ: +09:00 and +00:00 in one document."""
    dry = ["--dry-run"] if dry_run else []
    commands = [
        ["service", "subscribe", "tz-acct", "--multi"],
        ["devices", "register", "demo-multi", "--type", "Garmin", "--name", "Run"],
        ["devices", "register", "demo-single", "--type", "Pixel Watch", "--replace",
         "--at", "2024-01-05T10:00:00+09:00"],
        ["devices", "rename", "demo-multi", "BMW", "Car"],
        ["devices", "unregister", "demo-multi", "Apple Watch SE", "--yes"],
        ["option", "cancel", "demo-single", "--yes"],
        ["option", "subscribe", "demo-single"],
        ["service", "cancel", "demo-multi", "--yes"] if dry_run else
        ["option", "cancel", "demo-multi", "--yes"],
    ]
    seen = 0
    for command in commands:
        result = demo_cli(*command, *dry, "-o", "json", *NEW_YORK)
        if result.exit_code == 0:
            seen += len(_one_zone(result.stdout, ZONE)) if "registered_at" in \
                result.stdout else 0
    assert seen >= 4  # registrations, replacement and unregistration each carry times
    (tmp_path / "rows.csv").write_text("account,type,name\n"
                                       "demo-multi,Garmin,Run2\n")
    applied = demo_cli("batch", "apply", str(tmp_path / "rows.csv"), "--action", "register",
                       *dry, "-o", "json", *NEW_YORK)
    assert applied.exit_code in (0, 1), applied.output
    _one_zone(applied.stdout, ZONE)
    for fmt in ("json", "jsonl"):
        _one_zone(demo_cli("audit", "-o", fmt, *NEW_YORK).stdout, ZONE)


def test_a_registration_s_device_and_after_agree_in_every_zone(demo_cli: Invoke) -> None:
    result = demo_cli("devices", "register", "demo-multi", "--type", "Garmin", "-o", "json")
    document = json.loads(result.stdout)
    assert document["device"]["registered_at"] == document["after"]["registered_at"]
    assert document["after"]["registered_at"].endswith("+09:00")
    csv_cells = demo_cli("audit", "demo-multi", "-o", "csv", "--tz", "UTC").stdout
    assert "+09:00" not in csv_cells and "+00:00" in csv_cells


def _accounts(cli: Invoke, *args: str) -> list[str]:
    result = cli("accounts", "list", *args, "-o", "json")
    assert result.exit_code == 0, result.output
    return [row["account"] for row in json.loads(result.stdout)]


def test_accounts_list_takes_an_exact_account_prefix_and_a_limit(demo_cli: Invoke) -> None:
    """As devices search has them: a prefix matched character by character (``_`` is no
    wildcard, as LIKE would have it), at most N accounts in id order."""
    for account in ("a_b-1", "axb-2", "a_b-3", "A_B-4"):
        assert demo_cli("service", "subscribe", account).exit_code == 0
    assert _accounts(demo_cli, "--account-prefix", "a_b") == ["a_b-1", "a_b-3"]
    assert _accounts(demo_cli, "--account-prefix", "demo-") == ["demo-multi", "demo-single"]
    assert _accounts(demo_cli, "--account-prefix", "demo-", "--limit", "1") == ["demo-multi"]
    everyone = _accounts(demo_cli)
    assert len(everyone) == 6
    assert _accounts(demo_cli, "--limit", "2") == everyone[:2]  # (the database's order)
    assert _accounts(demo_cli, "--account-prefix", "nobody") == []


@pytest.mark.parametrize("args", [["--limit", "0"], ["--account-prefix", "de*"]])
def test_accounts_list_refuses_a_bad_limit_or_prefix_as_devices_search_does(
        demo_cli: Invoke, args: list[str]) -> None:
    listed = demo_cli("accounts", "list", *args)
    searched = demo_cli("devices", "search", *args)
    assert listed.exit_code == searched.exit_code == 2


def _device_names(cli: Invoke, account: str) -> list[str]:
    listed = cli("devices", "list", account, "-o", "json")
    return [d["name"] for d in json.loads(listed.stdout)]


def test_query_applies_jmespath_to_the_json_document(demo_cli: Invoke) -> None:
    result = demo_cli("status", "demo-multi", "--query", "devices[].name")
    assert result.exit_code == 0, result.output  # no -o: --query means -o json
    assert json.loads(result.stdout) == ["Apple Watch SE", "Apple Watch Series 6", "BMW"]
    listed = demo_cli("devices", "list", "demo-multi", "-o", "json", "--query",
                      "[?slot > `1`].name")
    assert json.loads(listed.stdout) == ["Apple Watch Series 6", "BMW"]
    changed = demo_cli("--query", "[changed, device.name, after.name]", "devices", "register",
                       "demo-multi", "--type", "Garmin", "--name", "Run", "-o", "json")
    assert json.loads(changed.stdout) == [True, "Run", "Run"]


def test_query_with_jsonl_applies_to_each_line(demo_cli: Invoke) -> None:
    result = demo_cli("devices", "list", "demo-multi", "-o", "jsonl", "--query", "imei")
    assert result.exit_code == 0, result.output
    assert [json.loads(x) for x in result.stdout.splitlines()] == [
        None, "356938035643809", None]  # one line per record, null included


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "The --query expression 'name[' is not valid at character 6"),
    ("ja", "--query の式 'name[' は 6 文字目が正しくありません"),
])
@pytest.mark.parametrize("expression", ["name[", "nosuch(name)", "length(name, name)"])
def test_a_bad_query_is_a_usage_error_before_anything_is_written(
        demo_cli: Invoke, lang: str, said: str, expression: str) -> None:
    result = demo_cli("devices", "register", "demo-multi", "--type", "Garmin", "-o", "json",
                      "--lang", lang, "--query", expression)
    assert result.exit_code == 2
    if expression == "name[":
        assert said in result.stderr
    else:
        assert "character 1:" in result.stderr or "1 文字目" in result.stderr
    assert _device_names(demo_cli, "demo-multi") == ["Apple Watch SE",
                                                    "Apple Watch Series 6", "BMW"]


def test_a_query_failing_on_the_values_exits_1_not_2_after_a_change(demo_cli: Invoke) -> None:
    """A type error depends on the data: it shows after the command ran, so it is no usage
    error (exit 2 means nothing was written)."""
    result = demo_cli("devices", "register", "demo-multi", "--type", "Garmin", "--name", "Run",
                      "-o", "json", "--query", "length(device.slot)")
    assert result.exit_code == 1
    assert json.loads(result.stderr.strip().splitlines()[-1])["error"]["code"] == "query_failed"
    assert "Run" in _device_names(demo_cli, "demo-multi")


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_query_with_a_non_json_output_is_a_usage_error(demo_cli: Invoke, fmt: str) -> None:
    result = demo_cli("status", "demo-multi", "-o", fmt, "--query", "account")
    assert result.exit_code == 2 and "--query applies to JSON output" in result.stderr


@pytest.fixture
def config_cli() -> Invoke:
    """The CLI with no database (config commands never open one)."""
    from typer.testing import CliRunner

    from onenumber_cli.cli.app import app

    runner = CliRunner()

    def invoke(*args: str, **kwargs: Any) -> Any:
        return runner.invoke(app, list(args), catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "onenumber" / "config.toml"  # XDG_CONFIG_HOME: conftest


def _show(cli: Invoke, *args: str) -> dict[str, Any]:
    shown = cli("config", "show", "-o", "json", *args)
    assert shown.exit_code == 0, shown.output
    return dict(json.loads(shown.stdout))


def test_config_set_creates_the_file_0600_and_every_command_reads_it(
        config_cli: Invoke, config_file: Path) -> None:
    result = config_cli("config", "set", "tz", "UTC")
    assert result.exit_code == 0, result.output
    assert "Set tz = UTC in the top level of" in result.stderr
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_file.parent.stat().st_mode) == 0o700
    assert _show(config_cli)["settings"]["tz"] == {"value": "UTC", "source": "config"}
    again = config_cli("config", "set", "tz", "UTC", "-o", "json")
    assert json.loads(again.stdout)["changed"] is False
    assert [p.name for p in config_file.parent.iterdir()] == ["config.toml"]  # no temp file


def test_config_set_and_unset_keep_comments_and_other_lines(
        config_cli: Invoke, config_file: Path) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_text('# team settings\nlang = "en"  # for the logs\n\n'
                           '# production\n[profiles.prod]\n# the primary\n'
                           'database_url = "sqlite:///prod.sqlite"\n')
    config_file.chmod(0o644)
    assert config_cli("config", "set", "tz", "UTC", "--profile", "prod").exit_code == 0
    assert config_cli("config", "set", "operator", "ops team").exit_code == 0
    assert config_cli("config", "set", "output", "csv", "--profile", "stage").exit_code == 0
    assert config_cli("config", "unset", "lang").exit_code == 0
    assert config_file.read_text() == (
        '# team settings\noperator = "ops team"\n\n# production\n[profiles.prod]\n'
        '# the primary\ndatabase_url = "sqlite:///prod.sqlite"\ntz = "UTC"\n\n'
        '[profiles.stage]\noutput = "csv"\n')
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    unset_again = config_cli("config", "unset", "lang", "-o", "json")
    assert json.loads(unset_again.stdout)["changed"] is False


def test_a_layout_not_edited_in_place_is_rewritten_and_says_so(
        config_cli: Invoke, config_file: Path) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_text('# dotted\nprofiles.prod.tz = "UTC"\n')
    result = config_cli("config", "set", "output", "json", "--profile", "prod")
    assert result.exit_code == 0, result.output
    assert "comments could not be kept" in result.stderr
    assert _show(config_cli, "--profile", "prod")["settings"]["tz"]["value"] == "UTC"
    assert _show(config_cli, "--profile", "prod")["settings"]["output"]["value"] == "json"


@pytest.mark.parametrize(("args", "lang", "said"), [
    (["output", "xml"], "en", "Unknown output format 'xml'"),
    (["nosuch", "1"], "en", "'nosuch' is not a setting of the config file here."),
    (["confirm", "maybe", "--profile", "p"], "ja",
     "confirm には true か false を指定してください"),
    (["confirm", "true"], "en", "'confirm' is not a setting"),  # only in a profile
    (["tz", "Mars/Base"], "en", "Unknown time zone 'Mars/Base'"),
    (["profile", "nope"], "en", "There is no profile 'nope'"),
])
def test_a_bad_setting_is_refused_and_the_file_left_as_it_was(
        config_cli: Invoke, config_file: Path, args: list[str], lang: str,
        said: str) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_text('# mine\noutput = "table"\n')
    before = config_file.read_bytes()
    result = config_cli("config", "set", *args, "--lang", lang)
    assert result.exit_code == 2
    assert said in result.stderr, result.stderr
    assert config_file.read_bytes() == before


def test_config_use_sets_the_default_profile_and_profiles_marks_the_one_in_use(
        config_cli: Invoke, config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("prod", "stage"):
        assert config_cli("config", "set", "tz", "UTC", "--profile", name).exit_code == 0
    assert config_cli("config", "set", "confirm", "true", "--profile", "prod").exit_code == 0
    refused = config_cli("config", "use", "nope")
    assert refused.exit_code == 2 and "prod, stage" in refused.stderr
    assert config_cli("config", "use", "stage").exit_code == 0
    assert _show(config_cli)["profile"] == "stage"

    def listed(*args: str) -> dict[str, tuple[bool, bool, bool]]:
        rows = json.loads(config_cli("config", "profiles", "-o", "json", *args).stdout)
        return {r["profile"]: (r["current"], r["default"], r["confirm"]) for r in rows}

    assert listed() == {"prod": (False, False, True), "stage": (True, True, False)}
    assert listed("--profile", "prod") == {"prod": (True, False, True),
                                           "stage": (False, True, False)}
    monkeypatch.setenv("ONENUMBER_PROFILE", "prod")  # the environment wins over the file
    assert listed()["prod"][0] is True
    table = config_cli("config", "profiles", "--lang", "ja")
    assert table.stdout.splitlines() == ["* prod  (すべての変更を確認します)", "  stage  (既定)"]
    assert config_cli("config", "unset", "profile").exit_code == 0
    monkeypatch.delenv("ONENUMBER_PROFILE")
    assert _show(config_cli)["profile"] is None


def test_config_set_repairs_a_file_whose_value_breaks_every_other_command(
        config_cli: Invoke, config_file: Path) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_text('output = "xml"\n')
    assert config_cli("config", "show").exit_code == 2
    fixed = config_cli("config", "set", "output", "json")
    assert fixed.exit_code == 0, fixed.output
    assert _show(config_cli)["settings"]["output"]["value"] == "json"


def test_config_set_follows_a_symbolic_link_to_the_file(
        config_cli: Invoke, config_file: Path, tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "onenumber.toml"
    real.parent.mkdir()
    real.write_text('lang = "en"\n')
    config_file.parent.mkdir(parents=True)
    config_file.symlink_to(real)
    assert config_cli("config", "set", "tz", "UTC").exit_code == 0
    assert config_file.is_symlink() and real.read_text() == 'lang = "en"\ntz = "UTC"\n'
