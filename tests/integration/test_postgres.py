"""PostgreSQL deployment: the documented roles, and clean failures when the database is
away or refuses.  Skipped (visibly) without ONENUMBER_TEST_POSTGRES_URL."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from onenumber_cli.cli.app import app
from onenumber_cli.storage.connect import open_database
from onenumber_cli.storage.engine import Database, parse_url
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL,
                                reason="ONENUMBER_TEST_POSTGRES_URL is not set (CI sets it)")
ROLES_SQL = Path(__file__).parents[2] / "docs" / "postgres-roles.sql"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _statements(sql: str) -> list[str]:
    """The SQL statements of a psql script (its meta-commands, ``\\set ...``, left out)."""
    without_comments = re.sub(r"--[^\n]*", "", sql)
    without_meta = re.sub(r"(?m)^\\[^\n]*", "", without_comments)
    return [s.strip() for s in without_meta.split(";") if s.strip()]


def _drop_roles(admin: Database, database: str, names: list[str]) -> None:
    with admin.engine.begin() as conn:
        owner = conn.execute(text("SELECT current_user")).scalar()
        for name in names:
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"),
                                  {"n": name}).scalar()
            if not exists:
                continue
            for kind in ("TABLES", "SEQUENCES"):
                conn.execute(text(f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
                                  f"REVOKE ALL ON {kind} FROM {name}"))
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}"))
            conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {name}"))
            conn.execute(text(f"REVOKE ALL ON SCHEMA public FROM {name}"))
            conn.execute(text(f"REVOKE ALL ON DATABASE {database} FROM {name}"))
            conn.execute(text(f"DROP ROLE {name}"))
        conn.execute(text(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO PUBLIC"))


@pytest.fixture
def roles(postgres_url: str) -> Iterator[dict[str, str]]:
    """The documented sequence, on roles made for the test database (dropped after):
    docs/postgres-roles.sql (its role part: the test database and its owner exist
    already), a password for each role (``\\password`` in psql), then ``db upgrade`` and
    ``db grant`` as the owner."""
    owner = make_url(postgres_url)
    database = str(owner.database)
    names = {"onenumber_operator": f"{database}_operator", "onenumber_reader": f"{database}_reader"}
    passwords = {name: secrets.token_hex(8) for name in names.values()}
    admin = Database(parse_url(postgres_url))
    with admin.engine.connect() as conn:
        can_create = conn.execute(text("SELECT rolcreaterole OR rolsuper FROM pg_roles "
                                       "WHERE rolname = current_user")).scalar()
    if not can_create:
        admin.dispose()
        pytest.skip("the test role lacks CREATEROLE (.ci/run grants it)")
    _drop_roles(admin, database, list(names.values()))  # left over by an interrupted run
    with admin.engine.begin() as conn:
        for statement in _statements(ROLES_SQL.read_text()):
            if statement.startswith("CREATE DATABASE") or "onenumber_owner" in statement:
                continue  # the test database and its owner exist already
            for doc_name, name in names.items():
                statement = statement.replace(doc_name, name)
            statement = statement.replace("DATABASE onenumber ", f"DATABASE {database} ")
            conn.execute(text(statement))
        for name, password in passwords.items():
            conn.execute(text(f"ALTER ROLE {name} PASSWORD '{password}'"))
    assert cli("--db", postgres_url, "db", "upgrade")[0] == 0
    code, _, err = cli("--db", postgres_url, "db", "grant",
                       "--operator", names["onenumber_operator"],
                       "--reader", names["onenumber_reader"])
    assert code == 0, err
    yield {doc: owner.set(username=name, password=passwords[name]).render_as_string(
        hide_password=False) for doc, name in names.items()}
    _drop_roles(admin, database, list(names.values()))
    admin.dispose()


def test_operator_role_changes_and_reader_role_is_refused_cleanly(
    roles: dict[str, str],
) -> None:
    operator, reader = roles["onenumber_operator"], roles["onenumber_reader"]
    assert cli("--db", operator, "service", "subscribe", "shared", "--multi")[0] == 0
    assert cli("--db", operator, "devices", "register", "shared", "--type", "BMW")[0] == 0
    assert cli("--db", operator, "devices", "rename", "shared", "BMW", "Car")[0] == 0
    assert cli("--db", reader, "status", "shared")[0] == 0
    code, out, err = cli("--db", reader, "devices", "register", "shared", "--type", "X")
    assert code == 6
    assert "read-only" in err and "Traceback" not in err
    password = make_url(reader).password
    assert password is not None and password not in err + out


def test_operator_role_cannot_edit_history_or_audit(roles: dict[str, str]) -> None:
    assert cli("--db", roles["onenumber_operator"], "service", "subscribe", "a")[0] == 0
    operator = Database(parse_url(roles["onenumber_operator"]))
    try:
        for statement in ("UPDATE audit SET operator = 'x'", "DELETE FROM history",
                          "DELETE FROM audit"):
            with pytest.raises(Exception, match="permission denied"), \
                    operator.engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        operator.dispose()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"password": "wrong-Pa55word"}, "password authentication failed"),
        ({"database": "onenumber_no_such_database_" + "x" * 30}, "does not exist"),
        ({"port": 1}, "refused"),
    ],
)
def test_unusable_postgres_exits_6_with_one_clear_line_and_no_password(
    change: dict[str, object], expected: str
) -> None:
    assert POSTGRES_URL
    url = make_url(POSTGRES_URL).set(**change)  # type: ignore[arg-type]
    code, out, err = cli("--db", url.render_as_string(hide_password=False), "status", "x")
    assert code == 6
    assert expected in err
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("error:") and lines[1].startswith("hint:")
    for secret in {str(url.password), str(make_url(POSTGRES_URL).password)}:
        assert secret not in err + out


def test_db_current_masks_the_password() -> None:
    assert POSTGRES_URL
    code, out, _ = cli("--db", POSTGRES_URL, "db", "current", "-o", "json")
    assert code == 0
    assert str(make_url(POSTGRES_URL).password) not in out
    assert ":***@" in out


@pytest.mark.parametrize("statement", [
    "UPDATE devices SET type = 'X'", "UPDATE devices SET imei = NULL",
    "UPDATE devices SET registered_at = now()", "UPDATE devices SET account = 'b'",
    "UPDATE devices SET id = 'zzzzzzzz'", "UPDATE contracts SET created_at = now()",
    "UPDATE contracts SET account = 'b'",
])
def test_operator_role_cannot_change_what_r5_keeps(roles: dict[str, str],
                                                   statement: str) -> None:
    """R5 enforced by the database: the operator role may UPDATE only the columns a change
    touches, so no hand-written SQL through that role can rewrite a device's identity."""
    operator_url = roles["onenumber_operator"]
    assert cli("--db", operator_url, "service", "subscribe", "a", "--multi")[0] == 0
    assert cli("--db", operator_url, "devices", "register", "a", "--type", "BMW")[0] == 0
    operator = Database(parse_url(operator_url))
    try:
        with pytest.raises(Exception, match="permission denied"), \
                operator.engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        operator.dispose()
    # ...while every change the tool makes still works through that role
    for args in (["devices", "rename", "a", "BMW", "Car"], ["option", "cancel", "a", "--yes"],
                 ["service", "cancel", "a", "--yes"]):
        assert cli("--db", operator_url, *args)[0] == 0, args


