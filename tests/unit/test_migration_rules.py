"""Revision 0004 carries the domain's character rules as literal regex classes (a
migration never imports the program's code): they must still be the domain's.  When a
rule changes, this fails, and the change needs a new migration with the new classes."""

from __future__ import annotations

import importlib.util
import unicodedata
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from onenumber_cli.domain.names import SPACES, is_name_char
from onenumber_cli.domain.values import FORMULA_STARTS

MIGRATION = (Path(__file__).parents[2] / "onenumber_cli" / "migrations" / "versions"
             / "0004_database_rules.py")


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0004", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _class(test: Callable[[str], bool], end: int = 0x110000) -> str:
    """The code points 1..end-1 (surrogates aside) that pass ``test``, as the regex
    bracket ranges the migration writes (``\\uXXXX``, ``\\UXXXXXXXX`` beyond the BMP)."""
    def escape(code: int) -> str:
        return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"

    parts: list[str] = []
    start: int | None = None
    for code in range(1, end + 1):
        inside = code < end and not 0xD800 <= code < 0xE000 and test(chr(code))
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            last = code - 1
            parts.append(escape(start) if start == last else f"{escape(start)}-{escape(last)}")
            start = None
    return "".join(parts)


def test_the_name_characters_of_revision_0004_are_the_domains() -> None:
    expected = _class(lambda c: c not in SPACES and is_name_char(c), 0x10000)
    assert vars(_migration())["NAME_CHARS"] == expected


def test_the_type_rules_of_revision_0004_are_the_domains() -> None:
    migration = vars(_migration())
    assert migration["UNPRINTABLE"] == _class(
        lambda c: unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp"))
    assert migration["BLANKS"] == _class(str.isspace)
    formula = "".join(f"\\u{code:04X}" for code in range(1, 0x10000)
                      if not 0xD800 <= code < 0xE000
                      and unicodedata.normalize("NFKC", chr(code)) in FORMULA_STARTS)
    assert migration["FORMULA_STARTS"] == formula
