"""The front door under connection churn and descriptor exhaustion, FastCGI straight to one responder
over TCP on 127.0.0.1 (no nginx).

Churn (a one-second idle timeout): connections close by every path at once — bodies over the limit
answered 413 with input left unread (some peers trickling more bytes until the linger closes them),
silent and half-sent connections expiring, connect-and-close (some with a reset), requests whose
answer is never read — while steady valid creates, on fresh and on kept connections, each check
their own answer (201 and their own email). Run at the descriptor limit the responder is given,
and again under `prlimit --nofile` low.

Starved: under the low limit, three times more connections opened to it than it has descriptors,
held silent, while its CPU is measured with nothing else going on (a front door that re-arms its
listening socket on EMFILE spins there); then valid creates sent meanwhile must each be answered.

Bounded: every loop stops at its deadline (STRESS_SECONDS per churn phase) or its count. Figures go
to the test's properties (--junitxml) and to stdout (-s).
"""
import json
import os
import resource
import select
import socket
import struct
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

import fastcgi_client as fcgi
from stack import BINARY, READY_TIMEOUT, free_port, wait_until

SECONDS = float(os.environ.get("STRESS_SECONDS", "20"))
LOW_LIMIT = 64
STARVE_SECONDS = 4.0
MAX_PER_THREAD = 200_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Responder:
    """One `people-api serve` on 127.0.0.1, optionally under `prlimit` (which execs it: one PID)."""

    def __init__(self, nofile=None, idle_timeout=1):
        self.dir = tempfile.TemporaryDirectory(prefix="people-stress-")
        self.address = ("127.0.0.1", free_port())
        command = [BINARY, "serve", "--database", str(Path(self.dir.name) / "people.sqlite"), "--workers", "4",
                   "--idle-timeout", str(idle_timeout), "--log-level", "warning", "--listen", f"127.0.0.1:{self.address[1]}"]
        if nofile:
            command = ["prlimit", f"--nofile={nofile}:{nofile}", "--"] + command
        self.log = open(Path(self.dir.name) / "people-api.log", "wb")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=self.log, env=dict(os.environ, SWIFT_BACKTRACE="enable=no"))
        wait_until(self._healthy, READY_TIMEOUT, "the responder's health check")

    def _healthy(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"people-api exited with {self.process.returncode}: {self.log_text()}")
        try:
            return fcgi.status_of(fcgi.request(self.address, "GET", "/api/health")) == 200
        except OSError:
            return False

    def cpu_seconds(self):
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def log_text(self):
        return (Path(self.dir.name) / "people-api.log").read_text(errors="replace")[-3000:]

    def stop(self):
        """SIGTERM, and the exit status; SIGKILL (this PID only) if it does not end."""
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    return self.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
                    return None
            return self.process.returncode
        finally:
            self.log.close()
            self.dir.cleanup()


def create_request(email, keep=False):
    body = json.dumps({"name": "Stress", "email": email}).encode()
    return fcgi.begin(keep=keep) + fcgi.params_records(fcgi.http_params("POST", "/api/people", body)) + fcgi.stdin_records(body)


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = self.answered = self.churned = 0
        self.lost = []

    def add(self, email, output):
        with self.lock:
            self.sent += 1
            if fcgi.status_of(output) == 201 and f'"email":"{email}"'.encode() in output:
                self.answered += 1
            else:
                self.lost.append((email, output[:120] if output else output))


def valid_on_fresh_connections(address, deadline, tally, name):
    for index in range(MAX_PER_THREAD):
        if time.monotonic() >= deadline:
            return
        email = f"{name}-{index}-{uuid.uuid4().hex[:8]}@example.com"
        output = None
        try:
            with fcgi.Connection(address, timeout=15) as connection:
                connection.send(create_request(email))
                output = connection.read_response()
        except OSError as error:
            output = repr(error).encode()
        tally.add(email, output)


