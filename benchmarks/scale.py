"""Flat cost at scale: the same commands on a database of 10 customers and of 1,000,000.

    python benchmarks/generate.py --accounts 10 --db sqlite:///benchmarks/out/small.sqlite
    python benchmarks/generate.py --accounts 1000000 --db sqlite:///benchmarks/out/large.sqlite
    python benchmarks/scale.py [--small URL] [--large URL] [--repeat 11]

Bars (issue 5): ``status`` on the large database <= 1.2x its time on the small one (medians,
the two taking turns); ``accounts list -o jsonl`` and ``check`` stream the large one with
a peak RSS under 200 MB (their wall times are reported; output goes to /dev/null).
Give PostgreSQL URLs to measure PostgreSQL (two databases, each filled by generate.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ONENUMBER, bench_env, interleaved_medians, peak_rss_mb, report
from generate import account_id

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", default=f"sqlite:///{OUT / 'small.sqlite'}")
    parser.add_argument("--large", default=f"sqlite:///{OUT / 'large.sqlite'}")
    parser.add_argument("--small-accounts", type=int, default=10)
    parser.add_argument("--large-accounts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    dbs = {"small": (args.small, args.small_accounts), "large": (args.large, args.large_accounts)}
    commands = {}
    for size, (url, accounts) in dbs.items():
        env = bench_env(ONENUMBER_DATABASE_URL=url)
        middle = account_id(accounts // 2 + 1)  # an account in the middle of the key range
        commands[f"status {size}"] = ([ONENUMBER, "status", middle, "-o", "json"], env)
        commands[f"history {size}"] = ([ONENUMBER, "history", middle, "-o", "json"], env)
    median = interleaved_medians(commands, args.repeat)
    lines = []
    for command in ("status", "history"):
        small, large = median[f"{command} small"], median[f"{command} large"]
        lines.append((f"{command} ACCOUNT -o json, {args.small_accounts:,} accounts",
                      f"{small * 1000:8.1f} ms"))
        lines.append((f"{command} ACCOUNT -o json, {args.large_accounts:,} accounts",
                      f"{large * 1000:8.1f} ms   {large / small:5.2f}x the small one"))
    for url, accounts in dbs.values():
        env = bench_env(ONENUMBER_DATABASE_URL=url)
        for label, arguments in (("accounts list -o jsonl", ["accounts", "list", "-o", "jsonl"]),
                                 ("check", ["check", "-o", "jsonl"])):
            seconds, rss, code = peak_rss_mb([ONENUMBER, *arguments], env)
            lines.append((f"{label}, {accounts:,} accounts",
                          f"{seconds:8.1f} s    {rss:6.1f} MB peak RSS   exit {code}"))
    report(lines)


if __name__ == "__main__":
    main()
