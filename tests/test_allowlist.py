"""FCGI_WEB_SERVER_ADDRS fails closed: one responder per case, straight over TCP on 127.0.0.1
and ::1 (no nginx). An admitted peer gets its health check answered; a refused one is closed
before a byte is read; an entry the responder cannot read stops it at start."""
import os
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

import fastcgi_client as fcgi
from stack import BINARY, READY_TIMEOUT, wait_until


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class Responder:
    def __init__(self, listen_host, allowlist, family=socket.AF_INET):
        self.dir = tempfile.TemporaryDirectory(prefix="people-allowlist-")
        self.port = free_port(family, listen_host)
        listen = f"[{listen_host}]:{self.port}" if ":" in listen_host else f"{listen_host}:{self.port}"
        self.log_path = Path(self.dir.name) / "people-api.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [BINARY, "serve", "--database", str(Path(self.dir.name) / "people.sqlite"), "--listen", listen],
            stdout=self.log, stderr=self.log,
            env=dict(os.environ, FCGI_WEB_SERVER_ADDRS=allowlist, SWIFT_BACKTRACE="enable=no"))

    def wait_serving(self):
        def serving():
            if self.process.poll() is not None:
                raise RuntimeError(f"people-api exited with {self.process.returncode}: {self.output()}")
            return "serving FastCGI" in self.output()
        wait_until(serving, READY_TIMEOUT, "the responder's 'serving FastCGI' line")
        return self

    def output(self):
        return self.log_path.read_text(errors="replace")

    def health_from(self, peer_host):
        """The health check's status from `peer_host`; None when the responder closed unanswered."""
        with fcgi.Connection((peer_host, self.port)) as connection:
            try:
                connection.send(fcgi.begin() + fcgi.params_records(fcgi.http_params("GET", "/api/health")) + fcgi.stdin_records(b""))
            except (BrokenPipeError, ConnectionResetError):
                return None
            return fcgi.status_of(connection.read_response())

    def stop(self):
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            self.log.close()
            self.dir.cleanup()


@pytest.fixture
def responders():
    started = []

    def start(listen_host, allowlist, family=socket.AF_INET):
        responder = Responder(listen_host, allowlist, family)
        started.append(responder)
        return responder

    yield start
    for responder in started:
        responder.stop()


# (listen on, FCGI_WEB_SERVER_ADDRS, connect from, admitted?)
CASES = [
    ("127.0.0.1", "127.0.0.1", "127.0.0.1", True),
    ("127.0.0.1", "10.0.0.1, 127.0.0.1", "127.0.0.1", True),
    ("127.0.0.1", "127.0.0.0/8", "127.0.0.1", True),
    ("127.0.0.1", "127.0.0.1/32", "127.0.0.1", True),
    ("127.0.0.1", "10.0.0.0/24", "127.0.0.1", False),  # a CIDR libfcgi drops, leaving a list that admitted everyone
    ("127.0.0.1", "127.0.0.2", "127.0.0.1", False),
    ("127.0.0.1", "::1", "127.0.0.1", False),  # a list of one family refuses the other
    ("::1", "::1", "::1", True),
    ("::1", "::1/128", "::1", True),
    ("::1", "::/0", "::1", True),
    ("::1", "2001:db8::/32", "::1", False),
    ("::1", "127.0.0.1", "::1", False),  # IPv6 peers were admitted whatever the list said
    ("::1", "0.0.0.0/0", "::1", False),
    # A dual-stack socket sees an IPv4 peer as ::ffff:127.0.0.1: matched as IPv4.
    ("::ffff:127.0.0.1", "127.0.0.1", "127.0.0.1", True),
    ("::ffff:127.0.0.1", "127.0.0.0/8", "127.0.0.1", True),
    ("::ffff:127.0.0.1", "10.0.0.0/8", "127.0.0.1", False),
    ("::ffff:127.0.0.1", "::1", "127.0.0.1", False),
]


@pytest.mark.parametrize("listen_host,allowlist,peer,admitted", CASES,
                         ids=[f"{c[1]}-from-{c[2]}-on-{c[0]}-{'admitted' if c[3] else 'refused'}" for c in CASES])
def test_allowlist(responders, listen_host, allowlist, peer, admitted):
    family = socket.AF_INET6 if ":" in listen_host else socket.AF_INET
    responder = responders(listen_host, allowlist, family).wait_serving()
    status = responder.health_from(peer)
    assert status == (200 if admitted else None), responder.output()[-1000:]
    assert responder.process.poll() is None


@pytest.mark.parametrize("allowlist", ["10.0.0.0/33", "10.0.0", "example.org", "10.0.0.1,", "10.0.0.1 10.0.0.2",
                                       "::1/129", "127.0.0.1/-1"])
def test_an_unreadable_entry_stops_the_responder_at_start(responders, allowlist):
    responder = responders("127.0.0.1", allowlist)
    status = responder.process.wait(timeout=30)
    assert status != 0
    output = responder.output()
    assert "FCGI_WEB_SERVER_ADDRS" in output and "cannot read the entry" in output, output
    assert "serving FastCGI" not in output
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", responder.port), timeout=5).close()
