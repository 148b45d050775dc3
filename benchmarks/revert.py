"""``batch revert`` against ``batch apply`` of the same batch, measured in the same run.

    python benchmarks/revert.py [--rows 10000] [--synchronous full|normal]

A batch of renames is applied row by row (each row its own transaction), then reverted
row by row: each revert row reads the audit record, locks the account, checks that the
device still has the name the batch gave it and that the record was not undone already,
renames it back and records that.  Bar (issue 13): the revert runs at least at the
per-row speed of the apply (ratio >= 1.0 would be "as fast"; the bar is the apply's own
rows/s, so report both).  Wall times of the whole commands, start-up included.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ONENUMBER, bench_env, report
from batch_throughput import build, rename_rows


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{args[:4]} failed ({done.returncode}): {done.stderr[-500:]}")
    return time.perf_counter() - started, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--synchronous", choices=("full", "normal"), default="full")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "revert.sqlite"
        build(db)
        env = bench_env(ONENUMBER_DATABASE_URL=f"sqlite:///{db}",
                        ONENUMBER_SQLITE_SYNCHRONOUS=args.synchronous)
        batch_file = Path(tmp) / "renames.jsonl"
        batch_file.write_text("\n".join(json.dumps(r) for r in rename_rows(args.rows)) + "\n")
        applied, summary = timed([ONENUMBER, "batch", "apply", str(batch_file), "-o", "jsonl"],
                                 env)
        batch_id = summary.split()[1].rstrip(":")
        reverted, _ = timed([ONENUMBER, "batch", "revert", batch_id, "-o", "jsonl"], env)
        again, _ = timed([ONENUMBER, "batch", "revert", batch_id, "-o", "jsonl"], env)
    report([
        ("rows", f"{args.rows:,} (PRAGMA synchronous {args.synchronous})"),
        ("batch apply, per row", f"{args.rows / applied:10,.0f} rows/s ({applied:.1f} s)"),
        ("batch revert, per row", f"{args.rows / reverted:10,.0f} rows/s ({reverted:.1f} s)"),
        ("  ratio (bar >= 1.0)", f"{applied / reverted:10.2f}"),
        ("batch revert again (all no-ops)", f"{args.rows / again:10,.0f} rows/s"),
    ])


if __name__ == "__main__":
    main()
