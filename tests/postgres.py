"""PostgreSQL for the integration tests: a server of the tests' own (scripts/postgres.sh: initdb
into a temporary folder as an unprivileged user, stopped by its PID), and a fresh database on it
for each stack."""
import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts/postgres.sh"

# The server `scripts/test.sh` started for the whole run, when the run is on PostgreSQL.
SHARED_URL = os.environ.get("PEOPLE_API_TEST_POSTGRES_URL")


def psql(url: str, sql: str, **variables) -> str:
    """Runs SQL through psql (variables as :'name'), returning its unaligned output."""
    arguments = ["psql", url, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1"]
    for name, value in variables.items():
        arguments += ["-v", f"{name}={value}"]
    done = subprocess.run(arguments, input=sql, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"psql failed: {done.stderr}")
    return done.stdout.strip()


def fresh_database(server_url: str | None = None) -> str:
    """A new, empty database on the server, as the URL a responder takes."""
    url = server_url or SHARED_URL
    assert url, "PEOPLE_API_TEST_POSTGRES_URL is not set: scripts/test.sh starts a server and sets it"
    name = "people_it_" + uuid.uuid4().hex
    psql(url, f"CREATE DATABASE {name}")
    return url.replace("/people?", f"/{name}?")


@contextlib.contextmanager
def own_server(listen: str = "", clients: str = "", launcher: tuple = ()):
    """A server started for one test (one that stops and restarts it); stopped by PID however the test ends."""
    # PostgreSQL runs as `nobody` when the tests run as root: its folder must be reachable by it.
    parent = Path(tempfile.mkdtemp(prefix="people-pg-"))
    parent.chmod(0o755)
    server = Server(parent / "data", listen, clients, launcher)
    try:
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(parent, ignore_errors=True)


class Server:
    """`launcher` prefixes the start command, e.g. `ip netns exec HOST` to start it on another host."""

    def __init__(self, directory: Path, listen: str = "", clients: str = "", launcher: tuple = ()):
        self.directory = directory
        self.listen = listen
        self.clients = clients
        self.launcher = list(launcher)
        self.url = None

    def start(self) -> str:
        arguments = self.launcher + [str(SCRIPT), "start", str(self.directory)] + ([self.listen, self.clients] if self.listen else [])
        done = subprocess.run(arguments, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        self.url = done.stdout.strip().splitlines()[-1]
        return self.url

    def stop(self):
        subprocess.run([str(SCRIPT), "stop", str(self.directory)], check=True, timeout=60)
