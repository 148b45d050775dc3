"""High availability as a carrier team runs it: PostgreSQL under Patroni, with etcd.

The module builds one real cluster for its tests (module-scoped, torn down after them,
also when one fails): three etcd members and three PostgreSQL nodes managed by Patroni,
all on loopback ports found free and held until the servers listen, in a temporary
directory of its own, run as the ``postgres`` OS user when the tests run as root.
``synchronous_mode: true``: a commit the leader acknowledged is on the synchronous
standby, which Patroni promotes.  The cluster's bootstrap (``post_bootstrap``) creates
the tool's role (the database's owner, not a superuser) and database.

The tool connects with the multi-host URL an operator would use
(``?host=P1&host=P2&host=P3&target_session_attrs=read-write``).  Patroni's timing is
shortened (ttl, loop_wait) to keep CI time down; the tool runs with its default retry
window (ONENUMBER_RECONNECT_TIMEOUT unset), which fits Patroni's default timing too.
``primary_start_timeout: 0``: a crashed leader fails over instead of being restarted
in place (Patroni's default, 300, would restart it first; the tool waits the same way).

Without ``patroni`` and ``etcd`` installed the module is skipped, except in CI
(``CI=true``), where it fails: ``.ci/run`` installs them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from onenumber_cli.errors import DatabaseUnavailable
from onenumber_cli.storage.engine import Database, parse_url
from tests.servers import (
    ROWS,
    Batch,
    Ports,
    actual_names,
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
T = TypeVar("T")

NODES = 3
SCOPE = "onenumber"
ROLE, PASSWORD, DATABASE = "onenumber_op", "Patr0ni-op-pw", "onenumber"
SUPERUSER_PASSWORD, REPLICATION_PASSWORD = "Sup3r-patroni", "Repl1-patroni"
# Shorter than Patroni's defaults (ttl 30, loop_wait 10, retry_timeout 10) to keep CI
# time down; loop_wait + 2 * retry_timeout <= ttl, as Patroni requires.
TIMING = {"ttl": 10, "loop_wait": 1, "retry_timeout": 4}
FAILOVER_AFTER = 300  # rows reported before the leader's postmaster is killed
COSTS: dict[str, float] = {}  # seconds, printed at the end of the module (CI time)


def _tools() -> dict[str, str]:
    found = {name: shutil.which(name) for name in ("patroni", "patronictl", "etcd")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        unavailable(f"{', '.join(missing)} not installed (Debian: apt-get install patroni "
                    "etcd-server); .ci/run installs them")
    return {name: str(path) for name, path in found.items()}


def _get(url: str, timeout: float = 2) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


@dataclass
class Node:
    name: str
    pg_port: int
    api_port: int
    home: Path

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def config(self) -> Path:
        return self.home / "patroni.yml"


@dataclass
class Cluster:
    """etcd and Patroni, their processes and logs (see the module's docstring)."""

    base: Path
    bindir: Path
    tools: dict[str, str]
    owner: tuple[int, int] | None
    nodes: list[Node] = field(default_factory=list)
    etcd_ports: list[tuple[int, int]] = field(default_factory=list)  # (client, peer)
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    @property
    def url(self) -> str:
        hosts = "&".join(f"host=127.0.0.1:{node.pg_port}" for node in self.nodes)
        return (f"postgresql+psycopg://{ROLE}:{PASSWORD}@/{DATABASE}?{hosts}"
                f"&target_session_attrs=read-write")

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def spawn(self, name: str, command: list[str]) -> None:
        """A server process, as the ``postgres`` user when we are root, in a session of
        its own, its output in ``base/NAME.log``."""
        log = (self.base / f"{name}.log").open("ab")
        as_user: dict[str, Any] = {}
        if self.owner is not None:
            as_user = {"user": self.owner[0], "group": self.owner[1], "extra_groups": []}
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith(("PG", "ONENUMBER_", "ETCD"))}
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=self.base, start_new_session=True,
                                   env={**environment, "HOME": str(self.base)}, **as_user)
        log.close()
        self.processes.append((name, process))

    def log_tails(self, lines: int = 25) -> str:
        return "".join(f"\n--- {log.name}\n" + "".join(
            log.read_text(errors="replace").splitlines(True)[-lines:])
            for log in sorted(self.base.glob("*.log")))

    def members(self) -> dict[str, dict[str, Any]]:
        """Patroni's view of the cluster (GET /cluster on the first node that answers)."""
        for node in self.nodes:
            with contextlib.suppress(OSError, ValueError):
                return {m["name"]: m for m in _get(
                    f"http://127.0.0.1:{node.api_port}/cluster")["members"]}
        return {}

    def leader(self) -> str | None:
        return next((name for name, m in self.members().items()
                     if m["role"] == "leader" and m["state"] == "running"), None)

    def wait_healthy(self, timeout: float = 120) -> dict[str, dict[str, Any]]:
        """Until there is a running leader, a synchronous standby and a third running
        replica (all three nodes in the cluster again)."""
        deadline = time.monotonic() + timeout
        while True:
            members = self.members()
            roles = sorted(m["role"] for m in members.values() if m["state"] == "running")
            if roles == ["leader", "replica", "sync_standby"]:
                return members
            if time.monotonic() > deadline:
                raise AssertionError(f"the cluster is not healthy after {timeout} s: "
                                     f"{members}{self.log_tails()}")
            time.sleep(0.2)

    def patronictl(self, *args: str) -> str:
        command = [self.tools["patronictl"], "-c", str(self.nodes[0].config), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60,
                                check=False)
        assert result.returncode == 0, (f"patronictl {' '.join(args)}: {result.stdout}"
                                        f"{result.stderr}")
        return result.stdout

    def superuser(self, node: Node, dbname: str = DATABASE) -> psycopg.Connection[Any]:
        return psycopg.connect(host=str(node.home), port=node.pg_port, user="postgres",
                               dbname=dbname, autocommit=True, connect_timeout=5)

    def postmaster_pid(self, node: Node) -> int:
        return int((node.data / "postmaster.pid").read_text().splitlines()[0])

    def tear_down(self) -> None:
        """Patroni first (it stops its PostgreSQL), then etcd; whatever is left is killed:
        the process groups, and any postmaster still running on a data directory."""
        for _, process in reversed(self.processes):
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for _, process in reversed(self.processes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        for node in self.nodes:
            with contextlib.suppress(OSError, ValueError, IndexError):
                os.kill(self.postmaster_pid(node), signal.SIGKILL)
        shutil.rmtree(self.base, ignore_errors=True)


def _patroni_config(cluster: Cluster, node: Node, post_bootstrap: Path) -> dict[str, Any]:
    return {
        "scope": SCOPE,
        "namespace": "/onenumber-test/",
        "name": node.name,
        "restapi": {"listen": f"127.0.0.1:{node.api_port}",
                    "connect_address": f"127.0.0.1:{node.api_port}"},
        "etcd3": {"hosts": [f"127.0.0.1:{client}" for client, _ in cluster.etcd_ports]},
        "bootstrap": {
            "dcs": {
                **TIMING,
                "maximum_lag_on_failover": 1048576,
                "synchronous_mode": True,
                "primary_start_timeout": 0,
                "postgresql": {
                    "use_pg_rewind": True,
                    "use_slots": True,
                    "parameters": {"wal_level": "replica", "hot_standby": "on",
                                   "wal_log_hints": "on", "max_connections": 40,
                                   "max_wal_senders": 10, "max_replication_slots": 10,
                                   "shared_buffers": "16MB", "fsync": "off",
                                   "password_encryption": "scram-sha-256"},
                },
            },
            "initdb": [{"encoding": "UTF8"}, {"locale": "C"}, "no-sync"],
            "pg_hba": ["local all all trust",
                       "host replication replicator 127.0.0.1/32 scram-sha-256",
                       "host all all 127.0.0.1/32 scram-sha-256"],
            "post_bootstrap": str(post_bootstrap),
        },
        "postgresql": {
            "listen": f"127.0.0.1:{node.pg_port}",
            "connect_address": f"127.0.0.1:{node.pg_port}",
            "data_dir": str(node.data),
            "bin_dir": str(cluster.bindir),
            "pgpass": str(node.home / "pgpass"),
            # a fast checkpoint: a spread one, on a busy CI machine, took 95 s
            "basebackup": [{"checkpoint": "fast"}, "no-sync"],
            "authentication": {
                "superuser": {"username": "postgres", "password": SUPERUSER_PASSWORD},
                "replication": {"username": "replicator", "password": REPLICATION_PASSWORD},
                "rewind": {"username": "postgres", "password": SUPERUSER_PASSWORD},
            },
            "parameters": {"unix_socket_directories": str(node.home)},
        },
        "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False,
                 "nosync": False},
    }


