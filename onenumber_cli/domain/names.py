"""Device names: rule R3 (what a name may be) and R4 (default names from the type).

The rule, as the customer site states it: 1 to 30 characters of full-width or
half-width letters and digits and the symbols ``- _ . +``; not blanks only; not the
name of another registered device.  SPEC.md pins down the details implemented here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from onenumber_cli.errors import DuplicateName, InvalidName

MAX_LENGTH = 30
# The folded key (:func:`name_key`) must fit its column (devices.name_key, VARCHAR(120)),
# on PostgreSQL, which enforces it, and on SQLite, which would not: the rule is the domain's.
KEY_MAX_LENGTH = 120
SPACES = frozenset({"\u0020", "\u3000"})
SYMBOLS = frozenset("-_.+\uff0d\uff3f\uff0e\uff0b")  # - _ . + and － ＿ ． ＋
# U+FF0D is the JIS X 0208 full-width hyphen; Python's shift_jis codec maps that code
# point to U+2212 instead, so it is the one character allowed without the codec check.
_JIS_EXCEPTIONS = frozenset({"\uff0d"})
# Look-alike dashes people paste from word processors: the hint suggests "-".
DASH_LOOKALIKES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63")


@dataclass(frozen=True)
class Offence:
    """One offending character: 1-based position in the NFC name."""

    position: int
    char: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"

    def to_dict(self) -> dict[str, object]:
        return {"position": self.position, "char": self.char, "codepoint": self.codepoint}


def in_jis(char: str) -> bool:
    """True when ``char`` belongs to the JIS X 0208 / JIS X 0201 repertoire."""
    if char in _JIS_EXCEPTIONS:
        return True
    try:
        char.encode("shift_jis")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=8192)  # names are checked by the million, from a few thousand characters
def is_name_char(char: str) -> bool:
    """A character that may appear anywhere in a name (spaces aside)."""
    if char in SYMBOLS:
        return True
    category = unicodedata.category(char)
    return category[0] in "LN" and in_jis(char)


def name_key(name: str) -> str:
    """The key two names are compared by: NFKC, then case folding (``BMW`` = ``ｂｍｗ``)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFC", name)).casefold()


def validate_name(raw: str) -> str:
    """Return the NFC form of ``raw`` or raise :class:`InvalidName` saying why (the
    offending characters as :class:`Offence` objects in ``where``: the CLI renders them).

    Checks, in the order a person would fix them: empty, too long, blanks only,
    leading/trailing blanks, characters that are not allowed, characters outside JIS.
    """
    name = unicodedata.normalize("NFC", raw)
    if not name:
        raise InvalidName("empty")
    if len(name) > MAX_LENGTH:
        over = Offence(MAX_LENGTH + 1, name[MAX_LENGTH])
        raise InvalidName(
            "too_long", details=[over.to_dict()], length=len(name), max=MAX_LENGTH,
            where=(over,),
        )
    if all(c in SPACES for c in name):
        raise InvalidName("blank")
    if name[0] in SPACES or name[-1] in SPACES:
        position = 1 if name[0] in SPACES else len(name)
        offence = Offence(position, name[position - 1])
        raise InvalidName(
            "edge_space", details=[offence.to_dict()], where=(offence,),
            suggestion=_trim(name),
        )
    bad = [Offence(i, c) for i, c in enumerate(name, 1) if c not in SPACES and not is_name_char(c)]
    if bad:
        if any(o.char in DASH_LOOKALIKES for o in bad):
            reason = "dash"
        elif all(unicodedata.category(o.char)[0] in "LN" for o in bad):
            reason = "outside_jis"  # letters or digits, but not in JIS (髙, ①, ...)
        else:
            reason = "bad_chars"
        raise InvalidName(reason, details=[o.to_dict() for o in bad], where=tuple(bad))
    key_length = len(name_key(name))
    if key_length > KEY_MAX_LENGTH:  # unreachable with JIS characters (each folds to one),
        # kept so that the limit holds whatever the repertoire becomes
        raise InvalidName("key_too_long", length=key_length, max=KEY_MAX_LENGTH)
    return name


def ensure_unique(name: str, taken: dict[str, str]) -> None:
    """Raise :class:`DuplicateName` if ``name`` collides with ``taken`` (key -> name)."""
    other = taken.get(name_key(name))
    if other is not None:
        raise DuplicateName(name=name, other=other)


def default_name(device_type: str, taken_keys: Iterable[str]) -> str | None:
    """R4: a valid, unique name derived from the type, or None when none results.

    Disallowed characters are dropped, the rest is cut to 30 characters and trimmed,
    then made unique with `` 2``, `` 3`` ... (cutting the base so the whole still fits).
    """
    kept = "".join(
        c for c in unicodedata.normalize("NFC", device_type) if c in SPACES or is_name_char(c)
    )
    base = _trim(kept[:MAX_LENGTH])
    while len(name_key(base)) > KEY_MAX_LENGTH:  # see validate_name: never with JIS
        base = _trim(base[:-1])
    if not base:
        return None
    taken = set(taken_keys)
    candidate, number = base, 1
    while name_key(candidate) in taken:
        number += 1
        suffix = f" {number}"
        candidate = _trim(base[: MAX_LENGTH - len(suffix)]) + suffix
    return candidate


def _trim(text: str) -> str:
    """Remove blanks at the edges only; blanks inside a name are allowed."""
    return text.strip("".join(SPACES))
