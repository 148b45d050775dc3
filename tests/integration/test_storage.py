"""Schema versioning, migrations, SQLite file handling and database failure modes."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from onenumber_cli import check
from onenumber_cli.errors import DatabaseUnavailable, InvalidArgument, SchemaMismatch
from onenumber_cli.i18n.errors import render
from onenumber_cli.storage import revision, schema
from onenumber_cli.storage.connect import open_database
from onenumber_cli.storage.engine import Database, masked, parse_url
from onenumber_cli.storage.models import declare_partial_indexes, metadata
from tests.conftest import POSTGRES_URL, new_postgres_database

declare_partial_indexes()  # the full schema description, as the migration tooling has it


def test_head_revision_constant_is_the_head_of_the_shipped_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "onenumber_cli:migrations")
    scripts = ScriptDirectory.from_config(config)
    assert scripts.get_heads() == [revision.HEAD_REVISION]
    revisions = [r.revision for r in reversed(list(scripts.walk_revisions()))]
    assert tuple(revisions) == revision.KNOWN_REVISIONS


def schema_differences(db: Database) -> list[Any]:
    """What the database's schema has that the models do not, and the other way round:
    Alembic's comparison (tables, columns, types, indexes), then the names of every
    constraint and index, which it does not compare."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    with db.engine.connect() as conn:
        diff: list[Any] = list(compare_metadata(MigrationContext.configure(conn), metadata))
    inspector = inspect(db.engine)
    for table in metadata.sorted_tables:
        expected = {str(c.name) for c in table.constraints} | {str(i.name) for i in table.indexes}
        found = {c["name"] for c in inspector.get_check_constraints(table.name)}
        found |= {c["name"] for c in inspector.get_unique_constraints(table.name)}
        found |= {c["name"] for c in inspector.get_foreign_keys(table.name)}
        found |= {i["name"] for i in inspector.get_indexes(table.name)}
        found.add(inspector.get_pk_constraint(table.name)["name"] or f"pk_{table.name}")
        if found != expected:
            diff.append((table.name, sorted(map(str, found - expected)),
                         sorted(map(str, expected - found))))
    return diff


def test_models_and_migrations_describe_the_same_schema(db: Database) -> None:
    """Autogenerate does not compare check constraints or names; schema_differences
    does."""
    assert schema_differences(db) == []


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="ONENUMBER_TEST_POSTGRES_URL is not set (CI sets it)"))])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        path = tmp_path / "revisions.sqlite"
        path.touch(mode=0o600)
        yield f"sqlite:///{path}"
    else:
        yield from new_postgres_database("revisions")


def _fill_at(db: Database) -> None:
    """Rows as a program of the first revision wrote them (its columns only): a contract,
    a registered and an unregistered device with their history, an audit record."""
    sqlite = db.backend == "sqlite"
    t1, t2 = (("2024-01-01 00:00:00.000000", "2024-02-01 00:00:00.000000") if sqlite
              else ("2024-01-01 00:00:00+00", "2024-02-01 00:00:00+00"))
    times = {"t1": t1, "t2": t2}
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO contracts (account, status, plan, created_at, "
                          "updated_at) VALUES ('acct-1', 'active', 'one-number+multi', "
                          ":t1, :t1)"), times)
        conn.execute(text(
            "INSERT INTO devices (id, account, slot, name, name_key, type, imei, "
            "registered_at, unregistered_at) VALUES "
            "('aaaa0001', 'acct-1', 1, 'ｗａｔｃｈ', 'watch', 'Ａｐｐｌｅ Watch', NULL, :t1, "
            "NULL), "
            "('aaaa0002', 'acct-1', NULL, 'Old', 'old', 'BMW', NULL, :t1, :t2)"), times)
        conn.execute(text(
            "INSERT INTO history (account, event, at, device_id, name, type, imei) VALUES "
            "('acct-1', 'register', :t1, 'aaaa0001', 'ｗａｔｃｈ', 'Ａｐｐｌｅ Watch', NULL), "
            "('acct-1', 'register', :t1, 'aaaa0002', 'Old', 'BMW', NULL), "
            "('acct-1', 'unregister', :t2, 'aaaa0002', 'Old', 'BMW', NULL)"), times)
        conn.execute(text("INSERT INTO audit (at, operator, action, account, device_id, "
                          "batch_id) VALUES (:t2, 'old program', 'unregister', 'acct-1', "
                          "'aaaa0002', NULL)"), times)