POST_BOOTSTRAP = """#!/bin/sh
# Patroni runs this once, on the node that initialised the cluster, with a superuser
# connection string: the tool's role (the database's owner, not a superuser) and database.
set -e
"{psql}" -v ON_ERROR_STOP=1 -q "$1" -c "CREATE ROLE {role} LOGIN PASSWORD '{password}'"
"{psql}" -v ON_ERROR_STOP=1 -q "$1" -c "CREATE DATABASE {database} OWNER {role}"
"""


def _build(cluster: Cluster, held: Ports) -> None:
    ports = iter(held.ports)
    cluster.etcd_ports = [(next(ports), next(ports)) for _ in range(NODES)]
    cluster.nodes = [Node(f"node{i + 1}", next(ports), next(ports),
                          cluster.base / f"node{i + 1}") for i in range(NODES)]
    initial = ",".join(f"etcd{i + 1}=http://127.0.0.1:{peer}"
                       for i, (_, peer) in enumerate(cluster.etcd_ports))
    for i, (client, peer) in enumerate(cluster.etcd_ports):
        cluster.spawn(f"etcd{i + 1}", [
            cluster.tools["etcd"], "--name", f"etcd{i + 1}",
            "--data-dir", str(cluster.base / f"etcd{i + 1}"),
            "--listen-client-urls", f"http://127.0.0.1:{client}",
            "--advertise-client-urls", f"http://127.0.0.1:{client}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", initial, "--initial-cluster-state", "new",
            "--initial-cluster-token", f"onenumber-{os.getpid()}"])
    deadline = time.monotonic() + 60
    for client, _ in cluster.etcd_ports:
        while True:
            with contextlib.suppress(OSError, ValueError):
                if _get(f"http://127.0.0.1:{client}/health").get("health") == "true":
                    break
            assert time.monotonic() < deadline, "etcd did not start" + cluster.log_tails()
            time.sleep(0.1)
    script = cluster.base / "post_bootstrap.sh"
    script.write_text(POST_BOOTSTRAP.format(psql=cluster.bindir / "psql", role=ROLE,
                                            password=PASSWORD, database=DATABASE))
    script.chmod(0o755)
    for node in cluster.nodes:
        node.home.mkdir(mode=0o700)
        node.config.write_text(json.dumps(_patroni_config(cluster, node, script), indent=1))
        if cluster.owner is not None:
            for path in (node.home, node.config):
                os.chown(path, *cluster.owner)
    for node in cluster.nodes:  # the first bootstraps the cluster, the others clone it
        cluster.spawn(node.name, [cluster.tools["patroni"], str(node.config)])
        if node is cluster.nodes[0]:
            deadline = time.monotonic() + 60
            while cluster.leader() is None:
                assert time.monotonic() < deadline, "no leader" + cluster.log_tails()
                time.sleep(0.2)
    cluster.wait_healthy()


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    tools = _tools()
    bindir = postgres_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup, postgres) "
                    "not found; set PG_BINDIR or install the server package")
    _, owner = postgres_user()
    base = Path(tempfile.mkdtemp(prefix="onenumber-patroni-"))  # short: socket paths
    if owner is not None:
        os.chown(base, *owner)
    built = Cluster(base, bindir, tools, owner)
    held = Ports(NODES * 4)  # per node: etcd client and peer, PostgreSQL, REST API
    started = time.monotonic()
    failed_before = request.session.testsfailed
    try:
        _build(built, held)
        held.release()
        upgrade = onenumber(built.url, "db", "upgrade")
        assert upgrade.returncode == 0, upgrade.stderr
        COSTS["build the cluster (etcd, 3 Patroni nodes, db upgrade)"] = (
            time.monotonic() - started)
        yield built
    finally:
        held.release()
        if request.session.testsfailed > failed_before:  # what Patroni and etcd said
            print("\nPatroni and etcd logs (a test failed):" + built.log_tails(400))
        built.tear_down()
        print("\nPatroni cluster, seconds: " + "; ".join(
            f"{what} {seconds:.1f}" for what, seconds in COSTS.items()))


