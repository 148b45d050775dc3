"""Many accounts in one call: ``onenumber status - -o jsonl`` against the floor (the
standard library's sqlite3 doing the same SELECTs, benchmarks/minimal/status_many.py),
and against the shell loop it replaces (one ``onenumber status ACCOUNT -o json`` per
account), measured in the same run.

    python benchmarks/many_accounts.py [--accounts 20000] [--asked 1000] [--rounds 7]

A database of ``--accounts`` customers is generated (benchmarks/generate.py); ``--asked``
of them, spread over the whole range, are answered.  Figures: CPU-time medians (user +
system of the child) of interleaved rounds, so a slow spell of the machine hits every
command alike; the shell loop is measured on 20 accounts and scaled.  Goal (issue 22):
the tool answers at >= 0.5x the floor's accounts a second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ONENUMBER, bench_env, in_turns, report, run
from generate import account_id

HERE = Path(__file__).resolve().parent
LOOP_SAMPLE = 20  # accounts the shell loop is measured on (each a whole process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--asked", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "many.sqlite"
        url = f"sqlite:///{path}"
        env = bench_env(ONENUMBER_DATABASE_URL=url, ONENUMBER_TZ="Asia/Tokyo")
        run([sys.executable, str(HERE / "generate.py"), "--accounts", str(args.accounts),
             "--db", url], env)
        step = max(args.accounts // args.asked, 1)
        asked = Path(tmp) / "asked.txt"
        asked.write_text("".join(f"{account_id(n)}\n"
                                 for n in range(1, args.accounts + 1, step)[:args.asked]))
        sample = [line for line in asked.read_text().split()][:LOOP_SAMPLE]
        loop = "\n".join(f"{ONENUMBER} status {a} -o json" for a in sample)
        empty = Path(tmp) / "empty.txt"
        empty.write_text("")
        tool_cmd = [ONENUMBER, "status", "-", "-o", "jsonl"]
        floor_cmd = [sys.executable, str(HERE / "minimal" / "status_many.py"), str(path)]
        runs = in_turns({
            "tool": (tool_cmd, env), "tool, no account": (tool_cmd, env),
            "floor": (floor_cmd, env), "floor, no account": (floor_cmd, env),
            "loop": (["sh", "-c", loop], env),
        }, args.rounds, stdin={"tool": asked, "floor": asked, "tool, no account": empty,
                               "floor, no account": empty})
    tool, floor = runs["tool"].median_cpu, runs["floor"].median_cpu
    # what each account costs once the process is up (the start-up is issue 22's other half)
    tool_more = tool - runs["tool, no account"].median_cpu
    floor_more = floor - runs["floor, no account"].median_cpu
    loop_each = runs["loop"].median_cpu / len(sample)
    count = args.asked
    report([
        (f"{count} accounts, onenumber status - -o jsonl",
         f"{tool * 1000:8.0f} ms CPU  {count / tool:8.0f} accounts/s"),
        (f"{count} accounts, minimal sqlite3 script (floor)",
         f"{floor * 1000:8.0f} ms CPU  {count / floor:8.0f} accounts/s"),
        (f"{count} accounts, shell loop of onenumber status (scaled from {len(sample)})",
         f"{loop_each * count * 1000:8.0f} ms CPU  {1 / loop_each:8.0f} accounts/s"),
        ("tool's accounts/s against the floor's (goal >= 0.5)", f"{floor / tool:8.2f}"),
        ("  start-up left out (each account's own cost)",
         f"{floor_more / tool_more:8.2f}  ({tool_more * 1e6 / count:.0f} against "
         f"{floor_more * 1e6 / count:.0f} us an account)"),
        ("one call against the shell loop", f"{loop_each * count / tool:8.1f}x faster"),
        ("rounds (CPU of the tool, each)",
         " ".join(f"{c * 1000:.0f}" for c in runs["tool"].cpu)
         + f"  (spread {statistics.pstdev(runs['tool'].cpu) * 1000:.0f} ms)"),
    ])


if __name__ == "__main__":
    main()
