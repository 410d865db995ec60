"""The responder as a process: under spawn-fcgi, SIGTERM under load, kill -9 under load."""
import concurrent.futures
import json
import os
import signal
import subprocess
import threading

import pytest
import requests

import fastcgi_client as fcgi
import store
from conftest import Api, assert_envelope, unique_email
from stack import BINARY, READY_TIMEOUT, STORE, Stack, running_stack, wait_until


def test_runs_under_spawn_fcgi_on_the_inherited_socket():
    stack = Stack(rate_limit=0, responder=False)
    spawned = None
    try:
        stack.start()
        spawned = subprocess.Popen(["spawn-fcgi", "-n", "-s", str(stack.socket_path), "-M", "0660", "--",
                                    BINARY, "--database", str(stack.database)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: requests.get(stack.url + "/api/health", timeout=2).status_code == 200, READY_TIMEOUT, "health")
        created = Api(stack).create({"name": "Spawned", "email": unique_email("spawn")})
        assert created.status_code == 201
        spawned.send_signal(signal.SIGTERM)
        assert spawned.wait(timeout=15) == 0
    finally:
        if spawned is not None and spawned.poll() is None:
            spawned.kill()
            spawned.wait()
        stack.stop()


def load(stack, count, stop_after, action):
    """`count` creates from 8 threads; `action` runs once `stop_after` answers have arrived."""
    answers = []
    lock = threading.Lock()
    fired = threading.Event()

    def one(index):
        body = {"name": f"Load {index}", "email": unique_email(f"load{index}")}
        key = {"Idempotency-Key": f"load-{index}-{body['email']}"}
        try:
            response = Api(stack).create(body, headers=key)
        except requests.RequestException as error:
            response = error
        with lock:
            answers.append((body, key, response))
            if len(answers) >= stop_after and not fired.is_set():
                fired.set()
                action()

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(count)))
    return answers


def stored_emails(stack):
    return store.emails(stack.database)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_signal_under_load_loses_no_201_and_stores_no_error(sig):
    with running_stack(rate_limit=0) as stack:
        process = stack.responder
        answers = load(stack, 300, 60, lambda: process.send_signal(sig))
        code = process.wait(timeout=15)
        if sig == signal.SIGTERM:
            assert code == 0
        stack.responder = None
        stack.start_responder()
        stored = stored_emails(stack)
        api = Api(stack)
        for body, key, response in answers:
            assert not isinstance(response, Exception), response
            if response.status_code == 201:
                assert stored.count(body["email"]) == 1
                continue
            assert_envelope(response, 502, "BAD_GATEWAY")
            if sig == signal.SIGTERM:
                # A graceful stop finishes what it accepted: an error means nothing was stored.
                assert body["email"] not in stored
            # A kill can fall between the commit and the answer: the same key makes the retry safe.
            retried = api.create(body, headers=key)
            assert retried.status_code == 201
        final = stored_emails(stack)
        assert all(final.count(body["email"]) == 1 for body, _, _ in answers)
        assert any(r.status_code == 201 for _, _, r in answers)


def test_threads_carry_their_role_in_the_kernel_name():
    """What `top -H`, `ps -L` and `perf` show: one name per worker, the housekeeping thread, the SQLite maintenance thread."""
    with running_stack(workers=3) as stack:
        pid = stack.responder.pid
        names = []
        for task in sorted(os.listdir(f"/proc/{pid}/task")):
            with open(f"/proc/{pid}/task/{task}/comm") as comm:
                names.append(comm.read().strip())
        assert {"fcgi-worker-0", "fcgi-worker-1", "fcgi-worker-2", "fcgi-housekeep"} <= set(names), names
        if STORE == "sqlite":
            assert "sqlite-maint" in names, names


def send(connection, data, closed_already):
    try:
        connection.send(data)
    except BrokenPipeError:
        pytest.fail(closed_already)


def test_a_stopping_responder_answers_the_request_sent_on_a_kept_connection_right_after_an_answer():
    """nginx takes a kept connection for its next request as soon as the answer on it has ended;
    a stopping responder that then closes the connection loses that request (nginx retries no
    POST). The moment that happens under load is forced here: this thread runs on the
    responder's CPU at real-time priority, so the answer's last write hands the CPU to it, and it
    sends the next request (a create) before the responder has done anything else."""
    with running_stack(rate_limit=0) as stack:
        connection = fcgi.Connection(stack.socket_path)
        try:
            health = fcgi.begin(keep=True) + fcgi.params_records(fcgi.http_params("GET", "/api/health")) + fcgi.stdin_records(b"")
            connection.send(health)
            assert fcgi.status_of(connection.read_response()) == 200
            original_cpus = os.sched_getaffinity(0)
            cpu = min(original_cpus)
            try:
                try:
                    os.sched_setaffinity(0, {cpu})
                    for thread in os.listdir(f"/proc/{stack.responder.pid}/task"):
                        os.sched_setaffinity(int(thread), {cpu})
                    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
                except OSError as refused:
                    pytest.skip(f"cannot run this thread at real-time priority on the responder's CPU: {refused}")
                stack.responder.send_signal(signal.SIGTERM)
                wait_until(lambda: "finishing in-flight requests" in stack.responder_log(), READY_TIMEOUT, "the stop to begin")
                send(connection, health, "the kept connection was closed within the stop's grace, before its request")
                assert fcgi.status_of(connection.read_response()) == 200
                body = json.dumps({"name": "Sent On Time", "email": unique_email("kept")}).encode()
                send(connection, fcgi.begin(keep=True) + fcgi.params_records(fcgi.http_params("POST", "/api/people", body))
                     + fcgi.stdin_records(body), "the connection was closed before the create could be sent: the moment was not forced")
                answer = connection.read_response()
            finally:
                os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
                os.sched_setaffinity(0, original_cpus)
            assert answer is not None, "the create sent on the kept connection was closed unanswered"
            assert fcgi.status_of(answer) == 201
            # The stop was under way (the log line comes just before it): the connection is now
            # closed with nothing more to read, where a running responder would keep it open.
            assert connection.closed_without_answer(), "the responder kept the connection: it was not stopping"
            assert stack.responder.wait(timeout=15) == 0
        finally:
            connection.close()
