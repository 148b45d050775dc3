"""Writing the config file for ``config set/unset/use``: edited in place, written
atomically with mode 0600.

The file is the operator's: it may carry comments and an order of their own.  Its
schema is small (top-level ``key = "string"`` lines, ``[profiles.NAME]`` tables of the
same keys and ``confirm = true|false``), so the change is made to the one line it
concerns (replaced, inserted at the end of its table, or removed) and every other line
is kept as it is.  The edited text is then parsed again and must give exactly the
expected settings; where it does not (a layout this editor does not follow: dotted keys,
inline tables, a multi-line string), the file is written anew from the settings, and
the command says that its comments were not kept.  A TOML round-trip library
(``tomlkit``) would keep comments there too; it was not added for that rare case: this
schema needs no more than line edits, checked by the standard library's parser.

Writing: :func:`onenumber_cli.cli.files.replace_file`, mode 0600 (the file may hold a
database URL with a password): a crash leaves the old file or the new one, never half.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onenumber_cli.cli.files import replace_file
from onenumber_cli.errors import InvalidArgument

Table = tuple[str, ...]  # () for the top level, ("profiles", NAME) for a profile
_HEADER = re.compile(r"^\s*\[[^\[].*\]\s*(#.*)?$")


@dataclass
class Edited:
    text: str
    kept_comments: bool  # False: written anew from the settings (see the module's text)


def toml_value(value: str | bool) -> str:
    """A TOML literal for a setting: ``true``/``false``, or a basic string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
               "\r": "\\r"}
    out = []
    for char in value:
        if char in escapes:
            out.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)


def _header_table(line: str) -> Table | None:
    """The table a ``[a.b]`` header line opens (parsed by tomllib itself)."""
    if not _HEADER.match(line):
        return None
    try:
        data = tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    while isinstance(data, dict) and len(data) == 1:
        key = next(iter(data))
        path.append(key)
        data = data[key]
    return tuple(path)


def _line_key(line: str) -> str | None:
    """The key a one-line ``key = value`` sets (None for anything else)."""
    if "=" not in line or line.lstrip().startswith("#"):
        return None
    try:
        data = tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return None
    if len(data) != 1:
        return None
    key, value = next(iter(data.items()))
    return None if isinstance(value, dict) else key


def _sections(lines: list[str]) -> list[tuple[Table, int, int]]:
    """(table, first line, end) of the top level and of each table, in file order."""
    found: list[tuple[Table, int, int]] = []
    table: Table = ()
    start = 0
    for index, line in enumerate(lines):
        header = _header_table(line)
        if header is not None:
            found.append((table, start, index))
            table, start = header, index + 1
    found.append((table, start, len(lines)))
    return found


def edit(text: str, table: Table, key: str, value: str | bool | None) -> Edited:
    """``text`` with ``key`` of ``table`` set to ``value`` (None: removed)."""
    expected = tomllib.loads(text)
    _put(expected, table, key, value)
    lines = text.splitlines()
    sections = [s for s in _sections(lines) if s[0] == table]
    new_line = f"{toml_key(key)} = {toml_value(value)}" if value is not None else None
    done = False
    for _table, start, end in sections:
        for index in range(start, end):
            if _line_key(lines[index]) == key:
                indent = lines[index][:len(lines[index]) - len(lines[index].lstrip())]
                if new_line is None:
                    del lines[index]
                else:
                    lines[index] = indent + new_line
                done = True
                break
        if done:
            break
    if not done and new_line is not None:
        if sections:
            _table, start, end = sections[-1]
            last = max((i for i in range(start, end) if _line_key(lines[i]) is not None),
                       default=start - 1)
            lines.insert(last + 1, new_line)
        else:  # a profile not in the file yet
            if lines and lines[-1].strip():
                lines.append("")
            lines += ["[" + ".".join(toml_key(part) for part in table) + "]", new_line]
    edited = "\n".join(lines) + "\n" if lines else ""
    try:
        if tomllib.loads(edited) == expected:
            return Edited(edited, kept_comments=True)
    except tomllib.TOMLDecodeError:
        pass
    return Edited(render(expected), kept_comments=not _has_comments(text))


def _put(data: dict[str, Any], table: Table, key: str, value: str | bool | None) -> None:
    for part in table:
        data = data.setdefault(part, {})
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value


def _has_comments(text: str) -> bool:
    return any(line.lstrip().startswith("#") or " #" in line for line in text.splitlines())


def render(data: dict[str, Any]) -> str:
    """The settings as a config file: top-level keys, then one table per profile."""
    lines = [f"{toml_key(k)} = {toml_value(v)}" for k, v in data.items()
             if not isinstance(v, dict)]
    for name, table in data.get("profiles", {}).items():
        if lines:
            lines.append("")
        lines.append(f"[profiles.{toml_key(name)}]")
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n" if lines else ""


def write(path: Path, text: str) -> None:
    """``text`` as the file at ``path`` (through a symbolic link), atomically, 0600 (it
    may hold a database URL with a password), its folders 0700."""
    try:
        replace_file(path, text, mode=0o600, private=True)
    except OSError as error:
        raise InvalidArgument("config_write", path=str(path),
                              detail=error.strerror or str(error)) from None