def test_a_password_given_as_a_query_parameter_is_never_printed() -> None:
    """libpq also takes ?password=...: masked in db current, config show and errors."""
    assert POSTGRES_URL
    url = make_url(POSTGRES_URL)
    secret = str(url.password)
    in_query = url.set(password=None).update_query_dict({"password": secret})
    raw = in_query.render_as_string(hide_password=False)
    assert secret in raw
    code, out, err = cli("--db", raw, "db", "current")
    assert code == 0 and secret not in out + err and "password=***" in out
    code, out, err = cli("--db", raw, "config", "show", "-o", "json")
    assert code == 0 and secret not in out + err
    wrong = in_query.update_query_dict({"password": "Wr0ng-" + secret})
    code, out, err = cli("--db", wrong.render_as_string(hide_password=False), "status", "x")
    assert code == 6 and secret not in out + err and "Wr0ng-" not in out + err


def test_the_roles_script_stops_at_an_error_and_holds_no_password() -> None:
    script = ROLES_SQL.read_text()
    assert "\\set ON_ERROR_STOP on" in script
    assert not any("PASSWORD" in s.upper() for s in _statements(script))
    assert "change-me" not in script
    assert not any(s.startswith("GRANT") for s in _statements(script))  # db grant's job


def test_db_grant_is_rerunnable_and_covers_a_later_migrations_tables(
    roles: dict[str, str], postgres_url: str,
) -> None:
    operator, reader = roles["onenumber_operator"], roles["onenumber_reader"]
    names = [str(make_url(url).username) for url in (operator, reader)]
    code, out, _ = cli("--db", postgres_url, "db", "grant", "--operator", names[0],
                       "--reader", names[1], "-o", "json")
    assert code == 0 and '"contracts"' in out  # again: same result
    owner = Database(parse_url(postgres_url))
    try:
        with owner.engine.begin() as conn:  # what a later migration would do
            conn.execute(text("CREATE TABLE later_table (id integer PRIMARY KEY)"))
        for url in (operator, reader):
            user = Database(parse_url(url))
            try:
                with user.engine.connect() as conn:
                    assert conn.execute(text("SELECT count(*) FROM later_table")).scalar() == 0
            finally:
                user.dispose()
        with owner.engine.connect() as conn:  # PUBLIC may no longer connect
            public = conn.execute(text(
                "SELECT count(*) FROM pg_database, aclexplode(datacl) AS acl "
                "WHERE datname = current_database() AND acl.grantee = 0")).scalar()
        assert public == 0
    finally:
        with owner.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS later_table"))
        owner.dispose()