def valid_on_kept_connections(address, deadline, tally, name):
    for round_ in range(MAX_PER_THREAD):
        if time.monotonic() >= deadline:
            return
        try:
            connection = fcgi.Connection(address, timeout=15)
        except OSError as error:
            tally.add(f"{name}-connect-{round_}", repr(error).encode())
            continue
        with connection:
            for index in range(20):
                email = f"{name}-{round_}-{index}-{uuid.uuid4().hex[:8]}@example.com"
                try:
                    connection.send(create_request(email, keep=True))
                    output = connection.read_response()
                except OSError as error:
                    output = repr(error).encode()
                tally.add(email, output)
                if output is None or time.monotonic() >= deadline:
                    break


def connect(address, timeout=5):
    sock = socket.create_connection(address, timeout=timeout)
    return sock


def churn_connect_and_close(address, deadline, tally):
    for index in range(MAX_PER_THREAD):
        if time.monotonic() >= deadline:
            return
        try:
            sock = connect(address)
            if index % 2:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset
            sock.close()
        except OSError:
            pass
        with tally.lock:
            tally.churned += 1


def churn_unanswered(address, deadline, tally):
    """Valid requests whose peer leaves before the answer: the worker writes to a closed socket."""
    for index in range(MAX_PER_THREAD):
        if time.monotonic() >= deadline:
            return
        try:
            with connect(address) as sock:
                sock.sendall(fcgi.begin() + fcgi.params_records(fcgi.http_params("GET", "/api/health")) + fcgi.stdin_records(b""))
        except OSError:
            pass
        with tally.lock:
            tally.churned += 1


OVER_LIMIT = 200 * 1024


def churn_over_limit(address, deadline, tally, trickle):
    """A body over the limit: 413 after 64 KiB, the rest unread, so the responder shuts its side and
    drains. Then either close at once or (`trickle`) keep sending a record every few ms until the
    responder's linger closes the connection."""
    head = fcgi.begin() + fcgi.params_records(fcgi.http_params("POST", "/api/people", b"x" * OVER_LIMIT))
    chunk = fcgi.record(fcgi.STDIN, b"x" * 16384)
    for _ in range(MAX_PER_THREAD):
        if time.monotonic() >= deadline:
            return
        try:
            with connect(address, timeout=0.5) as sock:
                sock.sendall(head)
                try:
                    for _ in range(OVER_LIMIT // 16384):
                        sock.sendall(chunk)
                except socket.timeout:
                    pass  # the responder stopped reading: input left unread
                sock.settimeout(3)
                fcgi.Connection.over(sock).read_response()
                if trickle:
                    sock.settimeout(0.5)
                    stop_at = min(deadline, time.monotonic() + 4)
                    while time.monotonic() < stop_at:
                        sock.sendall(fcgi.record(fcgi.STDIN, b"y"))
                        time.sleep(0.002)
        except OSError:
            pass
        with tally.lock:
            tally.churned += 1


def churn_silent(address, deadline, tally, half_sent, count=25):
    """`count` connections that send nothing (or half a request's params), held until the
    responder's idle timeout closes them; then again."""
    partial = fcgi.begin() + fcgi.record(fcgi.PARAMS, fcgi.name_value_pairs([(b"REQUEST_METHOD", b"GET")]))
    for _ in range(MAX_PER_THREAD):
        if time.monotonic() >= deadline:
            return
        held = []
        for _ in range(count):
            try:
                sock = connect(address, timeout=2)
                if half_sent:
                    sock.sendall(partial)
                held.append(sock)
            except OSError:
                pass
        wait_until_closed(held, min(deadline, time.monotonic() + 5))
        with tally.lock:
            tally.churned += len(held)


def wait_until_closed(socks, until):
    open_ = list(socks)
    while open_ and time.monotonic() < until:
        readable, _, _ = select.select(open_, [], [], max(0.0, min(0.2, until - time.monotonic())))
        for sock in readable:
            try:
                if not sock.recv(4096):
                    open_.remove(sock)
            except OSError:
                open_.remove(sock)
    for sock in socks:
        sock.close()


def run_load(responder, seconds):
    deadline = time.monotonic() + seconds
    tally = Tally()
    address = responder.address
    jobs = [(valid_on_fresh_connections, (address, deadline, tally, f"fresh{n}")) for n in range(5)]
    jobs += [(valid_on_kept_connections, (address, deadline, tally, f"kept{n}")) for n in range(2)]
    jobs += [(churn_connect_and_close, (address, deadline, tally)) for _ in range(3)]
    jobs += [(churn_unanswered, (address, deadline, tally))]
    jobs += [(churn_over_limit, (address, deadline, tally, False)) for _ in range(2)]
    jobs += [(churn_over_limit, (address, deadline, tally, True)) for _ in range(8)]
    jobs += [(churn_silent, (address, deadline, tally, False)), (churn_silent, (address, deadline, tally, True))]
    threads = [threading.Thread(target=target, args=args, daemon=True) for target, args in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    assert not any(thread.is_alive() for thread in threads), "a load thread did not end"
    return tally


def starve(seconds=STARVE_SECONDS):
    """A responder under the low limit with the default idle timeout (10 s), three times more
    connections opened to it than it has descriptors, held silent: its CPU over `seconds` with
    nothing else going on, then the tally of valid creates sent while they are still held (8
    threads, 5 each; each waits up to 15 s for its answer)."""
    responder = Responder(LOW_LIMIT, idle_timeout=10)
    held = []
    try:
        for _ in range(3 * LOW_LIMIT):
            held.append(connect(responder.address))
        before = responder.cpu_seconds()
        threading.Event().wait(seconds)  # the measuring window itself, not a wait for readiness
        used = responder.cpu_seconds() - before
        tally = Tally()

        def five(name):
            for index in range(5):
                email = f"{name}-{index}-{uuid.uuid4().hex[:8]}@example.com"
                try:
                    with fcgi.Connection(responder.address, timeout=15) as connection:
                        connection.send(create_request(email))
                        tally.add(email, connection.read_response())
                except OSError as error:
                    tally.add(email, repr(error).encode())

        senders = [threading.Thread(target=five, args=(f"starved{n}",), daemon=True) for n in range(8)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(timeout=120)
        assert not any(sender.is_alive() for sender in senders)
        assert responder.process.poll() is None, f"the responder died: {responder.log_text()}"
        return used, tally
    finally:
        for sock in held:
            sock.close()
        status = responder.stop()
        assert status == 0, "the starved responder did not stop cleanly on SIGTERM"


def report(record_property, label, tally, seconds, cpu=None):
    figures = {"sent": tally.sent, "answered": tally.answered, "lost": len(tally.lost),
               "churned_connections": tally.churned, "churn_per_second": round(tally.churned / seconds)}
    if cpu is not None:
        figures["starved_cpu_seconds"] = round(cpu[0], 2)
        figures["starved_seconds"] = cpu[1]
    for name, value in figures.items():
        record_property(f"{label}_{name}", value)
    print(f"\n{label}: {json.dumps(figures)} first lost: {tally.lost[:3]}")


@pytest.fixture(autouse=True)
def enough_descriptors_for_the_clients():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4096)), hard))


