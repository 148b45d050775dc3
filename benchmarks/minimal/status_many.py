"""The floor for answering many accounts' ``status`` in one process: the standard
library's sqlite3, the same two SELECTs a ``status`` makes (the contract by its key, its
registered devices by slot), times in Asia/Tokyo, one ``json.dumps`` line per account.

    printf 'cust0000001\\ncust0000002\\n' | python benchmarks/minimal/status_many.py DB_FILE

What ``onenumber status - -o jsonl`` is measured against (benchmarks/many_accounts.py);
it checks nothing the tool checks (account ids, schema revision), on purpose.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Tokyo")
CAPACITY = {"one-number": 1, "one-number+multi": 5}


def local(text: str | None) -> str | None:
    if text is None:
        return None
    return datetime.fromisoformat(text + "+00:00").astimezone(ZONE).isoformat()


def main() -> None:
    connection = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    write = sys.stdout.write
    for line in sys.stdin:
        account = line.strip()
        contract = connection.execute(
            "SELECT account, status, plan FROM contracts WHERE account = ?", (account,)
        ).fetchone()
        if contract is None:
            sys.stderr.write(json.dumps({"error": {"code": "account_not_found",
                                                   "account": account}}) + "\n")
            continue
        devices = [
            {"id": d[0], "slot": d[1], "name": d[2], "type": d[3], "imei": d[4],
             "registered_at": local(d[5]), "unregistered_at": local(d[6])}
            for d in connection.execute(
                "SELECT id, slot, name, type, imei, registered_at, unregistered_at "
                "FROM devices WHERE account = ? AND slot IS NOT NULL ORDER BY slot",
                (account,))]
        write(json.dumps({"account": contract[0], "status": contract[1], "plan": contract[2],
                          "capacity": CAPACITY[contract[2]], "registered": len(devices),
                          "devices": devices}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
