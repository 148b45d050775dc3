"""Spreadsheet figures: ``-o xlsx`` export and ``batch apply FILE.xlsx`` reading, each
against its library doing the same work in a minimal loop, measured in the same run.

    python benchmarks/xlsx.py [--accounts 100000] [--rows 200000] [--read-rows 100000]
                              [--rounds 3]

* export: ``devices search --limit ROWS -o xlsx`` (a database of ``--accounts`` made by
  benchmarks/generate.py) against XlsxWriter (constant_memory) writing the same rows,
  read from a CSV export, with the same cell formats in a plain loop; and against the
  tool's own ``-o csv``.  Ratio = rows/s of the tool / rows/s of the other (goal for the
  library: >= 0.7).  Peak RSS of the xlsx export (goal: < 200 MB).
* read: pass 1 of ``batch apply`` (``batch.scan``: every row parsed, checked and made an
  operation's fields; no database) over a ``--read-rows`` xlsx export, against openpyxl's
  own read_only loop (``iter_rows(values_only=True)``) over the same file; peak RSS of
  both, and of the whole ``batch apply --dry-run`` on the file (informative).

Times are CPU seconds (user + system, from wait4) of child processes; each round runs
every command once, in turn, so a slow spell of a shared machine hits all alike; the
figures are the medians over the rounds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ONENUMBER, bench_env, report, run

LIBRARY_WRITE = r"""
import csv, sys
from datetime import datetime
import xlsxwriter
source, target, zone = sys.argv[1:4]
from zoneinfo import ZoneInfo
tz = ZoneInfo(zone)
with open(source, newline="", encoding="utf-8") as f:
    rows = csv.reader(f)
    header = next(rows)
    book = xlsxwriter.Workbook(target, {"constant_memory": True})
    sheet = book.add_worksheet()
    text = book.add_format({"num_format": "@"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for i, key in enumerate(header):
        sheet.write_string(0, i, key)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if not value:
                continue
            if c == 2:
                sheet.write_number(r, c, int(value))
            elif c >= 6:
                sheet.write_datetime(r, c, datetime.fromisoformat(value).astimezone(tz)
                                     .replace(tzinfo=None), stamp)
            else:
                sheet.write_string(r, c, value, text)
    book.close()
"""

LIBRARY_READ = r"""
import sys
from openpyxl import load_workbook
book = load_workbook(sys.argv[1], read_only=True)
count = 0
for row in book.worksheets[0].iter_rows(values_only=True):
    count += 1
book.close()
"""

TOOL_READ = r"""
import sys
from onenumber_cli import batch
with open(sys.argv[1], "rb") as f:
    batch.scan(f, "xlsx", batch.Layout("rename", spreadsheet=True))
"""


def cpu_and_rss(args: list[str], stdout: Path | None = None) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MB) of one child process; fails loudly if it fails."""
    with open(stdout or os.devnull, "wb") as out:
        process = subprocess.Popen(args, env=bench_env(), stdout=out,
                                   stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{args} failed: exit {os.waitstatus_to_exitcode(status)}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def rounds(commands: dict[str, tuple[list[str], Path | None]], count: int
           ) -> dict[str, tuple[float, float]]:
    """Median CPU seconds and the largest peak RSS of each command, interleaved."""
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    rss: dict[str, float] = dict.fromkeys(commands, 0.0)
    for _ in range(count):
        for name, (args, out) in commands.items():
            seconds, peak = cpu_and_rss(args, out)
            cpu[name].append(seconds)
            rss[name] = max(rss[name], peak)
    return {name: (median(cpu[name]), rss[name]) for name in commands}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)  # ~195,000 devices
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--read-rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="onenumber-xlsx-bench-") as work:
        tmp = Path(work)
        url = f"sqlite:///{tmp / 'fleet.sqlite'}"
        run([python, str(Path(__file__).parent / "generate.py"), "--accounts",
             str(args.accounts), "--db", url])
        search = [ONENUMBER, "--db", url, "--tz", "Asia/Tokyo", "devices", "search",
                  "--limit", str(args.rows)]
        csv_file, xlsx_file, lib_file = tmp / "s.csv", tmp / "s.xlsx", tmp / "lib.xlsx"
        cpu_and_rss([*search, "-o", "csv"], csv_file)
        exported = sum(1 for _ in csv_file.open(encoding="utf-8")) - 1
        write = rounds({
            "tool xlsx": ([*search, "-o", "xlsx"], xlsx_file),
            "tool csv": ([*search, "-o", "csv"], None),
            "library": ([python, "-c", LIBRARY_WRITE, str(csv_file), str(lib_file),
                         "Asia/Tokyo"], None),
        }, args.rounds)
        read_file = tmp / "batch.xlsx"
        cpu_and_rss([*search[:-1], str(args.read_rows), "-o", "xlsx"], read_file)
        read = rounds({
            "tool scan": ([python, "-c", TOOL_READ, str(read_file)], None),
            "library": ([python, "-c", LIBRARY_READ, str(read_file)], None),
        }, args.rounds)
        _, apply_rss = cpu_and_rss([ONENUMBER, "--db", url, "batch", "apply", str(read_file),
                                    "--action", "rename", "--dry-run", "-q", "-o", "jsonl"])
    tool, csv_out, library = write["tool xlsx"], write["tool csv"], write["library"]
    scan, own = read["tool scan"], read["library"]
    report([
        ("rows exported", f"{exported:,} (devices search, {args.accounts:,} accounts)"),
        ("xlsx export, CPU s (median)", f"{tool[0]:.2f}  ({exported / tool[0]:,.0f} rows/s)"),
        ("XlsxWriter loop, CPU s", f"{library[0]:.2f}  ({exported / library[0]:,.0f} rows/s)"),
        ("tool csv export, CPU s", f"{csv_out[0]:.2f}  ({exported / csv_out[0]:,.0f} rows/s)"),
        ("rows/s ratio xlsx : library", f"{library[0] / tool[0]:.2f} (goal >= 0.7)"),
        ("rows/s ratio xlsx : csv", f"{csv_out[0] / tool[0]:.2f}"),
        ("xlsx export peak RSS", f"{tool[1]:.0f} MB (goal < 200 MB)"),
        ("rows read (xlsx batch file)", f"{args.read_rows:,}"),
        ("batch scan of the xlsx, CPU s", f"{scan[0]:.2f}  (peak RSS {scan[1]:.0f} MB)"),
        ("openpyxl read_only loop, CPU s", f"{own[0]:.2f}  (peak RSS {own[1]:.0f} MB)"),
        ("rows/s ratio scan : library", f"{own[0] / scan[0]:.2f}"),
        ("batch apply --dry-run peak RSS", f"{apply_rss:.0f} MB"),
    ])


if __name__ == "__main__":
    main()
