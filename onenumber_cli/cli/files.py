"""Files the CLI writes for the operator (the config file, a shell's completion script):
replaced whole and atomically, never left half written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from onenumber_cli.storage.location import make_private_dir


def replace_file(path: Path, text: str, *, mode: int, private: bool = False) -> None:
    """``text`` as the file at ``path`` (through a symbolic link: the file it points to
    is replaced): missing folders created (``private``: 0700 whatever the umask), a
    temporary file in the same folder written with ``mode``, flushed to disk, renamed
    over the file, and the folder synced, so a crash leaves the old file or the new one,
    never half of one.  An ``OSError`` leaves the file as it was, for the caller to
    report."""
    target = Path(os.path.realpath(path))
    if private:
        make_private_dir(target.parent)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".tmp")  # created 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
