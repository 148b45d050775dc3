"""Failover: a per-row batch running while the primary dies and the hot standby takes over.

The test builds its own primary and streaming standby on free localhost ports (never the
suite's cluster), with synchronous replication so that a commit the primary acknowledged
is on the standby too.  The tool gets the multi-host URL operators use for such a pair
(``?host=P1&host=P2&target_session_attrs=read-write``).  A batch of renames runs as a
console script; after some rows are reported the primary is stopped (``-m immediate``)
and the standby promoted.

Each row renames one device, and no device twice, to a name used nowhere else: an
applied row leaves exactly one audit record, and re-applying it is a no-op.  So:

* the interrupted run ends cleanly: exit 0 (it carried on on the new primary) or 6
  (database unavailable, one message), never an internal error or a traceback, and
  what it applied is exactly rows 1..k (it does not skip rows while the database is
  away);
* no row it reported as applied is missing on the new primary (synchronous replication);
* re-running the file on the same URL completes it; ``check`` is clean; every row is
  applied exactly once (its name, and one audit record: none lost, none twice).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from onenumber_cli.storage.engine import Database, parse_url
from tests.servers import (
    Batch,
    Ports,
    check_interrupted_run,
    check_rerun_completes,
    onenumber,
    postgres_bindir,
    postgres_user,
    renames_by_row,
    seed,
    unavailable,
    write_file,
)

pytestmark = pytest.mark.slow

FAILOVER_AFTER = 300  # rows reported on stdout before the primary goes away
ROLE, PASSWORD, DATABASE = "failover_op", "Fail0ver-pw", "onenumber"
SETTINGS = """
listen_addresses = '127.0.0.1'
shared_buffers = 16MB
max_connections = 20
fsync = off
wal_level = replica
max_wal_senders = 4
hot_standby = on
synchronous_commit = on
"""


@dataclass
class Pair:
    """A primary and its streaming standby, run as the ``postgres`` OS user when root."""

    bindir: Path
    base: Path
    ports: list[int]
    as_postgres: list[str]
    logs: list[Path] = field(default_factory=list)

    @property
    def primary(self) -> Path:
        return self.base / "primary"

    @property
    def standby(self) -> Path:
        return self.base / "standby"

    @property
    def url(self) -> str:
        hosts = "&".join(f"host=127.0.0.1:{port}" for port in self.ports)
        return (f"postgresql+psycopg://{ROLE}:{PASSWORD}@/{DATABASE}?{hosts}"
                f"&target_session_attrs=read-write")

    def tool(self, name: str, *args: str, timeout: float = 60) -> str:
        command = [*self.as_postgres, str(self.bindir / name), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                check=False, cwd=self.base)
        if result.returncode != 0:
            raise AssertionError(f"{name} {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}{result.stderr}{self.log_tails()}")
        return result.stdout

    def start(self, data: Path, port: int) -> None:
        log = self.base / f"{data.name}.log"
        self.logs.append(log)
        self.tool("pg_ctl", "start", "-w", "-t", "30", "-D", str(data), "-l", str(log),
                  "-o", f"-p {port} -k {self.base}")

    def superuser(self, port: int) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(host=str(self.base), port=port, user="postgres",
                               dbname="postgres", autocommit=True, connect_timeout=5)

    def stop(self, data: Path) -> None:
        if (data / "postmaster.pid").exists():
            self.tool("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(data))

    def log_tails(self) -> str:
        return "".join(f"\n--- {log.name}\n" + "".join(log.read_text(errors="replace")
                                                      .splitlines(True)[-15:])
                       for log in self.logs if log.exists())


def _build(pair: Pair) -> None:
    primary_port, standby_port = pair.ports
    pair.tool("initdb", "-D", str(pair.primary), "-U", "postgres", "--auth-local=trust",
              "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C")
    with (pair.primary / "postgresql.conf").open("a") as conf:
        conf.write(SETTINGS)
    pair.start(pair.primary, primary_port)
    with pair.superuser(primary_port) as conn:
        conn.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
    pair.tool("pg_basebackup", "-D", str(pair.standby), "-R", "-X", "stream", "-c", "fast",
              "-h", str(pair.base), "-p", str(primary_port), "-U", "postgres", "--no-sync")
    pair.start(pair.standby, standby_port)
    # Synchronous from here on, on the primary only: the standby's copy of the settings
    # was taken before, so once promoted it does not wait for a standby it has not got.
    with pair.superuser(primary_port) as conn:
        conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
        conn.execute("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 30
        while (conn.execute("SELECT count(*) FROM pg_stat_replication WHERE state = "
                            "'streaming' AND sync_state = 'sync'").fetchone() or (0,))[0] != 1:
            assert time.monotonic() < deadline, "the standby never became synchronous" + (
                pair.log_tails())
            time.sleep(0.1)


@pytest.fixture
def pair(request: pytest.FixtureRequest) -> Pair:
    bindir = postgres_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup, postgres) "
                    "not found; set PG_BINDIR or install the server package")
    as_postgres, owner = postgres_user()
    base = Path(tempfile.mkdtemp(prefix="onenumber-failover-"))  # short: socket paths
    if owner is not None:
        os.chown(base, *owner)
    held = Ports(2)  # held until both servers listen
    built = Pair(bindir, base, held.ports, as_postgres)

    def tear_down() -> None:
        held.release()
        for data in (built.standby, built.primary):
            with contextlib.suppress(AssertionError, subprocess.SubprocessError, OSError):
                built.stop(data)
        shutil.rmtree(base, ignore_errors=True)

    request.addfinalizer(tear_down)  # registered before anything starts: runs on failure
    _build(built)
    held.release()
    return built


def seeded(pair: Pair, tmp_path: Path, accounts: int | None = None
           ) -> tuple[Path, list[tuple[str, str]]]:
    """The schema, the accounts and their devices, and the rename file."""
    upgrade = onenumber(pair.url, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    db = Database(parse_url(pair.url))
    try:
        devices = seed(db) if accounts is None else seed(db, accounts)
    finally:
        db.dispose()
    path = tmp_path / "renames.jsonl"
    write_file(path, devices)
    return path, devices


# --- the tests --------------------------------------------------------------------------


def test_a_batch_survives_a_failover_to_the_hot_standby(pair: Pair, tmp_path: Path) -> None:
    started = time.monotonic()
    url = pair.url
    path, devices = seeded(pair, tmp_path)

    seeded_at = time.monotonic()
    run = Batch(url, path, "failover-run")
    run.wait_for_rows(FAILOVER_AFTER)
    failover_at = len(run.stdout)
    pair.stop(pair.primary)
    pair.tool("pg_ctl", "promote", "-w", "-t", "30", "-D", str(pair.standby))
    code = run.wait()
    ended = time.monotonic()

    db = Database(parse_url(url))  # the same URL: it now leads to the promoted standby
    try:
        print(f"\nfailover: rows reported before the primary stopped={failover_at}")
        check_interrupted_run(db, run, code, "failover-run", PASSWORD)
        completed = check_rerun_completes(db, url, path, devices, "failover-rerun")
        print(f"re-run: exit 0, rows applied by it={completed}; check clean; every row "
              f"applied exactly once.  Seconds after the clusters were up: seeded "
              f"{seeded_at - started:.1f}, interrupted run over {ended - started:.1f}, "
              f"done {time.monotonic() - started:.1f}")
    finally:
        db.dispose()


BLOCKED_AT = 21  # the row (1-based) whose account a superuser session holds locked: the
# first of its account's two rows


def _batch_waiting_for_a_primary(pair: Pair, tmp_path: Path, operator: str,
                                 env: dict[str, str], *, terminal: bool = False) -> Batch:
    """A per-row batch whose row BLOCKED_AT waits for an account's lock when the primary
    stops: its connection is lost before the commit (never at it), so the tool then waits
    for a primary; none comes (the standby is not promoted)."""
    path, devices = seeded(pair, tmp_path, accounts=50)
    account = devices[BLOCKED_AT - 1][0]
    holder = psycopg.connect(host=str(pair.base), port=pair.ports[0], user="postgres",
                             dbname=DATABASE, connect_timeout=5)
    holder.execute("SELECT 1 FROM contracts WHERE account = %s FOR UPDATE", (account,))
    run = Batch(pair.url, path, operator, env={"ONENUMBER_LOCK_TIMEOUT": "600", **env},
                terminal=terminal)
    with pair.superuser(pair.ports[0]) as admin:
        deadline = time.monotonic() + 30
        while not (admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND application_name = %s", (f"onenumber/{operator}",)).fetchone() or (0,))[0]:
            assert run.process.poll() is None, run.stderr
            assert time.monotonic() < deadline, "the batch never waited for the lock"
            time.sleep(0.05)
    run.wait_for_rows(BLOCKED_AT - 1, timeout=5)
    assert len(run.stdout) == BLOCKED_AT - 1
    pair.stop(pair.primary)
    with contextlib.suppress(psycopg.Error):
        holder.close()
    return run


def _landed_after_restart(pair: Pair, operator: str) -> list[int]:
    """The primary back (not promoted: the standby stays a standby): the rows ``operator``
    applied."""
    pair.start(pair.primary, pair.ports[0])
    db = Database(parse_url(pair.url))
    try:
        return sorted(i for i, ops in renames_by_row(db).items() if operator in ops)
    finally:
        db.dispose()


def test_a_batch_waiting_for_a_primary_that_never_comes_gives_up_after_the_window(
        pair: Pair, tmp_path: Path) -> None:
    run = _batch_waiting_for_a_primary(pair, tmp_path, "window-run",
                                       {"ONENUMBER_RECONNECT_TIMEOUT": "3"})
    stopped = time.monotonic()
    code = run.wait(timeout=60)
    waited = time.monotonic() - stopped
    print(f"\nwindow 3 s: exit {code} after {waited:.1f} s; stderr: {''.join(run.stderr)}")
    assert code == 6, run.stderr
    assert [e["code"] for e in run.errors()] == ["database_unavailable"], run.stderr
    assert "was lost and could not be made again" in run.errors()[0]["message"]
    assert f"row {BLOCKED_AT} and the rows after it were not applied. Re-run the file to " \
           "complete it." in run.stderr[0]
    assert "ONENUMBER_RECONNECT_TIMEOUT" in run.errors()[0]["hint"]
    assert 3.0 <= waited < 3.0 + 10, "the wait was not the configured window"
    assert "waiting for a primary" not in "".join(run.stderr)  # not a terminal
    assert len(run.reported()) == BLOCKED_AT - 1
    assert _landed_after_restart(pair, "window-run") == list(range(BLOCKED_AT - 1))


def test_ctrl_c_ends_the_wait_for_a_primary_with_130_and_the_rows_done_reported(
        pair: Pair, tmp_path: Path) -> None:
    """On a terminal (stderr), which shows the wait as it goes on."""
    run = _batch_waiting_for_a_primary(pair, tmp_path, "ctrl-c-run", {}, terminal=True)
    time.sleep(2.5)  # waiting (the default window: 60 s)
    assert run.process.poll() is None, run.stderr
    interrupted = time.monotonic()
    run.process.send_signal(signal.SIGINT)
    code = run.wait(timeout=30)
    took = time.monotonic() - interrupted
    stderr = "".join(run.stderr)
    print(f"\nCtrl-C while waiting: exit {code} after {took:.2f} s; stderr: {stderr}")
    assert code == 130, stderr
    assert took < 2.0, "Ctrl-C did not end the wait at once"
    waiting = [part for part in stderr.split("\r") if part.startswith("waiting")]
    assert waiting[:3] == [f"waiting for a primary ... {n} s\x1b[K" for n in (0, 1, 2)], stderr
    assert PASSWORD not in stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    reported = run.reported()
    assert [r["row"] for r in reported] == list(range(1, BLOCKED_AT))
    assert all(r["ok"] and r["changed"] for r in reported)
    assert _landed_after_restart(pair, "ctrl-c-run") == list(range(BLOCKED_AT - 1))
