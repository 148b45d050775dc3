"""Configuration: flag > environment > config file > default; ``config show``; colour."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onenumber_cli.cli import console
from onenumber_cli.cli.app import app
from tests.cli.conftest import Invoke


def config_file(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "onenumber" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def shown(cli: Invoke, *args: str) -> dict[str, dict[str, str]]:
    result = cli("config", "show", "-o", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["settings"]  # type: ignore[no-any-return]


def test_defaults(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONENUMBER_OPERATOR")
    monkeypatch.delenv("ONENUMBER_DATABASE_URL")
    settings = shown(cli)
    assert settings["tz"] == {"value": "Asia/Tokyo", "source": "default"}
    assert settings["lang"] == {"value": "en", "source": "default"}
    assert settings["operator"]["source"] == "os user"
    assert settings["database_url"]["value"].endswith("onenumber.sqlite")


@pytest.mark.parametrize("key", ["tz", "operator", "lang"])
def test_precedence_flag_over_env_over_file_over_default(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    values = {"tz": ("UTC", "Europe/Paris", "America/New_York"),
              "operator": ("flag-op", "env-op", "file-op"),
              "lang": ("ja", "en", "ja")}[key]
    env_name = {"tz": "ONENUMBER_TZ", "operator": "ONENUMBER_OPERATOR",
                "lang": "ONENUMBER_LANG"}[key]
    config_file(f'{key} = "{values[2]}"\n')
    monkeypatch.delenv(env_name, raising=False)
    assert shown(cli)[key] == {"value": values[2], "source": "config"}
    monkeypatch.setenv(env_name, values[1])
    assert shown(cli)[key] == {"value": values[1], "source": f"env {env_name}"}
    assert shown(cli, f"--{key}", values[0])[key] == {"value": values[0], "source": "flag"}


def test_config_file_database_and_output_are_used(cli: Invoke, db_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONENUMBER_DATABASE_URL")
    config_file(f'database_url = "{db_url}"\noutput = "json"\n')
    assert cli("service", "subscribe", "from-config").exit_code == 0
    result = cli("status", "from-config")
    assert json.loads(result.stdout)["account"] == "from-config"


def test_passwords_are_masked_in_config_show(cli: Invoke) -> None:
    url = "postgresql+psycopg://op:hunter2@db.example/onenumber"
    settings = shown(cli, "--db", url)
    assert settings["database_url"]["value"] == "postgresql+psycopg://op:***@db.example/onenumber"


@pytest.mark.parametrize("key", ["password", "PASSWORD", "Password", "sslPassword"])
def test_a_query_string_password_is_masked_in_any_case_wherever_the_url_is_shown(
        cli: Invoke, key: str) -> None:
    url = f"postgresql+psycopg://op@127.0.0.1:1/onenumber?{key}=hunter2"
    settings = shown(cli, "--db", url)
    assert settings["database_url"]["value"] == f"postgresql+psycopg://op@127.0.0.1:1/onenumber?{key}=***"
    for command in (["status", "x"], ["db", "current"]):
        result = cli("--db", url, *command)
        assert result.exit_code == 6
        assert "hunter2" not in result.stdout + result.stderr
        assert f"{key}=***" in result.stderr


@pytest.mark.parametrize(("text", "words"), [("output = \n", "cannot be read"),
                                             ('colour = "red"\n', "unknown keys")])
def test_a_broken_config_file_is_a_usage_error(cli: Invoke, text: str, words: str) -> None:
    config_file(text)
    result = cli("status", "x")
    assert result.exit_code == 2
    assert words in result.stderr


def test_colour_only_on_a_terminal_and_never_with_no_color(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "\x1b[" not in cli("status", "nobody").stderr  # not a terminal
    monkeypatch.setattr(console.terminal, "stdout_is_tty", lambda: True)
    assert "\x1b[31m" in cli("status", "nobody").stderr
    assert "\x1b[" not in cli("status", "nobody", "--no-color").stderr
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli("status", "nobody").stderr


def test_typos_get_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["stauts", "x"])
    assert result.exit_code == 2
    assert "status" in result.stderr


# (flag, environment, config file) values for every setting of the one table of global
# options that has a config key (the database and output format have tests of their own).
SAMPLES = {"lang": ("ja", "en", "ja"), "tz": ("UTC", "Europe/Paris", "America/New_York"),
           "operator": ("flag-op", "env-op", "file-op"),
           "sqlite_synchronous": (None, "normal", "full"),
           "csv_encoding": ("cp932", "utf-8-sig", "cp932")}


def test_the_samples_cover_every_configurable_setting() -> None:
    from onenumber_cli.cli.settings import CONFIGURABLE

    assert {o.name for o in CONFIGURABLE} - {"db", "output"} == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_setting_of_the_table_reads_file_then_env_then_flag(
        cli: Invoke, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    from onenumber_cli.cli.settings import OPTION

    option = OPTION[name]
    assert option.config is not None and option.env is not None
    flag, env, file = SAMPLES[name]
    monkeypatch.delenv(option.env, raising=False)
    config_file(f'{option.config} = "{file}"\n')
    assert shown(cli)[option.config] == {"value": file, "source": "config"}
    monkeypatch.setenv(option.env, env)
    assert shown(cli)[option.config] == {"value": env, "source": f"env {option.env}"}
    if option.flags:
        assert flag is not None
        after = shown(cli, option.flags[0], flag)[option.config]  # after the subcommand
        assert after == {"value": flag, "source": "flag"}
        result = cli(option.flags[0], flag, "config", "show", "-o", "json")  # before it
        assert json.loads(result.stdout)["settings"][option.config]["source"] == "flag"
