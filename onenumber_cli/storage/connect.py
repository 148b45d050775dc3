"""Opening the database a command works on, and checking that its schema is current."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from onenumber_cli.storage import schema
from onenumber_cli.storage.engine import (
    COMMIT_TIMEOUT_SECONDS,
    LOCK_TIMEOUT_SECONDS,
    RECONNECT_TIMEOUT_SECONDS,
    STATEMENT_TIMEOUT_SECONDS,
    Database,
    parse_url,
    prepare_sqlite_file,
    real_sqlite_url,
    refuse_second_name,
    refuse_stray_wal,
    sqlite_path,
)
from onenumber_cli.storage.location import default_url


def open_database(url: str | None, *, data_dir: Path, schema_check: bool = True,
                  create: bool = False, create_default: bool = True, echo: bool = False,
                  lock_timeout: float = LOCK_TIMEOUT_SECONDS,
                  synchronous: str = "full", operator: str | None = None,
                  statement_timeout: float = STATEMENT_TIMEOUT_SECONDS,
                  commit_timeout: float = COMMIT_TIMEOUT_SECONDS,
                  reconnect_timeout: float = RECONNECT_TIMEOUT_SECONDS) -> Database:
    """The :class:`Database` for ``url`` (None: the embedded default in ``data_dir``).

    The default SQLite file is created (0600, in a 0700 directory) and migrated on first
    use (unless ``create_default`` is off: shell completion creates nothing).  Any other
    SQLite file must exist unless ``create`` (``db upgrade``), and any database must be
    at a schema this program can use (current, or newer and compatible) unless
    ``schema_check`` is off (``db ...``); then every change checks it again in its own
    transaction.  ``operator`` names the PostgreSQL session (``application_name``
    ``onenumber/OPERATOR``) unless the URL gives ``?application_name=`` itself.
    """
    is_default = url is None
    parsed = real_sqlite_url(parse_url(default_url(data_dir) if url is None else url))
    path = sqlite_path(parsed)
    if path is not None:  # the real path: one name, one WAL (see real_sqlite_url)
        prepare_sqlite_file(path, create=(is_default and create_default) or create,
                            private_dir=is_default)
        refuse_second_name(path)
        refuse_stray_wal(path)
    db = Database(parsed, echo=echo, lock_timeout=lock_timeout, synchronous=synchronous,
                  operator=operator, statement_timeout=statement_timeout,
                  commit_timeout=commit_timeout, reconnect_timeout=reconnect_timeout)
    if not schema_check:
        return db
    if is_default and schema.state(db).revision is None:
        schema.upgrade(db)
    else:
        schema.require_usable(db)
    db.schema_guard = partial(schema.guard, db)  # again inside every change's transaction
    return db
