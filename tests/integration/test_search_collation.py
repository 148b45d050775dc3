"""``devices search --account-prefix`` is a range of the account index on every database
that orders accounts by code point, whatever the collation's name: under PostgreSQL's
``C.UTF-8`` (unlike ``C``) ``LIKE 'p%'`` cannot use the index, and read every device.
A database with a linguistic collation (ICU) gets the exact ``LIKE`` instead: there a
range would be wrong (``-`` and ``.`` are not ordered by code point)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from onenumber_cli import search, services
from onenumber_cli.search import SearchFilter, code_point_order
from onenumber_cli.services import Actor
from onenumber_cli.storage import schema
from onenumber_cli.storage.engine import Database, parse_url
from onenumber_cli.storage.queries import prefix_successor
from tests.conftest import POSTGRES_URL, drop_postgres_database

ACCOUNTS = ("p", "p-1", "p.2", "p+3", "pa", "pB", "P", "q", "o", "p-", "p_x", "p@y")


def test_the_successor_of_a_prefix_follows_every_string_that_starts_with_it() -> None:
    assert prefix_successor("p") == "q"
    assert prefix_successor("ab-") == "ab."
    assert prefix_successor("a\U0010ffff") == "b"
    with pytest.raises(ValueError):
        prefix_successor("\U0010ffff")
    for account in ACCOUNTS:
        for length in range(1, len(account) + 1):
            prefix = account[:length]
            assert prefix <= account < prefix_successor(prefix)


def _database(suffix: str, options: str) -> Iterator[Database]:
    """A new database (``CREATE DATABASE ... options``) at the current schema with one
    registered device on each of :data:`ACCOUNTS`; dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("ONENUMBER_TEST_POSTGRES_URL is not set (CI sets it)")
    base = parse_url(POSTGRES_URL)
    name = f"{base.database}_{suffix}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop_postgres_database(admin, name)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 {options}'))
    except DBAPIError as exc:  # an older server, or one built without ICU
        admin.dispose()
        pytest.skip(f"this server cannot create a database with {options}: {exc.orig}")
    db = Database(base.set(database=name))
    try:
        schema.upgrade(db)
        actor = Actor("collation")
        for account in ACCOUNTS:
            services.service_subscribe(db, actor, account, multi=True)
            services.register_device(db, actor, account, "Watch", name="W")
        yield db
    finally:
        db.dispose()
        drop_postgres_database(admin, name)
        admin.dispose()


@pytest.fixture
def c_utf8() -> Iterator[Database]:
    yield from _database("cutf8", "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")


@pytest.fixture
def icu() -> Iterator[Database]:
    yield from _database("icu", "LOCALE_PROVIDER icu ICU_LOCALE 'und' "
                                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")


def _found(db: Database, prefix: str) -> list[str]:
    return [d["account"] for d in search.search(db, SearchFilter(account_prefix=prefix))]


def _expected(prefix: str) -> list[str]:
    return sorted(a for a in ACCOUNTS if a.startswith(prefix))


def test_an_account_prefix_is_an_index_range_under_c_utf8(c_utf8: Database) -> None:
    found = SearchFilter(account_prefix="p-")
    with c_utf8.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT datcollate FROM pg_database WHERE datname = "
                                    "current_database()").scalar_one() == "C.UTF-8"
        assert code_point_order(conn)
        compiled = search.query(found, "postgresql").compile(
            dialect=c_utf8.engine.dialect, compile_kwargs={"literal_binds": True})
        conn.exec_driver_sql("ANALYZE devices")
        conn.exec_driver_sql("SET enable_seqscan = off")  # tiny tables: ask what it can
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
    assert "Seq Scan on devices" not in plan, plan
    # a range of an index on account (before: the whole index read, LIKE as a Filter)
    assert "Index Cond: (((account)::text >= 'p-'::text) AND ((account)::text < 'p.'::text))" \
        in plan, plan
    for prefix in ("p", "p-", "p.", "P", "pa", "p+", "q", "x"):
        assert _found(c_utf8, prefix) == _expected(prefix), prefix


def test_an_account_prefix_stays_exact_under_a_linguistic_collation(icu: Database) -> None:
    with icu.engine.connect() as conn:
        assert not code_point_order(conn)
        # why no range there: ICU orders "," before "+", so "p+" .. "p," holds nothing
        assert conn.exec_driver_sql("SELECT 'p+3' < 'p,'").scalar_one() is False
    for prefix in ("p", "p-", "p.", "P", "pa", "p+", "q", "x"):
        assert sorted(_found(icu, prefix)) == _expected(prefix), prefix  # ICU's order
