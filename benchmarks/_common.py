"""Helpers shared by the benchmark scripts (plain Python, no test framework)."""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
ONENUMBER = shutil.which("onenumber", path=str(BIN)) or "onenumber"


def run(args: list[str], env: dict[str, str] | None = None, stdin: str | None = None
        ) -> float:
    """Wall time of one command; fails loudly if it fails."""
    started = time.perf_counter()
    subprocess.run(args, check=True, env={**os.environ, **(env or {})}, text=True,
                   input=stdin, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def median_time(args: list[str], repeat: int, env: dict[str, str] | None = None) -> float:
    run(args, env)  # warm the page cache and the bytecode cache
    return statistics.median(run(args, env) for _ in range(repeat))


def peak_rss_mb(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of a child process, measured with wait4."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{args} failed: {status}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports KiB


def self_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
