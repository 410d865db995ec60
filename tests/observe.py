"""Helpers for the tests of metrics, status and logs: the nginx operators' socket, PromQL, Prometheus."""
import http.client
import os
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import requests

from stack import BINARY, free_port, wait_until


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self.unix_path))


def get_unix(path, target, headers=None):
    """(status, headers, text) of a GET over nginx's operators' Unix socket."""
    connection = _UnixConnection(path)
    try:
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def samples(text):
    """{(name, frozenset of label pairs): value} from the Prometheus text format."""
    parsed = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, value = line.rsplit(" ", 1)
        name, labels = head, frozenset()
        if "{" in head:
            name, rest = head.split("{", 1)
            labels = frozenset(tuple(pair.split("=", 1)) for pair in rest.rstrip("}").replace('"', "").split(",") if pair)
        parsed[(name, labels)] = float(value)
    return parsed


def total(parsed, name, **labels):
    wanted = set(labels.items())
    return sum(value for (sample, pairs), value in parsed.items() if sample == name and wanted <= set(pairs))


def status_of(scoreboard, *arguments):
    done = subprocess.run([BINARY, "status", "--scoreboard", str(scoreboard), *arguments], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def live_responders(scoreboard):
    """{pid: requests its slot answered} of the live responders, from `people-api status`."""
    table = {}
    in_table = False
    for line in status_of(scoreboard).splitlines():
        if line.strip().startswith("slot"):
            in_table = True
            continue
        if in_table:
            fields = line.split()
            if not fields or not fields[0].isdigit():
                break
            table[int(fields[1])] = int(fields[3])
    return table


class Prometheus:
    """Debian's Prometheus server on a free port, scraping one target every second with an operator
    token from a file (`authorization: credentials_file`); stopped by its PID."""

    def __init__(self, target, token, metrics_path="/api/metrics", extra_jobs=""):
        self.dir = Path(tempfile.mkdtemp(prefix="people-prom-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        token_file = self.dir / "token"
        token_file.write_text(token + "\n")
        token_file.chmod(0o600)
        (self.dir / "prometheus.yml").write_text(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: people-api
    metrics_path: {metrics_path}
    authorization:
      type: Bearer
      credentials_file: {token_file}
    static_configs:
      - targets: ["{target}"]
{extra_jobs}
""")
        self.process = None

    def start(self):
        self.log = open(self.dir / "prometheus.log", "wb")
        self.process = subprocess.Popen(
            ["prometheus", f"--config.file={self.dir / 'prometheus.yml'}", f"--storage.tsdb.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=self.log)
        wait_until(self._ready, 30, "Prometheus ready")
        return self

    def _ready(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"prometheus exited: {(self.dir / 'prometheus.log').read_text()[-2000:]}")
        try:
            return requests.get(self.url + "/-/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def query(self, promql):
        """The value of an instant query's single result, or None when it has none."""
        answer = requests.get(self.url + "/api/v1/query", params={"query": promql}, timeout=10).json()
        assert answer["status"] == "success", answer
        result = answer["data"]["result"]
        if not result:
            return None
        assert len(result) == 1, result
        return float(result[0]["value"][1])

    def wait_for(self, promql, predicate, what, timeout=30):
        def check():
            value = self.query(promql)
            return (value,) if value is not None and predicate(value) else None
        try:
            return wait_until(check, timeout, what)[0]
        except TimeoutError:
            raise AssertionError(f"{what}: {promql} is {self.query(promql)}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "log", None):
            self.log.close()
