"""Start-up time of the console script against bare imports, measured in the same run.

    python benchmarks/startup.py [--repeat 21]

Bars (issue 5): ``--help``, ``--version`` and a completion request <= 1.5x
``python -c "import typer"``; ``status ACCOUNT -o json`` on SQLite <= 1.2x (issue 12: Core only)
``python -c "import typer, sqlalchemy"``; (issue 14) a TAB that looks up accounts or
devices no slower than ``status`` (the last column).  The completion requests are what
the shipped bash script sends (``COMP_LINE``).  Each figure is the median wall time of
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

        def complete(line: str) -> dict[str, str]:
            return {**env, "_ONENUMBER_COMPLETE": "complete_bash", "COMP_LINE": line}

        commands = {
            "pass": ([PYTHON, "-c", "pass"], env),
            "typer": ([PYTHON, "-c", "import typer"], env),
            "help": ([ONENUMBER, "--help"], env),
            "version": ([ONENUMBER, "--version"], env),
            "complete": ([ONENUMBER], complete("onenumber dev")),
            "typer+core": ([PYTHON, "-c", "import typer, sqlalchemy"], env),
            "status": ([ONENUMBER, "status", "demo-multi", "-o", "json"], env),
            "complete account": ([ONENUMBER], complete("onenumber status demo-")),
            "complete device": ([ONENUMBER], complete("onenumber devices show demo-multi Ap")),
        }
        median = interleaved_medians(commands, args.repeat)
    status = median["status"]
    figures: list[tuple[str, float, float | None, bool]] = [  # ..., baseline, vs status
        ("python -c pass", median["pass"], None, False),
        ('python -c "import typer"  (baseline A)', median["typer"], None, False),
        ("onenumber --help", median["help"], median["typer"], False),
        ("onenumber --version", median["version"], median["typer"], False),
        ("completion: onenumber dev<TAB>", median["complete"], median["typer"], False),
        ('python -c "import typer, sqlalchemy"  (baseline B)', median["typer+core"], None,
         False),
        ("onenumber status demo-multi -o json", status, median["typer+core"], False),
        ("completion: onenumber status demo-<TAB>", median["complete account"],
         median["typer+core"], True),
        ("completion: onenumber devices show demo-multi Ap<TAB>", median["complete device"],
         median["typer+core"], True),
    ]
    lines = []
    for label, seconds, baseline, versus_status in figures:
        ratio = f"   {seconds / baseline:5.2f}x its baseline" if baseline else ""
        if versus_status:
            ratio += f"   {seconds / status:5.2f}x status"
        lines.append((label, f"{seconds * 1000:7.1f} ms{ratio}"))
    report(lines)


if __name__ == "__main__":
    main()
