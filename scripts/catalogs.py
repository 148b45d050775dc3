"""The message catalogs, made with Babel (a development tool; the program reads the
compiled ``.mo`` with the standard library): extract, update, compile.

    python scripts/regenerate.py            # all three (and the other generated files)
    python scripts/regenerate.py --check    # exit 1 if a catalog is stale or incomplete

* extract: ``onenumber_cli/i18n/locale/onenumber.pot`` from the source (the keywords of
  ``onenumber_cli.i18n.KEYWORDS``) and from every command's help, paragraph by paragraph;
* update: each language's ``.po`` gets the new message ids (empty: to translate) and
  loses the ones no longer used;
* compile: the ``.mo`` beside each ``.po``.

File names without line numbers and fixed dates keep the files stable: they change
only when a message does.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "onenumber_cli"
LOCALE = PACKAGE / "i18n" / "locale"
DOMAIN = "onenumber"
TRANSLATED = ("ja",)  # every language but English (the source strings)
DATE = datetime(2026, 11, 25, tzinfo=UTC)  # fixed: the files change only with the messages
HEADER = {"project": "onenumber-cli", "version": None, "copyright_holder": None,
          "msgid_bugs_address": None, "creation_date": DATE, "revision_date": DATE,
          "last_translator": "onenumber maintainers", "language_team": "onenumber maintainers",
          "fuzzy": False, "charset": "utf-8"}

POT = LOCALE / f"{DOMAIN}.pot"
COMMENT = ("# Messages of onenumber-cli ({what}).\n"
           "# Made by python scripts/regenerate.py: see onenumber_cli/i18n/__init__.py.")


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return po_path(lang).with_suffix(".mo")


def _help_messages() -> Iterator[str]:
    import typer

    from onenumber_cli.cli.app import app
    from onenumber_cli.cli.helptext import help_texts

    yield from help_texts(typer.main.get_command(app))


def template() -> Catalog:
    """The message ids the program uses now."""
    from onenumber_cli.i18n import KEYWORDS

    catalog = Catalog(domain=DOMAIN, **HEADER)  # type: ignore[arg-type]
    catalog.header_comment = COMMENT.format(what="template: the English source strings")
    found = extract_from_dir(str(PACKAGE), method_map=[("**.py", "python")],
                             keywords=KEYWORDS, comment_tags=("Translators:",),
                             strip_comment_tags=True)
    for filename, lineno, message, comments, context in found:
        path = (PACKAGE / filename).relative_to(ROOT).as_posix()
        catalog.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    for text in _help_messages():
        if text not in catalog:
            catalog.add(text, None, auto_comments=["command help"])
    return catalog


def _po_text(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, include_lineno=False,
             ignore_obsolete=True)
    return buffer.getvalue()


def updated(lang: str, pot: Catalog) -> Catalog:
    """The ``.po`` of ``lang`` merged with ``pot`` (new ids untranslated, old ones gone)."""
    path = po_path(lang)
    if path.exists():
        with path.open("rb") as file:
            catalog = read_po(file, locale=lang, domain=DOMAIN)
    else:
        catalog = Catalog(locale=lang, domain=DOMAIN, **HEADER)  # type: ignore[arg-type]
    catalog.update(pot, no_fuzzy_matching=True, update_header_comment=False)
    catalog.header_comment = COMMENT.format(what=f"translations: {lang}")
    catalog.revision_date = DATE
    catalog.creation_date = DATE
    return catalog


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def untranslated(catalog: Catalog) -> list[str]:
    """Message ids of ``catalog`` with an empty or fuzzy translation."""
    missing = []
    for message in catalog:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, (tuple, list)) else [
            message.string]
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def expected() -> tuple[dict[Path, bytes], dict[str, list[str]]]:
    """Every catalog file as it should be, and each language's untranslated ids."""
    pot = template()
    files = {POT: _po_text(pot)}
    gaps = {}
    for lang in TRANSLATED:
        catalog = updated(lang, pot)
        files[po_path(lang)] = _po_text(catalog)
        files[mo_path(lang)] = compiled(catalog)
        gaps[lang] = untranslated(catalog)
    return files, gaps


def msgfmt_errors(path: Path) -> str | None:
    """What ``msgfmt --check`` says against a ``.po`` (None: clean, or msgfmt absent)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return None
    done = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(path)],
                          capture_output=True, text=True, check=False)
    return None if done.returncode == 0 else done.stderr.strip() or "msgfmt failed"
