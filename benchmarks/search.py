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

Output goes to /dev/null; every command must succeed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ONENUMBER, bench_env, interleaved_medians, peak_rss_mb, report
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
                                 password=u.password, dbname=u.database)
    rows = connection.cursor(name="export")  # server side, as the tool's
    rows.itersize = 1000
    rows.execute(select)
    def when(value):
        return value.astimezone(zone).isoformat()
for account, id_, slot, name, kind, imei_, at in rows:
    out.writerow([account, id_, slot, name, kind, imei_ or "", when(at)])
'''


def timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


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
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return ["psql", "--csv", "-X", "-q", "-h", str(u.host), "-p", str(u.port or 5432),
            "-U", str(u.username), "-d", str(u.database), "-c", SELECT]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=f"sqlite:///{OUT / 'large.sqlite'}")
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    env = bench_env(ONENUMBER_DATABASE_URL=args.db)
    from sqlalchemy.engine import make_url

    password = make_url(args.db).password
    if password:
        env["PGPASSWORD"] = str(password)
    middle = account_id(args.accounts // 2 + 1)
    medians = interleaved_medians({
        "status": ([ONENUMBER, "status", middle, "-o", "json"], env),
        "search --imei": ([ONENUMBER, "devices", "search", "--imei", imei(1_000_000),
                           "-o", "json"], env),
        "search --type --name": ([ONENUMBER, "devices", "search", "--type", RARE_TYPE,
                                  "--name", f"{RARE_TYPE.lower()}*", "-o", "json"], env),
    }, args.repeat)
    rows = count(args.db)
    export = [ONENUMBER, "devices", "search", "-o", "csv"]
    tool, rss, _ = peak_rss_mb(export, env)
    baseline = timed([sys.executable, "-c", BASELINE, args.db, SELECT], env)
    floor = timed(floor_command(args.db), env)
    report([
        ("database", args.db.split("@")[-1]),
        ("status (median)", f"{medians['status'] * 1000:8.0f} ms"),
        ("search --imei (median)", f"{medians['search --imei'] * 1000:8.0f} ms"),
        ("  ratio to status (bar <= 1.2)",
         f"{medians['search --imei'] / medians['status']:8.2f}"),
        ("search --type --name, selective (median)",
         f"{medians['search --type --name'] * 1000:8.0f} ms"),
        ("  ratio to status (bar <= 1.2)",
         f"{medians['search --type --name'] / medians['status']:8.2f}"),
        ("full export rows", f"{rows:,}"),
        ("devices search -o csv", f"{rows / tool:10,.0f} rows/s ({tool:.1f} s)"),
        ("minimal Python loop", f"{rows / baseline:10,.0f} rows/s ({baseline:.1f} s)"),
        ("  ratio (bar >= 0.7)", f"{baseline / tool:8.2f}"),
        ("C floor (sqlite3 -csv / psql --csv)", f"{rows / floor:10,.0f} rows/s ({floor:.1f} s)"),
        ("  ratio to the C floor", f"{floor / tool:8.2f}"),
        ("export peak RSS (bar < 200 MB)", f"{rss:8.1f} MB"),
    ])


if __name__ == "__main__":
    main()