def test_a_starved_responder_does_not_spin_and_answers(record_property):
    used, tally = starve()
    report(record_property, f"nofile_{LOW_LIMIT}_starved", tally, STARVE_SECONDS, (used, STARVE_SECONDS))
    # Re-arming the listening socket on EMFILE spins a core; backing off costs next to nothing.
    assert used < 0.1 * STARVE_SECONDS, f"the starved responder used {used:.2f} CPU-seconds in {STARVE_SECONDS} s"
    assert tally.sent > 0
    assert not tally.lost, f"{len(tally.lost)} of {tally.sent} valid requests lost while starved: {tally.lost[:5]}"


@pytest.mark.parametrize("nofile", [None, LOW_LIMIT], ids=["normal-limit", f"nofile-{LOW_LIMIT}"])
def test_every_valid_request_is_answered_under_churn(nofile, record_property):
    responder = Responder(nofile)
    try:
        tally = run_load(responder, SECONDS)
        report(record_property, f"nofile_{nofile or 'normal'}", tally, SECONDS)
        assert responder.process.poll() is None, f"the responder died: {responder.log_text()}"
        assert tally.sent > 0
        assert not tally.lost, f"{len(tally.lost)} of {tally.sent} valid requests lost: {tally.lost[:5]}"
        assert fcgi.status_of(fcgi.request(responder.address, "GET", "/api/health")) == 200
    finally:
        status = responder.stop()
    assert status == 0, "the responder did not stop cleanly on SIGTERM"
