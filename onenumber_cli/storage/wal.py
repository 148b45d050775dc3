"""Does a SQLite ``-wal`` file belong to its database file?  (No imports of the database
stack: it reads the two files' headers, https://www.sqlite.org/fileformat2.html.)

SQLite applies whatever ``FILE-wal`` holds to ``FILE`` at the next open: it has no way
to tell a WAL left by another file (the database file replaced by a backup or a copy,
the old file's WAL left beside it) from its own, and applying one writes another
database's pages into this one (an index missing rows, duplicate slots).  The rule this
module implements, from what the two files record:

* Only the frames SQLite would apply count: from the start, while each frame carries the
  header's salts and its checksum continues the chain, up to the last commit frame.  A
  WAL without such a frame (empty, reset, or not a WAL) applies nothing: it belongs.
* The page size of the WAL header must be the database header's.
* Page 1 (the database header) in the WAL.  A transaction that changes page 1 writes
  into it the file change counter (offset 24), one more than the counter of the page 1 its
  connection last read (so a connection that writes several transactions writes the same
  counter), and the page count (offset 28).  The file either holds a page 1 of the WAL
  (a checkpoint copied it: the same counter and page count as one of its frames), or the
  page 1 the WAL started from: the counter of its first page-1 frame, or one less (0 for
  a file still empty), and the page count of the transactions before that frame.
* No page 1 in the WAL: no transaction in it changed the database's size (growing or
  shrinking the file changes page 1's page count and free-list), so every commit frame
  records the page count the file has; an empty file always gets page 1 first.

A WAL that passes could still come from another file that agrees on all of these (a copy
taken at exactly the moment the WAL started); every WAL that fails them was made on
another file.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

WAL_HEADER = 32
FRAME_HEADER = 24
DB_HEADER = 100
WAL_MAGIC = 0x377F0682  # | 1: big-endian checksums
SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_WAL_BYTES = 1 << 30  # read at most this much of a WAL (the auto-checkpoint keeps it small)


@dataclass
class WalSummary:
    """What SQLite would apply from a WAL: its page size, and per committed frame."""

    page_size: int
    # (change counter, page count) of each committed frame of page 1, in order
    headers: list[tuple[int, int]] = field(default_factory=list)
    commit_sizes: list[int] = field(default_factory=list)  # database pages at each commit
    # the page count of the commits before the first one that wrote page 1 (None: none)
    size_before_page1: int | None = None


def _checksum(data: bytes, first: int, second: int, big_endian: bool) -> tuple[int, int]:
    """SQLite's WAL checksum of ``data`` (a multiple of 8 bytes) continuing (first, second)."""
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    s0, s1 = first, second
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def read_wal(wal: bytes) -> WalSummary | None:
    """The committed frames of a WAL as SQLite's recovery finds them; None when there is
    no valid header (SQLite ignores such a file)."""
    if len(wal) < WAL_HEADER:
        return None
    magic, version, page_size, _seq, salt1, salt2, ck1, ck2 = struct.unpack(
        ">8I", wal[:WAL_HEADER])
    if magic & 0xFFFFFFFE != WAL_MAGIC or version != 3007000:
        return None
    if page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
        return None
    big_endian = bool(magic & 1)
    if _checksum(wal[:24], 0, 0, big_endian) != (ck1, ck2):
        return None
    summary = WalSummary(page_size)
    pending: list[tuple[int, int]] = []
    s0, s1 = ck1, ck2
    offset = WAL_HEADER
    while offset + FRAME_HEADER + page_size <= len(wal):
        header = wal[offset:offset + FRAME_HEADER]
        page = wal[offset + FRAME_HEADER:offset + FRAME_HEADER + page_size]
        number, commit, fsalt1, fsalt2, fck1, fck2 = struct.unpack(">6I", header)
        if number == 0 or (fsalt1, fsalt2) != (salt1, salt2):
            break
        s0, s1 = _checksum(header[:8], s0, s1, big_endian)
        s0, s1 = _checksum(page, s0, s1, big_endian)
        if (s0, s1) != (fck1, fck2):
            break
        if number == 1:
            pending.append(struct.unpack(">II", page[24:32]))
        if commit:
            if not pending and not summary.headers:
                summary.size_before_page1 = commit
            summary.headers += pending
            summary.commit_sizes.append(commit)
            pending = []
        offset += FRAME_HEADER + page_size
    return summary


@dataclass(frozen=True)
class DbHeader:
    page_size: int | None  # None: an empty file
    counter: int
    pages: int  # the header's page count (offset 28) where valid, else the file's size


def read_db_header(header: bytes, file_size: int) -> DbHeader | None:
    """The database file's page size, change counter and page count; None when it is not
    a SQLite database (SQLite itself refuses that)."""
    if file_size == 0:
        return DbHeader(None, 0, 0)
    if len(header) < DB_HEADER or not header.startswith(SQLITE_MAGIC):
        return None
    raw_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if raw_size == 1 else raw_size
    counter, in_header, valid_for = (struct.unpack(">I", header[at:at + 4])[0]
                                     for at in (24, 28, 92))
    pages = in_header if in_header and valid_for == counter else file_size // max(page_size, 1)
    return DbHeader(page_size, counter, pages)


def belongs(summary: WalSummary | None, db: DbHeader | None) -> bool:
    """The rule of the module docstring: whether SQLite may apply this WAL to this file."""
    if summary is None or not summary.commit_sizes or db is None:
        return True  # nothing would be applied (or SQLite refuses the file itself)
    if db.page_size is not None and summary.page_size != db.page_size:
        return False
    if not summary.headers:  # no transaction changed the size: the file has it
        return db.page_size is not None and all(size == db.pages
                                                for size in summary.commit_sizes)
    if (db.counter, db.pages) in summary.headers:
        return True  # a checkpoint copied that page 1 into the file
    first_counter = summary.headers[0][0]
    if db.counter not in (first_counter - 1, first_counter):
        return False  # the file is not the one the WAL started from
    before = summary.size_before_page1
    return before is None or db.page_size is None or before == db.pages


def _read(path: Path, limit: int) -> tuple[bytes, int]:
    """At most ``limit`` bytes of ``path`` and its size (no file: nothing)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return b"", -1
    try:
        size = os.fstat(fd).st_size
        chunks = []
        left = min(size, limit)
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks), size
    finally:
        os.close(fd)


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def stray_wal(path: Path) -> bool:
    """Whether ``path``'s ``-wal`` holds committed frames made on another file.  Read
    before this process opens the database: closing a descriptor of the file drops the
    process's POSIX locks on it (SQLite's own connections included)."""
    wal, wal_size = _read(wal_path(path), MAX_WAL_BYTES)
    if wal_size < WAL_HEADER + FRAME_HEADER:
        return False
    header, size = _read(path, DB_HEADER)
    if size < 0:
        return False
    return not belongs(read_wal(wal), read_db_header(header, size))
