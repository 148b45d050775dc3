"""Click's and Typer's own words in the operator's language: usage lines, headings,
``[default: ...]``, parse errors, ``Aborted!``.

Typer 0.28 vendors Click without its gettext calls: Click's words are English f-strings
(``Missing argument 'ACCOUNT'.``), while Typer's own module still calls
``gettext.gettext`` (``_("Options")``, ``_("Aborted!")``).  Both end in our catalog,
in the language of the current invocation (a context variable, not the process
environment, so ``CliRunner`` runs in one process each speak their own):

* Typer's ``_`` is bound to :func:`onenumber_cli.i18n.t` by :func:`install` (idempotent,
  called at the start of every invocation); its message ids are listed in ``TYPER`` so
  the extractor puts them in the catalog (a test compares them with Typer's source).
* Click's usage prefix comes from :meth:`helptext._LocalizedHelp.format_usage`.
* A usage error is translated when it is shown (:func:`localized`): its English text is
  matched against Click's message templates (``CLICK``), the pieces it quotes (names,
  values) are kept and the template's translation is filled in with them.  A message no
  template matches stays English rather than being guessed at.

One domain with the rest of the messages: these are words of our command line, shown
next to ours; one catalog means one file read at start-up and one place to translate.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from typing import IO, Any

from typer import _click
from typer._click._compat import get_text_stderr
from typer._click.exceptions import UsageError

from onenumber_cli.i18n import DEFAULT_LANGUAGE, N_, get_language, t

# What Typer passes to gettext (typer/core.py); translated through ``_`` after install().
TYPER = (
    N_("Aborted!"), N_("Arguments"), N_("Options"), N_("Commands"), N_("default: {default}"),
    N_("required"), N_("env var: {var}"), N_("(dynamic)"), N_("Missing command."),
    N_("No such command {name!r}."),
)

# Click's messages, most specific first; ``{message}`` is itself a message, translated
# in turn.  Fields match lazily, so a template must end with fixed text or the end.
CLICK = (
    N_("{message}. Did you mean {suggestions}?"),  # Typer: after its (translated) message
    N_("No such command {name!r}."),
    N_("Missing command."),
    N_("Missing argument {name}."),
    N_("Missing option {name}."),
    N_("Missing parameter {name}."),
    N_("No such option: {name}"),
    N_("Got unexpected extra argument(s) ({args})"),
    N_("Option {name} requires an argument."),
    N_("Option {name} requires {count} arguments."),
    N_("Option {name} does not take a value."),
    N_("Invalid value for {param}: {message}"),
    N_("Invalid value: {message}"),
    N_("{value} is not one of {choices}."),
    N_("{value} is not a valid {type}."),
    N_("{value} is not in the range {range}."),
    N_("{message} (Possible options: {options})"),
)
# After "No such option: -通" when nothing like it is an option: the word was meant as a
# value (a name such as -通勤用 is valid), and Click takes any word starting with "-" for
# an option until "--".
DASH_VALUE = N_("A value that begins with '-' goes after '--', which ends the options "
                "(options before it): {usage}")
USAGE = N_("Usage: ")
TRY_HELP = N_("Try '{command} {option}' for help.")
ERROR = N_("Error: {message}")

_FIELD = re.compile(r"\{(\w+)(?:![rsa])?\}")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = _FIELD.split(template)  # text, name, text, name, ..., text
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                    for i, part in enumerate(parts))
    return re.compile(regex, re.DOTALL)


def _fill(template: str, pieces: dict[str, str]) -> str:
    """``template`` with each field replaced by its piece as it is (no conversion: the
    pieces are Click's text, already quoted where Click quotes)."""
    return _FIELD.sub(lambda field: pieces[field.group(1)], template)


def translate_click(text: str) -> str:
    """Click's English ``text`` in the current language (unchanged if no template fits)."""
    for template in CLICK:
        match = _pattern(template).fullmatch(text)
        if match is None:
            continue
        pieces = {name: translate_click(value) if name == "message" else value
                  for name, value in match.groupdict().items()}
        return _fill(t(template), pieces)
    return text


def install() -> None:
    """Typer's gettext calls answer from our catalog in the current language."""
    for name in ("typer.core", "typer.rich_utils"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "_", None) is not t:
            module._ = t  # type: ignore[attr-defined]


class LocalizedUsageError(UsageError):
    """A usage error shown in the current language, as Click shows it in English."""

    def __init__(self, error: UsageError) -> None:
        super().__init__(translate_click(error.format_message()), error.ctx)
        self.exit_code = error.exit_code

    def format_message(self) -> str:
        return self.message

    def show(self, file: IO[Any] | None = None) -> None:
        file = file or get_text_stderr()
        color = self.ctx.color if self.ctx is not None else None
        if self.ctx is not None:
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = t(TRY_HELP, command=self.ctx.command_path,
                         option=self.ctx.help_option_names[0]) + "\n"
            _click.echo(f"{self.ctx.get_usage()}\n{hint}", file=file, color=color)
        _click.echo(t(ERROR, message=self.format_message()), file=file, color=color)


class DashValueError(LocalizedUsageError):
    """"No such option" for a word that is no option's name: also how to give a value
    that begins with ``-`` (after ``--``)."""

    def __init__(self, error: UsageError) -> None:
        super().__init__(error)
        ctx = error.ctx
        self.hint = ""
        if ctx is not None:
            values = [p.make_metavar(ctx) for p in ctx.command.params
                      if p.param_type_name == "argument"]
            usage = " ".join([ctx.command_path, "[OPTIONS]", "--", *values])
            self.hint = t(DASH_VALUE, usage=usage)

    def show(self, file: IO[Any] | None = None) -> None:
        file = file or get_text_stderr()
        super().show(file)
        if self.hint:
            _click.echo(self.hint, file=file)


def _dash_value(error: _click.ClickException) -> bool:
    """An unknown option with nothing close to it among the command's options: ``-x``
    (Click reads ``-通勤`` as the short option ``-通``), or a ``--`` word no option could
    be (``--通勤``: not ASCII)."""
    return (isinstance(error, _click.exceptions.NoSuchOption) and not error.possibilities
            and (not error.option_name.startswith("--") or not error.option_name.isascii()))


def localized(error: _click.ClickException) -> _click.ClickException:
    """``error`` to be shown in the current language (itself in English)."""
    if _dash_value(error) and not isinstance(error, DashValueError):
        assert isinstance(error, UsageError)
        return DashValueError(error)
    if get_language() == DEFAULT_LANGUAGE or not isinstance(error, UsageError):
        return error
    if isinstance(error, LocalizedUsageError):
        return error
    return LocalizedUsageError(error)
