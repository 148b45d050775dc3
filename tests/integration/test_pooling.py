"""The operator's flows through a real PgBouncer, in session and in transaction pooling.

Each test starts its own PgBouncer (its config in a temporary directory, a free port on
127.0.0.1, SCRAM authentication with the test database's own role and password) in
front of the suite's PostgreSQL test database, and runs the installed ``onenumber``
console script through it, as an operator would.

What this proves (README, "Connecting"):

* session pooling works with the plain URL;
* transaction pooling works with ``?prepare_threshold=none`` in the URL: every change is
  one transaction, the tool's settings are transaction-local and its schema lock is a
  transaction-level advisory lock, so nothing is left behind on a server session that
  the next client gets;
* without that option, PgBouncer before 1.21 loses psycopg's prepared statements (psycopg
  prepares a statement a connection has run 5 times): the next transaction lands on
  another server session, which has no such statement.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import URL, Connection, make_url

from onenumber_cli.errors import DatabaseUnavailable
from onenumber_cli.storage.engine import Database, parse_url
from onenumber_cli.storage.models import audit as AUDIT
from onenumber_cli.storage.models import devices as DEVICES
from tests.conftest import POSTGRES_URL
from tests.e2e.test_console_script import SCRIPT

pytestmark = [
    pytest.mark.skipif(not POSTGRES_URL,
                       reason="ONENUMBER_TEST_POSTGRES_URL is not set (CI sets it)"),
    pytest.mark.slow,
]

NO_PREPARE = "prepare_threshold=none"  # what the README tells transaction pooling to add
POOL_SIZE = 3  # server connections per pool: fewer than the concurrent operators below


def _pgbouncer() -> tuple[str, tuple[int, ...]]:
    """The pgbouncer binary (Debian puts it in /usr/sbin) and its version."""
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/sbin")
    if found is None:
        pytest.fail("pgbouncer is not installed (apt-get install pgbouncer; .ci/run does)")
    banner = subprocess.run([found, "--version"], capture_output=True, text=True,
                            timeout=30, check=False).stdout
    match = re.search(r"PgBouncer (\d+)\.(\d+)", banner)
    assert match, f"unexpected pgbouncer --version output: {banner!r}"
    return found, (int(match.group(1)), int(match.group(2)))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Bouncer:
    """One running PgBouncer in front of the test database."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    database: URL
    version: tuple[int, ...]

    def url(self, *options: str) -> str:
        """The test database's URL, through this PgBouncer, with ``options`` as query."""
        through = self.database.set(host="127.0.0.1", port=self.port, query={})
        rendered = through.render_as_string(hide_password=False)
        return rendered + ("?" + "&".join(options) if options else "")

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        """A plain psycopg client of the pooler (another operator's session)."""
        return psycopg.connect(host="127.0.0.1", port=self.port,
                               dbname=str(self.database.database),
                               user=self.database.username,
                               password=self.database.password, connect_timeout=5)

    def log_tail(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines[-20:])


