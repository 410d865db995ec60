"""Several responder processes under spawn-fcgi + multiwatch, as `make run` runs them: crashes,
kill -9 and rolling restarts under load, and `make run` itself as a person meets it."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

import fastcgi_client as fcgi
import store
from conftest import Api, assert_envelope, unique_email
from stack import BINARY, ROOT, free_port, running_stack, wait_until
from test_process_lifecycle import load


def children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


def get_values_bomb():
    """One FCGI_GET_VALUES naming a variable eight times: overflowed a fixed buffer in libfcgi 2.4.2
    (stack smashing detected); Debian's 2.4.2-2+deb12u1 no longer answers it at all."""
    return fcgi.record(fcgi.GET_VALUES, fcgi.name_value_pairs([(b"FCGI_MAX_CONNS", b"")] * 8), request_id=0)


def test_a_get_values_bomb_leaves_the_service_answering():
    with running_stack(rate_limit=0, processes=2) as stack:
        for _ in range(5):
            with fcgi.Connection(stack.socket_path, timeout=20) as connection:
                connection.send(get_values_bomb())
                connection.sock.shutdown(socket.SHUT_WR)
                try:
                    while connection.sock.recv(4096):
                        pass
                except OSError:
                    pass
        assert requests.get(stack.url + "/api/health", timeout=5).status_code == 200
        assert Api(stack).create({"name": "After A Bomb", "email": unique_email("bomb")}).status_code == 201


def test_fifty_crashes_in_a_row_leave_the_service_answering(record_property):
    """multiwatch's default gives up after four deaths within 10 s and closes the socket; as
    configured (-t 0) no rate of crashes ends the service. Each responder is aborted (SIGABRT, as
    a stack-smashing abort ends it) as soon as it appears, 50 times in a row."""
    with running_stack(rate_limit=0, processes=2) as stack:
        api = Api(stack)
        kept = api.create({"name": "Before The Crashes", "email": unique_email("crash")}).json()
        supervisor = stack.responder.pid
        aborted = set()
        for _ in range(50):
            victim = wait_until(lambda: next((c for c in children(supervisor) if c not in aborted), None), 20, "a responder to abort")
            os.kill(victim, signal.SIGABRT)
            aborted.add(victim)
        last_crash = time.monotonic()
        wait_until(lambda: requests.get(stack.url + "/api/health", timeout=5).status_code == 200, 30, "health after 50 crashes")
        record_property("first answer after the 50th crash, s", round(time.monotonic() - last_crash, 3))
        assert stack.responder.poll() is None, "multiwatch gave up"
        after = api.create({"name": "After The Crashes", "email": unique_email("crash")})
        assert after.status_code == 201, stack.explain(after)
        assert api.get(f"/api/people/{kept['id']}").json() == kept
        assert "died to often" not in stack.responder_log()


def test_kill_9_of_one_responder_under_load_stops_nothing(record_property):
    with running_stack(rate_limit=0, processes=2) as stack:
        victim = children(stack.responder.pid)[0]
        answers = load(stack, 300, 60, lambda: os.kill(victim, signal.SIGKILL))
        failed = [response for _, _, response in answers if isinstance(response, Exception) or response.status_code != 201]
        record_property("requests failed with the killed process (in flight there)", len(failed))
        for response in failed:
            assert not isinstance(response, Exception), response
            assert_envelope(response, 502, "BAD_GATEWAY")
        assert len(failed) <= 16, "more failures than the killed process had workers"
        stored = store.emails(stack.database)
        for body, _, response in answers:
            if response.status_code == 201:
                assert stored.count(body["email"]) == 1
        assert requests.get(stack.url + "/api/health", timeout=5).status_code == 200
        assert len(children(stack.responder.pid)) == 2


@pytest.mark.parametrize("processes", [1, 2])
def test_a_rolling_restart_under_load_loses_no_request(processes):
    # One process is the default: its replacement starts while new connections wait in the backlog.
    with running_stack(rate_limit=0, processes=processes, supervised=True) as stack:
        before = set(children(stack.responder.pid))
        restarted = {}

        def restart():
            restarted["run"] = subprocess.run([str(ROOT / "scripts/restart.sh"), str(stack.responder.pid)],
                                              capture_output=True, text=True, timeout=120)

        answers = load(stack, 400, 50, restart)
        assert restarted["run"].returncode == 0, restarted["run"].stderr
        assert [r for _, _, r in answers if isinstance(r, Exception) or r.status_code != 201] == []
        assert not before & set(children(stack.responder.pid)), "not every responder was replaced"
        assert store.count_people(stack.database) == 400


