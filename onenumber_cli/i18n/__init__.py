"""Message catalogs for English and Japanese.

Catalogs are plain Python dictionaries (``en.py``, ``ja.py``) keyed by message id,
formatted with :meth:`str.format`.  A test asserts that both catalogs hold the same
ids with the same placeholders, and that every id the code uses exists, so a missing
translation fails CI rather than reaching an operator.

The current language is a context variable: the CLI sets it once per invocation.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from contextvars import ContextVar
from importlib import import_module

LANGUAGES = ("en", "ja")
DEFAULT_LANGUAGE = "en"

_language: ContextVar[str] = ContextVar("onenumber_language", default=DEFAULT_LANGUAGE)
_catalogs: dict[str, Mapping[str, str]] = {}


def catalog(lang: str) -> Mapping[str, str]:
    if lang not in _catalogs:
        _catalogs[lang] = import_module(f"onenumber_cli.i18n.{lang}").MESSAGES
    return _catalogs[lang]


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


def t(key: str, /, **params: object) -> str:
    """The message ``key`` in the current language, formatted with ``params``
    (made :func:`printable`).

    Falls back to English, then to the key itself, so a gap never crashes a command
    (the catalog test is what keeps gaps from shipping).
    """
    lang = _language.get()
    text = catalog(lang).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
    if not params:
        return text
    return text.format(**{name: printable(value) for name, value in params.items()})
