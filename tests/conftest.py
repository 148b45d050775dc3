"""Shared fixtures.

``db_url`` / ``db`` give a migrated, empty database on each backend: SQLite always,
PostgreSQL when ``ONENUMBER_TEST_POSTGRES_URL`` is set (CI sets it; locally the
PostgreSQL half is skipped with a visible reason).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from onenumber_cli.i18n import set_language
from onenumber_cli.services import Actor
from onenumber_cli.storage import revision, schema
from onenumber_cli.storage.engine import SQL_LOGGER, Database, parse_url

POSTGRES_URL = os.environ.get("ONENUMBER_TEST_POSTGRES_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL, reason="ONENUMBER_TEST_POSTGRES_URL is not set (CI sets it)"
        ),
    ),
]
TABLES = ("audit", "history", "devices", "contracts")


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI") == "true" and not POSTGRES_URL:
        raise pytest.UsageError(
            "CI=true but ONENUMBER_TEST_POSTGRES_URL is not set: CI must run the PostgreSQL "
            "half of the suite (.ci/run starts PostgreSQL and sets it)."
        )


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                          request: pytest.FixtureRequest) -> None:
    """No test reads the developer's config, data directory or locale."""
    for name in list(os.environ):
        if name.startswith("ONENUMBER_") and name != "ONENUMBER_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    for name in ("LANG", "LC_ALL", "LC_MESSAGES", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("ONENUMBER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ONENUMBER_OPERATOR", "tester")
    set_language("en")
    # --debug turns SQL logging on for the process; no later test may see its lines.
    # setLevel (not setting the attribute) also clears the loggers' isEnabledFor cache,
    # which would otherwise keep answering "enabled" after the level was put back.
    sql = logging.getLogger(SQL_LOGGER)
    request.addfinalizer(partial(sql.setLevel, sql.level))


# What the shipped head migration declares (onenumber_schema.compatible_from after it).
HEAD_COMPATIBLE_FROM = "0003"
# The functions revision 0004 creates on PostgreSQL (a DROP TABLE leaves them).
RULE_FUNCTIONS = ("onenumber_schema_guard()", "onenumber_device_values()",
                  "onenumber_device_state()", "onenumber_history_state()",
                  "onenumber_contract_state()", "onenumber_verify_device(varchar, varchar)")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (migrating per test is slower)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    db = Database(parse_url(f"sqlite:///{path}"))
    path.touch(mode=0o600)
    schema.upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    assert POSTGRES_URL is not None
    db = Database(parse_url(POSTGRES_URL))
    with db.engine.begin() as conn:  # start from nothing: migrations run for real
        conn.execute(text(f"DROP TABLE IF EXISTS {', '.join(TABLES)}, onenumber_schema, "
                          "onenumber_copy, alembic_version"))
        conn.execute(text("DROP FUNCTION IF EXISTS " + ", ".join(RULE_FUNCTIONS)))
    schema.upgrade(db)
    db.dispose()
    return POSTGRES_URL


def _reset_postgres(url: str) -> None:
    """Empty the shared test database and put its version row back at head (some tests
    change it to provoke schema errors)."""
    db = Database(parse_url(url))
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"),
                     {"head": revision.HEAD_REVISION})
        conn.execute(text("UPDATE onenumber_schema SET compatible_from = :declared"),
                     {"declared": HEAD_COMPATIBLE_FROM})
    db.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "onenumber.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        path.chmod(0o600)
        yield f"sqlite:///{path}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def postgres_url(postgres_migrated: str) -> str:
    """The shared PostgreSQL test database, emptied for this test."""
    _reset_postgres(postgres_migrated)
    return postgres_migrated


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(parse_url(db_url))
    yield database
    database.dispose()


@pytest.fixture
def actor() -> Actor:
    return Actor(operator="tester")


def new_postgres_database(suffix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database named after the test database (``<database>_copy``...),
    dropped afterwards."""
    assert POSTGRES_URL is not None
    base = parse_url(POSTGRES_URL)
    name = f"{base.database}_{suffix}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop_postgres_database(admin, name)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        drop_postgres_database(admin, name)
        admin.dispose()


def drop_postgres_database(admin: Any, name: str) -> None:
    """DROP DATABASE ... WITH (FORCE), again for a few seconds while it is refused for
    lack of privilege: an autovacuum worker on the freshly copied database (a process
    CI's role may not terminate) was seen to make it fail in CI; it ends on its own."""
    for attempt in range(20):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) != "42501" or attempt == 19:
                raise
            time.sleep(0.5)


RULED = ("contracts", "devices", "history")  # the tables with revision 0004's triggers


def plant(db: Database, *statements: Any) -> None:
    """Corruption as the owner can plant it on PostgreSQL: with the tables' rules (their
    triggers, revision 0004) switched off for the transaction, as a hand edit or a
    restore by the owner may; on SQLite, nothing stops a write."""
    postgres = db.backend == "postgresql"
    with db.engine.begin() as conn:
        for table in RULED if postgres else ():
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        for statement in statements:
            conn.execute(statement)
        for table in RULED if postgres else ():
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
