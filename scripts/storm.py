"""A storm of concurrent operators: many OS processes changing a few accounts at once.

Each worker process runs a random mix of every change through the core API
(:mod:`onenumber_cli.services`, single changes with and without ``--replace``, dry runs,
per-row and atomic batches through :func:`onenumber_cli.batch.apply`), and a share of
them through the installed console script (``onenumber --db URL -o json ...``).  It
counts what each call reported: a change done (``changed`` and committed), a no-op, a
typed refusal by its ``code``, the console script's exit codes.  At the end:

* ``check`` must find no violation (R1-R12 held under the storm);
* the audit log must hold exactly one record per change reported done, per worker
  (operator) and action, and no more in total;
* no call may fail otherwise: an exception that is not a ``OneNumberError``, an exit
  code outside 0, 1 (a batch with failed rows), 3, 4, 5, an exit code that does not
  match the error's code, "internal error" or a traceback on stderr.

By hand (the database must exist and be migrated: ``onenumber --db URL db upgrade``)::

    python scripts/storm.py --db sqlite:////tmp/storm.sqlite --workers 8 --changes 2000

(about 150 operations a second on two cores with SQLite; --help lists the options).
Exit status 0 when the storm found nothing wrong, 1 otherwise.  Tests import
:func:`run_storm`.  The audit totals assume nobody else writes to the database meanwhile.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import queue
import random
import secrets
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from onenumber_cli import batch as batch_core
from onenumber_cli import check, services
from onenumber_cli.cli.exitcodes import exit_code_for
from onenumber_cli.errors import OneNumberError, all_error_classes
from onenumber_cli.storage.engine import Database, parse_url
from onenumber_cli.storage.models import audit as AUDIT

SPAWN = multiprocessing.get_context("spawn")

# What a worker does, and how often (before the account's state tilts the odds).
KINDS: dict[str, int] = {
    "register": 16,
    "register-replace": 12,
    "rename": 14,
    "unregister": 14,
    "option-subscribe": 7,
    "option-cancel": 7,
    "service-subscribe": 5,
    "service-cancel": 4,
    "batch": 5,
    "batch-atomic": 5,
}
SINGLE_KINDS = [k for k in KINDS if not k.startswith("batch")]
TYPES = ["Watch", "BMW", "Apple Watch SE", "Car Navi", "タブレット"]
# Names that collide after NFKC and case folding (BMW = ＢＭＷ = bmw), and a few R3 refusals.
NAMES = ["Watch", "watch", "ＷＡＴＣＨ", "BMW", "bmw", "通勤用", "登山用", "ｱｲﾃﾑ", "アイテム",
         "Car 1", "Car 2", "Tab.A", "x_y-z+1", "Ａ１"]
BAD_NAMES = ["bad/name", " lead", "trail ", "😀", "x" * 31, "a\tb"]
BAD_IMEI = "490154203237519"  # 15 digits, wrong check digit
ALLOWED_EXITS = {0, 1, 3, 4, 5}  # 1 only for a batch with failed rows
EXPECTED_EXIT = {cls.code: int(exit_code_for(cls())) for cls in all_error_classes()}
MAX_FAILURES_KEPT = 25


def luhn_imei(prefix14: str) -> str:
    """A valid IMEI: ``prefix14`` plus its Luhn check digit."""
    total = 0
    for position, char in enumerate(prefix14):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return prefix14 + str((10 - total % 10) % 10)


IMEIS = [luhn_imei(f"3567890100{n:04d}") for n in range(6)]


def outcome_unknown(error: OneNumberError) -> bool:
    """Whether a change that ended in ``error`` may have committed all the same (its
    connection was lost at the commit itself, or the commit's wait was cut short)."""
    return error.code == "commit_unknown" or (
        error.code == "database_unavailable" and error.reason == "lost_at_commit")


def console_script() -> str | None:
    return shutil.which("onenumber", path=str(Path(sys.executable).parent)) or shutil.which(
        "onenumber")


# --- results --------------------------------------------------------------------------


@dataclass
class Tally:
    """What one worker saw (summed over workers for the report)."""

    ops: Counter[str] = field(default_factory=Counter)  # by kind
    api_calls: int = 0
    cli_calls: int = 0
    cli_seconds: float = 0.0
    cli_slowest: float = 0.0
    changed: Counter[str] = field(default_factory=Counter)  # committed changes, by action
    replaced: int = 0  # committed registrations that replaced a device (--replace)
    unchanged: int = 0  # successful no-ops
    dry_changed: int = 0  # dry runs (and rolled-back atomic rows) that would change
    refusals: Counter[str] = field(default_factory=Counter)  # by error code
    read_errors: Counter[str] = field(default_factory=Counter)  # of the snapshots, by code
    exit_codes: Counter[int] = field(default_factory=Counter)
    # changes whose outcome nobody can know (the connection was lost at the commit, or a
    # console script run ended on exit 6 while sessions were being killed): each may or
    # may not have landed, so the audit log may hold up to this many records more
    unknown: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    failure_count: int = 0

    def fail(self, message: str) -> None:
        self.failure_count += 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(message)

    def merge(self, other: Tally) -> None:
        self.ops += other.ops
        self.api_calls += other.api_calls
        self.cli_calls += other.cli_calls
        self.cli_seconds += other.cli_seconds
        self.cli_slowest = max(self.cli_slowest, other.cli_slowest)
        self.changed += other.changed
        self.replaced += other.replaced
        self.unchanged += other.unchanged
        self.dry_changed += other.dry_changed
        self.refusals += other.refusals
        self.read_errors += other.read_errors
        self.exit_codes += other.exit_codes
        self.unknown += other.unknown
        self.failure_count += other.failure_count
        room = MAX_FAILURES_KEPT - len(self.failures)
        self.failures.extend(other.failures[:max(room, 0)])


@dataclass(frozen=True)
class Config:
    url: str
    workers: int
    changes: int  # operations per worker (a batch counts as one)
    accounts: list[str]
    seed: int
    tag: str  # operator prefix of this run (audit records are counted by it)
    cli_share: float = 0.03
    dry_share: float = 0.05
    kinds: tuple[str, ...] = tuple(KINDS)  # the kinds of operation in use
    multi_accounts: int = 0  # the first ones start with the Multi-device option
    script: str | None = None
    kill_every: float | None = None  # PostgreSQL: end every session of the tool this often


@dataclass
class StormReport:
    config: Config
    backend: str
    tally: Tally
    setup_changes: int
    audit_records: int  # new rows in the audit table during the run
    audit_by_cell: dict[tuple[str, str], int]
    expected_by_cell: dict[tuple[str, str], int]
    mismatches: list[str]
    violations: list[check.Violation]  # at the end (all of them, old ones too)
    wall_seconds: float
    violations_before: int = 0  # found by check before the storm began
    kills: int = 0  # sessions of the tool ended by the killer (kill_every)

    @property
    def changes(self) -> int:
        """Changes reported done (changed and committed) by the workers."""
        return sum(self.tally.changed.values())

    @property
    def expected_audit(self) -> int:
        return self.changes + self.setup_changes

    @property
    def ok(self) -> bool:
        return not (self.mismatches or self.violations or self.tally.failure_count)

    def lines(self) -> list[str]:
        c, t = self.config, self.tally
        ops = sum(t.ops.values())
        kinds = ", ".join(f"{k}={t.ops[k]}" for k in KINDS if t.ops[k])
        violation_kinds = Counter(v.kind for v in self.violations)
        lines = [
            f"storm: backend={self.backend} workers={c.workers} changes/worker={c.changes} "
            f"accounts={len(c.accounts)} seed={c.seed} cli_share={c.cli_share}"
            + f" multi_accounts={c.multi_accounts}"
            + (f" kinds={','.join(c.kinds)}" if set(c.kinds) != set(KINDS) else ""),
            f"operations: {ops} (api {t.api_calls}, console script {t.cli_calls}): {kinds}",
            f"changes: {self.changes} done ({_counts(t.changed) or 'none'}; single registrations "
            f"that replaced a device: {t.replaced}); {t.unchanged} no-ops; "
            f"{t.dry_changed} dry-run/rolled-back changes not committed",
            f"refusals: {sum(t.refusals.values())} ({_counts(t.refusals) or 'none'})"
            + (f"; reads refused: {_counts(t.read_errors)}" if t.read_errors else ""),
            f"exit codes: {_counts(t.exit_codes, key=int) or 'none'}"
            + (f" (console script runs: {t.cli_seconds / t.cli_calls:.2f} s on average, "
               f"slowest {t.cli_slowest:.2f} s)" if t.cli_calls else ""),
            f"audit records: {self.audit_records} (expected {self.expected_audit}: "
            f"{self.changes} storm + {self.setup_changes} setup"
            + (f"; up to {sum(t.unknown.values())} more, outcome unknown: "
               f"{_counts(t.unknown)}" if t.unknown else "") + ")",
            *([f"sessions killed: {self.kills} (every {c.kill_every} s)"]
              if c.kill_every else []),
            f"mismatches: {len(self.mismatches)}",
            *(f"  {m}" for m in self.mismatches[:10]),
            f"violations: {len(self.violations)} ({_counts(violation_kinds) or 'none'})"
            + (f"; {self.violations_before} of them before the storm began"
               if self.violations_before else ""),
            *(f"  {v.kind} {v.account} {v.device_id or '-'}: {v.message}"
              for v in self.violations[:10]),
            f"failures: {t.failure_count}",
            *(f"  {f}" for f in t.failures[:10]),
            f"wall time: {self.wall_seconds:.1f} s ({ops / max(self.wall_seconds, 1e-9):.0f} "
            f"operations/s)",
            "result: " + ("OK" if self.ok else "FAILED"),
        ]
        return lines


def _counts(counter: Counter[Any], key: Callable[[Any], Any] = str) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counter.items(), key=lambda kv: key(kv[0])))


