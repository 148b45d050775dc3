"""Commands through Typer's CliRunner: exact exit codes, parsed machine output."""

from __future__ import annotations

import csv
import io
import json

import pytest

from onenumber_cli.cli import console
from onenumber_cli.storage.revision import HEAD_REVISION
from tests.cli.conftest import Invoke


def as_json(text: str) -> object:
    return json.loads(text)


def test_status_json_has_the_documented_fields(demo_cli: Invoke) -> None:
    result = demo_cli("status", "demo-multi", "-o", "json")
    assert result.exit_code == 0, result.stderr
    data = as_json(result.stdout)
    assert isinstance(data, dict)
    assert {k: data[k] for k in ("account", "status", "plan", "capacity", "registered")} == {
        "account": "demo-multi", "status": "active", "plan": "one-number+multi",
        "capacity": 5, "registered": 3}
    assert [d["slot"] for d in data["devices"]] == [1, 2, 3]
    device = data["devices"][2]
    assert set(device) >= {"id", "slot", "name", "type", "imei", "registered_at"}
    assert device["imei"] is None
    assert device["registered_at"] == "2022-09-12T16:43:00+09:00"


def test_global_options_work_before_and_after_the_subcommand(demo_cli: Invoke) -> None:
    before = demo_cli("-o", "json", "status", "demo-single")
    after = demo_cli("status", "demo-single", "-o", "json")
    assert before.exit_code == after.exit_code == 0
    assert as_json(before.stdout) == as_json(after.stdout)
    nested = demo_cli("devices", "list", "demo-multi", "--lang", "ja", "--tz", "UTC")
    assert nested.exit_code == 0
    assert "端末名" in nested.stdout
    assert "2022年09月12日 07:43" in nested.stdout


def test_status_table_shows_every_slot_the_fee_and_the_notes(demo_cli: Invoke) -> None:
    single = demo_cli("status", "demo-single")
    assert single.exit_code == 0
    assert "1 / 1" in single.stdout
    assert "550 JPY" in single.stdout
    multi = demo_cli("status", "demo-multi", "--lang", "ja")
    assert "3 / 5" in multi.stdout
    assert multi.stdout.count("未登録") == 2
    assert "2021年07月20日" in multi.stdout
    assert "ワンナンバーサービス＋マルチデバイスオプション" in multi.stdout
    assert "550" not in multi.stdout  # the option is already subscribed


def test_status_quiet_leaves_out_the_notes(demo_cli: Invoke) -> None:
    result = demo_cli("status", "demo-single", "-q")
    assert "550" not in result.stdout
    assert "BMW" in result.stdout


def test_table_columns_align_with_japanese_names(demo_cli: Invoke) -> None:
    assert demo_cli("devices", "rename", "demo-multi", "BMW", "愛車のＢＭＷ").exit_code == 0
    out = demo_cli("devices", "list", "demo-multi").stdout
    from wcwidth import wcswidth

    lines = [line for line in out.splitlines() if line.strip()]
    ids = [line.rstrip().rsplit(" ", 1)[-1] for line in lines[2:]]
    assert all(len(i) == 8 for i in ids)
    widths = {wcswidth(line.rstrip()) for line in lines[2:]}
    assert len(widths) == 1, out  # every row ends at the same display column


def test_devices_list_formats(demo_cli: Invoke) -> None:
    as_list = as_json(demo_cli("devices", "list", "demo-multi", "-o", "json").stdout)
    assert isinstance(as_list, list) and len(as_list) == 3
    lines = demo_cli("devices", "list", "demo-multi", "-o", "jsonl").stdout.splitlines()
    assert [json.loads(line)["slot"] for line in lines] == [1, 2, 3]
    rows = list(csv.DictReader(io.StringIO(
        demo_cli("devices", "list", "demo-multi", "-o", "csv").stdout)))
    assert [r["name"] for r in rows] == ["Apple Watch SE", "Apple Watch Series 6", "BMW"]
    assert rows[0]["imei"] == ""
    tsv = demo_cli("devices", "list", "demo-multi", "-o", "tsv").stdout.splitlines()
    assert tsv[0].split("\t")[:3] == ["slot", "id", "name"]


def test_history_json_newest_first(demo_cli: Invoke) -> None:
    events = as_json(demo_cli("history", "demo-multi", "-o", "json", "--limit", "3").stdout)
    assert isinstance(events, list)
    assert [(e["event"], e["name"]) for e in events] == [
        ("register", "BMW"), ("register", "AW7"), ("unregister", "ON01")]
    assert set(events[0]) >= {"event", "at", "device_id", "name", "type", "imei"}
    only = as_json(demo_cli("history", "demo-multi", "--kind", "unregister", "-o",
                            "json").stdout)
    assert isinstance(only, list)
    assert [e["name"] for e in only] == ["ON01"]
    since = as_json(demo_cli("history", "demo-multi", "--since", "2022-09-12", "-o",
                             "json").stdout)
    assert len(since) == 2  # type: ignore[arg-type]


