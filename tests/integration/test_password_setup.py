"""README "Setting up", steps 1 to 3, as a DBA types them, on a PostgreSQL cluster of the
test's own (initdb on a free port: a superuser named ``postgres`` as the README's, and
the documented role names, which would collide with other users of a shared server).

The commands are read from the README itself (``db.internal`` becomes 127.0.0.1, the
port comes from ``PGPORT``): the roles file, then ``\\password`` for each role typed at
psql's prompts on a pseudo-terminal, the owner's password in a ``.pgpass`` of mode 0600,
``db upgrade`` and ``db grant`` as the owner.  Then each role connects with its password,
and not without it nor with another.
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import POSTGRES_URL
from tests.e2e.test_console_script import SCRIPT
from tests.servers import free_ports, postgres_bindir, postgres_user, unavailable

pytestmark = [
    pytest.mark.skipif(not POSTGRES_URL,
                       reason="ONENUMBER_TEST_POSTGRES_URL is not set (CI sets it)"),
    pytest.mark.slow,
]

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
ROLES = ("onenumber_owner", "onenumber_operator", "onenumber_reader")
SUPERUSER_PASSWORD = "Sup3r-for-the-test"


def readme_commands(step: str) -> list[str]:
    """The shell commands of the README's set-up step ``step`` ("2. As a superuser"),
    continuation lines joined, ``db.internal`` replaced by 127.0.0.1."""
    text = README.read_text()
    start = text.index(step)
    block = re.search(r"```sh\n(.*?)```", text[start:], re.DOTALL)
    assert block, f"no shell block after {step!r} in the README"
    joined = re.sub(r"\\\n\s*", "", block.group(1))
    return [line.strip().replace("db.internal", "127.0.0.1")
            for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


@dataclass
class Cluster:
    bindir: Path
    base: Path
    port: int
    as_postgres: list[str]

    @property
    def data(self) -> Path:
        return self.base / "data"

    def tool(self, name: str, *args: str) -> None:
        result = subprocess.run([*self.as_postgres, str(self.bindir / name), *args],
                                capture_output=True, text=True, timeout=120, check=False,
                                cwd=self.base)
        log = self.base / "server.log"
        assert result.returncode == 0, (name, args, result.stdout, result.stderr,
                                        log.read_text() if log.exists() else "")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A new cluster: trust on its Unix socket (to give ``postgres`` a password), SCRAM
    passwords over TCP on 127.0.0.1, where the README's commands connect."""
    bindir = postgres_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; "
                     "set PG_BINDIR or install the server package")
    as_postgres, owner = postgres_user()
    base = Path(tempfile.mkdtemp(prefix="onenumber-setup-"))  # short: the socket's path
    if owner is not None:
        os.chown(base, *owner)
    built = Cluster(bindir, base, free_ports(1)[0], as_postgres)
    try:
        built.tool("initdb", "-D", str(built.data), "-U", "postgres", "--auth-local=trust",
                   "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C")
        built.tool("pg_ctl", "start", "-w", "-t", "30", "-D", str(built.data), "-l",
                   str(base / "server.log"), "-o",
                   f"-p {built.port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off")
        with psycopg.connect(host=str(base), port=built.port, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f"ALTER ROLE postgres PASSWORD '{SUPERUSER_PASSWORD}'")
        yield built
    finally:
        with contextlib.suppress(AssertionError, subprocess.SubprocessError, OSError):
            built.tool("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(built.data))
        shutil.rmtree(base, ignore_errors=True)


def type_at_prompts(command: str, env: dict[str, str], answers: list[tuple[str, str]],
                    timeout: float = 60) -> str:
    """Run ``command`` in bash on a new pseudo-terminal (its controlling terminal, where
    psql's ``\\password`` reads), answering each prompt (a regex) in order; returns
    everything the terminal showed.  Fails unless the command exits 0."""
    pid, master = pty.fork()
    if pid == 0:  # the child: exec at once
        try:
            os.chdir(ROOT)
            os.execvpe("bash", ["bash", "-c", command], env)
        finally:
            os._exit(127)
    shown = b""
    pending = list(answers)
    deadline = time.monotonic() + timeout
    try:
        while True:
            assert time.monotonic() < deadline, f"no progress; the terminal shows:\n{shown!r}"
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            if pending and re.search(pending[0][0].encode(), shown.rsplit(b"\n", 1)[-1]):
                os.write(master, pending.pop(0)[1].encode() + b"\n")
                shown += b"\n"  # the next prompt is matched on a line of its own
    finally:
        os.close(master)
    _, status = os.waitpid(pid, 0)
    output = shown.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, output
    assert not pending, f"prompts not seen: {pending}\n{output}"
    return output


def connect(cluster: Cluster, role: str, password: str | None, passfile: Path) -> str:
    """Connect as ``role`` over TCP (as operators do) and return current_user."""
    given: dict[str, Any] = {} if password is None else {"password": password}
    with psycopg.connect(host="127.0.0.1", port=cluster.port, user=role, dbname="onenumber",
                         connect_timeout=5, passfile=str(passfile), **given) as conn:
        row = conn.execute("SELECT current_user").fetchone()
    assert row is not None
    return str(row[0])


def test_the_readme_set_up_with_passwords_typed_at_psqls_prompts(
        cluster: Cluster, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    pgpass = home / ".pgpass"
    # step 1: the superuser's and the owner's lines (hostname:port:database:user:password)
    passwords = {role: f"{role}-pw-{os.getpid()}" for role in ROLES}
    pgpass.write_text(f"127.0.0.1:{cluster.port}:*:postgres:{SUPERUSER_PASSWORD}\n"
                      f"127.0.0.1:{cluster.port}:onenumber:onenumber_owner:"
                      f"{passwords['onenumber_owner']}\n")
    pgpass.chmod(0o600)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PG", "ONENUMBER_DATABASE"))}
    env.update(HOME=str(home), PGPASSFILE=str(pgpass), PGPORT=str(cluster.port),
               PATH=f"{cluster.bindir}:{env.get('PATH', '')}", TERM="dumb")

    # step 2: the roles file, then \password for each role at psql's prompts
    roles_file, set_passwords = readme_commands("2. As a superuser")
    assert "-f docs/postgres-roles.sql" in roles_file
    created = subprocess.run(["bash", "-c", roles_file], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60, check=False)
    assert created.returncode == 0, created.stderr
    assert set_passwords.count("\\password") == 3
    answers = [answer for role in ROLES for answer in (
        (f'Enter new password for user "{role}": $', passwords[role]),
        ("Enter it again: $", passwords[role]))]
    shown = type_at_prompts(set_passwords, env, answers)
    assert shown.count("Enter it again: ") == 3, shown
    assert all(password not in shown for password in passwords.values())  # not echoed

    # step 3: as the owner, its password read from .pgpass (none in the URL)
    owner_url = f"postgresql+psycopg://onenumber_owner@127.0.0.1:{cluster.port}/onenumber"
    assert SCRIPT
    for args in (["db", "upgrade"],
                 ["db", "grant", "--operator", "onenumber_operator",
                  "--reader", "onenumber_reader"]):
        done = subprocess.run([SCRIPT, "--db", owner_url, *args], env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr

    # each role connects with the password typed for it, and not without it
    empty = tmp_path / "empty.pgpass"
    empty.write_text("")
    empty.chmod(0o600)
    for role in ROLES:
        assert connect(cluster, role, passwords[role], empty) == role
        with pytest.raises(psycopg.OperationalError, match="no password supplied"):
            connect(cluster, role, None, empty)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            connect(cluster, role, "not-" + passwords[role], empty)
    # the operator, as README step 4, with its own .pgpass line and no password in the URL
    with pgpass.open("a") as lines:
        lines.write(f"127.0.0.1:{cluster.port}:onenumber:onenumber_operator:"
                    f"{passwords['onenumber_operator']}\n")
    operator = subprocess.run([SCRIPT, "db", "current"], capture_output=True, text=True,
                              timeout=120, check=False, env={
                                  **env, "ONENUMBER_DATABASE_URL": owner_url.replace(
                                      "onenumber_owner", "onenumber_operator")})
    assert operator.returncode == 0, operator.stderr
    assert "current" in operator.stdout