# --- one worker -----------------------------------------------------------------------


class Worker:
    """One operator process: ``config.changes`` random operations on the accounts."""

    def __init__(self, config: Config, index: int, tally: Tally) -> None:
        self.config = config
        self.tally = tally
        self.rng = random.Random(config.seed * 1_000_003 + index)
        self.operator = f"{config.tag}.w{index}"
        self.actor = services.Actor(self.operator)
        self.db = Database(parse_url(config.url))
        self.seen: dict[str, list[str]] = {a: [] for a in config.accounts}  # device ids
        self.kinds = list(config.kinds)
        # batch rows: the single kinds in use (all of them when only batches are)
        self.row_kinds = [k for k in self.kinds if k in SINGLE_KINDS] or SINGLE_KINDS

    def close(self) -> None:
        self.db.dispose()

    def run(self) -> None:
        for _ in range(self.config.changes):
            account = self.rng.choice(self.config.accounts)
            state = self._status(account)
            kind = self._kind(state)
            self.tally.ops[kind] += 1
            dry = self.rng.random() < self.config.dry_share
            via_cli = self.config.script is not None and self.rng.random() < self.config.cli_share
            if kind.startswith("batch"):  # 2-4 rows on two accounts
                rows = []
                for other in self.rng.sample(self.config.accounts,
                                             min(2, len(self.config.accounts))):
                    snapshot = self._status(other)
                    rows += [self._row(self._kind(snapshot, single=True), other, snapshot)
                             for _ in range(self.rng.randint(1, 2))]
                atomic = kind == "batch-atomic"
                if via_cli:
                    self._cli_batch(rows, atomic=atomic, dry=dry)
                else:
                    self._api_batch(rows, atomic=atomic, dry=dry)
            else:
                row = self._row(kind, account, state)
                if via_cli:
                    self._cli_single(row, dry=dry)
                else:
                    self._api_single(row, dry=dry)

    # choosing -------------------------------------------------------------------------

    def _status(self, account: str) -> services.Contract | None:
        """A snapshot (unlocked, soon stale: that is the point) to pick arguments from."""
        try:
            view = services.get_status(self.db, account)
        except OneNumberError as error:
            self.tally.read_errors[error.code] += 1
            return None
        known = self.seen[account]
        for device in view.devices:
            if device.id not in known:
                known.append(device.id)
        del known[:-30]
        return view

    def _kind(self, state: services.Contract | None, *, single: bool = False) -> str:
        weights = dict(KINDS)
        if state is not None and state.status == "cancelled":
            weights["service-subscribe"] *= 6  # come back, sooner or later
        elif state is not None and state.plan == "one-number":
            weights["register-replace"] *= 2  # the switch of R2, racing
        elif state is not None and state.registered > 1:
            weights["unregister"] *= 2  # else the option could never be cancelled
        if state is not None and state.registered <= 1:
            weights["service-cancel"] *= 2
            weights["option-cancel"] *= 2
        kinds = self.row_kinds if single else self.kinds
        return self.rng.choices(kinds, [weights[k] for k in kinds])[0]

    def _device_ref(self, account: str, state: services.Contract | None) -> str:
        devices = state.devices if state is not None else []
        roll = self.rng.random()
        if devices and roll < 0.85:
            device = self.rng.choice(devices)
            if roll < 0.6:
                return device.id
            if roll < 0.8:
                return device.name
            return device.imei or device.id
        if self.seen[account] and roll < 0.97:
            return self.rng.choice(self.seen[account])  # maybe unregistered by now
        return "no-such-device"

    def _name(self, state: services.Contract | None) -> str:
        roll = self.rng.random()
        if roll < 0.06:
            return self.rng.choice(BAD_NAMES)
        if roll < 0.2 and state is not None and state.devices:
            # a registered device's name in other case: the same name under R3
            return self.rng.choice(state.devices).name.swapcase()
        return self.rng.choice(NAMES)

    def _row(self, kind: str, account: str, state: services.Contract | None
             ) -> dict[str, Any]:
        """One operation as a batch row (single calls use the same fields)."""
        rng = self.rng
        if kind in ("register", "register-replace"):
            row: dict[str, Any] = {"action": "register", "account": account,
                                   "type": rng.choice(TYPES)}
            if rng.random() < 0.6:
                row["name"] = self._name(state)
            roll = rng.random()
            if roll < 0.3:
                row["imei"] = rng.choice(IMEIS)
            elif roll < 0.33:
                row["imei"] = BAD_IMEI
            if kind == "register-replace":
                row["replace"] = True
            return row
        if kind == "rename":
            return {"action": "rename", "account": account,
                    "device": self._device_ref(account, state), "name": self._name(state)}
        if kind == "unregister":
            return {"action": "unregister", "account": account,
                    "device": self._device_ref(account, state)}
        if kind == "service-subscribe":
            return {"action": kind, "account": account, "multi": rng.random() < 0.5}
        return {"action": kind, "account": account}

    # counting -------------------------------------------------------------------------

    def _outcome(self, action: str, changed: bool, *, committed: bool) -> None:
        if changed and committed:
            self.tally.changed[action] += 1
        elif changed:
            self.tally.dry_changed += 1
        else:
            self.tally.unchanged += 1

    # through the core API ---------------------------------------------------------------

    def _api_single(self, row: dict[str, Any], *, dry: bool) -> None:
        self.tally.api_calls += 1
        db, actor, account = self.db, self.actor, row["account"]
        action = row["action"]
        try:
            spec = services.ACTIONS[action]
            params = {field.param: row.get(field.column, False if field.kind == "flag" else None)
                      for field in spec.fields}
            change = spec.bind_fields(actor, account, params)
            result = services.perform(db, change, dry_run=dry)
        except OneNumberError as error:
            self.tally.refusals[error.code] += 1
            if not dry and outcome_unknown(error):
                self.tally.unknown[action] += 1
            return
        except Exception:
            self.tally.fail(f"api {row} dry_run={dry}: {traceback.format_exc(limit=6)}")
            return
        if result.action != action:
            self.tally.fail(f"api {row}: result action {result.action!r}")
        self._outcome(action, result.changed, committed=not dry)
        self.tally.replaced += bool(result.removed and result.changed and not dry and
                                    action == "register")

    def _api_batch(self, rows: list[dict[str, Any]], *, atomic: bool, dry: bool) -> None:
        self.tally.api_calls += 1
        parsed = [batch_core.Row(n, n, fields) for n, fields in enumerate(rows, 1)]
        actor = services.Actor(self.operator, batch_core.new_batch_id())
        results: list[batch_core.RowResult] = []
        try:
            results.extend(batch_core.apply(self.db, lambda: iter(parsed), actor, UTC,
                                            atomic=atomic, dry_run=dry))
        except batch_core.Unavailable as stopped:  # per row: the rows before it committed
            self.tally.refusals[stopped.error.code] += 1
            if len(results) != stopped.row - 1:
                self.tally.fail(f"api batch stopped at row {stopped.row} after "
                                f"{len(results)} results: {rows}")
            if outcome_unknown(stopped.error):
                self.tally.unknown[rows[stopped.row - 1]["action"]] += 1
            self._batch_results(results, rows[:len(results)], atomic=False, dry=dry,
                                where="api")
            return
        except OneNumberError as error:  # one transaction: lost its lock race, or its server
            self.tally.refusals[error.code] += 1
            if results:
                self.tally.fail(f"api batch: {len(results)} results, then {error!r}")
            if not dry and outcome_unknown(error):
                self.tally.unknown.update(row["action"] for row in rows)
            return
        except Exception:
            self.tally.fail(f"api batch atomic={atomic} dry_run={dry} {rows}: "
                            f"{traceback.format_exc(limit=6)}")
            return
        self._batch_results(results, rows, atomic=atomic, dry=dry, where="api")

    def _batch_results(self, results: Sequence[batch_core.RowResult | dict[str, Any]],
                       rows: list[dict[str, Any]], *, atomic: bool, dry: bool,
                       where: str) -> None:
        plain = [r if isinstance(r, dict) else
                 {**r.to_dict(), "error": {"code": r.error.code} if r.error else None}
                 for r in results]
        if len(plain) != len(rows):
            self.tally.fail(f"{where} batch: {len(plain)} results for {len(rows)} rows")
        committed = not dry and (not atomic or all(r["ok"] for r in plain))
        for result in plain:
            if result["ok"]:
                self._outcome(result["action"], result["changed"], committed=committed)
            else:
                if result["changed"]:
                    self.tally.fail(f"{where} batch: failed row reported changed: {result}")
                self.tally.refusals[result["error"]["code"]] += 1

    # through the console script ---------------------------------------------------------

    def _argv(self, row: dict[str, Any]) -> list[str]:
        action, account = row["action"], row["account"]
        if action == "register":
            argv = ["devices", "register", account, "--type", row["type"]]
            if "name" in row:
                argv.append(f"--name={row['name']}")
            if "imei" in row:
                argv += ["--imei", row["imei"]]
            if row.get("replace"):
                argv.append("--replace")
            return argv
        if action == "rename":
            return ["devices", "rename", account, row["device"], "--", row["name"]]
        if action == "unregister":
            return ["devices", "unregister", account, row["device"], "--yes"]
        group, verb = action.split("-")
        argv = [group, verb, account]
        if action == "service-subscribe" and row["multi"]:
            argv.append("--multi")
        if verb == "cancel":
            argv.append("--yes")
        return argv

    def _console(self, argv: list[str], stdin: str | None = None
                 ) -> tuple[int, Any, str | None] | None:
        """Run the console script; the exit code, the parsed stdout and the error code,
        or None when the run itself was a failure (already counted)."""
        assert self.config.script is not None
        self.tally.cli_calls += 1
        command = [self.config.script, "--db", self.config.url, "-o", "json",
                   "--operator", self.operator, *argv]
        shown = " ".join(command[3:])
        started = time.perf_counter()
        try:
            done = subprocess.run(command, input=stdin, capture_output=True, text=True,
                                  timeout=300, check=False)
        except subprocess.TimeoutExpired:
            self.tally.fail(f"cli timed out: {shown}")
            return None
        finally:
            took = time.perf_counter() - started
            self.tally.cli_seconds += took
            self.tally.cli_slowest = max(self.tally.cli_slowest, took)
        code = done.returncode
        self.tally.exit_codes[code] += 1
        if "internal error" in done.stderr or "Traceback" in done.stderr:
            self.tally.fail(f"cli exit {code}: {shown}\n{done.stderr.strip()[-2000:]}")
            return None
        if code not in ALLOWED_EXITS and not (code == 6 and self.config.kill_every):
            self.tally.fail(f"cli exit {code}: {shown}\n{done.stderr.strip()[-1000:]}")
            return None
        error_code = None
        for line in done.stderr.splitlines():
            if line.startswith('{"error"'):
                error_code = json.loads(line)["error"]["code"]
        if code in (3, 4, 5, 6):
            if error_code is None:
                self.tally.fail(f"cli exit {code} without an error object: {shown}\n"
                                f"{done.stderr.strip()[-1000:]}")
                return None
            if EXPECTED_EXIT.get(error_code) != code:
                self.tally.fail(f"cli exit {code} for error {error_code!r} (expected "
                                f"{EXPECTED_EXIT.get(error_code)}): {shown}")
            self.tally.refusals[error_code] += 1
            if code != 6 or not done.stdout.strip():
                return code, None, error_code
        try:
            return code, json.loads(done.stdout), None
        except json.JSONDecodeError:
            self.tally.fail(f"cli exit {code}, stdout is not JSON: {shown}\n"
                            f"{done.stdout[:500]!r}")
            return None

    def _cli_single(self, row: dict[str, Any], *, dry: bool) -> None:
        argv = self._argv(row)
        if dry:
            argv.insert(3, "--dry-run")  # before a "--" separator, after the account
        outcome = self._console(argv)
        if outcome is None:
            return
        code, data, _error = outcome
        if code == 6:  # sessions are being killed: it may or may not have committed
            self.tally.unknown[row["action"]] += 0 if dry else 1
        elif code == 1:
            self.tally.fail(f"cli exit 1 for a single change: {row}")
        elif code == 0:
            if not isinstance(data, dict) or not isinstance(data.get("changed"), bool):
                self.tally.fail(f"cli: no 'changed' in {data!r} for {row}")
                return
            self._outcome(row["action"], data["changed"], committed=not dry)
            self.tally.replaced += bool(data.get("removed") and data["changed"] and not dry
                                        and row["action"] == "register")

    def _cli_batch(self, rows: list[dict[str, Any]], *, atomic: bool, dry: bool) -> None:
        argv = ["batch", "apply", "-"] + (["--atomic"] if atomic else []) + (
            ["--dry-run"] if dry else [])
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        outcome = self._console(argv, stdin=text)
        if outcome is None:
            return
        code, data, _error = outcome
        if code in (3, 4):
            self.tally.fail(f"cli batch exit {code}: {rows}")
            return
        if code == 5:
            return  # a one-transaction run that lost its lock race: nothing written
        if code == 6:  # sessions are being killed: the reported rows committed, the next
            done = data if isinstance(data, list) else []  # row may have (or all, atomic)
            if not dry:
                self.tally.unknown.update(r["action"] for r in
                                          (rows if atomic else rows[len(done):len(done) + 1]))
            if not atomic:
                self._batch_results(done, rows[:len(done)], atomic=False, dry=dry,
                                    where="cli")
            return
        if not isinstance(data, list):
            self.tally.fail(f"cli batch: not a list of results: {data!r}")
            return
        if (code == 1) != any(not r["ok"] for r in data):
            self.tally.fail(f"cli batch exit {code} with results {data}")
        self._batch_results(data, rows, atomic=atomic, dry=dry, where="cli")


