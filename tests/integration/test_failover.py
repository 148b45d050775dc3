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
import io
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
from sqlalchemy import select

from onenumber_cli import batch, services
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database, parse_url
from onenumber_cli.storage.models import audit as AUDIT
from onenumber_cli.storage.models import devices as DEVICE_ROWS
from tests.e2e.test_console_script import SCRIPT

pytestmark = pytest.mark.slow

ACCOUNTS = 600
DEVICES = 2  # a device each row: re-running the file must not rename anything twice
ROWS = ACCOUNTS * DEVICES
FAILOVER_AFTER = 300  # rows reported on stdout before the primary goes away
ROLE, PASSWORD, DATABASE = "failover_op", "Fail0ver-pw", "onenumber"
PG_TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "postgres")
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


def _postgres_bindir() -> Path | None:
    """Where initdb, pg_ctl, pg_basebackup and postgres are: $PG_BINDIR, pg_config's
    bindir, or the newest /usr/lib/postgresql/*/bin."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    if pg_config := shutil.which("pg_config"):
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                check=False)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                         reverse=True)
    for bindir in candidates:
        if all((bindir / tool).exists() for tool in PG_TOOLS):
            return bindir
    return None


def _unavailable(reason: str) -> NoReturn:
    """Skip with the reason, except in CI, which must run this test."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but the failover test cannot run: {reason}")
    pytest.skip(reason)


def _free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port != 5432 and port not in ports:
            ports.append(port)
    return ports


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


def _postgres_user() -> tuple[list[str], tuple[int, int] | None]:
    """How to run the server tools: as the ``postgres`` OS user when we are root
    (initdb and postgres refuse to run as root), with its uid and gid for the chown."""
    if os.geteuid() != 0:
        return [], None
    import pwd

    runuser = shutil.which("runuser")
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        owner = None
    if runuser is None or owner is None:
        _unavailable("running as root, and there is no 'postgres' user (or no runuser) to "
                     "run the test clusters as")
    return [runuser, "-u", "postgres", "--"], (owner.pw_uid, owner.pw_gid)


@pytest.fixture
def pair(request: pytest.FixtureRequest) -> Pair:
    bindir = _postgres_bindir()
    if bindir is None:
        _unavailable(f"PostgreSQL server binaries ({', '.join(PG_TOOLS)}) not found; "
                     "set PG_BINDIR or install the server package")
    as_postgres, owner = _postgres_user()
    base = Path(tempfile.mkdtemp(prefix="onenumber-failover-"))  # short: socket paths
    if owner is not None:
        os.chown(base, *owner)
    built = Pair(bindir, base, _free_ports(2), as_postgres)

    def tear_down() -> None:
        for data in (built.standby, built.primary):
            with contextlib.suppress(AssertionError, subprocess.SubprocessError, OSError):
                built.stop(data)
        shutil.rmtree(base, ignore_errors=True)

    request.addfinalizer(tear_down)  # registered before anything starts: runs on failure
    _build(built)
    return built


# --- the data ---------------------------------------------------------------------------


def seed(db: Database) -> list[tuple[str, str]]:
    """ACCOUNTS accounts with DEVICES devices each; returns (account, device id) pairs."""
    lines = []
    for a in range(ACCOUNTS):
        lines.append({"action": "service-subscribe", "account": f"f{a:05d}", "multi": True})
        lines += [{"action": "register", "account": f"f{a:05d}", "type": "Watch",
                   "name": f"W{d}"} for d in range(DEVICES)]
    stream = io.BytesIO("\n".join(json.dumps(x) for x in lines).encode())
    results = list(batch.apply(db, lambda: batch.rows(stream, "jsonl"), Actor("seed"),
                               services.utcnow().tzinfo, atomic=True))  # type: ignore[arg-type]
    assert all(r.ok for r in results)
    devices = [(account, device) for account, device, _ in registered(db)]
    assert len(devices) == ROWS
    return devices


def registered(db: Database) -> list[tuple[str, str, str]]:
    """(account, device id, name) of every registered device, by account and slot."""
    with db.connected() as conn:
        return [(r.account, r.id, r.name) for r in conn.execute(
            select(DEVICE_ROWS.c.account, DEVICE_ROWS.c.id, DEVICE_ROWS.c.name)
            .where(DEVICE_ROWS.c.slot.is_not(None))
            .order_by(DEVICE_ROWS.c.account, DEVICE_ROWS.c.slot))]


def write_file(path: Path, devices: list[tuple[str, str]]) -> None:
    """Row i (0-based) renames device i to N{i}: no device twice, no name twice."""
    with path.open("w") as handle:
        for i, (account, device) in enumerate(devices):
            handle.write(json.dumps({"action": "rename", "account": account,
                                     "device": device, "name": f"N{i}"}) + "\n")


def renames_by_row(db: Database) -> dict[int, list[str]]:
    """For each file row (0-based), the operators whose audit records applied it."""
    found: dict[int, list[str]] = {}
    with db.connected() as conn:
        for record in conn.execute(select(AUDIT).where(AUDIT.c.action == "rename")):
            found.setdefault(int(record.after["name"][1:]), []).append(record.operator)
    return found


def actual_names(db: Database) -> dict[str, str]:
    return {device: name for _, device, name in registered(db)}