def test_register_rename_and_their_json_reports(demo_cli: Invoke) -> None:
    result = demo_cli("devices", "register", "demo-multi", "--type", "Apple Watch Ultra",
                      "--imei", "490154203237518", "-o", "json")
    assert result.exit_code == 0, result.stderr
    data = as_json(result.stdout)
    assert isinstance(data, dict)
    assert (data["changed"], data["account"], data["device"]["slot"], data["plan"]) == (
        True, "demo-multi", 4, "one-number+multi")
    renamed = as_json(demo_cli("devices", "rename", "demo-multi", "490154203237518",
                               "登山用", "-o", "json").stdout)
    assert renamed["changed"] is True and renamed["device"]["name"] == "登山用"  # type: ignore
    again = as_json(demo_cli("devices", "rename", "demo-multi", "登山用", "登山用",
                             "-o", "json").stdout)
    assert again["changed"] is False  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["status", "nobody"], 3, "account_not_found"),
        (["devices", "show", "demo-multi", "nothing"], 3, "device_not_found"),
        (["status", "bad account!"], 2, "invalid_account"),
        (["devices", "register", "demo-single", "--type", "Car"], 4, "capacity_exceeded"),
        (["devices", "register", "demo-multi", "--type", "X", "--name", "bmw"], 4,
         "duplicate_name"),
        (["devices", "register", "demo-multi", "--type", "X", "--name", "a@b"], 4,
         "invalid_name"),
        (["devices", "register", "demo-multi", "--type", "X", "--imei", "123"], 4,
         "invalid_imei"),
        (["devices", "register", "demo-multi", "--type", "X", "--at", "2999-01-01"], 2,
         "invalid_time"),
        (["devices", "unregister", "demo-single", "BMW", "--yes"], 4, "last_device"),
        (["option", "cancel", "demo-multi", "--yes"], 4, "too_many_devices"),
        (["service", "cancel", "demo-multi", "--yes"], 4, "too_many_devices"),
        (["service", "subscribe", "demo-single", "--multi"], 4, "not_subscribable"),
        (["devices", "register", "demo-multi", "--type", "X", "--replace"], 4,
         "replace_not_allowed"),
        (["devices", "unregister", "demo-multi", "BMW"], 2, "confirmation_required"),
        (["status", "demo-multi", "--db", "mysql://x@y/z"], 6, "database_unavailable"),
    ],
)
def test_errors_have_exact_exit_codes_and_json_objects(
    demo_cli: Invoke, args: list[str], code: int, error: str
) -> None:
    result = demo_cli(*args, "-o", "json")
    assert result.exit_code == code, result.stderr
    assert result.stdout == ""
    payload = as_json(result.stderr)
    assert isinstance(payload, dict)
    assert payload["error"]["code"] == error
    assert payload["error"]["message"] and payload["error"]["hint"]


def test_table_mode_errors_are_one_clear_message_and_a_hint(demo_cli: Invoke) -> None:
    result = demo_cli("status", "nobody", "--lang", "ja")
    assert result.exit_code == 3
    assert result.stderr.startswith("エラー: アカウント「nobody」は見つかりません。")
    assert "ヒント:" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(demo_cli: Invoke) -> None:
    assert demo_cli("history", "demo-multi", "--kind", "sideways").exit_code == 2
    assert demo_cli("history", "demo-multi", "--limit", "0").exit_code == 2
    assert demo_cli("status").exit_code == 2
    bad_output = demo_cli("status", "demo-multi", "-o", "xml")
    assert bad_output.exit_code == 2
    assert "xml" in bad_output.stderr
    assert demo_cli("status", "demo-multi", "--tz", "Mars/Olympus").exit_code == 2


def test_unregister_without_a_terminal_needs_yes_and_changes_nothing(demo_cli: Invoke) -> None:
    result = demo_cli("devices", "unregister", "demo-multi", "BMW")
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert "BMW" in demo_cli("devices", "list", "demo-multi").stdout


def test_unregister_on_a_terminal_shows_the_seed_confirmation(
    demo_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console.terminal, "interactive", lambda: True)
    declined = demo_cli("devices", "unregister", "demo-multi", "BMW", "--lang", "ja",
                        input="n\n")
    assert declined.exit_code == 1
    assert "ワンナンバー登録を解除しますか？" in declined.stderr
    assert "この操作を実行すると元に戻せなくなります。" in declined.stderr
    assert "BMW" in demo_cli("devices", "list", "demo-multi").stdout
    accepted = demo_cli("devices", "unregister", "demo-multi", "BMW", input="y\n")
    assert accepted.exit_code == 0
    assert "This operation cannot be undone." in accepted.stderr
    assert "Unregistered 'BMW'" in accepted.stdout
    assert "BMW" not in demo_cli("devices", "list", "demo-multi").stdout