def start_pgbouncer(mode: str, base: Path, *, prepared_statements: int = 0) -> Bouncer:
    """PgBouncer in ``mode`` pooling, its files in ``base``; run as the ``postgres`` OS
    user when we are root (PgBouncer refuses to run as root)."""
    binary, version = _pgbouncer()
    assert POSTGRES_URL is not None
    database = make_url(POSTGRES_URL)
    server_host = database.query.get("host") or database.host or "127.0.0.1"
    port = _free_port()
    auth = "scram-sha-256" if database.password else "trust"
    users = base / "users.txt"
    users.write_text(f'"{database.username}" "{database.password or ""}"\n')
    log = base / "pgbouncer.log"
    settings = [
        "[databases]",
        f"* = host={server_host} port={database.port or 5432}",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {port}",
        "unix_socket_dir =",
        f"auth_type = {auth}",
        f"auth_file = {users}",
        f"pool_mode = {mode}",
        f"default_pool_size = {POOL_SIZE}",
        "max_client_conn = 50",
        f"logfile = {log}",
    ]
    if version >= (1, 21):  # the setting exists from 1.21 on (0: not tracked)
        settings.append(f"max_prepared_statements = {prepared_statements}")
    config = base / "pgbouncer.ini"
    config.write_text("\n".join(settings) + "\n")
    command = [binary, str(config)]
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        assert runuser, "running as root, and there is no runuser to start pgbouncer with"
        owner = shutil.chown
        for path in (base, users, config):
            owner(path, "postgres")
        users.chmod(0o600)
        command = [runuser, "-u", "postgres", "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bouncer = Bouncer(process, port, log, database, version)
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            pytest.fail(f"pgbouncer exited with {process.returncode}:\n{bouncer.log_tail()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return bouncer
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"pgbouncer did not listen on {port}:\n{bouncer.log_tail()}")
            time.sleep(0.05)


@pytest.fixture
def pgbouncer(postgres_url: str) -> Iterator[Callable[..., Bouncer]]:
    """Starts PgBouncers in front of the (emptied, migrated) test database; stops them."""
    started: list[Bouncer] = []
    bases: list[Path] = []

    def start(mode: str, *, prepared_statements: int = 0) -> Bouncer:
        base = Path(tempfile.mkdtemp(prefix="onenumber-pgbouncer-"))
        bases.append(base)
        bouncer = start_pgbouncer(mode, base, prepared_statements=prepared_statements)
        started.append(bouncer)
        return bouncer

    yield start
    for bouncer in started:
        bouncer.process.terminate()
        try:
            bouncer.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            bouncer.process.kill()
            bouncer.process.wait()
    for base in bases:
        shutil.rmtree(base, ignore_errors=True)


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert SCRIPT, "the onenumber console script is not installed (pip install -e .)"
    env = {**os.environ, "ONENUMBER_DATABASE_URL": url}
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (result.args, result.stdout[-2000:], result.stderr[-2000:])
    return result


def batch_id(result: subprocess.CompletedProcess[str]) -> str:
    match = re.search(r"^batch (\S+):", result.stderr, re.MULTILINE)
    assert match, result.stderr
    return match.group(1)


def write_jsonl(path: Path, rows: Iterable[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def audit_count(batch: str) -> int:
    """The batch's audit records, read from the database directly."""
    db = Database(parse_url(POSTGRES_URL or ""))
    try:
        with db.connected() as conn:
            return int(conn.scalar(select(func.count()).select_from(AUDIT)
                                   .where(AUDIT.c.batch_id == batch)) or 0)
    finally:
        db.dispose()


def device_names(accounts: list[str]) -> dict[str, list[str]]:
    """The registered devices' names of each account, read from the database directly."""
    db = Database(parse_url(POSTGRES_URL or ""))
    names: dict[str, list[str]] = {account: [] for account in accounts}
    try:
        with db.connected() as conn:
            for account, name in conn.execute(
                    select(DEVICES.c.account, DEVICES.c.name)
                    .where(DEVICES.c.account.in_(accounts), DEVICES.c.slot.is_not(None))
                    .order_by(DEVICES.c.account, DEVICES.c.slot)):
                names[account].append(name)
    finally:
        db.dispose()
    return names


# --- the flows ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["session", "transaction"])
def test_the_operators_flows_through_pgbouncer(pgbouncer: Callable[..., Bouncer], mode: str,
                                               tmp_path: Path) -> None:
    bouncer = pgbouncer(mode)
    url = bouncer.url(NO_PREPARE) if mode == "transaction" else bouncer.url()

    # single commands
    assert "3 / 5" in ok(run(url, "demo")).stdout
    ok(run(url, "service", "subscribe", "pool-1", "--multi"))
    device = json.loads(ok(run(url, "devices", "register", "pool-1", "--type", "Watch",
                               "--name", "W1", "-o", "json")).stdout)["device"]["id"]
    ok(run(url, "devices", "register", "pool-1", "--type", "Car", "--name", "C1"))
    ok(run(url, "devices", "rename", "pool-1", device, "Watch1"))
    ok(run(url, "devices", "unregister", "pool-1", "C1", "--yes"))
    ok(run(url, "option", "cancel", "pool-1", "--yes"))
    ok(run(url, "option", "subscribe", "pool-1"))
    ok(run(url, "service", "subscribe", "pool-2"))
    ok(run(url, "service", "cancel", "pool-2", "--yes"))
    status = json.loads(ok(run(url, "status", "pool-1", "-o", "json")).stdout)
    assert status["registered"] == 1 and status["plan"] == "one-number+multi"

    # a per-row batch of 300 rows, each its own transaction (psycopg would have prepared
    # its statements after 5 rows), then an atomic one of 300 rows, then its revert
    accounts = [f"pool-{n:04d}" for n in range(150)]
    per_row = ok(run(url, "batch", "apply", "-o", "jsonl", str(write_jsonl(
        tmp_path / "subscribe.jsonl",
        [row for account in accounts for row in (
            {"action": "service-subscribe", "account": account, "multi": True},
            {"action": "register", "account": account, "type": "Watch", "name": "W"})]))))
    results = [json.loads(line) for line in per_row.stdout.splitlines()]
    assert len(results) == 300 and all(r["ok"] and r["changed"] for r in results)
    watches = [r["device_id"] for r in results if r["action"] == "register"]
    assert audit_count(batch_id(per_row)) == 300

    atomic = ok(run(url, "batch", "apply", "--atomic", "-o", "jsonl", str(write_jsonl(
        tmp_path / "rename.jsonl",
        [row for account, watch in zip(accounts, watches, strict=True) for row in (
            {"action": "rename", "account": account, "device": watch, "name": "R"},
            {"action": "register", "account": account, "type": "Car", "name": "C"})]))))
    assert all(json.loads(line)["changed"] for line in atomic.stdout.splitlines())
    reverted = ok(run(url, "batch", "revert", batch_id(atomic), "-o", "jsonl"))
    assert len(reverted.stdout.splitlines()) == 300
    assert audit_count(batch_id(reverted)) == 300
    assert set(map(tuple, device_names(accounts).values())) == {("W",)}

    # operators at once: each registers on accounts of its own, and all rename the same
    # devices (serialised by the account locks, through the pool's few server sessions)
    shared = list(zip(accounts[:10], watches[:10], strict=True))
    files = [write_jsonl(tmp_path / f"operator{k}.jsonl", [
        *({"action": "rename", "account": account, "device": watch, "name": f"K{k}"}
          for account, watch in shared),
        *(row for n in range(25) for row in (
            {"action": "service-subscribe", "account": f"op{k}-{n:03d}", "multi": True},
            {"action": "register", "account": f"op{k}-{n:03d}", "type": "Watch"}))])
        for k in range(4)]
    env = {**os.environ, "ONENUMBER_DATABASE_URL": url}
    assert SCRIPT
    runs = [subprocess.Popen([SCRIPT, "--operator", f"op{k}", "batch", "apply", "-o", "jsonl",
                              str(file)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env) for k, file in enumerate(files)]
    for process in runs:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, (out[-2000:], err[-2000:])
        assert all(json.loads(line)["ok"] for line in out.splitlines())
        assert audit_count(batch_id(subprocess.CompletedProcess([], 0, out, err))) == 60
    for names in device_names([account for account, _ in shared]).values():
        assert len(names) == 1 and names[0] in {"K0", "K1", "K2", "K3"}

    assert "No violations" in ok(run(url, "check")).stderr
    assert ok(run(url, "db", "current")).returncode == 0

    # nothing of the tool's is left on the pooled server sessions the next client gets
    with bouncer.connect() as client:
        assert client.execute("SHOW lock_timeout").fetchone() == ("0",)
        assert client.execute("SHOW statement_timeout").fetchone() == ("0",)
    with psycopg.connect(make_url(POSTGRES_URL or "").set(drivername="postgresql")
                         .render_as_string(hide_password=False)) as direct:
        held = direct.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                              "AND database = (SELECT oid FROM pg_database "
                              "WHERE datname = current_database())")  # not others' tests
        assert held.fetchone() == (0,)


# --- why transaction pooling needs the option (PgBouncer before 1.21) -----------------


def _prepared_then_moved(db: Database, bouncer: Bouncer) -> int:
    """Commit one statement often enough for psycopg to prepare it (after 5 runs; a
    rollback forgets what a connection prepared, a commit keeps it), let another client
    take that server session, then run it again: in transaction pooling, on another one."""
    def count(conn: Connection) -> int:
        return int(conn.execute(text("SELECT count(*) FROM contracts WHERE status = :s"),
                                {"s": "active"}).scalar() or 0)

    for _ in range(6):
        db.write(count)
    with bouncer.connect() as other:
        other.execute("SELECT 1")  # a transaction: holds the server session just freed
        return db.write(count)


def test_transaction_pooling_needs_the_no_prepare_option(
        pgbouncer: Callable[..., Bouncer]) -> None:
    """Without the option the statement fails cleanly (exit 6's error, whose hint names
    the option), never with a traceback; with it the same sequence works."""
    bouncer = pgbouncer("transaction")  # from 1.21 on: max_prepared_statements = 0
    plain = Database(parse_url(bouncer.url()))
    try:
        with pytest.raises(DatabaseUnavailable) as lost:
            _prepared_then_moved(plain, bouncer)
        assert lost.value.reason == "prepared_statement"  # its hint: the option
        assert "prepared statement" in str(lost.value.params.get("detail"))
    finally:
        plain.dispose()
    without = Database(parse_url(bouncer.url(NO_PREPARE)))
    try:
        assert _prepared_then_moved(without, bouncer) == 0
    finally:
        without.dispose()
