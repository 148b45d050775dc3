"""Help in the selected language.

Commands keep their English help (docstrings and ``help=``); when the language is not
English, :meth:`LocalizedCommand.get_help` renders with the catalog's translation of
each paragraph, option and subcommand summary, then puts the English back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from typer import _click
from typer.core import TyperCommand, TyperGroup
from typer.core import TyperOption as Option

from onenumber_cli.i18n import get_language, t

EXAMPLE = "Example:"


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def help_catalog(lang: str) -> Mapping[str, str]:
    if lang == "ja":
        from onenumber_cli.i18n.help_ja import HELP

        return HELP
    return {}


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def translate(text: str | None, catalog: Mapping[str, str]) -> str | None:
    """A help text paragraph by paragraph; ``Example:`` keeps its command line."""
    if not text or not catalog:
        return text
    out = []
    for paragraph in paragraphs(text):
        flat = normalize(paragraph)
        if flat.startswith(EXAMPLE):
            out.append(t("help.example") + flat.removeprefix(EXAMPLE))
        else:
            out.append(catalog.get(flat, paragraph))
    return "\n\n".join(out)


@contextmanager
def _localized(command: _click.Command) -> Iterator[None]:
    catalog = help_catalog(get_language())
    if not catalog:
        yield
        return
    targets: list[Any] = [command, *command.params]
    targets += list(getattr(command, "commands", {}).values())
    saved = [(target, target.help, getattr(target, "short_help", None)) for target in targets]
    try:
        for target in targets:
            target.help = translate(target.help, catalog)
            if getattr(target, "short_help", None):
                target.short_help = translate(target.short_help, catalog)
        yield
    finally:
        for target, help_text, short_help in saved:
            target.help = help_text
            if short_help is not None:
                target.short_help = short_help


def _localized_help_option(option: Option | None) -> Option | None:
    if option is not None:
        option.help = translate(option.help, help_catalog(get_language()))
    return option


class _LocalizedHelp:
    """Mixed into a Typer command class: help rendered in the current language."""

    def get_help(self, ctx: _click.Context) -> str:
        with _localized(self):  # type: ignore[arg-type]
            return super().get_help(ctx)  # type: ignore[misc, no-any-return]

    def get_help_option(self, ctx: _click.Context) -> Option | None:
        return _localized_help_option(super().get_help_option(ctx))  # type: ignore[misc]


class LocalizedCommand(_LocalizedHelp, TyperCommand):
    pass


class LocalizedGroup(_LocalizedHelp, TyperGroup):
    pass