@pytest.mark.parametrize("start", [None, *revision.KNOWN_REVISIONS[:-1]])
def test_a_database_at_every_earlier_revision_upgrades_to_the_models_schema(
        empty_url: str, start: str | None) -> None:
    """An empty database, and one at each earlier revision holding rows written before
    it, end at the models' schema, every row kept (type keys filled in) and ``check``
    clean.  The migrations import nothing of the package (the next test), so this stays
    true whatever later changes the live code."""
    db = Database(parse_url(empty_url))
    try:
        if start is not None:
            schema.upgrade(db, "0001")
            _fill_at(db)
            schema.upgrade(db, start)
        assert schema.upgrade(db).current
        assert schema_differences(db) == []
        if start is not None:
            assert [v.kind for v in check.run(db)] == []
            with db.engine.connect() as conn:
                keys = conn.execute(text("SELECT id, type_key FROM devices ORDER BY id")).all()
            assert [tuple(k) for k in keys] == [("aaaa0001", "apple watch"),
                                                ("aaaa0002", "bmw")]
    finally:
        db.dispose()


def test_migrations_import_nothing_of_the_package() -> None:
    """A migration does forever what it did when it shipped: it carries its types and
    folding rules itself instead of importing the live ones."""
    import ast

    folder = Path(__file__).resolve().parents[2] / "onenumber_cli" / "migrations"
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "onenumber_cli" for n in names), path.name


def test_a_current_database_passes_the_check(db: Database) -> None:
    schema.require_current(db)
    assert schema.state(db).current


def test_behind_ahead_and_empty_schemas_are_refused(db: Database, tmp_path: Path) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'zz99'"))
        # a newer program's migration that this one may not use (not additive)
        conn.execute(text("UPDATE onenumber_schema SET compatible_from = '9999'"))
    with pytest.raises(SchemaMismatch) as ahead:
        schema.require_current(db)
    assert ahead.value.reason == "ahead"
    assert "onenumber" in render(ahead.value)[1]
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    with pytest.raises(SchemaMismatch) as empty:
        schema.require_current(db)
    assert "db upgrade" in render(empty.value)[1]

    fresh = tmp_path / "fresh.sqlite"
    fresh.touch()
    with pytest.raises(SchemaMismatch):
        open_database(f"sqlite:///{fresh}", data_dir=tmp_path)


def test_behind_is_reported_with_the_upgrade_hint(monkeypatch: pytest.MonkeyPatch,
                                                  db: Database) -> None:
    newer = f"{len(revision.KNOWN_REVISIONS) + 1:04d}"  # a program one revision ahead
    monkeypatch.setattr(revision, "HEAD_REVISION", newer)
    monkeypatch.setattr(revision, "KNOWN_REVISIONS", (*revision.KNOWN_REVISIONS, newer))
    with pytest.raises(SchemaMismatch) as caught:
        schema.require_current(db)
    assert caught.value.reason == "behind"
    assert "onenumber db upgrade" in render(caught.value)[1]
    assert "owner" in render(caught.value)[1]  # an operator role cannot: say who can


def test_upgrade_is_idempotent(db: Database) -> None:
    assert schema.upgrade(db).current
    assert schema.upgrade(db).current


def test_default_database_is_created_private_and_migrated(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = open_database(None, data_dir=data)
    try:
        assert schema.state(db).current
        path = data / "onenumber.sqlite"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            for suffix in ("-wal", "-shm"):
                sidecar = path.with_name(path.name + suffix)
                assert stat.S_IMODE(sidecar.stat().st_mode) == 0o600
    finally:
        db.dispose()


def test_a_missing_sqlite_file_is_not_created_by_ordinary_commands(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(DatabaseUnavailable) as caught:
        open_database(f"sqlite:///{missing}", data_dir=tmp_path)
    assert caught.value.reason == "missing_file"
    assert not missing.exists()


def test_a_garbage_file_is_reported_as_unavailable(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseUnavailable):
        open_database(f"sqlite:///{garbage}", data_dir=tmp_path)


@pytest.mark.parametrize("url", ["mysql://u:p@localhost/db", "oracle://x"])
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(DatabaseUnavailable):
        parse_url(url)


@pytest.mark.parametrize("url", ["not a url", "postgresql+psycopg://u:secret@h:abc/d",
                                 "postgresql://h:99999999999/d"])
def test_malformed_urls_are_a_usage_error_that_shows_no_password(url: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_url(url)
    assert "secret" not in render(caught.value)[0] + render(caught.value)[1]


def test_masked_hides_passwords_given_as_query_parameters() -> None:
    assert masked("postgresql+psycopg://u@h/db?password=pw&sslpassword=k&sslmode=require") \
        == "postgresql+psycopg://u@h/db?password=***&sslmode=require&sslpassword=***"


def test_unreachable_postgres_fails_cleanly_without_the_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://someone:s3cret-pw@127.0.0.1:1/nowhere"
    with pytest.raises(DatabaseUnavailable) as caught:
        open_database(url, data_dir=tmp_path)
    text_shown = render(caught.value)[0] + render(caught.value)[1]
    assert "s3cret-pw" not in text_shown
    assert "***" in text_shown


def test_masked_hides_passwords() -> None:
    assert masked("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"
    assert masked("sqlite:////tmp/x.sqlite") == "sqlite:////tmp/x.sqlite"
