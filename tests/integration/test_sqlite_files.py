"""One SQLite database, one name, one WAL: symbolic links resolved at open, hard links and a
file moved under a running process refused, and a ``-wal`` left by another file refused
instead of applied (real processes and files throughout)."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from onenumber_cli import services
from onenumber_cli.errors import DatabaseUnavailable
from onenumber_cli.services import Actor
from onenumber_cli.storage import wal
from onenumber_cli.storage.engine import Database, parse_url

ONENUMBER = str(Path(sys.executable).with_name("onenumber"))
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("ONENUMBER_") or key == "ONENUMBER_DATA_DIR"}
    env.update(LANG="C", ONENUMBER_OPERATOR="tester")
    return subprocess.run([ONENUMBER, *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


# A process that commits changes through the program, then is killed (SIGKILL): its WAL
# stays beside the file, as after a crash or a power cut.
KILLED_WRITER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from onenumber_cli import services
    from onenumber_cli.services import Actor
    from onenumber_cli.storage.connect import open_database
    db = open_database(sys.argv[1], data_dir=Path(sys.argv[1]).parent)
    actor = Actor(operator="killed")
    for i in range(4):
        services.register_device(db, actor, "a1", "Watch", name=f"w{i}")
    os.kill(os.getpid(), signal.SIGKILL)
""")