def _worker_main(config: Config, index: int, barrier: Any, results: Any) -> None:
    tally = Tally()
    worker = None
    try:
        worker = Worker(config, index, tally)
        barrier.wait(timeout=300)
        worker.run()
    except BaseException:  # report it, whatever it is: the storm must see it
        tally.fail(f"worker {index} crashed: {traceback.format_exc(limit=8)}")
    finally:
        if worker is not None:
            worker.close()
        results.put((index, tally))


# --- the storm ------------------------------------------------------------------------


def _audit_cells(db: Database, tag: str) -> tuple[int, dict[tuple[str, str], int]]:
    with db.connected() as conn:
        total = conn.scalar(select(func.count()).select_from(AUDIT)) or 0
        rows = conn.execute(
            select(AUDIT.c.operator, AUDIT.c.action, func.count())
            .where(AUDIT.c.operator.startswith(f"{tag}.", autoescape=True))
            .group_by(AUDIT.c.operator, AUDIT.c.action))
        return total, {(op, action): n for op, action, n in rows}


def _setup(db: Database, config: Config) -> int:
    """Make every account exist and be active, the first ``multi_accounts`` with the
    option.  Returns the changes made (they have audit records too)."""
    actor = services.Actor(f"{config.tag}.setup")
    made = 0
    for number, account in enumerate(config.accounts):
        with suppress(OneNumberError):  # active already, on the other plan: fine as it is
            made += services.service_subscribe(db, actor, account,
                                               multi=number < config.multi_accounts).changed
    return made