def onenumber(url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    assert SCRIPT, "the onenumber console script is not installed (pip install -e .)"
    return subprocess.run([SCRIPT, "--db", url, *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


class Batch:
    """The batch as a console script; its stdout and stderr are drained by threads (an
    undrained pipe would stall it) so the test can watch the rows being reported."""

    def __init__(self, url: str, path: Path, operator: str) -> None:
        assert SCRIPT, "the onenumber console script is not installed (pip install -e .)"
        self.process = subprocess.Popen(
            [SCRIPT, "--db", url, "-o", "jsonl", "--operator", operator, "batch", "apply",
             str(path)],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},  # each row reported as it lands
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.readers = [threading.Thread(target=self._drain, args=(stream, lines), daemon=True)
                        for stream, lines in ((self.process.stdout, self.stdout),
                                              (self.process.stderr, self.stderr))]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _drain(stream: io.TextIOBase, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)

    def wait_for_rows(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.stdout) < count:
            if self.process.poll() is not None:
                raise AssertionError(f"the batch ended before {count} rows "
                                     f"(exit {self.process.returncode}): {self.stderr}")
            assert time.monotonic() < deadline, f"no {count} rows within {timeout} s"
            time.sleep(0.005)

    def wait(self, timeout: float = 120) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the batch hung for {timeout} s after the failover; "
                                 f"stderr: {''.join(self.stderr)[-2000:]}") from None
        for reader in self.readers:
            reader.join(timeout=10)
        return code

    def reported(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout if line.strip()]


# --- the test ---------------------------------------------------------------------------


def test_a_batch_survives_a_failover_to_the_hot_standby(pair: Pair, tmp_path: Path) -> None:
    started = time.monotonic()
    url = pair.url
    upgrade = onenumber(url, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    db = Database(parse_url(url))
    try:
        devices = seed(db)
    finally:
        db.dispose()
    path = tmp_path / "renames.jsonl"
    write_file(path, devices)

    seeded = time.monotonic()
    run = Batch(url, path, "failover-run")
    run.wait_for_rows(FAILOVER_AFTER)
    failover_at = len(run.stdout)
    pair.stop(pair.primary)
    pair.tool("pg_ctl", "promote", "-w", "-t", "30", "-D", str(pair.standby))
    code = run.wait()
    ended = time.monotonic()
    stderr = "".join(run.stderr)
    reported = run.reported()

    db = Database(parse_url(url))  # the same URL: it now leads to the promoted standby
    try:
        landed = renames_by_row(db)
        first = sorted(i for i, ops in landed.items() if "failover-run" in ops)
        acknowledged = [r["row"] - 1 for r in reported if r["ok"] and r["changed"]]
        lost = sorted(set(acknowledged) - set(first))
        failed_rows = [r for r in reported if not r["ok"]]
        print(f"\nfailover: rows reported before the primary stopped={failover_at}; "
              f"interrupted run exit={code}, rows reported={len(reported)} "
              f"(ok+changed={len(acknowledged)}, failed={len(failed_rows)}), "
              f"rows landed on the new primary={len(first)}, acknowledged rows lost="
              f"{len(lost)}; stderr ({len(run.stderr)} lines):\n{stderr[-3000:]}")
        if failed_rows:
            codes = sorted({str((r["error"] or {}).get("code")) for r in failed_rows})
            print(f"failed rows: {failed_rows[0]['row']}..{failed_rows[-1]['row']}, "
                  f"error codes {codes}")

        assert "Traceback" not in stderr, stderr
        assert "internal error" not in stderr, stderr
        assert PASSWORD not in stderr + "".join(run.stdout)
        assert code in (0, 6), f"exit {code}, expected 0 (carried on) or 6 (unavailable)"
        if code == 0:  # it carried on: every row reported, none failed
            assert len(reported) == ROWS and not failed_rows
        if code == 6:  # one error (a JSON object in -o jsonl), besides the summary line
            errors = [json.loads(line) for line in run.stderr if line.startswith("{")]
            assert [e["error"]["code"] for e in errors] == ["database_unavailable"], stderr
            assert len(run.stderr) <= 2, stderr
        assert lost == [], f"rows acknowledged by the old primary but lost: {lost[:20]}"
        assert first == list(range(len(first))), (
            "the interrupted run did not apply exactly rows 1..k (it skipped rows while "
            "the database was away)")

        rerun = onenumber(url, "-o", "jsonl", "--operator", "failover-rerun", "batch",
                          "apply", str(path))
        assert rerun.returncode == 0, rerun.stderr
        assert all(json.loads(line)["ok"] for line in rerun.stdout.splitlines())
        checked = onenumber(url, "check")
        assert checked.returncode == 0, checked.stdout + checked.stderr

        names = actual_names(db)
        assert names == {device: f"N{i}" for i, (_, device) in enumerate(devices)}
        landed = renames_by_row(db)
        twice = {i: ops for i, ops in landed.items() if len(ops) != 1}
        missing = sorted(set(range(ROWS)) - set(landed))
        assert not twice, f"rows applied more than once: {dict(list(twice.items())[:10])}"
        assert not missing, f"rows never applied: {missing[:20]}"
        assert sorted(landed) == list(range(ROWS))
        completed = sum(ops == ["failover-rerun"] for ops in landed.values())
        print(f"re-run: exit 0, rows applied by it={completed}; check clean; every row "
              f"applied exactly once.  Seconds after the clusters were up: seeded "
              f"{seeded - started:.1f}, interrupted run over {ended - started:.1f}, "
              f"done {time.monotonic() - started:.1f}")
    finally:
        db.dispose()