@pytest.fixture
def make_run(tmp_path):
    """`scripts/run.sh` (what `make run` runs) with the debug binary, in its own process group."""
    port = free_port()
    env = dict(os.environ, PORT=str(port), DATA_DIR=str(tmp_path), BINARY=BINARY, PROCESSES="2", RATE_LIMIT="0")
    output = tmp_path / "make-run.out"
    with open(output, "w") as sink:
        process = subprocess.Popen([str(ROOT / "scripts/run.sh")], env=env, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        yield process, port, output
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_make_run_as_a_person_meets_it(make_run):
    process, port, output = make_run
    wait_until(lambda: "Press Ctrl-C" in output.read_text() or process.poll() is not None, 120, "make run to come up")
    text = output.read_text()
    assert f"people-api is up: http://127.0.0.1:{port}/" in text, text
    token = text.split("Operator token 'local'", 1)[1].splitlines()[1].strip()
    base = f"http://127.0.0.1:{port}"
    assert requests.get(base + "/api/people", headers={"Authorization": f"Bearer {token}"}, timeout=5).status_code == 200
    assert requests.get(base + "/api/people", timeout=5).status_code == 401
    supervisor = int((output.parent / "run/supervisor.pid").read_text())
    wrapper = children(supervisor)[0]
    responder = children(wrapper)[0]
    os.kill(responder, signal.SIGKILL)
    wait_until(lambda: f"responder pid {responder} killed by signal KILL" in output.read_text(), 20, "the death to be reported")
    wait_until(lambda: len(children(supervisor)) == 2, 20, "the replacement")
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal
    assert process.wait(timeout=60) == 0
    tail = output.read_text().split("Press Ctrl-C", 1)[1]
    assert "people-api stopped" in tail and "DIED" not in tail and "!!!" not in tail.split("KILL", 1)[1]
    with pytest.raises(ProcessLookupError):
        os.kill(supervisor, 0)


def test_make_run_stops_at_once_when_the_port_is_taken(tmp_path):
    port = free_port()
    with running_stack(rate_limit=0) as other:
        env = dict(os.environ, PORT=str(other.port), DATA_DIR=str(tmp_path), BINARY=BINARY)
        done = subprocess.run([str(ROOT / "scripts/run.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"port {other.port} is already taken" in done.stderr
    assert "is up" not in done.stdout
    del port


def test_a_key_in_flight_in_one_process_is_409_in_every_process():
    """The in-flight claim lives in the database, not in a process's memory."""
    with running_stack(rate_limit=0, processes=2) as stack:
        api = Api(stack)
        body = {"name": "Raced", "email": unique_email("claim")}
        with store.idempotency_key_claimed_elsewhere(stack.database, "held-elsewhere"):
            for _ in range(6):  # whichever process answers
                assert_envelope(api.create(body, headers={"Idempotency-Key": "held-elsewhere"}), 409, "IDEMPOTENCY_KEY_IN_USE")
            assert stack.stored_people(body["email"]) == 0
        # Its owner gone, the key is free: the same create now succeeds, once.
        assert api.create(body, headers={"Idempotency-Key": "held-elsewhere"}).status_code == 201
        assert stack.stored_people(body["email"]) == 1


def test_make_run_with_postgres_and_three_processes_keeps_its_data_and_stops_its_server():
    """`make run STORE=postgres PROCESSES=3`: a PostgreSQL server of its own under DATA_DIR,
    three responders on it; Ctrl-C stops them and the server; the next run finds the data."""
    data_dir = Path(tempfile.mkdtemp(prefix="people-run-pg-"))
    data_dir.chmod(0o755)  # PostgreSQL runs as nobody under root and must reach its folder
    port = free_port()
    env = dict(os.environ, PORT=str(port), DATA_DIR=str(data_dir), BINARY=BINARY, PROCESSES="3", RATE_LIMIT="0",
               STORE="postgres", DATABASE_URL="")
    base = f"http://127.0.0.1:{port}"

    def one_run(check):
        output = data_dir / "make-run.out"
        with open(output, "w") as sink:
            process = subprocess.Popen([str(ROOT / "scripts/run.sh")], env=env, stdout=sink, stderr=subprocess.STDOUT,
                                       start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            wait_until(lambda: "Press Ctrl-C" in output.read_text() or process.poll() is not None, 120, "make run to come up")
            text = output.read_text()
            assert f"people-api is up: {base}/  (3 responders, database postgresql://" in text, text
            supervisor = int((data_dir / "run/supervisor.pid").read_text())
            assert len(children(supervisor)) == 3
            postmaster = int((data_dir / "postgres/postmaster.pid").read_text().split()[0])
            result = check(text)
            os.killpg(process.pid, signal.SIGINT)
            assert process.wait(timeout=60) == 0
            with pytest.raises(ProcessLookupError):
                os.kill(postmaster, 0)
            return result
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            subprocess.run([str(ROOT / "scripts/postgres.sh"), "stop", str(data_dir / "postgres")], timeout=60)

    def first(text):
        token = text.split("Operator token 'local'", 1)[1].splitlines()[1].strip()
        created = requests.post(base + "/api/people", json={"name": "Kept", "email": unique_email("run-pg")}, timeout=10)
        assert created.status_code == 201
        return token, created.json()["id"]

    def second(_):
        found = requests.get(f"{base}/api/people/{person}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert found.status_code == 200

    try:
        token, person = one_run(first)
        one_run(second)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
