"""``devices search`` at scale, against baselines measured in the same run.

    python benchmarks/generate.py --accounts 1000000 --db sqlite:///benchmarks/out/large.sqlite
    python benchmarks/search.py [--db URL] [--accounts 1000000] [--repeat 7]

Bars (issue 13), on the database of 1,000,000 accounts (~2.45 M devices):

* ``devices search --imei X`` <= 1.2x the time of ``status ACCOUNT`` on the same database
  (medians, the commands taking turns); likewise ``--type T --name P`` for a selective
  filter (``Toyota bZ4X``, one device in a thousand in the generated data);
* the full export ``devices search -o csv`` at >= 0.7x the rows/s of a minimal Python loop
  doing the same work (the driver module, the equivalent SELECT, ``csv.writer``, the same
  conversion of timestamps to Asia/Tokyo), with a peak RSS under 200 MB; and, for
  reference, its ratio to the C floor: the ``sqlite3`` command line tool with ``-csv``
  (or ``psql --csv``), which converts no timestamps.

Output goes to /dev/null; every command must succeed.  The machine may be shared: every
comparison runs its commands in turns (``--repeat`` rounds for the short commands,
``--export-repeat`` for the exports) and reports medians of wall time and, as the
figure a busy machine disturbs least, of CPU time (user + system of the process).
A PostgreSQL URL may choose a schema with ``?options=-csearch_path%3DNAME``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ONENUMBER, bench_env, in_turns, report
from generate import RARE_TYPE, account_id, imei

OUT = Path(__file__).resolve().parent / "out"
SELECT = ("SELECT account, id, slot, name, type, imei, registered_at FROM devices "
          "WHERE slot IS NOT NULL ORDER BY account, slot IS NULL, slot, id")

# The minimal loop: what the export must do, and nothing else.
BASELINE = '''
import csv, sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo
url, select = sys.argv[1], sys.argv[2]
zone = ZoneInfo("Asia/Tokyo")
out = csv.writer(sys.stdout, lineterminator="\\n")
out.writerow(["account", "id", "slot", "name", "type", "imei", "registered_at"])
if url.startswith("sqlite"):
    import sqlite3
    rows = sqlite3.connect(url.split("///", 1)[1]).execute(select)
    def when(text):
        return datetime.fromisoformat(text).replace(tzinfo=UTC).astimezone(zone).isoformat()
else:
    import psycopg
    from sqlalchemy.engine import make_url
    u = make_url(url)
    connection = psycopg.connect(host=u.host, port=u.port, user=u.username,
                                 password=u.password, dbname=u.database,
                                 options=u.query.get("options", ""))
    rows = connection.cursor(name="export")  # server side, as the tool's
    rows.itersize = 1000
    rows.execute(select)
    def when(value):
        return value.astimezone(zone).isoformat()
for account, id_, slot, name, kind, imei_, at in rows:
    out.writerow([account, id_, slot, name, kind, imei_ or "", when(at)])
'''


def count(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT count(*) FROM devices WHERE slot IS NOT NULL"))
        value = int(found.scalar_one())
    engine.dispose()
    return value


def floor_command(url: str) -> list[str]:
    if url.startswith("sqlite"):
        return ["sqlite3", "-csv", "-header", url.split("///", 1)[1], SELECT]
    from sqlalchemy.engine import make_url  # options (a schema): PGOPTIONS, see main()

    u = make_url(url)
    return ["psql", "--csv", "-X", "-q", "-h", str(u.host), "-p", str(u.port or 5432),
            "-U", str(u.username), "-d", str(u.database), "-c", SELECT]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=f"sqlite:///{OUT / 'large.sqlite'}")
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--export-repeat", type=int, default=3)
    args = parser.parse_args()
    env = bench_env(ONENUMBER_DATABASE_URL=args.db)
    from sqlalchemy.engine import make_url

    url = make_url(args.db)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    if url.query.get("options"):
        env["PGOPTIONS"] = str(url.query["options"])
    middle = account_id(args.accounts // 2 + 1)
    short = in_turns({
        "status": ([ONENUMBER, "status", middle, "-o", "json"], env),
        "search --imei": ([ONENUMBER, "devices", "search", "--imei", imei(1_000_000),
                           "-o", "json"], env),
        "search --type --name": ([ONENUMBER, "devices", "search", "--type", RARE_TYPE,
                                  "--name", f"{RARE_TYPE.lower()}*", "-o", "json"], env),
    }, args.repeat)
    rows = count(args.db)
    exports = in_turns({
        "tool": ([ONENUMBER, "devices", "search", "-o", "csv"], env),
        "baseline": ([sys.executable, "-c", BASELINE, args.db, SELECT], env),
        "floor": (floor_command(args.db), env),
    }, args.export_repeat, warm_up=False)
    status = short["status"]
    lines = [("database", args.db.split("@")[-1]),
             ("status (median wall / CPU)",
              f"{status.median_wall * 1000:8.0f} ms / {status.median_cpu * 1000:.0f} ms")]
    for name in ("search --imei", "search --type --name"):
        found = short[name]
        lines += [
            (f"{name} (median wall / CPU)",
             f"{found.median_wall * 1000:8.0f} ms / {found.median_cpu * 1000:.0f} ms"),
            ("  ratio to status, wall (bar <= 1.2)",
             f"{found.median_wall / status.median_wall:8.2f}"),
            ("  ratio to status, CPU", f"{found.median_cpu / status.median_cpu:8.2f}"),
        ]
    tool, baseline, floor = exports["tool"], exports["baseline"], exports["floor"]
    lines += [("full export rows", f"{rows:,}")]
    for label, runs in (("devices search -o csv", tool), ("minimal Python loop", baseline),
                        ("C floor (sqlite3 -csv / psql --csv)", floor)):
        lines.append((f"{label} (median)",
                      f"{rows / runs.median_wall:10,.0f} rows/s ({runs.median_wall:.1f} s "
                      f"wall, {runs.median_cpu:.1f} s CPU)"))
    lines += [
        ("  tool / minimal loop, wall (bar >= 0.7)",
         f"{baseline.median_wall / tool.median_wall:8.2f}"),
        ("  tool / minimal loop, CPU", f"{baseline.median_cpu / tool.median_cpu:8.2f}"),
        ("  tool / C floor, wall", f"{floor.median_wall / tool.median_wall:8.2f}"),
        ("export peak RSS (bar < 200 MB)", f"{tool.rss_mb:8.1f} MB"),
    ]
    report(lines)


if __name__ == "__main__":
    main()
