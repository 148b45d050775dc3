"""Where the embedded database lives by default (no imports: ``config show`` reads it
without loading the database stack)."""

from __future__ import annotations

from pathlib import Path

DEFAULT_FILENAME = "onenumber.sqlite"


def default_url(data_dir: Path) -> str:
    """The embedded SQLite database in the user's data directory."""
    return f"sqlite:///{data_dir / DEFAULT_FILENAME}"
