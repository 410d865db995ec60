"""Faults in the store: busy past the busy timeout, and a full disk. Creates get the 503 envelope, reads go on."""
import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import Api, assert_envelope, assert_problem, unique_email
from stack import running_stack


def test_a_store_held_busy_answers_503_then_recovers():
    with running_stack(rate_limit=0) as stack:
        api = Api(stack)
        assert api.create({"name": "Before", "email": unique_email("busy")}).status_code == 201
        blocker = sqlite3.connect(stack.database, timeout=0, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            response = api.create({"name": "Blocked", "email": unique_email("busy")})
            assert_envelope(response, 503, "SERVICE_UNAVAILABLE")
            assert response.headers["Retry-After"] == "1"
            problem = api.create({"name": "Blocked", "email": unique_email("busy")}, headers={"Accept": "application/problem+json"})
            assert_problem(problem, 503, "SERVICE_UNAVAILABLE")
            assert problem.headers["Retry-After"] == "1"
            assert api.get("/api/people").status_code == 200  # reads keep working
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert stack.stored_people() == 1
        assert api.create({"name": "After", "email": unique_email("busy")}).status_code == 201
        assert "SQLITE_BUSY" not in response.text and "database" not in response.json()["error"]["message"].lower()


@pytest.fixture
def small_filesystem():
    mount_point = Path(tempfile.mkdtemp(prefix="people-full-"))
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)
        mount_point.rmdir()


def test_a_full_disk_answers_503_keeps_reads_and_recovers(small_filesystem):
    with running_stack(rate_limit=0, database_dir=small_filesystem) as stack:
        api = Api(stack)
        kept = api.create({"name": "Kept", "email": unique_email("full")}).json()
        filler = small_filesystem / "filler"
        with open(filler, "wb") as handle:
            try:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError:
                pass  # the disk is full
        statuses = set()
        for index in range(30):
            response = api.create({"name": f"Big {index} " + "x" * 90, "email": unique_email("full")})
            statuses.add(response.status_code)
            if response.status_code != 201:
                assert_envelope(response, 503, "SERVICE_UNAVAILABLE")
        assert 503 in statuses
        assert api.get(f"/api/people/{kept['id']}").json() == kept
        assert api.get("/api/people").status_code == 200
        stored_while_full = stack.stored_people()
        filler.unlink()
        assert api.create({"name": "Recovered", "email": unique_email("full")}).status_code == 201
        assert stack.stored_people() == stored_while_full + 1