def test_reader_reads_everything_and_every_change_exits_6(roles: dict[str, str]) -> None:
    operator, reader = roles["onenumber_operator"], roles["onenumber_reader"]
    assert cli("--db", operator, "service", "subscribe", "r", "--multi")[0] == 0
    assert cli("--db", operator, "devices", "register", "r", "--type", "BMW")[0] == 0
    for args in (["status", "r"], ["history", "r"], ["audit"], ["check"], ["accounts", "list"],
                 ["db", "current"]):
        assert cli("--db", reader, *args)[0] == 0, args
    for args in (["devices", "rename", "r", "BMW", "Car"], ["option", "cancel", "r", "--yes"],
                 ["service", "subscribe", "new"]):
        code, _, err = cli("--db", reader, *args)
        assert code == 6 and "read-only" in err, args
    code, _, err = cli("--db", reader, "db", "grant", "--operator", "x", "--reader", "y")
    assert code == 2  # no such roles: a usage error, before any privilege matters


@pytest.mark.parametrize(("args", "needle"), [
    (["--operator", "no_such_role_15", "--reader", "no_such_role_16"], "no_such_role_15"),
    (["--operator", "a b", "--reader", "c"], "a b"),
    (["--operator", "same", "--reader", "same"], "same"),
])
def test_db_grant_refuses_bad_roles_with_exit_2(postgres_url: str, args: list[str],
                                                 needle: str) -> None:
    code, _, err = cli("--db", postgres_url, "db", "grant", *args)
    assert code == 2 and needle in err and "hint:" in err


def test_only_the_owner_can_remove_the_demo_customers(roles: dict[str, str],
                                                      postgres_url: str) -> None:
    operator = roles["onenumber_operator"]
    assert cli("--db", operator, "demo")[0] == 0  # an empty database: loaded
    for url in (operator, roles["onenumber_reader"]):
        code, _, err = cli("--db", url, "demo", "--remove")
        assert code == 6 and "owner" in err, err
    assert cli("--db", postgres_url, "demo", "--remove")[0] == 0
    assert cli("--db", operator, "status", "demo-multi")[0] == 3


@pytest.mark.parametrize(("operator", "expected"), [
    ("sato", "onenumber/sato"),
    ("佐藤 a", "onenumber/?? a"),
    ("x" * 100, ("onenumber/" + "x" * 100)[:63]),
])
def test_the_session_names_the_tool_and_the_operator(operator: str, expected: str) -> None:
    """pg_stat_activity shows a DBA who holds a lock: application_name onenumber/OPERATOR
    (ASCII, at most 63 bytes), unless the URL names the session itself."""
    assert POSTGRES_URL
    db = open_database(POSTGRES_URL, data_dir=Path("/nonexistent"), operator=operator)
    try:
        with db.connected() as conn:
            assert conn.execute(text("SHOW application_name")).scalar() == expected
    finally:
        db.dispose()
    own = make_url(POSTGRES_URL).update_query_dict({"application_name": "nightly-job"})
    db = open_database(own.render_as_string(hide_password=False), data_dir=Path("/nonexistent"),
                       operator=operator)
    try:
        with db.connected() as conn:
            assert conn.execute(text("SHOW application_name")).scalar() == "nightly-job"
    finally:
        db.dispose()


