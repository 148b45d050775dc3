"""Shared by the tests that build their own PostgreSQL servers (a primary and standby,
a Patroni cluster, a fresh cluster for the password setup): where the server binaries
are, running them as the ``postgres`` OS user when the tests run as root, free loopback
ports, and the per-row rename batch a failover interrupts, with its checks.

Each row of that batch renames one device, and no device twice, to a name used nowhere
else: an applied row leaves exactly one audit record, and re-applying it is a no-op.
"""

from __future__ import annotations

import io
import json
import os
import pty
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import select

from onenumber_cli import batch, services
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database
from onenumber_cli.storage.models import audit as AUDIT
from onenumber_cli.storage.models import devices as DEVICE_ROWS
from tests.e2e.test_console_script import SCRIPT

PG_TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "postgres")
ACCOUNTS = 600
DEVICES = 2  # a device each row: re-running the file must not rename anything twice
ROWS = ACCOUNTS * DEVICES


# --- servers ----------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
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


def unavailable(reason: str) -> NoReturn:
    """Skip with the reason, except in CI, which must run these tests."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but this test cannot run: {reason}")
    pytest.skip(reason)


def postgres_user() -> tuple[list[str], tuple[int, int] | None]:
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
        unavailable("running as root, and there is no 'postgres' user (or no runuser) to "
                    "run the test servers as")
    return [runuser, "-u", "postgres", "--"], (owner.pw_uid, owner.pw_gid)


class Ports:
    """Free loopback ports, held: each is bound (``SO_REUSEADDR``, not listening) until
    :meth:`release`, so no other program is given it meanwhile, while the servers the
    test starts (PostgreSQL, etcd, Patroni's REST API: all bind with ``SO_REUSEADDR``)
    can listen on it.  Release once they listen."""

    def __init__(self, count: int) -> None:
        self.sockets: list[socket.socket] = []
        while len(self.sockets) < count:
            probe = socket.socket()
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", 0))
            if probe.getsockname()[1] == 5432:
                probe.close()
                continue
            self.sockets.append(probe)
        self.ports: list[int] = [s.getsockname()[1] for s in self.sockets]

    def release(self) -> None:
        for probe in self.sockets:
            probe.close()
        self.sockets = []


def free_ports(count: int) -> list[int]:
    """Free ports, no longer held (a server started at once takes them; prefer
    :class:`Ports`)."""
    held = Ports(count)
    held.release()
    return held.ports


# --- the data ---------------------------------------------------------------------------


def seed(db: Database, accounts: int = ACCOUNTS, prefix: str = "f") -> list[tuple[str, str]]:
    """``accounts`` accounts (``PREFIX00000``...) with DEVICES devices each; returns
    (account, device id) pairs of those accounts."""
    lines = []
    for a in range(accounts):
        lines.append({"action": "service-subscribe", "account": f"{prefix}{a:05d}",
                      "multi": True})
        lines += [{"action": "register", "account": f"{prefix}{a:05d}", "type": "Watch",
                   "name": f"W{d}"} for d in range(DEVICES)]
    stream = io.BytesIO("\n".join(json.dumps(x) for x in lines).encode())
    results = list(batch.apply(db, lambda: batch.rows(stream, "jsonl"), Actor("seed"),
                               services.utcnow().tzinfo, atomic=True))  # type: ignore[arg-type]
    assert all(r.ok for r in results)
    devices = [(account, device) for account, device, _ in registered(db)
               if account.startswith(prefix)]
    assert len(devices) == accounts * DEVICES
    return devices


def registered(db: Database) -> list[tuple[str, str, str]]:
    """(account, device id, name) of every registered device, by account and slot."""
    with db.connected() as conn:
        return [(r.account, r.id, r.name) for r in conn.execute(
            select(DEVICE_ROWS.c.account, DEVICE_ROWS.c.id, DEVICE_ROWS.c.name)
            .where(DEVICE_ROWS.c.slot.is_not(None))
            .order_by(DEVICE_ROWS.c.account, DEVICE_ROWS.c.slot))]


def write_file(path: Path, devices: list[tuple[str, str]], name: str = "N") -> None:
    """Row i (0-based) renames device i to {name}{i}: no device twice, no name twice."""
    with path.open("w") as handle:
        for i, (account, device) in enumerate(devices):
            handle.write(json.dumps({"action": "rename", "account": account,
                                     "device": device, "name": f"{name}{i}"}) + "\n")


def renames_by_row(db: Database, name: str = "N") -> dict[int, list[str]]:
    """For each file row (0-based), the operators whose audit records applied it."""
    found: dict[int, list[str]] = {}
    with db.connected() as conn:
        for record in conn.execute(select(AUDIT).where(AUDIT.c.action == "rename")):
            given = record.after["name"]
            if given.startswith(name) and given[len(name):].isdigit():
                found.setdefault(int(given[len(name):]), []).append(record.operator)
    return found


def actual_names(db: Database) -> dict[str, str]:
    return {device: name for _, device, name in registered(db)}


# --- the tool ---------------------------------------------------------------------------


def onenumber(url: str, *args: str, timeout: float = 120,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert SCRIPT, "the onenumber console script is not installed (pip install -e .)"
    return subprocess.run([SCRIPT, "--db", url, *args], capture_output=True, text=True,
                          timeout=timeout, check=False, env={**os.environ, **(env or {})})


class Batch:
    """The batch as a console script; its stdout and stderr are drained by threads (an
    undrained pipe would stall it) so the test can watch the rows being reported, and
    when each stdout line came (``times``, monotonic).  With ``terminal`` its stderr is
    a pseudo-terminal (``stderr`` then holds what it showed, in chunks)."""

    def __init__(self, url: str, path: Path, operator: str, *extra: str,
                 env: dict[str, str] | None = None, terminal: bool = False) -> None:
        assert SCRIPT, "the onenumber console script is not installed (pip install -e .)"
        screen = pty.openpty() if terminal else None
        self.process = subprocess.Popen(
            [SCRIPT, "--db", url, "-o", "jsonl", "--operator", operator, "batch", "apply",
             *extra, str(path)],
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},  # each row as it lands
            stdout=subprocess.PIPE, stderr=subprocess.PIPE if screen is None else screen[1],
            text=True)
        self.rows = path.read_text().splitlines()
        self.stdout: list[str] = []
        self.times: list[float] = []
        self.stderr: list[str] = []
        self.readers = [threading.Thread(target=self._drain,
                                         args=(self.process.stdout, self.stdout, self.times),
                                         daemon=True)]
        if screen is None:
            self.readers.append(threading.Thread(
                target=self._drain, args=(self.process.stderr, self.stderr, None),
                daemon=True))
        else:
            os.close(screen[1])
            self.readers.append(threading.Thread(target=self._drain_terminal,
                                                 args=(screen[0],), daemon=True))
        for reader in self.readers:
            reader.start()

    def _drain_terminal(self, master: int) -> None:
        try:
            while chunk := os.read(master, 4096):
                self.stderr.append(chunk.decode(errors="replace"))
        except OSError:  # EIO: the terminal's last writer has gone
            pass
        finally:
            os.close(master)

    @staticmethod
    def _drain(stream: io.TextIOBase, lines: list[str], times: list[float] | None) -> None:
        for line in stream:
            if times is not None:
                times.append(time.monotonic())
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

    def longest_pause(self) -> float:
        """The longest time between two reported rows (the wait for a new primary)."""
        return max((b - a for a, b in zip(self.times, self.times[1:], strict=False)),
                   default=0.0)

    def errors(self) -> list[dict[str, Any]]:
        """The errors on stderr (JSON objects in -o jsonl)."""
        return [json.loads(line)["error"] for line in self.stderr if line.startswith("{")]


# --- the checks -------------------------------------------------------------------------


def check_interrupted_run(db: Database, run: Batch, code: int, operator: str,
                          password: str, name: str = "N") -> tuple[list[int], str]:
    """An interrupted per-row run ended cleanly: exit 0 (it carried on) or 6 (one
    ``database_unavailable`` error), never an internal error; what it applied is exactly
    rows 1..k, and no row it reported as applied is missing.  Returns the rows it
    applied and a line for the test's output."""
    stderr = "".join(run.stderr)
    reported = run.reported()
    landed = renames_by_row(db, name)
    first = sorted(i for i, ops in landed.items() if operator in ops)
    acknowledged = [r["row"] - 1 for r in reported if r["ok"] and r["changed"]]
    lost = sorted(set(acknowledged) - set(first))
    failed_rows = [r for r in reported if not r["ok"]]
    summary = (f"interrupted run exit={code}, rows reported={len(reported)} "
               f"(ok+changed={len(acknowledged)}, failed={len(failed_rows)}), rows landed "
               f"on the new primary={len(first)}, acknowledged rows lost={len(lost)}; "
               f"stderr ({len(run.stderr)} lines):\n{stderr[-3000:]}")
    print(summary)
    assert "Traceback" not in stderr, stderr
    assert "internal error" not in stderr, stderr
    assert password not in stderr + "".join(run.stdout)
    assert code in (0, 6), f"exit {code}, expected 0 (carried on) or 6 (unavailable)"
    if code == 0:  # it carried on: every row reported, none failed
        assert len(reported) == len(run.rows) and not failed_rows, summary
    if code == 6:  # one error, besides the summary line
        assert [e["code"] for e in run.errors()] == ["database_unavailable"], stderr
        assert len(run.stderr) <= 2, stderr
    assert lost == [], f"rows acknowledged by the old primary but lost: {lost[:20]}"
    assert first == list(range(len(first))), (
        "the interrupted run did not apply exactly rows 1..k (it skipped rows while "
        "the database was away)")
    return first, summary


def check_rerun_completes(db: Database, url: str, path: Path,
                          devices: list[tuple[str, str]], operator: str,
                          name: str = "N") -> int:
    """Re-running the file completes it: exit 0, ``check`` clean, every row applied
    exactly once (its name, one audit record: none lost, none twice).  Returns how many
    rows the re-run applied."""
    rerun = onenumber(url, "-o", "jsonl", "--operator", operator, "batch", "apply",
                      str(path))
    assert rerun.returncode == 0, rerun.stderr
    assert all(json.loads(line)["ok"] for line in rerun.stdout.splitlines())
    checked = onenumber(url, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    names = actual_names(db)
    assert {d: names[d] for _, d in devices} == {
        device: f"{name}{i}" for i, (_, device) in enumerate(devices)}
    landed = renames_by_row(db, name)
    twice = {i: ops for i, ops in landed.items() if len(ops) != 1}
    missing = sorted(set(range(len(devices))) - set(landed))
    assert not twice, f"rows applied more than once: {dict(list(twice.items())[:10])}"
    assert not missing, f"rows never applied: {missing[:20]}"
    assert sorted(landed) == list(range(len(devices)))
    return sum(ops == [operator] for ops in landed.values())
