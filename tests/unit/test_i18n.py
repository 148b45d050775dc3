"""The gettext catalogs: every message translated, current with the source, plural forms
right, every error the code raises has its text, no message id built at run time."""

from __future__ import annotations

import ast
import re
import shutil
import string
import subprocess
import tokenize
from pathlib import Path

import pytest

from onenumber_cli import errors
from onenumber_cli.cli.views import RESULTS
from onenumber_cli.i18n import (
    LANGUAGES,
    language_from_environment,
    ngettext,
    pgettext,
    set_language,
    t,
    translations,
)
from onenumber_cli.i18n.errors import ERRORS, render
from scripts import catalogs

PACKAGE = Path(errors.__file__).parent
SOURCES = sorted(PACKAGE.rglob("*.py"))
TRANSLATING = {"t", "ngettext", "pgettext", "translate"}


@pytest.fixture(scope="module")
def expected() -> tuple[dict[Path, bytes], dict[str, list[str]]]:
    return catalogs.expected()


@pytest.mark.parametrize("lang", catalogs.TRANSLATED)
def test_msgfmt_accepts_the_catalog(lang: str) -> None:
    """GNU msgfmt --check: headers, plural forms, and the same {fields} in every msgstr
    as in its msgid (python-brace-format)."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (GNU gettext) is needed: apt-get install gettext"
    done = subprocess.run([msgfmt, "--check", "--statistics", "-o", "/dev/null",
                           str(catalogs.po_path(lang))], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "untranslated" not in done.stderr and "fuzzy" not in done.stderr, done.stderr


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", catalogs.TRANSLATED)
def test_every_translation_has_the_fields_of_its_message(lang: str) -> None:
    """What msgfmt cannot see: fields with a conversion (``{name!r}``)."""
    from babel.messages.pofile import read_po

    with catalogs.po_path(lang).open("rb") as file:
        catalog = read_po(file)
    wrong = []
    for message in catalog:
        if not message.id or "python-brace-format" not in message.flags:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = ([message.string] if isinstance(message.string, str)
                   else list(message.string or ()))
        expected = set().union(*(_fields(text) for text in ids))
        if any(_fields(text) != expected for text in strings):
            wrong.append(ids[0])
    assert wrong == []


@pytest.mark.parametrize("lang", catalogs.TRANSLATED)
def test_every_message_is_translated(lang: str,
                                     expected: tuple[dict[Path, bytes], dict[str, list[str]]]
                                     ) -> None:
    assert expected[1][lang] == [], "run python scripts/regenerate.py and translate these"


def test_the_catalogs_are_current_with_the_source(
        expected: tuple[dict[Path, bytes], dict[str, list[str]]]) -> None:
    stale = [path.relative_to(catalogs.ROOT).as_posix() for path, data in expected[0].items()
             if not path.exists() or path.read_bytes() != data]
    assert stale == [], "stale: run python scripts/regenerate.py"


def test_the_catalog_holds_the_messages_it_should(
        expected: tuple[dict[Path, bytes], dict[str, list[str]]]) -> None:
    pot = expected[0][catalogs.POT].decode("utf-8")
    for message in ('msgid "No registered devices."',          # t()
                    'msgid_plural "{count} violations found."',  # ngettext()
                    'msgctxt "event"',                          # pgettext / NP_()
                    'msgid "Missing argument {name}."',         # Click's words
                    'msgid "Show this message and exit."'):     # help texts
        assert message in pot


def test_plural_forms() -> None:
    set_language("en")
    assert ngettext("{count} violation found.", "{count} violations found.", 1,
                    count=1) == "1 violation found."
    assert ngettext("{count} violation found.", "{count} violations found.", 2,
                    count=2) == "2 violations found."
    set_language("ja")
    assert translations("ja").info()["plural-forms"] == "nplurals=1; plural=0;"
    for n in (1, 2):
        assert ngettext("{count} violation found.", "{count} violations found.", n,
                        count=n) == f"{n} 件の不整合が見つかりました。"


def test_one_english_text_two_meanings() -> None:
    set_language("ja")
    assert t("Registered") == "登録台数"  # the column
    assert pgettext("event", "Registered") == "登録"  # the history event


def test_japanese_uses_the_seed_wording() -> None:
    set_language("ja")
    assert t("Not registered") == "未登録"
    assert t("Registered devices") == "登録台数"
    assert t("Unregister One Number registration?") == "ワンナンバー登録を解除しますか？"


def test_parameters_are_made_printable() -> None:
    set_language("en")
    assert t("Unknown language '{value}'.", value="x\x1b[2J") == (
        "Unknown language 'x\\u001b[2J'.")


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id in TRANSLATING]


def test_no_message_id_is_built_at_run_time() -> None:
    """The extractor reads literals: a message made with an f-string, ``%``, ``+`` or
    ``.format`` before translation would never reach the catalog."""
    built = []
    for path in SOURCES:
        for call in _calls(ast.parse(path.read_text("utf-8"))):
            for arg in call.args[:2]:
                if isinstance(arg, (ast.JoinedStr, ast.BinOp)) or (
                        isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute)):
                    built.append(f"{path.relative_to(PACKAGE)}:{call.lineno}")
    assert built == []


def test_no_literal_message_inside_an_f_string() -> None:
    """Babel does not look inside f-strings on Python 3.11: ``f"{t('x')}"`` is lost."""
    call = re.compile(r"""\{\s*(?:t|ngettext|pgettext)\(\s*['"]""")
    found = []
    for path in SOURCES:
        with path.open("rb") as file:
            for token in tokenize.tokenize(file.readline):
                prefix = re.match(r"[A-Za-z]*", token.string)
                if (token.type == tokenize.STRING and prefix and "f" in prefix.group().lower()
                        and call.search(token.string)):
                    found.append(f"{path.relative_to(PACKAGE)}:{token.start[0]}")
    assert found == []


def _raised() -> set[tuple[str, str | None]]:
    """(code, reason) of every ``ErrorClass(...)`` call in the package whose reason is a
    literal (or absent); reasons chosen at run time are checked by the unit tests that
    provoke them."""
    by_name = {cls.__name__: cls.code for cls in errors.all_error_classes()}
    raised: set[tuple[str, str | None]] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in by_name):
                first = node.args[0] if node.args else None
                if first is None:
                    raised.add((by_name[node.func.id], None))
                elif isinstance(first, ast.Constant) and isinstance(first.value, str):
                    raised.add((by_name[node.func.id], first.value))
    return raised


def test_every_raised_error_has_a_message_and_a_hint() -> None:
    raised = _raised()
    assert ("invalid_name", "too_long") in raised  # the scan finds what it should
    assert sorted(k for k in raised if k not in ERRORS) == []
    for message, hint in ERRORS.values():
        assert message and hint


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_error_renders_in_both_languages(lang: str) -> None:
    """Each entry formats with its own fields (a field missing would raise KeyError)."""
    set_language(lang)
    for (code, reason), (message, hint) in ERRORS.items():
        fields = {name for text in (message, hint) for part in
                  ([text] if isinstance(text, str) else list(text))
                  for name in re.findall(r"\{(\w+)", part)}
        cls = next(c for c in errors.all_error_classes() if c.code == code)
        error = cls(reason, **dict.fromkeys(fields - {"count"}, "x"), count=2)
        shown_message, shown_hint = render(error)
        assert shown_message and shown_hint, (code, reason)


def test_the_core_writes_no_text() -> None:
    """Errors and the domain carry codes and parameters; rendering is the CLI's (and
    i18n's) job."""
    for path in [PACKAGE / "errors.py", *sorted((PACKAGE / "domain").glob("*.py"))]:
        imported = {node.module for node in ast.walk(ast.parse(path.read_text("utf-8")))
                    if isinstance(node, ast.ImportFrom)}
        assert not any(m and m.startswith("onenumber_cli.i18n") for m in imported), path.name


@pytest.mark.parametrize("action", ["rename", "unregister", "option_subscribe",
                                    "option_cancel", "service_subscribe", "service_cancel"])
def test_result_sentences_exist_for_every_outcome(action: str) -> None:
    for outcome in ("done", "unchanged"):
        assert (action, outcome) in RESULTS


def test_error_codes_are_the_documented_ones() -> None:
    codes = {cls.code for cls in errors.all_error_classes()}
    documented = {
        "account_not_found", "device_not_found", "ambiguous_device", "capacity_exceeded",
        "invalid_name", "duplicate_name", "invalid_imei", "last_device", "too_many_devices",
        "not_subscribable", "contract_cancelled", "confirmation_required", "conflict",
        "database_unavailable", "schema_mismatch",
    }
    assert documented <= codes


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "ja"),
        ({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_language_follows_the_posix_locale_variables(environ: dict[str, str],
                                                     expected: str) -> None:
    assert language_from_environment(environ) == expected