def test_the_cli_session_is_named_after_the_operator(postgres_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from onenumber_cli.cli import invocation

    seen: list[str] = []
    original = invocation.Invocation.database

    def spy(self: invocation.Invocation, **kwargs: object) -> Database:
        db = original(self, **kwargs)  # type: ignore[arg-type]
        with db.connected() as conn:
            seen.append(str(conn.execute(text("SHOW application_name")).scalar()))
        return db

    monkeypatch.setattr(invocation.Invocation, "database", spy)
    assert cli("--db", postgres_url, "--operator", "sato", "accounts", "list")[0] == 0
    assert seen == ["onenumber/sato"]


def test_a_reader_can_dry_run_every_change_and_a_batch_but_not_change(
    roles: dict[str, str], tmp_path: Path,
) -> None:
    import json
    import time

    operator, reader = roles["onenumber_operator"], roles["onenumber_reader"]
    assert cli("--db", operator, "service", "subscribe", "d", "--multi")[0] == 0
    assert cli("--db", operator, "devices", "register", "d", "--type", "BMW")[0] == 0
    assert cli("--db", operator, "devices", "register", "d", "--type", "Watch")[0] == 0
    for args in (["devices", "register", "d", "--type", "Car"],
                 ["devices", "rename", "d", "BMW", "Car"],
                 ["devices", "unregister", "d", "Watch"],
                 ["option", "cancel", "d"], ["service", "subscribe", "new", "--multi"]):
        code, out, err = cli("--db", reader, *args, "--dry-run", "-o", "json")
        assert code in (0, 4), (args, err)
        if code == 0:
            assert json.loads(out)["changed"] is True, args
    rows = tmp_path / "rows.csv"
    rows.write_text("action,account,device,name,type\n"
                    "register,d,,,Tablet\nrename,d,Tablet,Tab,\n"  # row 2 sees row 1
                    "service-subscribe,e,,,\nregister,e,,,Car\n")
    code, out, err = cli("--db", reader, "batch", "apply", str(rows), "--dry-run", "-o", "json")
    assert code == 0, err
    assert [r["ok"] for r in json.loads(out)] == [True] * 4
    started = time.monotonic()  # a real change: refused at once, nothing retried
    code, _, err = cli("--db", reader, "devices", "rename", "d", "BMW", "Car")
    assert code == 6 and "read-only" in err and time.monotonic() - started < 3
    code, out, err = cli("--db", reader, "batch", "apply", str(rows), "-o", "json")
    assert code == 6 and "read-only" in err
    code, out, _ = cli("--db", operator, "status", "d", "-o", "json")
    assert [d["name"] for d in json.loads(out)["devices"]] == ["BMW", "Watch"]  # unchanged
    assert cli("--db", operator, "status", "e")[0] == 3


def test_a_readers_dry_run_waits_for_no_row_lock(roles: dict[str, str], postgres_url: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """No FOR UPDATE in a dry run; the reader's writes are refused before they could wait."""
    operator, reader = roles["onenumber_operator"], roles["onenumber_reader"]
    assert cli("--db", operator, "service", "subscribe", "locked", "--multi")[0] == 0
    holder = Database(parse_url(postgres_url))
    try:
        with holder.engine.connect() as conn:
            conn.begin()
            conn.execute(text("SELECT 1 FROM contracts WHERE account = 'locked' FOR UPDATE"))
            monkeypatch.setenv("ONENUMBER_LOCK_TIMEOUT", "0.2")
            assert cli("--db", reader, "devices", "register", "locked", "--type", "BMW",
                       "--dry-run")[0] == 0
            assert cli("--db", operator, "devices", "register", "locked", "--type", "BMW"
                       )[0] == 5  # the real change waits for the lock, then gives up
            conn.rollback()
    finally:
        holder.dispose()
