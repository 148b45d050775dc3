"""Where the embedded database lives by default (no imports: ``config show`` reads it
without loading the database stack)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_FILENAME = "onenumber.sqlite"


def default_url(data_dir: Path) -> str:
    """The embedded SQLite database in the user's data directory."""
    return f"sqlite:///{data_dir / DEFAULT_FILENAME}"


PRIVATE_DIR_MODE = 0o700


def make_private_dir(directory: Path) -> None:
    """Create ``directory`` and every missing parent with mode 0700, whatever the umask
    (``Path.mkdir(parents=True)`` gives the parents 0777 less the umask: 0777 under
    ``umask 000``).  Directories that exist are left as they are."""
    missing: list[Path] = []
    for candidate in (directory, *directory.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for new in reversed(missing):  # the outermost first
        try:
            os.mkdir(new, PRIVATE_DIR_MODE)
        except FileExistsError:  # made at the same moment by another process
            continue
        os.chmod(new, PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask
