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
import time
from dataclasses import dataclass, field
from pathlib import Path

WAL_HEADER = 32
FRAME_HEADER = 24
DB_HEADER = 100
WAL_MAGIC = 0x377F0682  # | 1: big-endian checksums
SQLITE_MAGIC = b"SQLite format 3\x00"
# Read at most this much of a WAL (the auto-checkpoint keeps one near 4 MB; a huge one-
# transaction batch makes more): past it only the page size is judged.
MAX_WAL_BYTES = 64 << 20
DMS_BYTE = 128  # the -shm byte every open connection holds a read lock on (os_unix.c)
ATTEMPTS = 20  # looks at a live WAL that a reset keeps changing under the reads


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


def read_wal(wal: bytes, *, verify: bool = True) -> WalSummary | None:
    """The committed frames of a WAL as SQLite's recovery finds them; None when there is
    no valid header (SQLite ignores such a file).  ``verify=False`` skips the checksums
    (about 0.25 s a 4 MB WAL in Python): a WAL in use by a live process, whose frames up
    to its last commit are whole, is told apart from an older generation by its salts."""
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
        if verify:
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


def in_use(path: Path) -> bool:
    """Whether another process has the database open now (Linux: a read lock on the
    ``-shm`` file's dead-man byte, which every SQLite connection holds; elsewhere: assume
    not, and judge the WAL as after a crash)."""
    import fcntl
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        fd = os.open(path.with_name(path.name + "-shm"), os.O_RDONLY)
    except OSError:
        return False
    try:
        probe = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, DMS_BYTE, 1, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, probe)
        return bool(struct.unpack("hhqqi4x", answer)[0] != fcntl.F_UNLCK)
    except OSError:
        return False
    finally:
        os.close(fd)


def _judge(path: Path, verify: bool) -> bool | None:
    """One look: True when the WAL beside ``path`` was made on another file, None when the
    WAL was reset while it was read (a live one: look again)."""
    wal = wal_path(path)
    before, _size = _read(wal, WAL_HEADER)
    header, size = _read(path, DB_HEADER)  # the file between two reads of the WAL header
    if size < 0:
        return False
    data, wal_size = _read(wal, MAX_WAL_BYTES)
    if wal_size < WAL_HEADER + FRAME_HEADER:
        return False
    if data[:WAL_HEADER] != before:
        return None
    summary, db = read_wal(data, verify=verify), read_db_header(header, size)
    if wal_size > MAX_WAL_BYTES:  # the frames past what was read are unknown
        return (summary is not None and db is not None and db.page_size is not None
                and summary.page_size != db.page_size)
    return not belongs(summary, db)


def stray_wal(path: Path) -> bool:
    """Whether ``path``'s ``-wal`` holds committed frames made on another file.  Read
    before this process opens the database: closing a descriptor of the file drops the
    process's POSIX locks on it (SQLite's own connections included).

    The file's header is read between two reads of the WAL's: with the same WAL header
    both times, no reset happened in between, the WAL's committed frames only grew, and
    whatever a checkpoint copied into the file is in the second read.  A WAL reset in
    between (a live one) is looked at again; one never seen still is in busy use by
    connections that opened it, and is let be."""
    try:
        if wal_path(path).stat().st_size < WAL_HEADER + FRAME_HEADER:
            return False
    except OSError:
        return False
    verify = not in_use(path)
    for _attempt in range(ATTEMPTS):
        verdict = _judge(path, verify)
        if verdict is not None:
            return verdict
        time.sleep(0.01)
    return False