def test_a_refused_unregister_is_reported_before_any_prompt(
    demo_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console.terminal, "interactive", lambda: True)
    result = demo_cli("devices", "unregister", "demo-single", "BMW", input="y\n")
    assert result.exit_code == 4
    assert "cannot be undone" not in result.stderr


def test_dry_run_reports_and_writes_nothing(demo_cli: Invoke) -> None:
    before = demo_cli("history", "demo-multi", "-o", "json").stdout
    result = demo_cli("devices", "unregister", "demo-multi", "BMW", "--dry-run", "-o", "json")
    assert result.exit_code == 0
    data = as_json(result.stdout)
    assert data["changed"] is True and data["dry_run"] is True  # type: ignore[index]
    for args in (["devices", "register", "demo-multi", "--type", "X", "--dry-run"],
                 ["devices", "rename", "demo-multi", "BMW", "Car", "--dry-run"],
                 ["option", "subscribe", "demo-single", "--dry-run"],
                 ["service", "cancel", "demo-single", "--dry-run"],
                 ["service", "subscribe", "newbie", "--dry-run"]):
        assert demo_cli(*args).exit_code == 0, args
    assert demo_cli("history", "demo-multi", "-o", "json").stdout == before
    assert demo_cli("status", "newbie").exit_code == 3


def test_option_and_service_lifecycle(cli: Invoke) -> None:
    assert cli("service", "subscribe", "c1", "-o", "json").exit_code == 0
    assert cli("devices", "register", "c1", "--type", "BMW").exit_code == 0
    sub = as_json(cli("option", "subscribe", "c1", "-o", "json").stdout)
    assert sub["plan"] == "one-number+multi"  # type: ignore[index]
    assert as_json(cli("option", "subscribe", "c1", "-o", "json").stdout)[  # type: ignore
        "changed"] is False
    assert cli("option", "cancel", "c1", "--yes").exit_code == 0
    cancelled = as_json(cli("service", "cancel", "c1", "--yes", "-o", "json").stdout)
    assert (cancelled["status"], cancelled["changed"]) == ("cancelled", True)  # type: ignore
    refused = cli("devices", "register", "c1", "--type", "BMW", "-o", "json")
    assert refused.exit_code == 4
    assert as_json(refused.stderr)["error"]["code"] == "contract_cancelled"  # type: ignore
    assert "service subscribe c1" in cli("status", "c1").stdout


def test_accounts_list_streams_every_format(demo_cli: Invoke) -> None:
    data = as_json(demo_cli("accounts", "list", "-o", "json").stdout)
    assert [a["account"] for a in data] == ["demo-multi", "demo-single"]  # type: ignore
    assert as_json(demo_cli("accounts", "list", "--status", "cancelled", "-o",
                            "json").stdout) == []
    lines = demo_cli("accounts", "list", "--plan", "one-number", "-o", "jsonl").stdout
    assert [json.loads(x)["account"] for x in lines.splitlines()] == ["demo-single"]
    assert "3 / 5" in demo_cli("accounts", "list").stdout