def _kill_a_writer(url: str) -> None:
    result = subprocess.run([sys.executable, "-c", KILLED_WRITER, url], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == -9, result.stderr


def _database_with_a_backup(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "x.sqlite"
    url = f"sqlite:///{path}"
    assert run("--db", url, "db", "upgrade").returncode == 0
    assert run("--db", url, "service", "subscribe", "a1", "--multi").returncode == 0
    backup = tmp_path / "backup.sqlite"
    shutil.copy(path, backup)  # no process has it open: no WAL, a complete copy
    rows = "\n".join(json.dumps({"action": "service-subscribe", "account": f"z{i}"})
                     for i in range(300))
    assert run("--db", url, "batch", "apply", "-", "-q", stdin=rows).returncode == 0
    return path, backup


def test_a_wal_left_by_a_replaced_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    """The file replaced by an older copy while the old one's WAL stays beside it: SQLite
    would apply the WAL to the copy ('database disk image is malformed'); the program
    refuses with exit 6 ``stray_wal``, changes nothing, and works once it is moved away."""
    path, backup = _database_with_a_backup(tmp_path)
    _kill_a_writer(f"sqlite:///{path}")
    stray = wal.wal_path(path)
    assert stray.stat().st_size > 0
    os.replace(backup, path)
    before = {name: (tmp_path / name).read_bytes() for name in ("x.sqlite", "x.sqlite-wal")}
    result = run("--db", f"sqlite:///{path}", "-o", "json", "status", "a1")
    assert result.returncode == 6, result.stderr
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "stray_wal" and str(stray) in error["message"]
    assert f"mv {stray} {stray}.stray" in error["hint"]
    assert {name: (tmp_path / name).read_bytes() for name in before} == before
    assert run("--db", f"sqlite:///{path}", "check").returncode == 6  # every command
    for suffix in ("-wal", "-shm"):  # what the hint says
        moved = path.with_name(path.name + suffix)
        moved.rename(moved.with_name(moved.name + ".stray"))
    result = run("--db", f"sqlite:///{path}", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    status = json.loads(run("--db", f"sqlite:///{path}", "-o", "json", "status", "a1").stdout)
    assert status["registered"] == 0  # the backup's state, nothing of the other file


def test_a_wal_left_by_a_killed_writer_on_its_own_file_is_recovered(tmp_path: Path) -> None:
    path, _backup = _database_with_a_backup(tmp_path)
    _kill_a_writer(f"sqlite:///{path}")
    assert wal.wal_path(path).stat().st_size > 0
    assert not wal.stray_wal(path)
    result = run("--db", f"sqlite:///{path}", "-o", "json", "status", "a1")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["registered"] == 4  # every change reported done
    assert run("--db", f"sqlite:///{path}", "check").returncode == 0


# Writers through SQLite itself, several at once, each killed or ending without closing,
# with small auto-checkpoints (partial checkpoints, WAL resets), growing and shrinking the
# file: whatever WAL they leave is the file's own.
SQLITE_WORKER = textwrap.dedent("""
    import os, random, signal, sqlite3, sys
    path, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA wal_autocheckpoint={rng.choice([0, 3, 20, 1000])}")
    for _ in range(rng.randint(1, 40)):
        op = rng.random()
        conn.execute("BEGIN IMMEDIATE")
        if op < 0.5:
            conn.executemany("INSERT INTO t(v) VALUES (?)",
                             [("x" * rng.randint(10, 3000),) for _ in range(rng.randint(1, 8))])
        elif op < 0.7:
            conn.execute("DELETE FROM t WHERE id % ? = 0", (rng.randint(2, 9),))
        else:
            conn.execute("UPDATE t SET v = ? WHERE id = (SELECT max(id) FROM t)", ("u",))
        conn.execute("COMMIT")
        if rng.random() < 0.1:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    end = rng.random()
    if end < 0.4:
        os.kill(os.getpid(), signal.SIGKILL)
    elif end < 0.8:
        os._exit(0)  # no close: no checkpoint, the WAL stays
    conn.close()
""")


def test_no_wal_that_sqlite_wrote_for_the_file_is_ever_called_stray(tmp_path: Path) -> None:
    rng = random.Random(20261202)
    path = tmp_path / "soak.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        conn.execute("CREATE INDEX t_v ON t(v)")
    conn.close()
    left = 0
    for _round in range(15):
        workers = [subprocess.Popen([sys.executable, "-c", SQLITE_WORKER, str(path),
                                     str(rng.randrange(1 << 30))])
                   for _ in range(rng.randint(1, 3))]
        for worker in workers:
            worker.wait(timeout=120)
        left += wal.wal_path(path).exists() and wal.wal_path(path).stat().st_size > 0
        assert not wal.stray_wal(path), f"round {_round}"
        with sqlite3.connect(path) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        check.close()
    assert left >= 5  # the rounds did leave WALs to judge


def _sqlite_file(path: Path, page_size: int, rows: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA page_size={page_size}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO t(v) VALUES (?)", [("x" * 100,)] * rows)
    conn.close()


WAL_LEAVER = textwrap.dedent("""
    import os, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint=0")
    statement = ("UPDATE t SET v = 'y' WHERE id = 1" if sys.argv[2] == "update"
                 else "INSERT INTO t(v) SELECT v FROM t")
    conn.execute(statement)
    os._exit(0)
""")


@pytest.mark.parametrize(("change", "other_page_size", "other_rows", "words"), [
    ("update", 1024, 10, "another page size"),
    ("update", 4096, 500, "no page 1 in the WAL, another page count"),
    ("grow", 4096, 300, "page 1 in the WAL, another page count"),
])
def test_each_part_of_the_rule_finds_a_wal_of_another_file(
        tmp_path: Path, change: str, other_page_size: int, other_rows: int,
        words: str) -> None:
    path = tmp_path / "own.sqlite"
    _sqlite_file(path, 4096, 10)
    subprocess.run([sys.executable, "-c", WAL_LEAVER, str(path), change], check=True)
    assert not wal.stray_wal(path), words
    other = tmp_path / "other.sqlite"
    _sqlite_file(other, other_page_size, other_rows)
    os.replace(other, path)
    assert wal.stray_wal(path), words


def test_a_database_opened_through_a_symlink_uses_the_real_files_wal(tmp_path: Path) -> None:
    real = tmp_path / "data" / "real.sqlite"
    real.parent.mkdir()
    assert run("--db", f"sqlite:///{real}", "db", "upgrade").returncode == 0
    link = tmp_path / "link.sqlite"
    link.symlink_to(real)
    db = Database(parse_url(f"sqlite:///{link}"))
    assert db.path == real and db.url.database == str(real)
    holder = Database(parse_url(f"sqlite:///{real}"))  # keeps the WAL alive meanwhile
    services.service_subscribe(holder, Actor(operator="t"), "a1", multi=True)
    result = run("--db", f"sqlite:///{link}", "-o", "json", "devices", "register", "a1",
                 "--type", "Watch", "--name", "via-link")
    assert result.returncode == 0, result.stderr
    assert not Path(f"{link}-wal").exists()  # one WAL, named after the real file
    assert len(services.list_devices(holder, "a1")) == 1  # the link's change, seen at once
    holder.dispose()
    db.dispose()
    assert json.loads(run("--db", f"sqlite:///{link}", "-o", "json", "db", "current").stdout
                      )["url"] == f"sqlite:///{real}"


def test_a_file_moved_and_replaced_by_a_symlink_to_itself_stops_the_writer(
        tmp_path: Path) -> None:
    """The probe: a second writer through the link got a WAL of its own (duplicate slots,
    a missing index row).  The running writer stops at its next commit (exit 6) and copies
    its changes into the file; the second one works on the file with them; check is clean."""
    path = tmp_path / "x.sqlite"
    url = f"sqlite:///{path}"
    assert run("--db", url, "db", "upgrade").returncode == 0
    actor = Actor(operator="first")
    first = Database(parse_url(url))
    services.service_subscribe(first, actor, "a1", multi=True)
    services.register_device(first, actor, "a1", "Watch", name="before-move")
    moved = tmp_path / "x.real.sqlite"
    path.rename(moved)
    path.symlink_to(moved)
    with pytest.raises(DatabaseUnavailable) as caught:
        services.register_device(first, actor, "a1", "Watch", name="after-move")
    assert caught.value.reason == "file_replaced"
    result = run("--db", url, "devices", "register", "a1", "--type", "Watch", "--name",
                 "second")
    assert result.returncode == 0, result.stderr
    first.dispose()
    result = run("--db", url, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    status = json.loads(run("--db", url, "-o", "json", "status", "a1").stdout)
    assert sorted(d["name"] for d in status["devices"]) == ["before-move", "second"]
    with sqlite3.connect(moved) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_a_hard_linked_database_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite"
    assert run("--db", f"sqlite:///{path}", "db", "upgrade").returncode == 0
    os.link(path, tmp_path / "other-name.sqlite")
    result = run("--db", f"sqlite:///{path}", "-o", "json", "status", "a1")
    assert result.returncode == 6, result.stderr
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "database_unavailable" and "2 names" in error["message"]
    assert "-samefile" in error["hint"]


LIVE_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from onenumber_cli import services
    from onenumber_cli.services import Actor
    from onenumber_cli.storage.connect import open_database
    db = open_database(sys.argv[1], data_dir=Path(sys.argv[1]).parent)
    services.register_device(db, Actor(operator="live"), "a1", "Watch", name="live")
    print("ready", flush=True)
    sys.stdin.read()  # holds the database open until the test ends it
""")


def test_the_wal_of_a_live_process_on_a_replaced_file_is_refused_too(tmp_path: Path) -> None:
    """The file replaced while a process that wrote to it still runs: its WAL is in use,
    and still not this file's."""
    path, backup = _database_with_a_backup(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", LIVE_WRITER, f"sqlite:///{path}"],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
        assert wal.in_use(path)
        os.replace(backup, path)
        result = run("--db", f"sqlite:///{path}", "-o", "json", "status", "a1")
        assert result.returncode == 6, result.stderr
        assert json.loads(result.stderr)["error"]["code"] == "stray_wal"
    finally:
        holder.kill()
        holder.wait()


BUSY_WRITER = textwrap.dedent("""
    import random, sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint=4")  # checkpoints and WAL resets all the time
    rng = random.Random(7)
    end = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < end:
        if rng.random() < 0.6:
            conn.executemany("INSERT INTO t(v) VALUES (?)", [("x" * 2000,)] * rng.randint(1, 4))
        else:
            conn.execute("DELETE FROM t WHERE id % 3 = 0")
    conn.close()
""")


def test_a_wal_in_use_is_judged_quickly_and_never_refused_while_writers_work(
        tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
    conn.close()
    writers = [subprocess.Popen([sys.executable, "-c", BUSY_WRITER, str(path), "4"])
               for _ in range(2)]
    judged = 0
    try:
        while any(writer.poll() is None for writer in writers):
            assert not wal.stray_wal(path)
            judged += 1
    finally:
        for writer in writers:
            writer.wait(timeout=60)
    assert judged >= 50
