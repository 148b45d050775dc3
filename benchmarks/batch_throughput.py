"""Batch throughput: ``onenumber batch apply`` against raw ``sqlite3`` doing the same
writes and commits, measured in the same run.

    python benchmarks/batch_throughput.py [--rows 20000] [--synchronous full|normal]
                                          [--rounds 3] [--mode both|per-row|atomic]
    python benchmarks/batch_throughput.py --instructions [--rows 2000]

The batch renames devices (each row: lock the contract, resolve the device, check R3,
update the name, touch the contract, append an audit record).  The baseline performs
the same statements with ``sqlite3`` and no rules: per row, one transaction (or one for
all rows, against ``--atomic``).  Both run at the same ``PRAGMA synchronous``: ``full``
(the tool's durable default: one fsync a commit) or ``normal`` (its explicit faster mode).

Two figures per mode: the whole command (start-up, reading the file, writing a result
line per row), and the rows alone: the wall time minus that of the same command on a
one-row file, measured in the same run.  The ratios compare the rows alone with the
baseline, which has no start-up either.

Each round runs the three (the command, the one-row command, the baseline) one after
the other, so a slow spell of a shared machine hits all three alike; the figures are
the medians over the rounds (a single round's raw baseline was seen to vary twofold
between runs a minute apart).

``--instructions`` counts instead of timing (valgrind's callgrind, about a minute for
2,000 rows): the instructions a row costs the ``--atomic`` command (its count on the
file minus its count on a one-row file) against the raw baseline's (the same, in a
Python process of its own).  Counts do not depend on what else the machine is doing;
they leave out what instructions do not show (cache misses, waiting on the disk).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ONENUMBER, bench_env, report, run

ACCOUNTS = 1000
DEVICES_PER_ACCOUNT = 3


def build(path: Path) -> None:
    """A database of ACCOUNTS multi-device accounts with 3 devices each."""
    url = f"sqlite:///{path}"
    run([ONENUMBER, "--db", url, "db", "upgrade", "-q"])
    lines = []
    for a in range(ACCOUNTS):
        lines.append({"action": "service-subscribe", "account": f"acct{a:06d}", "multi": True})
        lines += [{"action": "register", "account": f"acct{a:06d}", "type": "Watch",
                   "name": f"W{d}"} for d in range(DEVICES_PER_ACCOUNT)]
    run([ONENUMBER, "--db", url, "batch", "apply", "-", "--atomic", "-q", "-o", "jsonl"],
        stdin="\n".join(json.dumps(x) for x in lines))


def rename_rows(count: int) -> list[dict[str, str]]:
    """Renames that each change something: W0 -> R1-0 -> R2-0 ... per device."""
    rows = []
    current: dict[tuple[str, int], str] = {}  # (account, device) -> its name now
    for i in range(count):
        account = f"acct{i % ACCOUNTS:06d}"
        device = (i // ACCOUNTS) % DEVICES_PER_ACCOUNT
        key = (account, device)
        old = current.get(key, f"W{device}")
        new = f"R{i}-{device}"
        current[key] = new
        rows.append({"action": "rename", "account": account, "device": old, "name": new})
    return rows


def baseline(path: Path, rows: list[dict[str, str]], *, per_row: bool,
             synchronous: str) -> float:
    """Raw sqlite3: the same reads and writes, committed per row (or once)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL" if synchronous == "full"
                 else "PRAGMA synchronous = NORMAL")
    started = time.perf_counter()
    if not per_row:
        conn.execute("BEGIN IMMEDIATE")
    for row in rows:
        if per_row:
            conn.execute("BEGIN IMMEDIATE")
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
        conn.execute("SELECT account FROM contracts WHERE account = ?", (row["account"],))
        device_id = conn.execute(
            "SELECT id FROM devices WHERE account = ? AND slot IS NOT NULL AND name_key = ?",
            (row["account"], row["device"].casefold())).fetchone()[0]
        conn.execute("UPDATE devices SET name = ?, name_key = ? WHERE id = ?",
                     (row["name"], row["name"].casefold(), device_id))
        conn.execute("UPDATE contracts SET updated_at = ? WHERE account = ?",
                     (now, row["account"]))
        conn.execute(
            "INSERT INTO audit (at, operator, action, account, device_id, before, after, "
            "batch_id) VALUES (?, 'bench', 'rename', ?, ?, ?, ?, 'bench')",
            (now, row["account"], device_id, json.dumps({"name": row["device"]}),
             json.dumps({"name": row["name"]})))
        if per_row:
            conn.execute("COMMIT")
    if not per_row:
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def instructions(args: list[str], env: dict[str, str]) -> int:
    """The instructions ``args`` runs, counted by callgrind."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, check=True)
    return int(done.stderr.rsplit("Collected :", 1)[1].split()[0])


def count_instructions(count: int, synchronous: str) -> None:
    env = bench_env(ONENUMBER_SQLITE_SYNCHRONOUS=synchronous)
    rows = rename_rows(count)
    per_row = {}
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.sqlite"
        build(template)
        for label in ("onenumber", "raw"):
            totals = []
            for n in (count, 1):
                db = Path(tmp) / f"{label}-{n}.sqlite"
                db.write_bytes(template.read_bytes())
                if label == "raw":  # the rows made in both runs, the baseline in the first
                    run_it = n == count
                    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                            "import batch_throughput as b; "
                            f"rows = b.rename_rows({count}); "
                            f"{run_it} and b.baseline({str(db)!r}, rows, per_row=False, "
                            f"synchronous={synchronous!r})")
                    totals.append(instructions([sys.executable, "-c", code], env))
                else:
                    batch_file = Path(tmp) / f"{n}.jsonl"
                    batch_file.write_text("\n".join(json.dumps(r) for r in rows[:n]) + "\n")
                    totals.append(instructions(
                        [sys.executable, ONENUMBER, "--db", f"sqlite:///{db}", "batch", "apply",
                         str(batch_file), "-q", "-o", "jsonl", "--atomic"], env))
            per_row[label] = (totals[0] - totals[1]) / (count if label == "raw" else count - 1)
    report([("rows (--atomic, instructions counted by callgrind)", f"{count:,}"),
            ("onenumber batch apply --atomic, a row", f"{per_row['onenumber']:12,.0f}"),
            ("raw sqlite3 baseline, a row", f"{per_row['raw']:12,.0f}"),
            ("ratio (baseline / onenumber)", f"{per_row['raw'] / per_row['onenumber']:12.2f}")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--synchronous", choices=("full", "normal"), default="full")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mode", choices=("both", "per-row", "atomic"), default="both")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions with valgrind (--atomic; default 2,000 rows)")
    args = parser.parse_args()
    if args.instructions:
        count_instructions(args.rows if "--rows" in sys.argv else 2_000, args.synchronous)
        return
    env = bench_env(ONENUMBER_SQLITE_SYNCHRONOUS=args.synchronous)
    rows = rename_rows(args.rows)
    modes = ("per-row", "atomic") if args.mode == "both" else (args.mode,)
    rounds: dict[str, list[tuple[float, float, float]]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.sqlite"
        build(template)
        files = {}
        for count in (args.rows, 1):
            files[count] = Path(tmp) / f"{count}.jsonl"
            files[count].write_text("\n".join(json.dumps(r) for r in rows[:count]) + "\n")
        for number in range(args.rounds):
            for mode in modes:
                flags = ["--atomic"] if mode == "atomic" else []
                times = []
                for count in (args.rows, 1):
                    db = Path(tmp) / f"{mode}-{number}-{count}.sqlite"
                    db.write_bytes(template.read_bytes())
                    times.append(run([ONENUMBER, "--db", f"sqlite:///{db}", "batch", "apply",
                                      str(files[count]), "-q", "-o", "jsonl", *flags], env))
                raw = Path(tmp) / f"raw-{mode}-{number}.sqlite"
                raw.write_bytes(template.read_bytes())
                times.append(baseline(raw, rows, per_row=mode == "per-row",
                                      synchronous=args.synchronous))
                rounds[mode].append((times[0], times[1], times[2]))
    lines = [("PRAGMA synchronous (tool and baseline)", args.synchronous),
             ("rounds (figures are medians)", str(args.rounds))]
    for mode in modes:
        whole = median(args.rows / full for full, _, _ in rounds[mode])
        alone = [(args.rows - 1) / (full - one) for full, one, _ in rounds[mode]]
        baselines = [args.rows / base for _, _, base in rounds[mode]]
        ratios = [a / r for a, r in zip(alone, baselines, strict=True)]
        lines.append((f"{mode}: onenumber batch apply, whole command", f"{whole:10,.0f} rows/s"))
        lines.append((f"{mode}: onenumber batch apply, rows alone",
                      f"{median(alone):10,.0f} rows/s"))
        lines.append((f"{mode}: raw sqlite3 baseline", f"{median(baselines):10,.0f} rows/s"))
        lines.append((f"{mode}: ratio (rows alone / baseline)", f"{median(ratios):10.2f}"
                      f"   (rounds: {', '.join(f'{r:.2f}' for r in ratios)})"))
    report(lines)


if __name__ == "__main__":
    main()