# --- the tests --------------------------------------------------------------------------


def test_the_cluster_is_patroni_with_etcd_synchronous_and_the_tool_is_not_a_superuser(
        cluster: Cluster) -> None:
    members = cluster.wait_healthy()
    assert len(members) == NODES
    config = _get(f"http://127.0.0.1:{cluster.nodes[0].api_port}/config")
    assert config["synchronous_mode"] is True
    db = Database(parse_url(cluster.url))
    try:
        with db.connected() as conn:
            role = conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = "
                                        "current_user").scalar_one()
            in_recovery = conn.exec_driver_sql("SELECT pg_is_in_recovery()").scalar_one()
            port = conn.exec_driver_sql("SELECT inet_server_port()").scalar_one()
    finally:
        db.dispose()
    assert role is False
    assert in_recovery is False  # read-write: the leader
    leader = cluster.leader()
    assert leader is not None and port == cluster.node(leader).pg_port


def _again(cluster: Cluster, step: Callable[[], T]) -> T:
    """The test's own first reads after a failover, again while the cluster settles (the
    tool's are not what this retries): a DatabaseUnavailable is retried for 60 s, and
    said on stdout with Patroni's view of the members."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return step()
        except DatabaseUnavailable as exc:
            print(f"the test's read found no primary ({exc.params.get('detail')}); "
                  f"members: {cluster.members()}")
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def _failover(cluster: Cluster, tmp_path: Path, what: str, name: str,
              kill: Callable[[Node], None]) -> None:
    """A per-row batch of ROWS renames (its own accounts, its own names), run by the
    console script with the default retry window; after FAILOVER_AFTER rows ``kill``
    takes the leader down.  Then the batch's outcome, the re-run, and a third run that
    changes nothing."""
    started = time.monotonic()
    cluster.wait_healthy()
    url = cluster.url
    db = Database(parse_url(url))
    try:
        devices = seed(db, prefix=name.lower())
    finally:
        db.dispose()
    path = tmp_path / "renames.jsonl"
    write_file(path, devices, name)
    old = cluster.leader()
    assert old is not None

    run = Batch(url, path, f"{what}-run")  # the default retry window
    run.wait_for_rows(FAILOVER_AFTER)
    failover_at = len(run.stdout)
    killed = time.monotonic()
    kill(cluster.node(old))
    new = None
    while new is None or new == old:
        assert time.monotonic() - killed < 120, "no new leader" + cluster.log_tails()
        time.sleep(0.1)
        new = cluster.leader()
    elected = time.monotonic() - killed
    code = run.wait(timeout=180)
    waited = run.longest_pause()
    print(f"\n{what}: leader {old} down after {failover_at} rows; {new} leads after "
          f"{elected:.1f} s; the tool's longest pause between rows {waited:.1f} s")

    db = Database(parse_url(url))
    try:
        first, _ = _again(cluster, lambda: check_interrupted_run(
            db, run, code, f"{what}-run", PASSWORD, name))
        if code == 6:  # only when the commit itself was cut: its outcome is unknown
            errors = run.errors()
            assert "was lost while the change was being committed" in errors[0]["message"], \
                errors  # never "could not be made again": the window outlasts a failover
            assert "Re-run the file to complete it." in run.stderr[0], run.stderr
        else:
            assert len(first) == ROWS
        completed = check_rerun_completes(db, url, path, devices, f"{what}-rerun", name)
        again = onenumber(url, "-o", "jsonl", "--operator", f"{what}-again", "batch",
                          "apply", str(path))
        assert again.returncode == 0, again.stderr
        assert not any(json.loads(line)["changed"] for line in again.stdout.splitlines())
        assert f"{what}-again" not in {op for ops in renames_by_row(db, name).values()
                                       for op in ops}
    finally:
        db.dispose()
    COSTS[f"{what} test"] = time.monotonic() - started
    COSTS[f"{what}: the tool waited for the new leader"] = waited
    print(f"exit {code}; re-run applied {completed} rows; a third run changed nothing")


def test_a_batch_carries_on_when_patroni_fails_over_from_a_killed_postmaster(
        cluster: Cluster, tmp_path: Path) -> None:
    """SIGKILL to the leader's postmaster: its Patroni sees PostgreSQL gone at its next
    loop and, with primary_start_timeout 0, hands over to the synchronous standby."""

    def kill_postmaster(node: Node) -> None:
        os.kill(cluster.postmaster_pid(node), signal.SIGKILL)

    _failover(cluster, tmp_path, "postmaster-kill", "N", kill_postmaster)


def test_a_batch_waits_out_the_leader_key_when_the_leader_node_dies(
        cluster: Cluster, tmp_path: Path) -> None:
    """SIGKILL to the leader's Patroni and postmaster (the node died): nobody hands
    over, the leader key expires after the ttl, then a standby is elected.  The tool
    waits that long (more than the four attempts of about 2 s it used to make) and
    carries on.  The node's Patroni is started again afterwards: it rejoins."""

    def kill_node(node: Node) -> None:
        patroni = next(process for name, process in reversed(cluster.processes)
                       if name == node.name)
        os.kill(patroni.pid, signal.SIGKILL)
        os.kill(cluster.postmaster_pid(node), signal.SIGKILL)
        patroni.wait()

    try:
        _failover(cluster, tmp_path, "node-death", "D", kill_node)
    finally:
        dead = [name for name, process in cluster.processes
                if name.startswith("node") and process.poll() is not None]
        for name in dict.fromkeys(dead):
            if all(process.poll() is not None for n, process in cluster.processes
                   if n == name):
                cluster.spawn(name, [cluster.tools["patroni"], str(cluster.node(name).config)])


