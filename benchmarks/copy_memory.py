"""Peak memory of ``db copy``: flat in the size of the database.

    python benchmarks/copy_memory.py [--accounts 1000000] [--to sqlite|postgresql://...]
                                     [--small PATH --large PATH]

Generates (``generate.py``) a database of 10,000 accounts and one of ``--accounts``
(or uses the SQLite files given), copies each through the console script into a new
empty database (a SQLite file, or the PostgreSQL URL given with ``--to``: it must name
an empty database, which is dropped and created again between the runs by the caller's
``--to-reset`` command if any), and prints each copy's peak RSS and wall time, and the
ratio large / small.  The copy includes its verification (row counts, then ``check``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ONENUMBER, peak_rss_mb, report

HERE = Path(__file__).resolve().parent


def generate(path: Path, accounts: int) -> None:
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--accounts", str(accounts),
                    "--db", f"sqlite:///{path}"], check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--small", type=Path, help="an existing generated SQLite file")
    parser.add_argument("--large", type=Path, help="an existing generated SQLite file")
    parser.add_argument("--to", default="sqlite", help="'sqlite' (a new file) or the URL of "
                        "an empty PostgreSQL database")
    parser.add_argument("--to-reset", help="shell command run before each copy to empty "
                        "the --to database (e.g. dropdb/createdb)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = {"small": args.small, "large": args.large}
        for name, accounts in (("small", 10_000), ("large", args.accounts)):
            if sources[name] is None:
                sources[name] = work / f"{name}.sqlite"
                generate(sources[name], accounts)
        figures = {}
        for name, source in sources.items():
            if args.to == "sqlite":
                target = f"sqlite:///{work / f'{name}-copy.sqlite'}"
            else:
                target = args.to
                if args.to_reset:
                    subprocess.run(args.to_reset, shell=True, check=True)
            figures[name] = peak_rss_mb([ONENUMBER, "--db", f"sqlite:///{source}", "db", "copy",
                                         "--to", target])
    rows = [(f"{name}: {source}", f"{seconds:8.1f} s  {rss:7.1f} MB peak RSS")
            for (name, (seconds, rss, _)), source in zip(figures.items(), sources.values(),
                                                          strict=True)]
    ratio = figures["large"][1] / figures["small"][1]
    rows.append(("peak RSS ratio large / small", f"{ratio:.2f}"))
    report(rows)


if __name__ == "__main__":
    main()
