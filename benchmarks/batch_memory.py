"""Peak memory of ``batch apply --dry-run``: flat in the number of rows.

    python benchmarks/batch_memory.py [--rows 1000000]

Runs a small (10,000-row) and a large dry run of renames through the console script
and prints each one's peak RSS and wall time, and the ratio large / small.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ONENUMBER, peak_rss_mb, report
from batch_throughput import build, rename_rows


def write_file(path: Path, count: int) -> None:
    with path.open("w") as handle:
        for start in range(0, count, 100_000):
            chunk = rename_rows(min(100_000, count - start))
            handle.writelines(json.dumps(r) + "\n" for r in chunk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        build(db)
        lines = []
        figures = {}
        for count in (10_000, args.rows):
            batch = Path(tmp) / f"{count}.jsonl"
            write_file(batch, count)
            seconds, rss, _code = peak_rss_mb([ONENUMBER, "--db", f"sqlite:///{db}", "batch",
                                        "apply", str(batch), "--dry-run", "-q", "-o", "jsonl"])
            figures[count] = rss
            lines.append((f"dry run of {count:,} rows", f"{rss:7.1f} MB peak RSS, "
                                                        f"{seconds:8.1f} s, "
                                                        f"{count / seconds:7,.0f} rows/s"))
        lines.append(("ratio (large / small peak RSS)",
                      f"{figures[args.rows] / figures[10_000]:7.2f}"))
        report(lines)


if __name__ == "__main__":
    main()