def test_a_switchover_during_an_atomic_batch_commits_all_or_nothing(
        cluster: Cluster, tmp_path: Path) -> None:
    """The atomic run waits for the lock of its last row's account (held by a superuser
    session) when the switchover starts: the transaction is open, with the first chunk's
    500 rows written in it.  The leader shuts down; the tool runs the whole transaction
    again on the new leader (exit 0), or reports that nothing was written (5 or 6):
    never half."""
    started = time.monotonic()
    cluster.wait_healthy()
    url = cluster.url
    db = Database(parse_url(url))
    try:
        devices = seed(db, accounts=350, prefix="s")  # 700 rows: two chunks (CHUNK_ROWS)
    finally:
        db.dispose()
    path = tmp_path / "atomic.jsonl"
    write_file(path, devices, name="S")
    old = cluster.leader()
    assert old is not None
    members = cluster.members()
    candidate = next(name for name, m in members.items() if m["role"] == "sync_standby")
    last_account = devices[-1][0]
    holder = cluster.superuser(cluster.node(old))
    holder.autocommit = False
    holder.execute("SELECT 1 FROM contracts WHERE account = %s FOR UPDATE", (last_account,))
    run = Batch(url, path, "switchover-run", "--atomic",
                env={"ONENUMBER_LOCK_TIMEOUT": "600"})
    with cluster.superuser(cluster.node(old)) as admin:
        deadline = time.monotonic() + 60
        while not (admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
                "application_name = 'onenumber/switchover-run'").fetchone() or (0,))[0]:
            assert run.process.poll() is None, run.stderr
            assert time.monotonic() < deadline, "the atomic run never reached its last row"
            time.sleep(0.05)
        written = (admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND "
            "application_name = 'onenumber/switchover-run'").fetchone() or (0,))[0]
    switched = time.monotonic()
    cluster.patronictl("switchover", "--leader", old, "--candidate", candidate, "--force")
    with contextlib.suppress(psycopg.Error):
        holder.close()
    code = run.wait(timeout=180)
    ended = time.monotonic()
    stderr = "".join(run.stderr)
    print(f"\nswitchover {old} -> {candidate} during an atomic run of {len(devices)} rows: "
          f"exit {code} {ended - switched:.1f} s after it began; stderr: {stderr[-1500:]}")
    assert cluster.leader() == candidate
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert code in (0, 5, 6), stderr

    db = Database(parse_url(url))
    try:
        names = actual_names(db)
        landed = renames_by_row(db, name="S")
        renamed = sum(names[d] == f"S{i}" for i, (_, d) in enumerate(devices))
        if code == 0:  # committed: every row, once
            assert renamed == len(devices)
            assert sorted(landed) == list(range(len(devices)))
            assert all(ops == ["switchover-run"] for ops in landed.values())
            assert len(run.reported()) == len(devices)
        else:  # nothing written
            assert renamed == 0 and landed == {}
            assert [e["code"] for e in run.errors()] in (["database_unavailable"],
                                                        ["conflict"])
        checked = onenumber(url, "check")
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        db.dispose()
    COSTS["switchover test"] = time.monotonic() - started
    assert written == 1, "the atomic run's transaction had not written yet"
    print(f"renamed now {renamed} of {len(devices)}")
