"""A 201 and a 204 are on stable storage: the store on LazyFS, a few hundred creates (some keyed)
and a few erasures acknowledged, then the power cut (every process killed at once, *then* every
unsynced byte dropped), and every acknowledged person is in the store, no erased one is."""
import contextlib
import itertools
import os
import signal
import sqlite3
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import lazyfs
from conftest import unique_email
from stack import STORE, running_stack, wait_until

pytestmark = pytest.mark.skipif(STORE != "sqlite", reason="the power cut is simulated under the embedded store's files")

CREATES = 300
ERASURES = 12


class Ledger:
    """What the API acknowledged: 201s (and their keys) and 204s, from any thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created: dict[str, str | None] = {}  # id → Idempotency-Key
        self.erased: set[str] = set()
        self.numbers = itertools.count()

    def create(self, session: requests.Session, base: str) -> int:
        number = next(self.numbers)
        key = f"power-cut-{uuid.uuid4()}" if number % 3 == 0 else None
        headers = {"Content-Type": "application/json", **({"Idempotency-Key": key} if key else {})}
        body = {"name": f"Person {number}", "email": unique_email("power-cut"), "age": number % 150}
        response = session.post(base + "/api/people", json=body, headers=headers, timeout=10)
        if response.status_code == 201:
            with self.lock:
                self.created[response.json()["id"]] = key
        return response.status_code


def processes(where) -> list[int]:
    """Live processes whose `/proc/PID/stat` fields after the name (state, ppid, pgrp, ...) satisfy `where`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and where(fields):
                found.append(int(entry))
    return found


def group_members(pgid: int) -> list[int]:
    return processes(lambda fields: int(fields[2]) == pgid)


def children(pid: int) -> list[int]:
    return processes(lambda fields: int(fields[1]) == pid)


def cut_power(stack, filesystem):
    """Every process of the stack killed at once, then the file system's unsynced data dropped. The
    other order could drop a write that a live responder would sync a moment later and blame it."""
    group = stack.responder.pid  # the responders run in a session of their own (see Stack)
    nginx_workers = children(stack.nginx.pid)  # killed with their master, not left serving as orphans
    os.killpg(group, signal.SIGKILL)
    stack.nginx.kill()
    for worker in nginx_workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker, signal.SIGKILL)
    wait_until(lambda: not group_members(group), 10, "every responder to be dead")
    stack.nginx.wait(timeout=10)
    stack.responder.wait(timeout=10)
    filesystem.cut_power()


def stored(database) -> tuple[set[str], set[str]]:
    """The ids and idempotency keys in the store as a restart finds it (SQLite replays the WAL)."""
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {row[0] for row in db.execute("SELECT id FROM person")}
        keys = {row[0] for row in db.execute("SELECT key FROM idempotency_key")}
    return ids, keys


def check_promises(ledger: Ledger, database):
    ids, keys = stored(database)
    acknowledged = set(ledger.created) - ledger.erased
    lost = acknowledged - ids
    resurrected = ledger.erased & ids
    lost_keys = {key for person, key in ledger.created.items() if key and person not in ledger.erased} - keys
    print(f"power cut: {len(ledger.created)} creates acknowledged ({sum(1 for k in ledger.created.values() if k)} keyed), "
          f"{len(ledger.erased)} erased; found {len(acknowledged & ids)} of {len(acknowledged)}, "
          f"{len(resurrected)} erased people back, {len(lost_keys)} keys lost")
    assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged people lost in the power cut"
    assert not lost_keys, f"{len(lost_keys)} acknowledged idempotency keys lost in the power cut"
    assert not resurrected, f"{len(resurrected)} erased people are back after the power cut"


@pytest.mark.parametrize("processes", [1, 2])
def test_every_acknowledged_create_and_erasure_survives_a_power_cut(processes):
    with lazyfs.mounted() as filesystem, \
            running_stack(rate_limit=0, database_dir=filesystem.mount, processes=processes) as stack:
        ledger = Ledger()
        sessions = threading.local()

        def create(_):
            if not hasattr(sessions, "session"):
                sessions.session = requests.Session()
            return ledger.create(sessions.session, stack.url)

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(create, range(CREATES)))
        assert set(statuses) == {201}, f"not every create was a 201: {sorted(statuses)[-5:]}; {stack.responder_log()[-1500:]}"
        operator = requests.Session()
        operator.headers["Authorization"] = f"Bearer {stack.operator_token}"
        for person in list(ledger.created)[:: CREATES // ERASURES][:ERASURES]:
            assert operator.delete(f"{stack.url}/api/people/{person}", timeout=10).status_code == 204
            ledger.erased.add(person)
        cut_power(stack, filesystem)
        check_promises(ledger, stack.database)


def test_a_power_cut_in_the_middle_of_a_load_loses_no_acknowledged_create():
    with lazyfs.mounted() as filesystem, \
            running_stack(rate_limit=0, database_dir=filesystem.mount) as stack:
        ledger = Ledger()
        stop = threading.Event()
        deadline = time.monotonic() + 60  # bounded however the load goes

        def load():
            session = requests.Session()
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    ledger.create(session, stack.url)
                except requests.RequestException:
                    return  # the power is off

        threads = [threading.Thread(target=load) for _ in range(8)]
        for thread in threads:
            thread.start()
        try:
            wait_until(lambda: len(ledger.created) >= CREATES, 45, f"{CREATES} acknowledged creates")
            cut_power(stack, filesystem)  # while eight clients are still sending
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        check_promises(ledger, stack.database)
