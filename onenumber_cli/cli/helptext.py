"""Help in the selected language.

Commands keep their English help (docstrings and ``help=``); when the language is not
English, :meth:`LocalizedCommand.get_help` renders with the catalog's translation of
each paragraph, option and subcommand summary, then puts the English back.  The
paragraphs are message ids of the catalog as they are (whitespace collapsed):
:func:`help_texts` lists them for the extractor (``scripts/regenerate.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from typer import _click
from typer.core import TyperCommand, TyperGroup
from typer.core import TyperOption as Option

from onenumber_cli.cli.clicktext import USAGE
from onenumber_cli.i18n import DEFAULT_LANGUAGE, get_language, t

EXAMPLE = "Example:"


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def translate_help(text: str | None) -> str | None:
    """A help text in the current language, paragraph by paragraph; ``Example:`` keeps
    its command line; a paragraph with no translation stays as it is."""
    if not text or get_language() == DEFAULT_LANGUAGE:
        return text
    out = []
    for paragraph in paragraphs(text):
        flat = normalize(paragraph)
        if flat.startswith(EXAMPLE):
            out.append(t("Example:") + flat.removeprefix(EXAMPLE))
        else:
            translated = t(flat)
            out.append(paragraph if translated == flat else translated)
    return "\n\n".join(out)


def help_texts(root: _click.Command) -> Iterator[str]:
    """Every help paragraph of ``root`` and its subcommands (collapsed), ``Example:``
    paragraphs left out: the help message ids."""
    pending = [root]
    while pending:
        command = pending.pop(0)
        ctx = _click.Context(command, info_name=command.name)
        params: list[Any] = [*command.params, command.get_help_option(ctx)]
        for text in (command.help, command.short_help, *(getattr(p, "help", None)
                                                         for p in params if p is not None)):
            for paragraph in paragraphs(text or ""):
                flat = normalize(paragraph)
                if not flat.startswith(EXAMPLE):
                    yield flat
        pending.extend(getattr(command, "commands", {}).values())


def _wide_wrap_text(text: str, width: int = 78, initial_indent: str = "",
                    subsequent_indent: str = "", preserve_paragraphs: bool = False) -> str:
    """Click's ``wrap_text`` measuring display width (a Japanese character takes two
    columns) and breaking Japanese text between characters, never inside a command."""
    from onenumber_cli.cli.output import wrap

    blocks = paragraphs(text) if preserve_paragraphs else [text]
    out: list[str] = []
    for block in blocks:
        if block.lstrip().startswith("\b"):  # Click's "do not rewrap" marker
            lines = block.lstrip().splitlines()[1:]
            out.append("\n".join(initial_indent + line for line in lines))
            continue
        room = max(width - len(subsequent_indent), 10)
        wrapped = wrap(normalize(block), room)
        out.append("\n".join((initial_indent if i == 0 else subsequent_indent) + line
                             for i, line in enumerate(wrapped)))
    return "\n\n".join(out)


@contextmanager
def _wide_wrapping() -> Iterator[None]:
    formatting = _click.formatting
    saved = formatting.wrap_text
    formatting.wrap_text = _wide_wrap_text
    try:
        yield
    finally:
        formatting.wrap_text = saved


@contextmanager
def _localized(command: _click.Command) -> Iterator[None]:
    if get_language() == DEFAULT_LANGUAGE:
        yield
        return
    targets: list[Any] = [command, *command.params]  # subcommands: format_commands
    saved = [(target, target.help, getattr(target, "short_help", None)) for target in targets]
    try:
        for target in targets:
            target.help = translate_help(target.help)
            if getattr(target, "short_help", None):
                target.short_help = translate_help(target.short_help)
        with _wide_wrapping():
            yield
    finally:
        for target, help_text, short_help in saved:
            target.help = help_text
            if short_help is not None:
                target.short_help = short_help


def _localized_help_option(option: Option | None) -> Option | None:
    if option is not None:
        option.help = translate_help(option.help)
    return option


class _LocalizedHelp:
    """Mixed into a Typer command class: help rendered in the current language."""

    def get_help(self, ctx: _click.Context) -> str:
        with _localized(self):  # type: ignore[arg-type]
            return super().get_help(ctx)  # type: ignore[misc, no-any-return]

    def get_help_option(self, ctx: _click.Context) -> Option | None:
        return _localized_help_option(super().get_help_option(ctx))  # type: ignore[misc]

    def format_usage(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """Click's usage line, its ``Usage:`` in the current language."""
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=t(USAGE))

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        """Typer writes a required argument as ``{ACCOUNT}``; usage lines say ``ACCOUNT``
        (the metavar itself), as the README and every example do."""
        pieces: list[str] = super().collect_usage_pieces(ctx)  # type: ignore[misc]
        return [re.sub(r"^\{(.+)\}$", r"\1", piece) for piece in pieces]


class LocalizedCommand(_LocalizedHelp, TyperCommand):
    pass


class LocalizedGroup(_LocalizedHelp, TyperGroup):
    def summary(self, ctx: _click.Context, name: str) -> str | None:
        """The English help a subcommand is listed with (None: not listed)."""
        command = self.get_command(ctx, name)
        if command is None or command.hidden:
            return None
        return command.short_help or command.help or ""

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """Click's command list, with each summary in the current language."""
        entries = [(name, self.summary(ctx, name)) for name in self.list_commands(ctx)]
        listed = [(name, text) for name, text in entries if text is not None]
        if not listed:
            return
        limit = formatter.width - 6 - max(len(name) for name, _text in listed)
        rows = [(name, _click.utils.make_default_short_help(translate_help(text) or "",
                                                             limit).strip())
                for name, text in listed]
        with formatter.section(t("Commands")):
            formatter.write_dl(rows)
