"""``db backup``: a consistent copy of a SQLite database while operators keep writing.

SQLite's online backup API (:meth:`sqlite3.Connection.backup`) copies every page in
one step inside one read transaction: the copy is the database as of one moment (a
commit is in it entirely or not at all), and with WAL the writers are not held up.
PostgreSQL has its own tools (``pg_dump -Fc`` / ``pg_restore``; see the README).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onenumber_cli.errors import DatabaseUnavailable, InvalidArgument
from onenumber_cli.storage.engine import Database


@dataclass(frozen=True)
class BackupReport:
    path: str
    bytes: int
    accounts: int
    integrity: str

    def to_dict(self) -> dict[str, Any]:
        return {"changed": True, "path": self.path, "bytes": self.bytes,
                "accounts": self.accounts, "integrity": self.integrity}


def _create_private(target: Path) -> None:
    """The new file, mode 0600 like the database itself; never an existing one."""
    try:
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise InvalidArgument("backup_exists", path=str(target)) from None
    except OSError as exc:
        raise InvalidArgument("backup_target", path=str(target), detail=exc.strerror) from None
    os.close(fd)


def backup(db: Database, target: Path) -> BackupReport:
    """Copy ``db`` (SQLite) to the new file ``target``; the copy is checked (integrity)."""
    if db.backend != "sqlite" or db.path is None:
        raise InvalidArgument("backup_backend")
    _create_private(target)
    try:
        source = sqlite3.connect(db.path, timeout=30)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)  # all pages at once: one consistent snapshot
                copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
                accounts = copy.execute("SELECT count(*) FROM contracts").fetchone()[0]
            finally:
                copy.close()
        finally:
            source.close()
        with target.open("rb") as written:
            os.fsync(written.fileno())
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise DatabaseUnavailable("backup_failed", url=str(db.path), detail=str(exc)) from None
    return BackupReport(str(target), target.stat().st_size, int(accounts), str(integrity))
