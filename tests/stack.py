"""Starts and stops the real parts: the people-api binary and nginx with the bundled config."""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

import postgres
import store

ROOT = Path(__file__).resolve().parent.parent
BINARY = os.environ.get("PEOPLE_API_BINARY", str(ROOT / ".build/debug/people-api"))
READY_TIMEOUT = 20.0
# The run's store: sqlite (the default), or postgres, where every stack gets a fresh database on
# the server scripts/test.sh started, and by default the responders of PEOPLE_API_TEST_PROCESSES.
STORE = os.environ.get("PEOPLE_API_TEST_STORE", "sqlite")
DEFAULT_PROCESSES = int(os.environ.get("PEOPLE_API_TEST_PROCESSES", "1"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, timeout: float, what: str):
    """Polls a readiness condition; the only waiting the tests do."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


class Stack:
    """One nginx (bundled config, rendered into a temp prefix) in front of the responders over a fresh
    store: a temp SQLite file, or a new database on the test PostgreSQL server (`STORE`).

    Every process it starts is remembered by PID and stopped by `stop()`, also when a test fails.
    """

    def __init__(self, rate_limit: int = 0, read_timeout: str = "30s", upstream: str | None = None, responder: bool = True,
                 binary: str = BINARY, workers: int | None = None, extra_locations: str = "", database_dir: Path | None = None,
                 responder_args: tuple = (), client_timeout: str = "10s", processes: int | None = None,
                 database: str | None = None, keep_conn: str | None = None, supervised: bool = False):
        self.dir = Path(tempfile.mkdtemp(prefix="people-it-"))
        self.port = free_port()
        self.socket_path = self.dir / "people-api.sock"
        if database is not None:
            self.database = database
        elif STORE == "postgres" and database_dir is None:
            self.database = postgres.fresh_database()
        else:
            self.database = (database_dir or self.dir) / "people.sqlite"
        self.log_path = self.dir / "people-api.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.upstream = upstream or f"unix:{self.socket_path}"
        self.rate_limit = rate_limit
        self.read_timeout = read_timeout
        self.with_responder = responder
        self.binary = binary
        self.workers = workers
        self.extra_locations = extra_locations
        self.responder_args = list(responder_args)
        self.client_timeout = client_timeout
        # Above 1, or supervised, the responders run as `make run` runs them: spawn-fcgi + multiwatch on one socket.
        self.processes = processes or DEFAULT_PROCESSES
        self.supervised = supervised or self.processes > 1
        # nginx's kept FastCGI connections: the bundled default unless "on" or "off" is given.
        self.keep_conn = keep_conn
        self.nginx = None
        self.responder = None
        self.log = None
        self.operator_token = None

    def start(self):
        env = dict(os.environ, PORT=str(self.port), UPSTREAM=self.upstream, RATE_LIMIT=str(self.rate_limit),
                   READ_TIMEOUT=self.read_timeout, CLIENT_TIMEOUT=self.client_timeout)
        if self.keep_conn:
            env["KEEP_CONN"] = self.keep_conn
        subprocess.run([str(ROOT / "scripts/render-nginx.sh"), str(self.dir)], env=env, check=True, stdout=subprocess.DEVNULL)
        if self.extra_locations:
            site = self.dir / "people-api-site.conf"
            text = site.read_text()
            cut = text.rindex("}")
            site.write_text(text[:cut] + self.extra_locations + "\n" + text[cut:])
        self.operator_token = self.create_token(f"tests-{self.port}")
        self.nginx = subprocess.Popen(
            ["nginx", "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"), "-g", "daemon off;"],
            env=dict(os.environ, TZ="UTC"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.with_responder:
            self.start_responder()
        else:
            wait_until(self._nginx_answers, READY_TIMEOUT, "nginx")
        return self

    def start_responder(self):
        assert self.responder is None or self.responder.poll() is not None
        self._close_log()
        self.log = open(self.log_path, "ab")
        # The binary's own worker settings unless a test asks for a number of workers.
        workers = ["--workers", str(self.workers), "--running-workers", str(self.workers)] if self.workers else []
        serve = [self.binary, "serve", "--database", str(self.database)] + workers + self.responder_args
        if self.supervised:
            # spawn-fcgi execs multiwatch in its own process: that one PID stops them all.
            command = ["spawn-fcgi", "-n", "-s", str(self.socket_path), "-M", "0660", "--",
                       shutil.which("multiwatch"), "-f", str(self.processes), "-t", "0", "-s", "TERM", "--"] + serve
        else:
            command = serve + ["--listen", f"unix:{self.socket_path}"]
        # As `make run` and the systemd unit run it: a crash ends the process at once (see scripts/run.sh).
        # A session of its own: its process group holds the supervisor and every responder it forks,
        # so a kill -9 or a last clean-up reaches them all, and nothing else.
        self.responder = subprocess.Popen(command, stdout=self.log, stderr=self.log, start_new_session=True,
                                          env=dict(os.environ, SWIFT_BACKTRACE="enable=no"))
        wait_until(self._healthy, READY_TIMEOUT, "GET /api/health")

    def token_command(self, *arguments) -> subprocess.CompletedProcess:
        """`people-api token …` against this stack's database, as an operator runs it."""
        return subprocess.run([self.binary, "token", *arguments, "--database", str(self.database)],
                              capture_output=True, text=True, timeout=60)

    def create_token(self, name: str) -> str:
        done = self.token_command("create", name)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def stored_people(self, email: str | None = None) -> int:
        """How many people the store holds (with this email, compared as the store does): read from the store, not the API."""
        return store.count_people(self.database, email)

    def _healthy(self):
        if self.responder is not None and self.responder.poll() is not None:
            raise RuntimeError(f"people-api exited with {self.responder.returncode}: {self.log_path.read_text()[-2000:]}")
        try:
            return requests.get(self.url + "/api/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _nginx_answers(self):
        try:
            requests.get(self.url + "/", timeout=2)
            return True
        except requests.RequestException:
            return False

    def stop_responder(self, sig=signal.SIGTERM, timeout: float = 15.0) -> int:
        process, self.responder = self.responder, None
        if process is None or process.poll() is not None:
            return process.returncode if process else 0
        if sig == signal.SIGKILL:
            # As a crash of the machine's responders would: the supervisor and its responders at once
            # (SIGKILL to multiwatch alone would leave its responders serving, orphaned). Dead once
            # nothing accepts on the socket any more, which is what spawn-fcgi checks before it starts.
            os.killpg(process.pid, signal.SIGKILL)
            wait_until(self._socket_refuses, 10, "the killed responders' socket to close")
        else:
            process.send_signal(sig)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            self._kill_group(process)

    def stop(self):
        for process in (self.responder, self.nginx):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.responder is not None:
            self._kill_group(self.responder)
        self.responder = self.nginx = None
        self._close_log()
        # The temp prefix, its store, socket and logs: nothing of a stopped stack is left behind.
        shutil.rmtree(self.dir, ignore_errors=True)

    def _socket_refuses(self) -> bool:
        if not str(self.upstream).startswith("unix:"):
            return True
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(self.socket_path))
                return False
            except OSError:
                return True

    @staticmethod
    def _kill_group(process):
        """Whatever is left of the group the responder started (a responder its supervisor left behind)."""
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _close_log(self):
        if self.log is not None:
            self.log.close()
            self.log = None

    def responder_log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def explain(self, response) -> str:
        """For an assertion's message: the answer, and the ends of nginx's error log and the
        responder's log, so that a failure seen once in CI says where it came from."""
        nginx_errors = self.dir / "nginx-error.log"
        nginx_tail = nginx_errors.read_text(errors="replace")[-1500:] if nginx_errors.exists() else "(none)"
        return (f"{response.status_code} {response.text[:300]!r}\n-- nginx-error.log:\n{nginx_tail}"
                f"\n-- responder log:\n{self.responder_log()[-1500:]}")


@contextlib.contextmanager
def running_stack(**settings):
    """A started Stack, stopped again however the block ends."""
    stack = Stack(**settings)
    try:
        yield stack.start()
    finally:
        stack.stop()
