"""Logs that rotate: SIGHUP and SIGUSR1 reopen the responder's log, and Debian's logrotate with the
shipped configuration rotates the responders' and nginx's logs under load, losing no line."""
import concurrent.futures
import gzip
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import pytest
import requests

from conftest import unique_email
from observe import live_responders
from stack import BINARY, ROOT, running_stack, wait_until


def lines_of(paths, pattern):
    count = 0
    for path in paths:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", errors="replace") as text:
            count += sum(1 for line in text if re.search(pattern, line))
    return count


def rotated(path):
    """The file and every rotation of it: NAME, NAME.1, NAME.2.gz, …"""
    return sorted(path.parent.glob(path.name + "*"))


def test_sighup_and_sigusr1_reopen_the_log_and_never_stop_the_responder():
    with running_stack(rate_limit=0, processes=1, supervised=False) as stack:
        pid = stack.responder.pid
        for sig in (signal.SIGHUP, signal.SIGUSR1):
            moved = stack.log_path.with_suffix(f".{sig.name}")
            os.rename(stack.log_path, moved)
            os.kill(pid, sig)
            wait_until(lambda: stack.log_path.exists() and "log file reopened" in stack.log_path.read_text(), 10,
                       f"the log reopened after {sig.name}")
            assert stack.responder.poll() is None, f"{sig.name} ended the responder"
            old = moved.read_text()
            assert requests.get(stack.url + "/api/health", timeout=5).status_code == 200
            assert re.search(r"GET /api/health 200$", stack.log_path.read_text(), re.MULTILINE)
            assert moved.read_text() == old, "a line went to the renamed file after the reopen"


@pytest.mark.skipif(shutil.which("logrotate") is None, reason="Debian's logrotate is not installed")
def test_logrotate_under_load_loses_no_line_and_fails_no_request(record_property):
    with running_stack(rate_limit=0, processes=2) as stack:
        scoreboard = stack.dir / "people-api.scoreboard"
        env = dict(os.environ, DATA_DIR=str(stack.dir), LOG=str(stack.log_path), RUN_DIR=str(stack.dir), BINARY=BINARY)
        access_log = stack.dir / "people-api-access.log"
        statuses, stop = [], threading.Event()

        def load():
            session = requests.Session()
            while not stop.is_set():
                try:
                    statuses.append(session.post(stack.url + "/api/people", timeout=15,
                                                 json={"name": "Rotated Person", "email": unique_email("rotate")}).status_code)
                except requests.RequestException as error:
                    statuses.append(repr(error))

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            loads = [pool.submit(load) for _ in range(4)]
            try:
                responders = len(live_responders(scoreboard))
                assert responders == 2
                for rotation in range(3):
                    before = len(statuses)
                    wait_until(lambda: len(statuses) >= before + 100, 60, "load between rotations")
                    done = subprocess.run([str(ROOT / "scripts/logrotate.sh"), "-f"], env=env, capture_output=True, text=True, timeout=60)
                    assert done.returncode == 0, done.stdout + done.stderr
                    # Every responder has reopened (one line each in the new file), and nginx has written to its new log,
                    # before the next rotation compresses this one's renamed files.
                    wait_until(lambda: stack.log_path.exists() and stack.log_path.read_text().count("log file reopened") >= responders,
                               20, "every responder to reopen its log")
                    wait_until(lambda: access_log.exists() and access_log.stat().st_size > 0, 20, "nginx to reopen its log")
                before = len(statuses)
                wait_until(lambda: len(statuses) >= before + 100, 60, "load after the last rotation")
            finally:
                stop.set()
                for future in loads:
                    future.result()

        sent = len(statuses)
        failed = [status for status in statuses if status != 201]
        responder_lines = lines_of(rotated(stack.log_path), r"POST /api/people 201$")
        access_lines = lines_of(rotated(access_log), r'"POST /api/people HTTP/1\.1" 201 ')
        record_property("requests sent during 3 rotations", sent)
        record_property("requests failed", len(failed))
        record_property("responder log lines lost", sent - responder_lines)
        record_property("nginx access log lines lost", sent - access_lines)
        assert failed == []
        assert len(rotated(stack.log_path)) >= 4 and len(rotated(access_log)) >= 4
        assert responder_lines == sent
        assert access_lines == sent