def test_an_unexpected_error_shows_no_traceback_unless_debug(
    demo_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onenumber_cli import services

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(services, "get_status", boom)
    result = demo_cli("status", "demo-multi")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "--debug" in result.stderr
    with pytest.raises(RuntimeError):
        demo_cli("status", "demo-multi", "--debug")


def test_db_commands_report_the_schema(cli: Invoke, db_url: str) -> None:
    current = as_json(cli("db", "current", "-o", "json").stdout)
    assert current["current"] is True and current["revision"] == HEAD_REVISION  # type: ignore
    upgraded = as_json(cli("db", "upgrade", "-o", "json").stdout)
    assert upgraded["changed"] is False  # type: ignore[index]


def test_db_upgrade_creates_a_new_sqlite_database(cli: Invoke, tmp_path: object) -> None:
    path = f"{tmp_path}/new.sqlite"
    assert cli("status", "x", "--db", f"sqlite:///{path}").exit_code == 6
    result = cli("db", "upgrade", "--db", f"sqlite:///{path}", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert as_json(result.stdout)["changed"] is True  # type: ignore[index]
    assert cli("status", "x", "--db", f"sqlite:///{path}").exit_code == 3


def test_db_upgrade_dry_run_creates_nothing(cli: Invoke, tmp_path: object) -> None:
    path = f"{tmp_path}/later.sqlite"
    result = cli("db", "upgrade", "--db", f"sqlite:///{path}", "--dry-run")
    assert result.exit_code == 6  # nothing there yet, and a dry run creates nothing
    import os

    assert not os.path.exists(path)


def test_a_schema_ahead_of_the_program_exits_6_and_says_what_to_do(cli: Invoke,
                                                                  db_url: str) -> None:
    from sqlalchemy import text

    from onenumber_cli.storage.engine import Database, parse_url

    db = Database(parse_url(db_url))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'zz99'"))
        # its migrations say programs before 9999 may not use it (not additive)
        conn.execute(text("UPDATE onenumber_schema SET compatible_from = '9999'"))
    db.dispose()
    result = cli("status", "anyone")
    assert result.exit_code == 6
    assert "newer than this program" in result.stderr
    assert "Traceback" not in result.stderr
    assert cli("db", "upgrade").exit_code == 6  # it cannot go back


def test_db_grant_on_sqlite_is_a_usage_error(cli: Invoke, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL: see tests/integration/test_postgres.py")
    result = cli("db", "grant", "--operator", "a", "--reader", "b")
    assert result.exit_code == 2 and "PostgreSQL" in result.stderr


def test_db_current_is_a_health_check_exit_6_when_behind_with_the_report(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onenumber_cli.storage import revision

    assert cli("db", "current").exit_code == 0
    with monkeypatch.context() as patch:  # a newer program: this database is behind it
        patch.setattr(revision, "HEAD_REVISION", "9999")
        patch.setattr(revision, "KNOWN_REVISIONS", (*revision.KNOWN_REVISIONS, "9999"))
        result = cli("db", "current", "-o", "json")
        assert result.exit_code == 6
        assert as_json(result.stdout)["current"] is False  # type: ignore[index]
        assert '"schema_mismatch"' in result.stderr and "owner" in result.stderr
        result = cli("status", "anyone", "--lang", "ja")
        assert result.exit_code == 6 and "所有者" in result.stderr
    assert cli("db", "current").exit_code == 0


def test_demo_refuses_a_database_with_other_accounts_and_is_removable(cli: Invoke) -> None:
    assert cli("service", "subscribe", "real-customer").exit_code == 0
    refused = cli("demo", "-o", "json")
    assert refused.exit_code == 2
    error = as_json(refused.stderr.strip().splitlines()[-1])["error"]  # type: ignore[index]
    assert error["code"] == "confirmation_required" and "--force" in error["hint"]
    assert cli("status", "demo-multi").exit_code == 3  # nothing loaded
    assert cli("demo", "--lang", "ja").exit_code == 2
    assert cli("demo", "--force").exit_code == 0
    assert cli("status", "demo-multi").exit_code == 0
    removed = cli("demo", "--remove", "-o", "json")
    assert removed.exit_code == 0, removed.stderr
    data = as_json(removed.stdout)
    assert data["changed"] is True and data["rows"]["contracts"] == 2  # type: ignore[index]
    assert cli("status", "demo-multi").exit_code == 3
    assert cli("status", "demo-single").exit_code == 3
    assert cli("status", "real-customer").exit_code == 0
    audit = as_json(cli("audit", "-o", "json").stdout)
    assert [record["account"] for record in audit] == ["real-customer"]  # type: ignore
    assert cli("check").exit_code == 0
    again = cli("demo", "--remove", "-o", "json")
    assert again.exit_code == 0 and as_json(again.stdout)["changed"] is False  # type: ignore


def test_a_date_copied_from_a_japanese_table_can_be_typed_back(demo_cli: Invoke) -> None:
    table = demo_cli("history", "demo-multi", "--lang", "ja")
    assert "2022年09月12日 16:43" in table.stdout
    since = demo_cli("history", "demo-multi", "--since", "2022年09月12日 16:43", "-o", "json")
    assert since.exit_code == 0, since.stderr
    assert {e["at"] for e in json.loads(since.stdout)} == {"2022-09-12T16:43:00+09:00"}
    day = demo_cli("history", "demo-multi", "--since", "2022年09月12日", "-o", "json")
    slashes = demo_cli("history", "demo-multi", "--since", "2022/09/12", "-o", "json")
    assert day.exit_code == slashes.exit_code == 0
    assert as_json(slashes.stdout) == as_json(day.stdout)
    assert len(json.loads(day.stdout)) == 2  # AW7 at 14:17 and BMW at 16:43 that day
    bad = demo_cli("history", "demo-multi", "--since", "12.09.2022", "--lang", "ja")
    assert bad.exit_code == 2
    assert "2022年09月12日 16:43" in bad.stderr and "ISO 8601" in bad.stderr
