"""Schema revisions an older program may keep using, and the schema check inside every
change's transaction.

A newer program's migration is simulated by a copy of the shipped scripts with a fake
revision 0005 added: additive (a new table and a nullable column, ``compatible_from =
"0004"``) or not (``compatible_from = "0005"``).  This program (head 0004) keeps working
with the first and refuses the second (exit 6), also when the upgrade lands while
operators' changes run in other processes: no change commits against it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from onenumber_cli.cli.app import app
from onenumber_cli.errors import SchemaMismatch
from onenumber_cli.storage import revision, schema
from onenumber_cli.storage.connect import open_database
from onenumber_cli.storage.engine import Database, parse_url
from tests.conftest import HEAD_COMPATIBLE_FROM, POSTGRES_URL, RULE_FUNCTIONS, TABLES

SHIPPED = Path(schema.__file__).resolve().parents[1] / "migrations"
ONENUMBER = str(Path(sys.executable).with_name("onenumber"))

_FAKE = '''
"""A newer program's migration (test only)."""
import time

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
compatible_from = {compatible_from!r}


def upgrade() -> None:
    op.create_table("device_notes", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("note", sa.String(100)))
    op.add_column("devices", sa.Column("color", sa.String(20), nullable=True))
{extra}

def downgrade() -> None:
    pass
'''

# Under load: anything written into audit once 0005 is committed is recorded, so a change
# that committed against the new schema cannot go unseen.  The upgrade then stays open a
# while, with operators' changes arriving.
_WATCH = '''
    op.create_table("late_writes", sa.Column("seq", sa.BigInteger))
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION note_late_write() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN INSERT INTO late_writes VALUES (NEW.seq); RETURN NEW; END $$")
        op.execute("CREATE TRIGGER late_write AFTER INSERT ON audit FOR EACH ROW "
                   "EXECUTE FUNCTION note_late_write()")
    else:
        op.execute("CREATE TRIGGER late_write AFTER INSERT ON audit "
                   "BEGIN INSERT INTO late_writes VALUES (NEW.seq); END")
    time.sleep({hold})
