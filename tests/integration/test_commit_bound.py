"""A COMMIT the server never confirms: a synchronous standby named in
``synchronous_standby_names`` that is not there.  PostgreSQL waits for it without end
(lock_timeout and statement_timeout do not cover that wait), so the tool bounds the
COMMIT itself (``ONENUMBER_COMMIT_TIMEOUT``: cancel, then shut the socket) and Ctrl-C
works there too; either way the outcome is reported as unknown (``commit_unknown``,
exit 6): the server has committed it locally, the standby never confirmed it.

The test runs its own server on a free localhost port (as the failover test does: CI's
role could not set ``synchronous_standby_names``, a superuser's setting for the whole
server), never the suite's cluster."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_console_script import SCRIPT
from tests.integration.test_failover import DATABASE, PASSWORD, ROLE, SETTINGS, Pair
from tests.servers import free_ports, postgres_bindir, postgres_user, unavailable

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[Pair]:
    """One server, migrated, with an account; then synchronous_standby_names names a
    standby that never connects: every synchronous commit from here on waits."""
    bindir = postgres_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries not found; set PG_BINDIR")
    as_postgres, owner = postgres_user()
    base = Path(tempfile.mkdtemp(prefix="onenumber-syncrep-"))
    if owner is not None:
        os.chown(base, *owner)
    built = Pair(bindir, base, free_ports(1), as_postgres)
    try:
        built.tool("initdb", "-D", str(built.primary), "-U", "postgres", "--auth-local=trust",
                   "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C")
        with (built.primary / "postgresql.conf").open("a") as conf:
            conf.write(SETTINGS)
        built.start(built.primary, built.ports[0])
        with built.superuser(built.ports[0]) as conn:
            conn.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
            conn.execute(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
        for args in (("db", "upgrade"), ("service", "subscribe", "acct-1"),
                     ("service", "subscribe", "acct-2")):
            done = onenumber(built, *args)
            assert done.returncode == 0, done.stderr
        with built.superuser(built.ports[0]) as conn:
            conn.execute("ALTER SYSTEM SET synchronous_standby_names = 'ghost'")
            conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)  # the reload reaches the backends
        yield built
    finally:
        with contextlib.suppress(AssertionError, subprocess.SubprocessError, OSError):
            built.stop(built.primary)
        shutil.rmtree(base, ignore_errors=True)


def url(pair: Pair) -> str:
    return f"postgresql+psycopg://{ROLE}:{PASSWORD}@127.0.0.1:{pair.ports[0]}/{DATABASE}"


def onenumber(pair: Pair, *args: str, env: dict[str, str] | None = None,
              timeout: float = 60) -> subprocess.CompletedProcess[str]:
    assert SCRIPT, "the onenumber console script is not installed (pip install -e .)"
    return subprocess.run([SCRIPT, "--db", url(pair), "-o", "json", *args],
                          capture_output=True, text=True, timeout=timeout, check=False,
                          env={**os.environ, **(env or {})})


def waiting_in_syncrep(pair: Pair) -> int:
    with pair.superuser(pair.ports[0]) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event = "
                           "'SyncRep' AND application_name LIKE 'onenumber%%'").fetchone()
    return int(str(row[0])) if row else 0


def status(pair: Pair, account: str) -> str:
    shown = onenumber(pair, "status", account)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_a_commit_no_standby_confirms_ends_at_the_commit_timeout_as_unknown(
        server: Pair) -> None:
    started = time.monotonic()
    done = onenumber(server, "devices", "register", "acct-1", "--type", "phone",
                     "--name", "bounded", env={"ONENUMBER_COMMIT_TIMEOUT": "1"})
    took = time.monotonic() - started
    assert done.returncode == 6, (done.returncode, done.stdout, done.stderr)
    error = json.loads(done.stderr or done.stdout)["error"]
    assert error["code"] == "commit_unknown"
    assert "may or may not" in error["message"] and "onenumber audit" in error["hint"]
    assert took < 15, took
    assert "Traceback" not in done.stderr
    # cancelled, the server ended the wait with the transaction committed locally
    assert "bounded" in status(server, "acct-1")
    assert waiting_in_syncrep(server) == 0


def test_ctrl_c_during_a_commit_waiting_for_the_standby_ends_it_as_unknown(
        server: Pair) -> None:
    assert SCRIPT
    with server.superuser(server.ports[0]) as conn:  # none left waiting by an earlier test
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE wait_event = 'SyncRep'")
    process = subprocess.Popen(
        [SCRIPT, "--db", url(server), "-o", "json", "devices", "register", "acct-2",
         "--type", "tablet", "--name", "interrupted"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while waiting_in_syncrep(server) == 0:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the COMMIT never waited for the standby"
            time.sleep(0.1)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 6, (process.returncode, out, err)
    assert json.loads(err or out)["error"]["code"] == "commit_unknown"
    assert took < 10, took
    assert "Traceback" not in err
