"""Schema version: a cheap check at run time, Alembic only for ``db upgrade``.

Importing Alembic costs about a third of a second, so ordinary commands compare the
``alembic_version`` row with ``revision.HEAD_REVISION``; a test asserts that the constant is
the head of the shipped migration scripts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from onenumber_cli.errors import Conflict, SchemaMismatch
from onenumber_cli.storage import revision as program
from onenumber_cli.storage.engine import UPGRADE, Database, classify


@dataclass(frozen=True)
class SchemaState:
    revision: str | None  # None: no schema at all
    head: str

    @property
    def current(self) -> bool:
        return self.revision == self.head

    @property
    def ahead(self) -> bool:
        return self.revision is not None and self.revision not in program.KNOWN_REVISIONS


def read_revision(db: Database) -> str | None:
    with db.translate_errors(), db.engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError as exc:
            conn.rollback()
            if inspect(conn).has_table("alembic_version"):
                raise classify(exc, db.url) from None
            return None


def state(db: Database) -> SchemaState:
    return SchemaState(read_revision(db), program.HEAD_REVISION)


def mismatch(current: SchemaState, url: str) -> SchemaMismatch | None:
    """The error to report for ``current``, or None when it is the program's schema."""
    if current.current:
        return None
    if current.revision is None:
        return SchemaMismatch("empty", url=url, head=current.head)
    reason = "ahead" if current.ahead else "behind"
    return SchemaMismatch(reason, url=url, revision=current.revision, head=current.head)


def require_current(db: Database) -> None:
    """Raise :class:`SchemaMismatch` unless the database is at :data:`program.HEAD_REVISION`."""
    error = mismatch(state(db), db.display_url())
    if error is not None:
        raise error


def check_upgradable(current: SchemaState, url: str) -> None:
    """A schema newer than this program cannot be migrated (back) by it."""
    if current.ahead:
        raise SchemaMismatch("ahead", url=url, revision=current.revision, head=current.head)


def upgrade(db: Database, revision: str = "head") -> SchemaState:
    """Run the shipped Alembic migrations up to ``revision`` (the only Alembic import)."""
    check_upgradable(state(db), db.display_url())
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "onenumber_cli:migrations")
    migrating = db.engine.execution_options(**{UPGRADE: True})
    try:
        with db.translate_errors(), migrating.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    except Conflict as busy:  # a lock not granted within the lock timeout: nothing changed
        raise Conflict("upgrade_lock", detail=busy.params.get("detail", "")) from None
    return state(db)
