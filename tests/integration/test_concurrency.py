"""R12: operators racing on one account, as separate OS processes, on both backends.

Service-level races start every process at a barrier right before the call, so the
transactions really overlap; the CLI-level race runs the installed console script.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from onenumber_cli import services
from onenumber_cli.errors import Conflict, OneNumberError
from onenumber_cli.services import Actor
from onenumber_cli.storage.engine import Database, parse_url
from tests.e2e.test_console_script import SCRIPT

SPAWN = multiprocessing.get_context("spawn")


def _worker(url: str, action: str, args: tuple[Any, ...], barrier: Any, results: Any) -> None:
    db = Database(parse_url(url))
    actor = Actor(f"operator-{os.getpid()}")
    calls: dict[str, Callable[..., Any]] = {
        "register": lambda account, name: services.register_device(
            db, actor, account, "Watch", name=name),
        "rename": lambda account, device, name: services.rename_device(
            db, actor, account, device, name),
        "replace": lambda account, name: services.register_device(
            db, actor, account, "Watch", name=name, replace=True),
        "option_cancel": lambda account: services.option_cancel(db, actor, account),
        "subscribe": lambda account: services.service_subscribe(db, actor, account),
    }
    call = calls[action]
    barrier.wait(timeout=60)
    try:
        result = call(*args)
        results.put(("changed" if result.changed else "unchanged", action))
    except OneNumberError as error:
        results.put((error.code, action))
    finally:
        db.dispose()


def race(url: str, jobs: list[tuple[str, tuple[Any, ...]]]) -> Counter[tuple[str, str]]:
    """Run every job in its own process, all released at once; count the outcomes."""
    barrier = SPAWN.Barrier(len(jobs))
    results = SPAWN.Queue()
    processes = [SPAWN.Process(target=_worker, args=(url, action, args, barrier, results))
                 for action, args in jobs]
    for process in processes:
        process.start()
    outcomes = Counter(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return outcomes


def registered(db: Database, account: str) -> list[int]:
    return sorted(d.slot or 0 for d in services.list_devices(db, account))


def test_ten_processes_registering_on_one_account_exactly_five_succeed(
    db: Database, db_url: str, actor: Actor
) -> None:
    services.service_subscribe(db, actor, "race", multi=True)
    outcomes = race(db_url, [("register", ("race", f"W{i}")) for i in range(10)])
    print(f"\nregister race [{db.backend}]: attempts=10 outcomes={dict(outcomes)}")
    assert outcomes == Counter({("changed", "register"): 5,
                                ("capacity_exceeded", "register"): 5})
    assert registered(db, "race") == [1, 2, 3, 4, 5]
    assert len(services.history(db, "race")) == 5


def test_twelve_processes_replacing_the_one_device_keep_history_in_time_order(
    db: Database, db_url: str, actor: Actor
) -> None:
    """Each replace unregisters the device the previous one registered: the time it
    records must be taken after the lock (a time taken before waiting for it would be
    earlier than that device's registration: check's ``time_order``)."""
    from onenumber_cli import check

    services.service_subscribe(db, actor, "swap")
    services.register_device(db, actor, "swap", "Watch", name="base")
    outcomes = race(db_url, [("replace", ("swap", f"n{i}")) for i in range(12)])
    print(f"\nreplace race [{db.backend}]: outcomes={dict(outcomes)}")
    assert outcomes[("changed", "replace")] >= 1
    assert set(outcomes) <= {("changed", "replace"), ("conflict", "replace")}
    assert [v.kind for v in check.run(db)] == []
    events = services.history(db, "swap")
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)


def test_five_processes_renaming_to_one_name_exactly_one_succeeds(
    db: Database, db_url: str, actor: Actor
) -> None:
    services.service_subscribe(db, actor, "race", multi=True)
    ids = [services.register_device(db, actor, "race", "Watch", name=f"W{i}").device
           for i in range(5)]
    outcomes = race(db_url, [("rename", ("race", d.id, "Same")) for d in ids if d])
    print(f"\nrename race [{db.backend}]: attempts=5 outcomes={dict(outcomes)}")
    assert outcomes == Counter({("changed", "rename"): 1, ("duplicate_name", "rename"): 4})
    assert sorted(d.name for d in services.list_devices(db, "race")).count("Same") == 1


def test_option_cancel_racing_register_never_leaves_two_devices_on_one_number(
    db: Database, db_url: str, actor: Actor
) -> None:
    rounds, violations, seen = 6, 0, Counter[tuple[str, str]]()
    for round_ in range(rounds):
        account = f"race{round_}"
        services.service_subscribe(db, actor, account, multi=True)
        services.register_device(db, actor, account, "First")
        seen += race(db_url, [("option_cancel", (account,)), ("register", (account, "Next"))])
        status = services.get_status(db, account)
        if status.plan == "one-number" and status.registered > 1:
            violations += 1
        assert status.registered <= status.capacity
    print(f"\noption-cancel vs register [{db.backend}]: rounds={rounds} outcomes={dict(seen)} "
          f"violations={violations}")
    assert violations == 0
    assert seen[("changed", "option_cancel")] + seen[("changed", "register")] == rounds


def test_concurrent_subscribes_of_a_new_account_create_it_once(db: Database,
                                                                db_url: str) -> None:
    outcomes = race(db_url, [("subscribe", ("newcomer",)) for _ in range(4)])
    assert outcomes == Counter({("changed", "subscribe"): 1, ("unchanged", "subscribe"): 3})


def test_a_lock_held_too_long_ends_in_a_conflict(db: Database, db_url: str,
                                                 actor: Actor) -> None:
    services.service_subscribe(db, actor, "busy", multi=True)
    holder = Database(parse_url(db_url))
    impatient = Database(parse_url(db_url), lock_timeout=0.2)
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        # A write transaction (BEGIN IMMEDIATE on SQLite) holding the contract row lock.
        writer = holder.engine.execution_options(onenumber_write=True)
        with writer.connect() as conn, conn.begin() as transaction:
            conn.execute(text("SELECT 1 FROM contracts WHERE account = 'busy'"
                              + (" FOR UPDATE" if holder.backend == "postgresql" else "")))
            locked.set()
            release.wait(30)
            transaction.rollback()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10)
        with pytest.raises(Conflict) as caught:
            services.register_device(impatient, actor, "busy", "Watch")
        assert caught.value.reason == "retries"
    finally:
        release.set()
        thread.join()
        holder.dispose()
        impatient.dispose()
    assert services.list_devices(db, "busy") == []
    assert services.register_device(db, actor, "busy", "Watch").changed


def test_ten_console_scripts_registering_at_once_exit_0_five_times_and_4_five_times(
    db: Database, db_url: str, actor: Actor
) -> None:
    services.service_subscribe(db, actor, "race", multi=True)
    env = {**os.environ, "ONENUMBER_DATABASE_URL": db_url}
    assert SCRIPT
    processes = [
        subprocess.Popen([SCRIPT, "devices", "register", "race", "--type", "Watch", "-q"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(10)
    ]
    codes = Counter(p.wait(timeout=120) for p in processes)
    print(f"\nconsole-script register race [{db.backend}]: attempts=10 exit codes={dict(codes)}")
    assert codes == Counter({0: 5, 4: 5})
    names = sorted(d.name for d in services.list_devices(db, "race"))
    assert names == ["Watch", "Watch 2", "Watch 3", "Watch 4", "Watch 5"]
