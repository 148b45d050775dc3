"""Messages in the operator's language: gettext catalogs, read with the standard library.

The source strings are the English messages themselves (the gettext norm).  The Japanese
translations live in ``locale/ja/LC_MESSAGES/onenumber.po``, compiled to ``onenumber.mo``
beside it; both are committed, and at run time only the ``.mo`` is read, by :mod:`gettext`
(no third-party code on the start-up path; English reads no file at all).  The template
``locale/onenumber.pot`` lists every message id the program uses now.

Adding or changing a message
----------------------------
1. Write the English text where it is shown, with named ``str.format`` fields::

       from onenumber_cli.i18n import N_, N_plural, NP_, ngettext, pgettext, t, translate

       t("No registered devices.")
       t("Account '{account}' was not found.", account=account)
       ngettext("{count} violation found.", "{count} violations found.", count, count=count)
       pgettext("event", "Registered")     # the same English means something else elsewhere

   * The message must be a string literal in the call, outside any f-string: the
     extractor reads the source (on Python 3.11 it does not look inside f-strings), and a
     test fails on ``t(f"...")``, ``t("..." + x)`` and ``f"{t('...')}"``.
   * A message chosen at run time goes in a table of markers, translated where it is
     shown: ``LABELS = {"active": N_("active")}`` then ``t(LABELS[status])``;
     ``N_plural(singular, plural, "count")`` (the last argument names the field holding
     the number) and ``NP_(context, text)`` mark the other kinds; :func:`translate`
     renders any of them (type :data:`Message`).
   * Every number shown next to a noun goes through ``ngettext``/``N_plural``: pass the
     number as ``n`` and as its named field.  Never ``"{count} rows"`` alone.
   * Fields are made :func:`printable` (control characters escaped, long values cut);
     never build a sentence with ``+`` or an f-string around a translated piece.
   * A refusal is a typed error (``onenumber_cli/errors.py``: code, reason, parameters;
     no text): add its ``(code, reason)`` with its message and hint to ``ERRORS`` in
     ``onenumber_cli/i18n/errors.py``.  Pass datetimes and other values raw: the CLI
     renders them (times in the display zone and format).
   * Help texts (docstrings, ``help=``) need nothing: they are extracted paragraph by
     paragraph from the command tree.  Click's and Typer's own words are in
     ``onenumber_cli/cli/clicktext.py``.
2. Run ``python scripts/regenerate.py``.  It extracts the template (Babel, with the
   keywords of ``KEYWORDS`` below), merges it into each ``.po`` (new ids arrive with an
   empty translation, ids no longer used leave), compiles the ``.mo``, and lists every
   message still untranslated.
3. Translate each listed entry in ``locale/ja/LC_MESSAGES/onenumber.po``: fill ``msgstr``
   (``msgstr[0]`` for a plural: Japanese has one form) with the same ``{fields}``, delete
   any ``#, fuzzy`` line, then run ``python scripts/regenerate.py`` again to compile.
   ``python scripts/regenerate.py --check`` (and the tests) fail while a catalog is stale,
   an entry is empty or fuzzy, or ``msgfmt --check`` objects.

The current language is a context variable: the CLI sets it once per invocation, so many
invocations in one process (``CliRunner``) each speak their own.
"""

from __future__ import annotations

import gettext
import os
import unicodedata
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import NamedTuple

LANGUAGES = ("en", "ja")
DEFAULT_LANGUAGE = "en"
DOMAIN = "onenumber"
LOCALE_DIR = Path(__file__).parent / "locale"
# How the extractor finds messages (Babel's keyword specs: argument numbers, c = context).
KEYWORDS = {"t": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None,
            "N_plural": (1, 2), "NP_": ((1, "c"), 2)}

_language: ContextVar[str] = ContextVar("onenumber_language", default=DEFAULT_LANGUAGE)
_translations: dict[str, gettext.NullTranslations] = {}


class Plural(NamedTuple):
    """A message with a count, kept in a table: see :func:`N_plural`."""

    singular: str
    plural: str
    number: str  # the name of the parameter that chooses the form


class Contextual(NamedTuple):
    """A message with a context, kept in a table: see :func:`NP_`."""

    context: str
    message: str


Message = str | Plural | Contextual


def N_(message: str) -> str:
    """Mark ``message`` for extraction; translated later, where it is shown."""
    return message


def N_plural(singular: str, plural: str, count: str = "count") -> Plural:
    """Mark a counted message for extraction; ``count`` names the parameter holding n."""
    return Plural(singular, plural, count)


def NP_(context: str, message: str) -> Contextual:
    """Mark a message with a context for extraction."""
    return Contextual(context, message)


def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English: the source strings themselves)."""
    found = _translations.get(lang)
    if found is None:
        if lang == DEFAULT_LANGUAGE:
            found = gettext.NullTranslations()
        else:
            with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as mo:
                found = gettext.GNUTranslations(mo)
        _translations[lang] = found
    return found


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    _language.set(lang)


def get_language() -> str:
    return _language.get()


def language_from_environment(environ: Mapping[str, str] = os.environ) -> str:
    """POSIX order: LC_ALL, then LC_MESSAGES, then LANG; Japanese if it starts with ``ja``."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable)
        if value:
            return "ja" if value.lower().startswith("ja") else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


MAX_ECHO = 400  # characters of a value echoed back (a driver message fits; 100 KB does not)


def printable(value: object) -> object:
    """A value safe to show in a message: control and format characters (newlines, ESC,
    NUL ...) escaped as ``\\uXXXX`` so input cannot forge lines or drive the terminal,
    and very long values shortened."""
    if not isinstance(value, str):
        return value
    if len(value) > MAX_ECHO:
        value = value[:MAX_ECHO] + f"…(+{len(value) - MAX_ECHO})"
    return escape_controls(value)


def _unsafe(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] == "C" or category in ("Zl", "Zp")


def escape_controls(text: str) -> str:
    """``text`` with every control, format, unassigned, line- or paragraph-separator
    character written as ``\\uXXXX``: one line that cannot drive a terminal."""
    if text.isprintable():  # the common case, in C (isprintable is False for all those)
        return text
    return "".join(f"\\u{ord(c):04x}" if _unsafe(c) else c for c in text)


def _format(text: str, params: Mapping[str, object]) -> str:
    if not params:
        return text
    return text.format(**{name: printable(value) for name, value in params.items()})


def t(message: str, /, **params: object) -> str:
    """``message`` (its English source text) in the current language, formatted with
    ``params`` made :func:`printable`."""
    return _format(translations(_language.get()).gettext(message), params)


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    """The form of a counted message for ``n`` in the current language."""
    return _format(translations(_language.get()).ngettext(singular, plural, n), params)


def pgettext(context: str, message: str, /, **params: object) -> str:
    """``message`` in ``context`` (the same English meaning something else elsewhere)."""
    return _format(translations(_language.get()).pgettext(context, message), params)


def translate(message: Message, /, **params: object) -> str:
    """A message marked in a table (:func:`N_`, :func:`N_plural`, :func:`NP_`), rendered."""
    if isinstance(message, Plural):
        count = params[message.number]
        return ngettext(message.singular, message.plural,
                        count if isinstance(count, int) else 0, **params)
    if isinstance(message, Contextual):
        return pgettext(message.context, message.message, **params)
    return t(message, **params)
