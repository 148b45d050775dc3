"""What the team's PostgreSQL roles can do behind the tool's back (revision 0004).

* The reader cannot hold the operators' changes up: the schema guard takes a lock on
  ``onenumber_schema`` that needs a write privilege, not the advisory lock any role may
  take.  A change that does wait for the guard (a ``db upgrade``, or the owner holding
  the table) gives up after the lock timeout and names who holds it.
* The operator role cannot, with direct SQL, write an audit record that names another
  database role, nor store a row that breaks an invariant ``check`` verifies.

The role setup is test_postgres.py's (``docs/postgres-roles.sql``, then ``db upgrade``
and ``db grant`` as the owner).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from onenumber_cli.storage.engine import SCHEMA_LOCK, Database, parse_url
from tests.conftest import POSTGRES_URL
from tests.integration.test_postgres import cli, roles

pytestmark = pytest.mark.skipif(not POSTGRES_URL,
                                reason="ONENUMBER_TEST_POSTGRES_URL is not set (CI sets it)")
__all__ = ["roles"]  # the fixture, imported for its use here

# A valid IMEI (Luhn) and a moment, for rows written by hand.
IMEI = "490154203237518"
AT = "2026-01-01 00:00:00+00"


@pytest.fixture
def as_operator(roles: dict[str, str]) -> Iterator[Database]:
    database = Database(parse_url(roles["onenumber_operator"]))
    yield database
    database.dispose()


def _refused(db: Database, *statements: str) -> str:
    """Run ``statements`` in one transaction, which must fail (at a statement or at the
    commit); the SQLSTATE and message it failed with."""
    with pytest.raises(DBAPIError) as failure, db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    orig = failure.value.orig
    return f"{getattr(orig, 'sqlstate', None)} {orig}"


def _device(device_id: str, account: str, slot: str = "1", name: str = "'Car'",
            name_key: str = "'car'", kind: str = "'Car'", type_key: str = "'car'",
            imei: str = "NULL") -> str:
    return ("INSERT INTO devices (id, account, slot, name, name_key, type, type_key, imei, "
            f"registered_at) VALUES ('{device_id}', '{account}', {slot}, {name}, {name_key}, "
            f"{kind}, {type_key}, {imei}, '{AT}')")


def _history(device_id: str, account: str, event: str = "register") -> str:
    return ("INSERT INTO history (account, event, at, device_id, name, type) VALUES "
            f"('{account}', '{event}', '{AT}', '{device_id}', 'Car', 'Car')")


def test_a_reader_holding_the_advisory_schema_lock_does_not_hold_up_a_change(
    roles: dict[str, str],
) -> None:
    reader = Database(parse_url(roles["onenumber_reader"]))
    try:
        with reader.engine.connect() as held:
            held.execute(text(f"SELECT pg_advisory_lock({SCHEMA_LOCK})"))  # what the probe did
            started = time.monotonic()
            code, _, err = cli("--db", roles["onenumber_operator"], "service", "subscribe",
                               "acct1")
            assert code == 0, err
            assert time.monotonic() - started < 2  # no lock timeout waited out
            held.execute(text(f"SELECT pg_advisory_unlock({SCHEMA_LOCK})"))
            held.rollback()
    finally:
        reader.dispose()


@pytest.mark.parametrize("statement", [
    "LOCK TABLE onenumber_schema IN SHARE MODE",
    "LOCK TABLE onenumber_schema IN ROW EXCLUSIVE MODE",
    "LOCK TABLE onenumber_schema IN EXCLUSIVE MODE",
    "SELECT * FROM onenumber_schema FOR KEY SHARE",
])
def test_the_reader_cannot_take_a_lock_that_holds_changes_up(roles: dict[str, str],
                                                              statement: str) -> None:
    reader = Database(parse_url(roles["onenumber_reader"]))
    try:
        assert _refused(reader, "SET LOCAL lock_timeout = '1s'", statement).startswith("42501")
    finally:
        reader.dispose()


def test_the_operators_insert_privilege_on_the_schema_table_writes_nothing(
    as_operator: Database,
) -> None:
    assert _refused(as_operator, "INSERT INTO onenumber_schema VALUES (1, '0001')"
                    ).startswith("23505")
    assert _refused(as_operator, "INSERT INTO onenumber_schema VALUES (2, '0001')"
                    ).startswith("23514")
    assert _refused(as_operator, "UPDATE onenumber_schema SET compatible_from = '0001'"
                    ).startswith("42501")


def test_a_change_waiting_for_the_schema_guard_names_who_holds_it(
    roles: dict[str, str], postgres_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = Database(parse_url(postgres_url))
    monkeypatch.setenv("ONENUMBER_LOCK_TIMEOUT", "0.2")
    try:
        with owner.engine.connect() as held:  # what db upgrade holds while it migrates
            held.execute(text("LOCK TABLE onenumber_schema IN EXCLUSIVE MODE"))
            pid = held.execute(text("SELECT pg_backend_pid()")).scalar()
            started = time.monotonic()
            code, _, err = cli("--db", roles["onenumber_operator"], "-o", "json", "service",
                               "subscribe", "acct1")
            waited = time.monotonic() - started
            held.rollback()
    finally:
        owner.dispose()
    assert code == 5
    error = json.loads(err)["error"]
    assert error["code"] == "conflict"
    assert "its place against schema changes" in error["message"]  # not "the same account"
    assert f"{make_url(postgres_url).username} (pid {pid}" in error["message"]
    assert "db upgrade" in error["message"]
    assert waited < 5  # four waits of 0.2 s, not of the default 3 s
    assert cli("--db", roles["onenumber_operator"], "service", "subscribe", "acct1")[0] == 0


def test_the_operator_cannot_write_an_audit_record_in_another_roles_name(
    as_operator: Database, roles: dict[str, str], postgres_url: str,
) -> None:
    owner_name = make_url(postgres_url).username
    forged = ("INSERT INTO audit (at, operator, action, account, db_role) VALUES "
              f"('{AT}', 'alice', 'subscribe', 'acct1', '{owner_name}')")
    assert _refused(as_operator, forged).startswith("42501")  # permission denied
    with as_operator.engine.begin() as conn:
        role = conn.execute(text(
            "INSERT INTO audit (at, operator, action, account) VALUES "
            f"('{AT}', 'alice', 'subscribe', 'acct1') RETURNING db_role")).scalar()
    assert role == make_url(roles["onenumber_operator"]).username


def test_the_operator_cannot_choose_the_sequence_number_of_an_appended_record(
    as_operator: Database,
) -> None:
    """An explicit seq far ahead would make a later append by the tool collide with it."""
    for statement in (
        "INSERT INTO audit (seq, at, operator, action, account) VALUES "
        f"(999999, '{AT}', 'alice', 'subscribe', 'acct1')",
        "INSERT INTO history (seq, account, event, at, device_id, name, type) VALUES "
        f"(999999, 'acct1', 'register', '{AT}', 'd1', 'Car', 'Car')",
    ):
        assert _refused(as_operator, statement).startswith("42501")


def _subscribed(conn: Connection, account: str, plan: str) -> None:
    conn.execute(text("INSERT INTO contracts VALUES (:a, 'active', :p, :t, :t)"),
                 {"a": account, "p": plan, "t": AT})


@pytest.mark.parametrize(("case", "statements", "refusal"), [
    ("formula type", [_device("d1", "one", kind="'=cmd|x'", type_key="'=cmd|x'"),
                      _history("d1", "one")], "invalid type"),
    ("name breaking R3", [_device("d1", "one", name="'a@b'", name_key="'a@b'"),
                          _history("d1", "one")], "rule R3"),
    ("name with an edge blank", [_device("d1", "one", name="' Car'", name_key="' car'"),
                                 _history("d1", "one")], "rule R3"),
    ("name over 30 characters", [_device("d1", "one", name="'" + "x" * 31 + "'",
                                         name_key="'" + "x" * 31 + "'"),
                                 _history("d1", "one")], "too long"),  # varchar(30)
    ("IMEI with a wrong check digit", [_device("d1", "one", imei="'490154203237517'"),
                                       _history("d1", "one")], "invalid IMEI"),
    ("no type key", [_device("d1", "one", type_key="NULL"), _history("d1", "one")],
     "no type key"),
    ("slot beyond the plan", [_device("d1", "one", slot="5"), _history("d1", "one")],
     "beyond the plan"),
    ("no history", [_device("d1", "one")], "latest history event"),
    ("history of an unknown device", [_history("ghost", "one")], "does not exist"),
    ("device on a cancelled contract",
     ["UPDATE contracts SET status = 'cancelled' WHERE account = 'multi'",
      _device("d1", "multi"), _history("d1", "multi")], "cancelled"),
])
def test_the_operator_cannot_store_a_row_that_check_would_report(
    as_operator: Database, postgres_url: str, case: str, statements: list[str],
    refusal: str,
) -> None:
    owner = Database(parse_url(postgres_url))
    with owner.engine.begin() as conn:
        _subscribed(conn, "one", "one-number")
        _subscribed(conn, "multi", "one-number+multi")
    owner.dispose()
    found = _refused(as_operator, *statements)
    assert refusal in found, case
    with as_operator.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM devices")).scalar() == 0


def test_the_operator_cannot_break_registered_devices_state_afterwards(
    as_operator: Database, roles: dict[str, str],
) -> None:
    operator = roles["onenumber_operator"]
    assert cli("--db", operator, "service", "subscribe", "acct1", "--multi")[0] == 0
    for kind in ("Car", "Watch"):
        assert cli("--db", operator, "devices", "register", "acct1", "--type", kind)[0] == 0
    forged = {
        "unregistered behind history's back":
            "UPDATE devices SET slot = NULL, unregistered_at = now() WHERE slot = 2",
        "a history event that does not match":
            "INSERT INTO history (account, event, at, device_id, name, type) SELECT account, "
            "'unregister', now(), id, name, type FROM devices WHERE slot = 1",
        "a plan without the slots in use":
            "UPDATE contracts SET plan = 'one-number' WHERE account = 'acct1'",
        "a contract cancelled with devices":
            "UPDATE contracts SET status = 'cancelled' WHERE account = 'acct1'",
        "a name breaking R3": "UPDATE devices SET name = 'a b ' WHERE slot = 1",
    }
    for case, statement in forged.items():
        assert _refused(as_operator, statement).startswith(("23514", "23503")), case
    code, out, _ = cli("--db", operator, "-o", "json", "check")
    assert code == 0, out


def test_the_tools_own_changes_pass_the_rules_as_the_operator(roles: dict[str, str],
                                                               tmp_path: Path) -> None:
    """Every kind of change the tool makes, as the operator role, under the triggers:
    single changes, --replace, option and service cancel, a batch per row and atomic, and
    its revert; then check finds nothing."""
    operator = roles["onenumber_operator"]
    steps = [
        ["service", "subscribe", "acct1"],
        ["devices", "register", "acct1", "--type", "Car", "--imei", IMEI],
        ["devices", "register", "acct1", "--type", "Watch", "--replace"],
        ["option", "subscribe", "acct1"],
        ["devices", "register", "acct1", "--type", "ＢＭＷ　ｉ３"],
        ["devices", "rename", "acct1", "Watch", "My Watch"],
        ["devices", "unregister", "acct1", "My Watch", "--yes"],
        ["option", "cancel", "acct1", "--yes"],
        ["service", "cancel", "acct1", "--yes"],
        ["service", "subscribe", "acct1", "--multi"],
        ["devices", "register", "acct1", "--type", "Tablet"],
    ]
    for step in steps:
        code, _, err = cli("--db", operator, "--operator", "alice", *step)
        assert code == 0, (step, err)
    per_row = tmp_path / "per_row.csv"
    per_row.write_text("action,account,device,name,type\n"
                       "register,acct1,,,Pixel\nrename,acct1,Pixel,Phone,\n"
                       "service-subscribe,acct2,,,\nregister,acct2,,,Car\n"
                       "unregister,acct1,Tablet,,\noption-cancel,acct1,,,\n")
    atomic = tmp_path / "atomic.csv"
    atomic.write_text("action,account,device,name,type\n"
                      "service-subscribe,acct3,,,\nregister,acct3,,,Car\n"
                      "option-subscribe,acct3,,,\nregister,acct3,,,Watch\n")
    for rows, mode in ((per_row, []), (atomic, ["--atomic"])):
        code, _, err = cli("--db", operator, "batch", "apply", str(rows), *mode)
        assert code == 0, (mode, err)
        match = re.search(r"^batch (\S+):", err, re.MULTILINE)
        assert match, err
        code, _, err = cli("--db", operator, "batch", "revert", match.group(1), "--yes")
        assert code in (0, 1), err  # an unregister cannot be undone: reported, exit 1
    code, out, _ = cli("--db", operator, "-o", "json", "check")
    assert code == 0, out
