"""Start-up time of the console script against bare imports, measured in the same run.

    python benchmarks/startup.py [--repeat 21]

Bars (issue 5): ``--help``, ``--version`` and a completion request <= 1.5x
``python -c "import typer"``; ``status ACCOUNT -o json`` on SQLite <= 1.3x
``python -c "import typer, sqlalchemy.orm"``.  Each figure is the median wall time of
``--repeat`` runs after one warm-up run (page cache and bytecode cache warm); the
commands take turns, round after round, so a slow spell of the machine hits them all.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ONENUMBER, bench_env, interleaved_medians, report, run

PYTHON = sys.executable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'startup.sqlite'}"
        env = bench_env(ONENUMBER_DATABASE_URL=url)
        run([ONENUMBER, "db", "upgrade", "-q"], env)
        run([ONENUMBER, "demo", "-q"], env)
        complete = {**env, "_ONENUMBER_COMPLETE": "complete_bash",
                    "COMP_WORDS": "onenumber dev", "COMP_CWORD": "1"}
        complete_account = {**complete, "COMP_WORDS": "onenumber status demo-", "COMP_CWORD": "2"}

        commands = {
            "pass": ([PYTHON, "-c", "pass"], env),
            "typer": ([PYTHON, "-c", "import typer"], env),
            "help": ([ONENUMBER, "--help"], env),
            "version": ([ONENUMBER, "--version"], env),
            "complete": ([ONENUMBER], complete),
            "typer+orm": ([PYTHON, "-c", "import typer, sqlalchemy.orm"], env),
            "status": ([ONENUMBER, "status", "demo-multi", "-o", "json"], env),
            "complete account": ([ONENUMBER], complete_account),
        }
        median = interleaved_medians(commands, args.repeat)
    figures = [
        ("python -c pass", median["pass"], None),
        ('python -c "import typer"  (baseline A)', median["typer"], None),
        ("onenumber --help", median["help"], median["typer"]),
        ("onenumber --version", median["version"], median["typer"]),
        ("completion: onenumber dev<TAB>", median["complete"], median["typer"]),
        ('python -c "import typer, sqlalchemy.orm"  (baseline B)', median["typer+orm"], None),
        ("onenumber status demo-multi -o json", median["status"], median["typer+orm"]),
        ("completion: onenumber status demo-<TAB>", median["complete account"],
         median["typer+orm"]),
    ]
    lines = []
    for label, seconds, baseline in figures:
        ratio = f"   {seconds / baseline:5.2f}x its baseline" if baseline else ""
        lines.append((label, f"{seconds * 1000:7.1f} ms{ratio}"))
    report(lines)


if __name__ == "__main__":
    main()
