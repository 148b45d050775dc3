"""Helpers shared by the benchmark scripts (plain Python, no test framework)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
ONENUMBER = shutil.which("onenumber", path=str(BIN)) or "onenumber"


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for measured commands: bytecode caching on (some machines set
    PYTHONDONTWRITEBYTECODE, which would make every run compile the package afresh)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **extra}


def run(args: list[str], env: dict[str, str] | None = None, stdin: str | None = None
        ) -> float:
    """Wall time of one command (environment: :func:`bench_env` unless given); fails
    loudly if it fails."""
    started = time.perf_counter()
    subprocess.run(args, check=True, env=bench_env() if env is None else env, text=True,
                   input=stdin, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def interleaved_medians(commands: dict[str, tuple[list[str], dict[str, str]]], repeat: int
                        ) -> dict[str, float]:
    """Median wall time of each command (args, environment): one warm-up run each, then
    ``repeat`` rounds in which every command runs once, so that a slow spell of the
    machine hits every command alike rather than whichever ran during it."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for args, env in commands.values():
        run(args, env)
    for _ in range(repeat):
        for name, (args, env) in commands.items():
            times[name].append(run(args, env))
    return {name: statistics.median(values) for name, values in times.items()}


def peak_rss_mb(args: list[str], env: dict[str, str] | None = None
                ) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of a child process, measured with wait4;
    exit codes other than 0 and 1 (1: check found violations, a batch row failed) abort."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=bench_env() if env is None else env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{args} failed: exit {code}")
    return elapsed, usage.ru_maxrss / 1024, code  # Linux reports KiB


def report(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


@dataclass
class Runs:
    """Wall and CPU seconds (and peak RSS) of the runs of one command."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_mb: float = 0.0
    ok_exits: tuple[int, ...] = (0,)

    def add(self, args: list[str], env: dict[str, str], stdin: Path | None = None) -> None:
        started = time.perf_counter()
        with open(stdin or os.devnull, "rb") as source:
            process = subprocess.Popen(args, env=env, stdin=source, stdout=subprocess.DEVNULL)
            _, status, usage = os.wait4(process.pid, 0)
        self.wall.append(time.perf_counter() - started)
        if os.waitstatus_to_exitcode(status) not in self.ok_exits:
            raise SystemExit(f"{args} failed: exit {os.waitstatus_to_exitcode(status)}")
        self.cpu.append(usage.ru_utime + usage.ru_stime)
        self.rss_mb = max(self.rss_mb, usage.ru_maxrss / 1024)  # Linux reports KiB

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)


Command = tuple[list[str], dict[str, str]]


def in_turns(commands: dict[str, Command], repeat: int, warm_up: bool = True,
             stdin: dict[str, Path] | None = None) -> dict[str, Runs]:
    """Each command ``repeat`` times, the commands taking turns (after one warm-up run
    each), so that a busy spell of the machine hits all of them alike."""
    runs = {name: Runs() for name in commands}
    if warm_up:
        for name, (args, env) in commands.items():
            Runs().add(args, env, (stdin or {}).get(name))
    for _ in range(repeat):
        for name, (args, env) in commands.items():
            runs[name].add(args, env, (stdin or {}).get(name))
    return runs
