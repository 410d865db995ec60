"""The PHP-FPM peer of `make bench`: bench/php/person.php on Debian's php8.2-fpm with `pm = static`,
PDO SQLite in WAL mode with `synchronous = FULL`, behind the same nginx site as people-api.

`php_fpm_peer(...)` starts it (a pool of its own on a Unix socket in a temp dir, the store a fresh
file with people-api's person table), checks that it answers a create, a duplicate and an invalid
body as people-api does and that the connection that writes really runs FULL, yields a `Peer`,
and stops php-fpm by PID however the block ends. `php_fpm_binary()` is None where php-fpm is absent.
"""
import contextlib
import json
import os
import pwd
import grp
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests

from stack import ROOT, Stack, wait_until

PERSON_PHP = ROOT / "bench/php/person.php"
POOL = """[global]
pid = {dir}/php-fpm.pid
error_log = {dir}/php-fpm-error.log
daemonize = no

[people]
{user}
listen = {socket}
listen.mode = 0660
listen.backlog = 1024
pm = static
pm.max_children = {children}
; A line per request, as people-api logs one.
access.log = {dir}/php-fpm-access.log
clear_env = yes
env[PEOPLE_PHP_DATABASE] = {database}
env[PEOPLE_PHP_SYNCHRONOUS] = {synchronous}
security.limit_extensions = .php
php_admin_flag[display_errors] = off
php_admin_flag[log_errors] = on
php_admin_value[error_log] = {dir}/php-errors.log
; Compiled once: the script never changes under the bench.
php_admin_value[opcache.enable] = 1
php_admin_value[opcache.validate_timestamps] = 0
"""


def php_fpm_binary():
    for candidate in ("php-fpm8.2", "/usr/sbin/php-fpm8.2"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


@dataclass
class Peer:
    url: str
    pids: list  # the master and its static children: their CPU together
    children: int
    synchronous: str


def children_of(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


class PHPStack(Stack):
    """The bundled nginx site, rendered as for people-api, with a FastCGI params file that adds the one
    parameter PHP-FPM needs and people-api does not: SCRIPT_FILENAME, always person.php."""

    def create_token(self, name):
        return ""  # no operator requests here, and no people-api store to keep a token in

    def start(self):
        conf = self.dir / "php-conf"
        conf.mkdir(exist_ok=True)
        params = (ROOT / "nginx/people-api-fastcgi-params").read_text()
        (conf / "people-api-fastcgi-params").write_text(params + f"fastcgi_param  SCRIPT_FILENAME    {PERSON_PHP};\n")
        saved = os.environ.get("CONF_DIR")
        os.environ["CONF_DIR"] = str(conf)  # read by scripts/render-nginx.sh, which Stack.start runs
        try:
            return super().start()
        finally:
            if saved is None:
                del os.environ["CONF_DIR"]
            else:
                os.environ["CONF_DIR"] = saved


def check_answers(url):
    """The answers the comparison relies on, shaped as people-api shapes them."""
    email = f"php-{uuid.uuid4().hex}@Example.COM"
    created = requests.post(url + "/api/people", json={"name": " Ada ", "email": email, "age": 36}, timeout=5)
    person = created.json()
    assert created.status_code == 201, created.text
    assert list(person) == ["id", "name", "email", "age", "created_at"], person
    assert person["name"] == "Ada" and person["email"] == email.split("@")[0] + "@example.com" and person["age"] == 36, person
    assert created.headers["Location"] == f"/api/people/{person['id']}", created.headers
    assert created.headers["Content-Type"] == "application/json; charset=utf-8", created.headers
    duplicate = requests.post(url + "/api/people", json={"name": "Ada", "email": email.lower()}, timeout=5)
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "CONFLICT", duplicate.text
    invalid = requests.post(url + "/api/people", data='{"name":" ","email":"not-an-email","age":200,"id":"x"}',
                            headers={"Content-Type": "application/json"}, timeout=5)
    errors = invalid.json()["error"]["errors"]
    assert invalid.status_code == 422 and set(errors) == {"name", "email", "age", "id"}, invalid.text


@contextlib.contextmanager
def php_fpm_peer(binary, children, synchronous="FULL", schema_from=None):
    """`schema_from`: a people-api SQLite file, whose `person` table and indexes the peer's store copies."""
    directory = Path(tempfile.mkdtemp(prefix="people-bench-php-"))
    database = directory / "people.sqlite"
    with sqlite3.connect(schema_from) as ours:
        schema = [row[0] for row in ours.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'person' AND sql IS NOT NULL")]
    with sqlite3.connect(database) as db:
        db.executescript(";\n".join(schema) + ";")
        assert db.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    socket = directory / "php-fpm.sock"
    # As root, php-fpm needs -R and a user for its pool; that user then owns the socket nginx reaches.
    user = (f"user = {pwd.getpwuid(os.getuid()).pw_name}\ngroup = {grp.getgrgid(os.getgid()).gr_name}"
            if os.getuid() == 0 else "")
    config = directory / "php-fpm.conf"
    config.write_text(POOL.format(dir=directory, user=user, socket=socket, children=children, database=database,
                                  synchronous=synchronous))
    command = [binary, "--nodaemonize", "--fpm-config", str(config), "--prefix", str(directory)]
    if os.getuid() == 0:
        command.append("--allow-to-run-as-root")
    with open(directory / "php-fpm.out", "wb") as out:
        master = subprocess.Popen(command, stdout=out, stderr=out, start_new_session=True)
    stack = PHPStack(rate_limit=0, responder=False, upstream=f"unix:{socket}", keep_conn="off")
    workers = []
    try:
        def pool_ready():
            if master.poll() is not None:
                raise RuntimeError(f"php-fpm exited with {master.returncode}: {(directory / 'php-fpm.out').read_text()[-2000:]}")
            return socket.exists() and len(children_of(master.pid)) == children

        wait_until(pool_ready, 20, "php-fpm's pool")
        workers = children_of(master.pid)
        stack.start()
        settings = requests.get(stack.url + "/api/.php-peer-settings", timeout=5).json()
        expected = {"FULL": 2, "NORMAL": 1, "OFF": 0, "EXTRA": 3}[synchronous]
        if settings != {"journal_mode": "wal", "synchronous": expected}:
            raise RuntimeError(f"the PHP peer's writing connection runs {settings}, not WAL with synchronous = {synchronous}")
        check_answers(stack.url)
        yield Peer(url=stack.url, pids=[master.pid] + workers, children=children, synchronous=synchronous)
    finally:
        stack.stop()
        if master.poll() is None:
            master.send_signal(signal.SIGQUIT)  # graceful: the children finish their request and go
            try:
                master.wait(timeout=10)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait()
        for pid in workers:  # a child its master left behind, by its own PID
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/comm").read_text().startswith("php-fpm"):
                    os.kill(pid, signal.SIGKILL)
        errors = directory / "php-errors.log"
        if errors.exists() and errors.stat().st_size:
            print(f"PHP peer's errors:\n{errors.read_text()[-2000:]}")
        shutil.rmtree(directory, ignore_errors=True)
