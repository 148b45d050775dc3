"""The config file loader: whatever a file holds, the one error that escapes is
:class:`InvalidArgument` (exit 2) naming the file, in words an operator reads."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onenumber_cli.cli import settings as config
from onenumber_cli.errors import InvalidArgument
from onenumber_cli.i18n import set_language
from onenumber_cli.i18n.errors import render
from onenumber_cli.storage.engine import masked, secrets_of
from onenumber_cli.storage.engine import parse_url as parse
from onenumber_cli.storage.location import make_private_dir


def load(path: Path, content: bytes) -> dict[str, object]:
    path.write_bytes(content)
    return config.load_config(path)


def refusal(path: Path, content: bytes) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        load(path, content)
    return caught.value


def test_deeply_nested_brackets_are_a_config_error_naming_the_file_and_line(
        tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    error = refusal(path, b'output = "json"\nx = ' + b"[" * 500 + b"\n")
    assert error.reason == "config"
    message, _hint = render(error)
    assert str(path) in message and "nested too deeply (at line 2)" in message


def test_the_nested_file_is_exit_2_for_the_installed_program(tmp_path: Path) -> None:
    (tmp_path / "onenumber").mkdir()
    (tmp_path / "onenumber" / "config.toml").write_bytes(b"x = " + b"[" * 500)
    program = Path(sys.executable).parent / "onenumber"
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "LANG": "C"}
    result = subprocess.run([str(program), "status", "x"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "nested too deeply" in result.stderr and "Traceback" not in result.stderr


def test_an_integer_too_long_for_python_is_a_config_error(tmp_path: Path) -> None:
    error = refusal(tmp_path / "c.toml", b"output = " + b"1" * 5000 + b"\n")
    assert error.reason == "config"


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """Windows Notepad writes one at the start of a UTF-8 file."""
    assert load(tmp_path / "c.toml", b'\xef\xbb\xbfoutput = "json"\n') == {"output": "json"}


def test_bytes_that_are_not_utf8_name_their_line(tmp_path: Path) -> None:
    error = refusal(tmp_path / "c.toml", b'output = "json"\ntz = "\x82\xa0"\n')
    assert "at line 2" in str(error.params["detail"])


@pytest.mark.parametrize(("text", "reason", "words_en", "words_ja"), [
    ('profiles = "prod"\n', "config_table",
     "gives profiles text in quotes; it must be a table ([section])", "テーブル"),
    ("output = 3\n", "config_value",
     "gives output a number; it must be text in quotes", "数値"),
    ("[profiles.prod]\nconfirm = \"yes\"\n", "config_bool",
     "gives profiles.prod.confirm text in quotes; it must be true or false", "true または false"),
    ("tz = 1979-05-27\n", "config_value", "gives tz a date or time", "日付または時刻"),
])
def test_a_wrong_value_type_is_said_in_plain_words(
        tmp_path: Path, text: str, reason: str, words_en: str, words_ja: str) -> None:
    error = refusal(tmp_path / "c.toml", text.encode())
    assert error.reason == reason
    message, _hint = render(error)
    assert words_en in message and " str" not in message
    set_language("ja")
    message_ja, hint_ja = render(error)
    assert words_ja in message_ja and hint_ja


def test_the_known_keys_hint_lists_every_configurable_key(tmp_path: Path) -> None:
    error = refusal(tmp_path / "c.toml", b'colour = "red"\n')
    _message, hint = render(error)
    for option in config.CONFIGURABLE:
        assert str(option.config) in hint
    assert "csv_encoding" in hint
    in_profile = refusal(tmp_path / "c.toml", b'[profiles.p]\ncolour = "red"\n')
    assert "confirm" in render(in_profile)[1]


TOML_PIECES = st.sampled_from([
    "[", "]", "{", "}", "=", '"', "'", '"""', "\n", "#", ",", ".", "output", "profiles",
    "confirm", "true", "1", "1e999", "-inf", "0x", "1979-05-27", "T07:32:00", "Z", "\\u",
    "\ufeff", " ", "\t", "\r", "a", "é", "\x00", "[[", "]]",
])


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(
    st.binary(max_size=300),
    st.lists(TOML_PIECES, max_size=80).map(lambda parts: "".join(parts).encode()),
    st.integers(1, 3000).map(lambda depth: b"a = " + b"[" * depth),
    st.integers(1, 3000).map(lambda depth: b"a = " + b"{x = " * depth),
))
def test_whatever_the_file_holds_only_the_config_error_escapes(
        tmp_path: Path, content: bytes) -> None:
    try:
        loaded = load(tmp_path / "config.toml", content)
    except InvalidArgument as error:
        assert error.reason in ("config", "config_keys", "config_value", "config_table",
                                "config_bool")
        assert str(tmp_path / "config.toml") in render(error)[0]
    else:
        assert set(loaded) <= config.CONFIG_KEYS | {config.PROFILES}


@pytest.mark.parametrize("key", ["password", "PASSWORD", "Password", "sslpassword",
                                 "SSLPASSWORD"])
def test_a_password_in_the_query_string_is_masked_in_any_case(key: str) -> None:
    url = f"postgresql+psycopg://op@db.example/onenumber?{key}=hunter2&application_name=x"
    shown = masked(url)
    assert "hunter2" not in shown and f"{key}=***" in shown
    assert secrets_of(parse(url)) == ["hunter2"]


def test_missing_parents_of_the_data_directory_are_private_under_umask_000(
        tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "data"
    old = os.umask(0)
    try:
        make_private_dir(target)
    finally:
        os.umask(old)
    for directory in (tmp_path / "a", tmp_path / "a" / "b", target):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory


def test_the_program_under_umask_000_makes_the_data_directory_private(tmp_path: Path) -> None:
    """The default database's directory and its missing parents: 0700, the file 0600."""
    data = tmp_path / "home" / "share" / "onenumber"
    program = Path(sys.executable).parent / "onenumber"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("ONENUMBER_")}
    env.update(ONENUMBER_DATA_DIR=str(data), XDG_CONFIG_HOME=str(tmp_path / "cfg"), LANG="C")
    result = subprocess.run(["sh", "-c", 'umask 000 && exec "$0" "$@"', str(program),
                             "status", "nobody"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 3, result.stderr  # not found: the database was made
    for directory in (tmp_path / "home", tmp_path / "home" / "share", data):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert stat.S_IMODE((data / "onenumber.sqlite").stat().st_mode) == 0o600