def _collect(processes: list[Any], results: Any) -> tuple[dict[int, Tally], list[str]]:
    """Each worker's tally; a worker that sent none is a failure."""
    tallies: dict[int, Tally] = {}
    while len(tallies) < len(processes):
        try:
            index, worker_tally = results.get(timeout=1)
        except queue.Empty:
            if any(p.is_alive() for p in processes):
                continue
            try:  # all gone: whatever they sent is in the pipe by now
                index, worker_tally = results.get(timeout=5)
            except queue.Empty:
                break
        tallies[index] = worker_tally
    for process in processes:
        process.join(timeout=60)
    lost = [f"worker {i} reported nothing (exit code {p.exitcode})"
            for i, p in enumerate(processes) if i not in tallies]
    return tallies, lost


class SessionKiller:
    """PostgreSQL: every ``every`` seconds, end every session of the tool on the storm's
    database (``pg_terminate_backend``, as a DBA or a failover would), from a connection
    of its own; counts the sessions it ended."""

    def __init__(self, url: str, every: float) -> None:
        self.db = Database(parse_url(url))
        if self.db.backend != "postgresql":
            raise ValueError("--kill-every needs a PostgreSQL database")
        self.every = every
        self.kills = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="storm-killer", daemon=True)

    def __enter__(self) -> SessionKiller:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.db.dispose()

    def _run(self) -> None:
        query = text("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                     "FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid() AND application_name LIKE 'onenumber%'")
        while not self._stop.wait(self.every):
            with self.db.engine.connect() as conn:
                self.kills += int(conn.execute(query).scalar() or 0)
                conn.rollback()


def _mismatches(expected: dict[tuple[str, str], int], found: dict[tuple[str, str], int],
                expected_total: int, found_total: int,
                unknown: dict[tuple[str, str], int] | None = None) -> list[str]:
    """Audit records against changes reported done: per operator and action, and in all.
    A change whose outcome is unknown (``unknown``, by cell) may have its record or not:
    fewer records than changes reported done is a lost change, more than the unknown
    ones allow is a change applied twice."""
    unknown = unknown or {}
    problems = []
    for cell in sorted(set(expected) | set(found) | set(unknown)):
        done, have, maybe = expected.get(cell, 0), found.get(cell, 0), unknown.get(cell, 0)
        if not done <= have <= done + maybe:
            operator, action = cell
            problems.append(f"{operator} {action}: {done} changes reported done"
                            + (f" (and {maybe} of unknown outcome)" if maybe else "")
                            + f", {have} audit records")
    maybe_total = sum(unknown.values())
    if not expected_total <= found_total <= expected_total + maybe_total:
        problems.append(f"total: {expected_total} changes reported done"
                        + (f" (and {maybe_total} of unknown outcome)" if maybe_total else "")
                        + f", {found_total} new audit records")
    return problems


def run_storm(url: str, *, workers: int, changes: int, accounts: int = 4, seed: int = 1,
              multi_accounts: int | None = None, cli_share: float = 0.03,
              dry_share: float = 0.05, kinds: Sequence[str] | None = None,
              skip: Sequence[str] = (), script: str | None = None,
              kill_every: float | None = None) -> StormReport:
    """Run one storm against the (migrated) database at ``url`` and verify the outcome.

    ``multi_accounts`` start with the Multi-device option (default: half, rounded up);
    ``kinds`` (default: all of :data:`KINDS`) less ``skip`` are the operations in use;
    ``kill_every`` (PostgreSQL) ends every session of the tool that often meanwhile.
    """
    unknown = sorted((set(kinds or ()) | set(skip)) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown kinds of operation: {', '.join(unknown)}")
    in_use = tuple(k for k in (kinds or KINDS) if k not in skip)
    if not in_use:
        raise ValueError("no kind of operation left to run")
    multi = (accounts + 1) // 2 if multi_accounts is None else min(multi_accounts, accounts)
    if cli_share > 0:
        script = script or console_script()
        if script is None:
            raise RuntimeError("the onenumber console script is not installed "
                               "(pip install -e .)")
    tag = f"storm{seed}-{secrets.token_hex(3)}"
    config = Config(url=url, workers=workers, changes=changes,
                    accounts=[f"storm-{n}" for n in range(1, accounts + 1)], seed=seed,
                    tag=tag, cli_share=cli_share, dry_share=dry_share, kinds=in_use,
                    multi_accounts=multi,
                    script=script if cli_share > 0 else None, kill_every=kill_every)
    db = Database(parse_url(url))
    try:
        before, _ = _audit_cells(db, tag)
        violations_before = sum(1 for _ in check.run(db))
        setup_changes = _setup(db, config)
        barrier = SPAWN.Barrier(workers + 1)
        results = SPAWN.Queue()
        processes = [SPAWN.Process(target=_worker_main, args=(config, i, barrier, results),
                                   name=f"storm-w{i}") for i in range(workers)]
        for process in processes:
            process.start()
        killer = SessionKiller(url, kill_every) if kill_every else None
        try:
            barrier.wait(timeout=300)  # every worker is ready: the clock starts now
            started = time.perf_counter()
            with killer or nullcontext():
                tallies, lost = _collect(processes, results)
            wall = time.perf_counter() - started
        except BaseException:
            for process in processes:
                if process.is_alive():
                    process.terminate()
            raise
        tally = Tally()
        for index in sorted(tallies):
            tally.merge(tallies[index])
        for message in lost:
            tally.fail(message)
        after, found = _audit_cells(db, tag)
        expected = {(f"{tag}.w{i}", action): n for i, t in tallies.items()
                    for action, n in t.changed.items() if n}
        if setup_changes:
            expected[(f"{tag}.setup", "service-subscribe")] = setup_changes
        maybe = {(f"{tag}.w{i}", action): n for i, t in tallies.items()
                   for action, n in t.unknown.items() if n}
        violations = list(check.run(db))
    finally:
        db.dispose()
    changes_done = sum(tally.changed.values())
    return StormReport(
        config=config, backend=db.backend, tally=tally, setup_changes=setup_changes,
        audit_records=after - before, audit_by_cell=found, expected_by_cell=expected,
        mismatches=_mismatches(expected, found, changes_done + setup_changes, after - before,
                               maybe),
        violations=violations, wall_seconds=wall, violations_before=violations_before,
        kills=killer.kills if killer else 0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="A storm of concurrent operators on one database; verifies that check "
                    "finds nothing and that the audit log matches the changes reported done.")
    parser.add_argument("--db", required=True, metavar="URL",
                        help="database URL (migrated: onenumber --db URL db upgrade)")
    parser.add_argument("--workers", type=int, default=4, metavar="N",
                        help="worker processes (default 4)")
    parser.add_argument("--changes", type=int, default=200, metavar="N",
                        help="operations per worker; a batch counts as one (default 200)")
    parser.add_argument("--accounts", type=int, default=4, metavar="N",
                        help="accounts to fight over (default 4)")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed")
    parser.add_argument("--cli-share", type=float, default=0.03, metavar="F",
                        help="share of operations through the console script (default 0.03)")
    parser.add_argument("--dry-share", type=float, default=0.05, metavar="F",
                        help="share of operations run as dry runs (default 0.05)")
    parser.add_argument("--multi-accounts", type=int, default=None, metavar="N",
                        help="accounts that start with the Multi-device option (default: "
                             "half, rounded up)")
    parser.add_argument("--only", action="append", default=[], choices=list(KINDS),
                        metavar="KIND", help="run only this kind of operation (repeatable)")
    parser.add_argument("--skip", action="append", default=[], choices=list(KINDS),
                        metavar="KIND", help=f"leave out a kind of operation (repeatable): "
                                             f"{', '.join(KINDS)}")
    parser.add_argument("--kill-every", type=float, default=None, metavar="SECONDS",
                        help="PostgreSQL: end every session of the tool this often "
                             "(pg_terminate_backend), as a DBA or a failover would")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.changes < 0 or args.accounts < 1:
        parser.error("--workers and --accounts must be at least 1, --changes at least 0")
    report = run_storm(args.db, workers=args.workers, changes=args.changes,
                       accounts=args.accounts, seed=args.seed, cli_share=args.cli_share,
                       dry_share=args.dry_share, multi_accounts=args.multi_accounts,
                       kinds=args.only or None, skip=args.skip, kill_every=args.kill_every)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