'''


def newer_scripts(tmp_path: Path, *, additive: bool, extra: str = "") -> str:
    """A copy of the shipped migrations plus revision 0005; its script location."""
    location = tmp_path / "migrations"
    shutil.copytree(SHIPPED, location, ignore=shutil.ignore_patterns("__pycache__"))
    body = _FAKE.format(compatible_from="0004" if additive else "0005", extra=extra)
    (location / "versions" / "0005_newer_program.py").write_text(textwrap.dedent(body))
    return str(location)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _drop_fake(db_url: str) -> None:
    """Put the shared PostgreSQL test database back to the shipped schema."""
    if not db_url.startswith("postgresql"):
        return
    db = Database(parse_url(db_url))
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS device_notes, late_writes"))
        conn.execute(text("DROP TRIGGER IF EXISTS late_write ON audit"))
        conn.execute(text("DROP FUNCTION IF EXISTS note_late_write()"))
        conn.execute(text("ALTER TABLE devices DROP COLUMN IF EXISTS color"))
        conn.execute(text("UPDATE alembic_version SET version_num = :head"),
                     {"head": revision.HEAD_REVISION})
        conn.execute(text("UPDATE onenumber_schema SET compatible_from = :declared"),
                     {"declared": HEAD_COMPATIBLE_FROM})
    db.dispose()


@pytest.fixture
def newer(db_url: str) -> Iterator[str]:
    yield db_url
    _drop_fake(db_url)


def test_revision_ids_are_ordered_numbers_and_each_migration_declares_compatibility() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", schema.SCRIPTS)
    for script in ScriptDirectory.from_config(config).walk_revisions():
        assert revision.ordinal(script.revision) is not None, script.revision
        if script.revision >= revision.COMPATIBILITY_SINCE:
            declared = script.module.compatible_from
            assert revision.ordinal(declared) is not None
            assert declared <= script.revision


def test_the_database_records_the_head_migrations_compatibility(db: Database) -> None:
    found = schema.state(db)
    assert found.current and found.compatible_from == HEAD_COMPATIBLE_FROM


def test_an_additive_newer_schema_is_used_by_this_program(newer: str, tmp_path: Path) -> None:
    assert cli("--db", newer, "service", "subscribe", "acct1", "--multi")[0] == 0
    owner = Database(parse_url(newer))
    schema.migrate(owner, scripts=newer_scripts(tmp_path, additive=True))
    owner.dispose()

    code, out, err = cli("--db", newer, "db", "current", "-o", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["revision"] == "0005" and report["head"] == revision.HEAD_REVISION
    assert report["compatible"] and not report["current"]
    assert report["compatible_from"] == "0004"
    assert "compatible" in cli("--db", newer, "db", "current")[1]
    # operators' daily work: changes, reads, the audit log, check
    for command in (["devices", "register", "acct1", "--type", "Watch", "--name", "W1"],
                    ["devices", "rename", "acct1", "W1", "W2"],
                    ["status", "acct1"], ["history", "acct1"], ["audit"], ["check"]):
        code, _, err = cli("--db", newer, *command)
        assert code == 0, (command, err)
    code, out, _ = cli("--db", newer, "devices", "list", "acct1", "-o", "json")
    assert json.loads(out)[0]["name"] == "W2"
    # what only the matching program may do
    code, _, err = cli("--db", newer, "db", "upgrade", "-o", "json")
    assert code == 6 and json.loads(err)["error"]["code"] == "schema_mismatch"
    assert cli("--db", newer, "db", "upgrade", "--dry-run")[0] == 6
    code, _, err = cli("--db", newer, "db", "copy", "--to", f"sqlite:///{tmp_path / 'c.sqlite'}")
    assert code == 6 and "needs the program's own revision" in err


def test_a_non_additive_newer_schema_exits_6(newer: str, tmp_path: Path) -> None:
    owner = Database(parse_url(newer))
    schema.migrate(owner, scripts=newer_scripts(tmp_path, additive=False))
    owner.dispose()
    for command in (["status", "acct1"], ["service", "subscribe", "acct1"],
                    ["db", "current"], ["db", "upgrade"]):
        code, _, err = cli("--db", newer, "-o", "json", *command)
        assert code == 6, command
        error = json.loads(err)["error"]
        assert error["code"] == "schema_mismatch" and "newer" in error["message"]


def test_the_check_inside_the_transaction_sees_an_upgrade_made_after_the_first(
    newer: str, tmp_path: Path,
) -> None:
    """The database was fine when the command opened it; the upgrade committed before
    the change's transaction began: the change is refused, nothing is written."""
    db = open_database(newer, data_dir=tmp_path)  # checked here: current
    owner = Database(parse_url(newer))
    schema.migrate(owner, scripts=newer_scripts(tmp_path, additive=False))
    owner.dispose()
    insert = text("INSERT INTO contracts VALUES ('acct9', 'active', 'one-number', "
                  "'2024-01-01 00:00:00', '2024-01-01 00:00:00')")
    with pytest.raises(SchemaMismatch) as caught:
        db.write(lambda conn: conn.execute(insert))
    assert caught.value.reason == "ahead"
    with db.connected() as conn:
        assert conn.execute(text("SELECT count(*) FROM contracts")).scalar() == 0
    db.dispose()


def _operators(url: str, tmp_path: Path, count: int, rows: int) -> list[subprocess.Popen[str]]:
    """Operators renaming devices, one transaction a row, in their own processes."""
    started = []
    for n in range(count):
        lines = [json.dumps({"action": "rename", "account": f"op{n}",
                             "device": f"N{i}", "name": f"N{i + 1}"}) for i in range(rows)]
        path = tmp_path / f"op{n}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        env = {**os.environ, "ONENUMBER_DATA_DIR": str(tmp_path / "data"),
               "ONENUMBER_OPERATOR": f"op{n}"}
        started.append(subprocess.Popen(
            [ONENUMBER, "--db", url, "batch", "apply", str(path), "-o", "jsonl"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return started


def _audit_count(url: str) -> int:
    db = Database(parse_url(url))
    try:
        with db.connected() as conn:
            return int(conn.execute(text("SELECT count(*) FROM audit")).scalar_one())
    finally:
        db.dispose()


def _written_by(url: str, operator: str) -> int:
    """Audit records of ``operator``'s batch (its rows applied so far)."""
    db = Database(parse_url(url))
    try:
        with db.connected() as conn:
            return int(conn.execute(text("SELECT count(*) FROM audit WHERE operator = :op "
                                         "AND batch_id IS NOT NULL"), {"op": operator})
                       .scalar_one())
    finally:
        db.dispose()


def test_an_upgrade_under_load_never_has_a_change_committed_against_it(
    newer: str, tmp_path: Path,
) -> None:
    operators = 3
    for n in range(operators):
        assert cli("--db", newer, "service", "subscribe", f"op{n}")[0] == 0
        assert cli("--db", newer, "devices", "register", f"op{n}", "--type", "Watch",
                   "--name", "N0")[0] == 0
    base = _audit_count(newer)
    running = _operators(newer, tmp_path, operators, rows=4000)
    deadline = time.monotonic() + 120
    while min(_written_by(newer, f"op{n}") for n in range(operators)) < 10:  # all writing
        assert time.monotonic() < deadline
        assert all(p.poll() is None for p in running), [p.communicate() for p in running]
        time.sleep(0.05)
    owner = Database(parse_url(newer), lock_timeout=30)
    scripts = newer_scripts(tmp_path, additive=False, extra=_WATCH.format(hold=2))
    schema.migrate(owner, scripts=scripts)
    upgraded_at = _audit_count(newer)
    results = []
    for process in running:
        out, err = process.communicate(timeout=300)
        assert process.returncode in (0, 1), err
        results.append([json.loads(line) for line in out.splitlines()])
    with owner.engine.connect() as conn:
        late = conn.execute(text("SELECT count(*) FROM late_writes")).scalar_one()
    owner.dispose()
    assert late == 0  # no change committed once the unknown schema was
    assert _audit_count(newer) == upgraded_at
    for rows in results:
        done = [r for r in rows if r["ok"]]
        refused = [r for r in rows if not r["ok"]]
        assert done, "the operator worked before the upgrade"
        assert refused and all(r["error"]["code"] == "schema_mismatch" for r in refused)
        # in order: every row after the first refused one is refused too
        first = rows.index(refused[0])
        assert all(not r["ok"] for r in rows[first:])
    assert base + sum(len([r for r in rows if r["ok"]]) for rows in results) == upgraded_at


def test_the_audit_log_records_the_database_role_beside_the_operator(db_url: str) -> None:
    assert cli("--db", db_url, "--operator", "alice", "service", "subscribe", "acct1")[0] == 0
    code, out, _ = cli("--db", db_url, "audit", "-o", "json")
    assert code == 0
    [record] = json.loads(out)
    assert record["operator"] == "alice"
    if db_url.startswith("postgresql"):  # the role the server authenticated
        assert record["db_role"] == parse_url(db_url).username
    else:  # SQLite has no roles
        assert record["db_role"] is None
    code, out, _ = cli("--db", db_url, "audit", "-o", "csv")
    assert out.splitlines()[0].endswith(",db_role")  # a new column, appended


def test_upgrade_dry_run_prints_the_sql_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    url = f"sqlite:///{path}"
    db = open_database(url, data_dir=tmp_path, schema_check=False, create=True)
    schema.migrate(db, "0001")
    with db.engine.begin() as conn:  # data the SQL depends on (0002 folds each type)
        conn.execute(text("INSERT INTO contracts VALUES ('a1', 'active', 'one-number', "
                          "'2024-01-01 00:00:00', '2024-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO devices (id, account, slot, name, name_key, type, "
                          "registered_at) VALUES ('d1', 'a1', 1, 'W', 'w', 'Ｗａｔｃｈ', "
                          "'2024-01-01 00:00:00')"))
    db.dispose()
    before = path.read_bytes()
    code, out, err = cli("--db", url, "db", "upgrade", "--dry-run")
    assert code == 0, err
    assert "ALTER TABLE devices ADD COLUMN type_key" in out
    assert "UPDATE devices SET type_key='watch'" in out  # read from the data, folded
    assert "CREATE TABLE onenumber_schema" in out and "db_role" in out
    code, out, _ = cli("--db", url, "db", "upgrade", "--dry-run", "-o", "json")
    report = json.loads(out)
    assert report["revision"] == "0001" and report["changed"]
    assert "UPDATE alembic_version SET version_num='0003'" in report["sql"]
    assert path.read_bytes() == before  # nothing changed
    assert cli("--db", url, "db", "current")[0] == 6
    assert cli("--db", url, "db", "upgrade")[0] == 0
    code, out, _ = cli("--db", url, "db", "upgrade", "--dry-run", "-o", "json")
    assert json.loads(out)["sql"] == "" and not json.loads(out)["changed"]


@pytest.mark.skipif(not POSTGRES_URL, reason="ONENUMBER_TEST_POSTGRES_URL is not set (CI sets it)")
def test_upgrade_dry_run_on_postgresql_renders_its_dialect(postgres_url: str) -> None:
    owner = Database(parse_url(postgres_url))
    with owner.engine.begin() as conn:  # pretend to be one revision behind
        conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    try:
        code, out, err = cli("--db", postgres_url, "db", "upgrade", "--dry-run", "-o", "json")
        assert code == 0, err
        sql = json.loads(out)["sql"]
        assert "BEGIN;" in sql and "COMMIT;" in sql
        assert "DEFAULT CURRENT_USER" in sql.upper()
        assert schema.state(owner).revision == "0002"  # nothing changed
    finally:
        with owner.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"),
                         {"head": revision.HEAD_REVISION})
        owner.dispose()


def test_upgrading_to_0004_keeps_rows_that_break_its_rules_and_check_reports_them(
    db_url: str, tmp_path: Path,
) -> None:
    """Revision 0004's rules test what a statement writes, never the rows already there:
    the upgrade does not refuse old data, ``check`` reports it, a legitimate change to
    such a row (cancelling, which unregisters the bad device) still works, and a new bad
    row is refused (on PostgreSQL; SQLite has no such rules)."""
    postgres = db_url.startswith("postgresql")
    url = db_url if postgres else f"sqlite:///{tmp_path / 'old.sqlite'}"
    db = open_database(url, data_dir=tmp_path, schema_check=False, create=True)
    if postgres:  # the shared test database, from nothing to 0003
        with db.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {', '.join(TABLES)}, onenumber_schema, "
                              "alembic_version"))
            conn.execute(text("DROP FUNCTION IF EXISTS " + ", ".join(RULE_FUNCTIONS)))
    schema.migrate(db, "0003")
    with db.engine.begin() as conn:  # what a hand edit under 0003 could leave
        conn.execute(text("INSERT INTO contracts VALUES ('one', 'active', 'one-number', "
                          "'2024-01-01 00:00:00', '2024-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO devices (id, account, slot, name, name_key, type, "
                          "type_key, registered_at) VALUES ('dev00001', 'one', 1, 'a@b', "
                          "'a@b', '=cmd|x', '=cmd|x', '2024-01-01 00:00:00')"))
    db.dispose()
    code, _, err = cli("--db", url, "db", "upgrade")
    assert code == 0, err
    code, out, _ = cli("--db", url, "-o", "json", "check")
    assert code == 1
    assert {v["kind"] for v in json.loads(out)} >= {"invalid_name", "history_missing"}
    code, _, err = cli("--db", url, "service", "cancel", "one", "--yes")  # unregisters it
    assert code == 0, err
    forged = text("INSERT INTO devices (id, account, slot, name, name_key, type, type_key, "
                  "registered_at) VALUES ('dev00002', 'one', 1, 'Car', 'car', '=x', '=x', "
                  "'2024-01-01 00:00:00')")
    db = Database(parse_url(url))
    try:
        if postgres:
            with pytest.raises(Exception, match="invalid type"), db.engine.begin() as conn:
                conn.execute(forged)
        else:
            with db.engine.begin() as conn:
                conn.execute(forged)
    finally:
        db.dispose()
