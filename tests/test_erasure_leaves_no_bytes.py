"""A 204 erasure leaves no byte of the person in the embedded store's files (database and WAL)
five seconds later, on a quiet site and on a busy one."""
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import Api, unique_email
from stack import STORE, running_stack

pytestmark = pytest.mark.skipif(STORE != "sqlite", reason="reads the embedded store's files")

ERASED = 6
PROMISED_SECONDS = 5.0


def store_files(database) -> list[Path]:
    database = Path(database)
    return [path for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")) if path.exists()]


def traces(database, people) -> list[str]:
    """Every (file, value) where a byte string of an erased person is still found."""
    found = []
    for path in store_files(database):
        content = path.read_bytes()
        for person in people:
            for value in (person["name"], person["email"], person["id"]):
                if value.encode() in content:
                    found.append(f"{path.name}: {value}")
    return found


def create_and_erase(api, count: int) -> list[dict]:
    erased = []
    for number in range(count):
        marker = uuid.uuid4().hex
        body = {"name": f"Erasable {marker}", "email": unique_email(f"erasable-{marker}"), "age": 40}
        headers = {"Idempotency-Key": f"erase-{marker}"} if number % 2 == 0 else {}
        response = api.create(body, headers=headers)
        assert response.status_code == 201, response.text
        erased.append(response.json())
    for person in erased:
        assert api.request("DELETE", f"/api/people/{person['id']}").status_code == 204
    return erased


def wait_for_no_traces(database, people) -> tuple[float, list[str]]:
    """Polls the files until no trace is left, for at most the contract's five seconds."""
    erased_at = time.monotonic()
    while True:
        found = traces(database, people)
        waited = time.monotonic() - erased_at
        if not found or waited > PROMISED_SECONDS:
            return waited, found
        time.sleep(0.1)


def test_a_quiet_site_keeps_no_byte_of_an_erased_person():
    with running_stack(rate_limit=0) as stack:
        api = Api(stack)
        for _ in range(20):  # people who stay, written before and around the erased ones
            assert api.create({"name": "Stays", "email": unique_email("stays")}).status_code == 201
        erased = create_and_erase(api, ERASED)
        waited, found = wait_for_no_traces(stack.database, erased)
        print(f"quiet site: {len(found)} traces of {ERASED} erased people after {waited:.2f} s")
        assert not found, f"still on disk {waited:.1f} s after the erasures: {found}"
        assert stack.stored_people() == 20


def test_a_busy_site_keeps_no_byte_of_an_erased_person():
    with running_stack(rate_limit=0) as stack:
        api = Api(stack)
        stop = threading.Event()
        deadline = time.monotonic() + 60
        created = []

        def load():
            session = requests.Session()
            while not stop.is_set() and time.monotonic() < deadline:
                response = session.post(stack.url + "/api/people", json={"name": "Busy", "email": unique_email("busy")},
                                        timeout=10)
                created.append(response.status_code)

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            erased = create_and_erase(api, ERASED)
            waited, found = wait_for_no_traces(stack.database, erased)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        print(f"busy site: {len(created)} creates meanwhile, {len(found)} traces of {ERASED} erased people after {waited:.2f} s")
        assert created and set(created) == {201}
        assert not found, f"still on disk {waited:.1f} s after the erasures: {found}"
