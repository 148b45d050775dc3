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
from onenumber_cli.storage.engine import Database, parse_url
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL,
                                reason="ONENUMBER_TEST_POSTGRES_URL is not set (CI sets it)")
ROLES_SQL = Path(__file__).parents[2] / "docs" / "postgres-roles.sql"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _statements(sql: str) -> list[str]:
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return [s.strip() for s in without_comments.split(";") if s.strip()]


@pytest.fixture
def roles(postgres_url: str) -> Iterator[dict[str, str]]:
    """The roles of docs/postgres-roles.sql, made for the test database and dropped after."""
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
    with admin.engine.begin() as conn:
        for statement in _statements(ROLES_SQL.read_text()):
            if statement.startswith("CREATE DATABASE") or "onenumber_owner" in statement:
                continue  # the test database and its owner exist already
            for doc_name, name in names.items():
                statement = statement.replace(doc_name, name)
                statement = re.sub(rf"(ROLE {name} LOGIN PASSWORD) '[^']*'",
                                   rf"\1 '{passwords[name]}'", statement)
            statement = statement.replace("DATABASE onenumber ", f"DATABASE {database} ")
            conn.execute(text(statement))
    yield {doc: owner.set(username=name, password=passwords[name]).render_as_string(
        hide_password=False) for doc, name in names.items()}
    with admin.engine.begin() as conn:
        for name in names.values():
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}"))
            conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {name}"))
            conn.execute(text(f"REVOKE ALL ON SCHEMA public FROM {name}"))
            conn.execute(text(f"REVOKE ALL ON DATABASE {database} FROM {name}"))
            conn.execute(text(f"DROP ROLE {name}"))
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
    assert make_url(reader).password not in err + out


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
