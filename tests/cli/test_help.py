"""Help in both languages: every command and option has Japanese help."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer import _click
from typer.testing import CliRunner

from onenumber_cli.cli.app import app
from onenumber_cli.cli.helptext import EXAMPLE, normalize, paragraphs
from onenumber_cli.i18n.help_ja import HELP


def commands(command: _click.Command) -> Iterator[_click.Command]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from commands(sub)


def test_every_help_text_has_a_japanese_translation() -> None:
    missing = set()
    for command in commands(typer.main.get_command(app)):
        texts = [command.help, *(getattr(p, "help", None) for p in command.params)]
        for text in texts:
            for paragraph in paragraphs(text or ""):
                flat = normalize(paragraph)
                if not flat.startswith(EXAMPLE) and flat not in HELP:
                    missing.add(flat)
    assert sorted(missing) == []


def test_every_command_has_help_and_an_example() -> None:
    for command in commands(typer.main.get_command(app)):
        assert command.help, command.name
        if not getattr(command, "commands", None) and command.name != "onenumber":
            assert EXAMPLE in command.help, command.name


@pytest.mark.parametrize(("args", "env"), [(["--lang", "ja"], {}),
                                           ([], {"LANG": "ja_JP.UTF-8"}),
                                           ([], {"ONENUMBER_LANG": "ja"})])
def test_help_speaks_japanese_when_asked(args: list[str], env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["devices", "unregister", *args, "--help"], env=env)
    assert result.exit_code == 0
    assert "端末のワンナンバー登録を解除します" in result.stdout
    assert "例: onenumber devices unregister demo-multi BMW --yes" in result.stdout


def test_english_help_stays_english_after_a_japanese_one() -> None:
    runner = CliRunner()
    runner.invoke(app, ["status", "--lang", "ja", "--help"])
    result = runner.invoke(app, ["status", "--help"])
    assert "Show a customer's contract" in result.stdout
