"""Exit codes that never lie about what was written (SPEC 7), through the CLI runner:
every command that writes honours a profile's ``confirm``, the error handler never
exits 2 after a commit, and what scripts parse (check's report) is clean."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from onenumber_cli.batch import Summary
from onenumber_cli.cli import console
from onenumber_cli.cli.views import RESULT_FIELDS, batch_summary
from onenumber_cli.errors import NotEncodable
from onenumber_cli.i18n import set_language
from onenumber_cli.services.records import ChangeResult
from onenumber_cli.storage.engine import Database, parse_url
from onenumber_cli.storage.models import devices as DEVICES
from tests.cli.conftest import Invoke
from tests.conftest import plant
from tests.e2e.test_exit_code_honesty import dump


def _confirming_profile() -> None:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "onenumber" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[profiles.prod]\nconfirm = true\n", encoding="utf-8")


def _writers(tmp_path: Path) -> list[list[str]]:
    return [["demo", "--remove"], ["db", "upgrade"],
            ["db", "backup", str(tmp_path / "backup.sqlite")],
            ["db", "copy", "--to", f"sqlite:///{tmp_path / 'copy.sqlite'}"]]


@pytest.mark.parametrize("index", range(4), ids=["demo --remove", "db upgrade", "db backup",
                                                  "db copy"])
def test_every_command_that_writes_honours_a_profiles_confirm(
        demo_cli: Invoke, db_url: str, tmp_path: Path, index: int) -> None:
    _confirming_profile()
    argv = _writers(tmp_path)[index]
    before = dump(db_url)
    refused = demo_cli("--profile", "prod", "--no-input", *argv, "-o", "json")
    assert refused.exit_code == 2, refused.output
    assert json.loads(refused.stderr)["error"]["code"] == "confirmation_required"
    assert dump(db_url) == before
    assert not (tmp_path / "backup.sqlite").exists() and not (tmp_path / "copy.sqlite").exists()
    done = demo_cli("--profile", "prod", *argv, "--yes")
    not_sqlite = argv[:2] == ["db", "backup"] and not db_url.startswith("sqlite")
    assert done.exit_code == (2 if not_sqlite else 0), done.output  # pg_dump's job there


def test_demo_asks_a_confirming_profile_and_takes_yes(cli: Invoke, db_url: str) -> None:
    _confirming_profile()
    before = dump(db_url)
    refused = cli("--profile", "prod", "demo")  # no terminal
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert dump(db_url) == before
    assert cli("--profile", "prod", "demo", "--yes").exit_code == 0


def test_declining_a_confirming_profiles_question_removes_nothing(
        demo_cli: Invoke, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _confirming_profile()
    monkeypatch.setattr(console.terminal, "interactive", lambda: True)
    before = dump(db_url)
    declined = demo_cli("--profile", "prod", "demo", "--remove", input="n\n")
    assert declined.exit_code == 1, declined.output
    assert dump(db_url) == before


def test_an_error_after_a_commit_is_never_exit_2_and_names_the_change(
        demo_cli: Invoke, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The one rule in the error handler: a usage-kind error (here: a value the output
    encoding cannot hold) met after the change was committed exits 1, with the change."""
    from onenumber_cli.cli.commands import common

    def unwritable(*_: object) -> None:
        raise NotEncodable(row=1, line=2, column="name", value="x", char="x",
                           codepoint="U+0078", encoding="cp932")

    monkeypatch.setattr(common, "report", unwritable)
    result = demo_cli("devices", "rename", "demo-multi", "BMW", "Car")
    assert result.exit_code == 1, result.output
    assert "Committed before that: Renamed device" in result.stderr
    shown = demo_cli("devices", "show", "demo-multi", "Car")
    assert shown.exit_code == 0  # the rename was committed, as the report says


def test_check_separates_kind_and_message_with_a_real_tab(demo_cli: Invoke, db_url: str) -> None:
    db = Database(parse_url(db_url))
    try:
        plant(db, insert(DEVICES).values(
            id="extra001", account="demo-single", slot=3, name="Extra\tTab",
            name_key="extra", type="X", registered_at=datetime(2022, 1, 1, tzinfo=UTC)))
    finally:
        db.dispose()
    result = demo_cli("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines and all(len(line.split("\t")) == 2 for line in lines), lines
    assert "\\u0009" not in result.stdout.split("\t", 1)[0]
    kinds = {line.split("\t")[0] for line in lines}
    assert {"capacity", "slot_range"} <= kinds
    # a value's own tab stays escaped: it cannot add a column
    assert any("Extra\\u0009Tab" in line for line in lines), lines


@pytest.mark.parametrize(("lang", "wanted", "unwanted"), [
    ("en", "Re-run onenumber batch revert 20261125T010612Z-db5ea4", "Re-run the file"),
    ("ja", "onenumber batch revert 20261125T010612Z-db5ea4 を再実行", "ファイルを再実行"),
])
def test_a_stopped_revert_says_to_rerun_batch_revert_not_a_file(
        lang: str, wanted: str, unwanted: str) -> None:
    set_language(lang)
    for stop in ("unavailable", "interrupted", "output_failed"):
        summary = Summary("20261202T000000Z-abcdef", rows=3, ok=2, changed=2, failed=1,
                          **{stop: True})
        text = batch_summary(summary, reverts="20261125T010612Z-db5ea4")
        assert wanted in text and unwanted not in text, text
        plain = batch_summary(summary)
        assert unwanted in plain, plain


def test_the_fields_a_change_result_has_are_its_records_fields() -> None:
    assert tuple(field.name for field in dataclasses.fields(ChangeResult)) == RESULT_FIELDS
