"""Help in both languages: every command and option has Japanese help."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer import _click
from typer.testing import CliRunner

from onenumber_cli import __version__
from onenumber_cli.cli.app import app
from onenumber_cli.cli.helptext import EXAMPLE, help_texts
from onenumber_cli.i18n import translations
from onenumber_cli.storage.revision import HEAD_REVISION


def commands(command: _click.Command) -> Iterator[_click.Command]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from commands(sub)


def test_every_help_text_has_a_japanese_translation() -> None:
    ja = translations("ja")
    texts = set(help_texts(typer.main.get_command(app)))
    assert "Show this message and exit." in texts  # the walk sees the help option too
    assert sorted(text for text in texts if ja.gettext(text) == text) == []


def test_every_command_has_help_and_an_example() -> None:
    for command in commands(typer.main.get_command(app)):
        assert command.help, command.name
        if not getattr(command, "commands", None) and command.name != "onenumber":
            assert EXAMPLE in command.help, command.name


def paths(command: _click.Command, path: tuple[str, ...] = ()
          ) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from paths(sub, (*path, name))


def test_every_command_prints_its_own_help() -> None:
    """``--help`` on the root, every group and every command: exit 0, its usage line."""
    runner = CliRunner()
    for path in paths(typer.main.get_command(app)):
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert result.stdout.startswith(" ".join(["Usage: onenumber", *path, ""])), path


def test_version_names_the_program_python_sqlalchemy_and_schema() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    first, second = result.stdout.splitlines()
    assert first == f"onenumber {__version__}"  # one line for scripts to read
    assert "Python 3." in second and "SQLAlchemy 2." in second
    assert f"database schema {HEAD_REVISION}" in second


UNREGISTER = ["devices", "unregister"]


@pytest.mark.parametrize(("args", "env"), [
    ([*UNREGISTER, "--lang", "ja", "--help"], {}),
    ([*UNREGISTER, "--help"], {"LANG": "ja_JP.UTF-8"}),
    ([*UNREGISTER, "--help"], {"ONENUMBER_LANG": "ja"}),
    # --lang wherever it stands: before the command, after --help, as --lang=ja
    (["--lang", "ja", *UNREGISTER, "--help"], {}),
    ([*UNREGISTER, "--help", "--lang", "ja"], {}),
    ([*UNREGISTER, "--lang=ja", "--help"], {}),
    (["help", *UNREGISTER, "--lang", "ja"], {}),
])
def test_help_speaks_japanese_when_asked(args: list[str], env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0
    assert "端末のワンナンバー登録を解除します" in result.stdout
    assert "例: onenumber devices unregister demo-multi BMW --yes" in result.stdout


def test_english_help_stays_english_after_a_japanese_one() -> None:
    runner = CliRunner()
    runner.invoke(app, ["status", "--lang", "ja", "--help"])
    result = runner.invoke(app, ["status", "--help"])
    assert "Show a customer's contract" in result.stdout


ENGLISH_HEADINGS = re.compile(r"^(Usage|Options|Arguments|Commands):", re.M)


@pytest.mark.parametrize("args", [["--help"], ["devices", "--help"],
                                  ["devices", "register", "--help"]])
def test_japanese_help_has_no_english_heading_left(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["--lang", "ja", *args])
    assert result.exit_code == 0, result.output
    assert ENGLISH_HEADINGS.findall(result.stdout) == []
    assert result.stdout.startswith("使い方: onenumber")
    assert "オプション:" in result.stdout
    assert ("コマンド:" if "register" not in args else "引数:") in result.stdout
    if "register" in args:
        assert "[必須]" in result.stdout  # Typer's [required]
        assert "[default:" not in result.stdout


def test_typers_words_answer_in_the_current_language() -> None:
    """Typer's ``[default: ...]``, ``[required]``, ``Aborted!`` go through gettext: after
    an invocation they come from our catalog, in the language set."""
    from onenumber_cli.i18n import set_language

    CliRunner().invoke(app, ["--help"])  # installs the translation of Typer's words
    typers_gettext = vars(typer.core)["_"]
    set_language("ja")
    assert typers_gettext("default: {default}") == "既定: {default}"
    assert typers_gettext("Aborted!") == "中断しました。"
    set_language("en")
    assert typers_gettext("default: {default}") == "default: {default}"


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["devices", "register"], "エラー: 引数 'ACCOUNT' を指定してください。"),
     (["accounts", "list", "--plan", "bogus"],
      "エラー: '--plan' の値が正しくありません: 'bogus' は 'one-number', 'one-number+multi' "
      "のいずれでもありません。"),
     (["status", "--bogus"], "エラー: そのようなオプションはありません: --bogus"),
     (["devices", "lst"], "エラー: コマンド 'lst' はありません。'list' のことですか？"),
     (["devices", "show", "a", "b", "c"], "エラー: 余分な引数があります（c）"),
     (["status", "--output"], "エラー: オプション '--output' には値が必要です。")],
)
def test_clicks_errors_speak_japanese(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(app, ["--lang", "ja", *args])
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Usage:" not in result.stderr and "Try '" not in result.stderr


def test_clicks_errors_stay_english_in_english_after_japanese() -> None:
    runner = CliRunner()
    runner.invoke(app, ["--lang", "ja", "devices", "register"])
    result = runner.invoke(app, ["--lang", "en", "devices", "register"])
    assert result.exit_code == 2
    assert result.stderr == ("Usage: onenumber devices register [OPTIONS] ACCOUNT\n"
                             "Try 'onenumber devices register -h' for help.\n\n"
                             "Error: Missing argument 'ACCOUNT'.\n")


def test_typers_own_words_are_all_in_the_catalog() -> None:
    """What Typer passes to gettext (read from its source) is what clicktext declares,
    so upgrading Typer cannot bring an English word into Japanese help unnoticed."""
    from babel.messages.extract import extract_from_file

    from onenumber_cli.cli.clicktext import TYPER

    source = Path(typer.core.__file__)
    used = {message for _, message, _, _ in extract_from_file("python", str(source))}
    assert used - set(TYPER) == set()
