"""What a newcomer meets in the first hour (issue 22): `make run`'s stop, one run per DATA_DIR,
the token commands' output, `make restart`, a binary that creates no database unasked, the
deploy check; and (issue 23) the modes of everything `make run` creates."""
import os
import random
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
import requests

from stack import BINARY, ROOT, free_port, wait_until

RUN = str(ROOT / "scripts/run.sh")


def run_env(data_dir, port, **extra):
    env = dict(os.environ, PORT=str(port), DATA_DIR=str(data_dir), BINARY=BINARY, PROCESSES="1", RATE_LIMIT="0",
               STORE="sqlite", DATABASE_URL="")
    env.pop("PEOPLE_API_DATABASE_URL", None)
    env.update(extra)
    return env


class MakeRun:
    """`scripts/run.sh` (or `make run`) in a process group of its own, as a terminal runs it;
    the whole group is killed by its id if a test fails."""

    def __init__(self, data_dir, port=None, command=None, **extra):
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.output = self.data_dir.parent / f"{self.data_dir.name}-make-run-{self.port}.out"
        with open(self.output, "w") as sink:
            self.process = subprocess.Popen(command or [RUN], env=run_env(self.data_dir, self.port, **extra), cwd=ROOT,
                                            stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
                                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))

    @property
    def text(self):
        return self.output.read_text()

    def wait_up(self):
        wait_until(lambda: "Press Ctrl-C" in self.text or self.process.poll() is not None, 120, "make run to come up")
        assert "Press Ctrl-C" in self.text, self.text
        return self

    def after_up(self):
        return self.text.split("Press Ctrl-C to stop.\n", 1)[1]

    def kill(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def runs():
    started = []

    def start(*arguments, **keywords):
        run = MakeRun(*arguments, **keywords)
        started.append(run)
        return run

    yield start
    for run in started:
        run.kill()


def modes(folder: Path):
    """Every file and folder under `folder` (sockets aside) with its permission bits."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        status = path.lstat()
        if stat.S_ISSOCK(status.st_mode):
            continue
        found[str(path.relative_to(folder))] = stat.S_IMODE(status.st_mode)
    return found


def assert_private(folder: Path, record_property=None):
    found = modes(folder)
    if record_property:
        record_property("modes", " ".join(f"{name}={mode:o}" for name, mode in sorted(found.items())))
    for name, mode in found.items():
        path = folder / name
        expected = 0o700 if path.is_dir() else 0o600
        assert mode == expected, f"{name} is {mode:o}, not {expected:o}: {found}"


# ---- 1. Ctrl-C and SIGTERM end make run with one calm line and status 0, every time ----

def test_twenty_stops_each_end_with_one_calm_line_and_status_0(tmp_path, runs, record_property):
    """SIGINT to the whole process group (a terminal's Ctrl-C), at varied moments after the run
    is up, twenty times on one DATA_DIR: status 0 each time and one line after "Press Ctrl-C"."""
    data_dir = tmp_path / "var"
    random.seed(22)
    started = time.monotonic()
    for attempt in range(20):
        run = runs(data_dir).wait_up()
        time.sleep(random.choice([0, 0, 0.05, 0.3, 0.9, 1.1]))  # different moments of the run's watch loop
        os.killpg(run.process.pid, signal.SIGINT)
        assert run.process.wait(timeout=60) == 0, (attempt, run.text)
        assert run.after_up() == f"people-api stopped; data kept in {data_dir}\n", (attempt, run.text)
    record_property("seconds_for_20_stops", round(time.monotonic() - started, 1))


def test_sigterm_to_the_script_and_to_make_stops_calmly(tmp_path, runs, record_property):
    data_dir = tmp_path / "var"
    run = runs(data_dir).wait_up()
    run.process.send_signal(signal.SIGTERM)
    assert run.process.wait(timeout=60) == 0, run.text
    assert run.after_up() == f"people-api stopped; data kept in {data_dir}\n"
    # Through make, as `make run` is started: SIGTERM to make alone, then Ctrl-C to make's group.
    # (`-o quiet-release -o release`: the debug binary of this test run, no release build.)
    make = ["make", "--no-print-directory", "-o", "release", "run"]
    for how in ("sigterm-to-make", "sigint-to-group"):
        run = runs(data_dir, command=make).wait_up()
        if how == "sigterm-to-make":
            run.process.send_signal(signal.SIGTERM)
        else:
            os.killpg(run.process.pid, signal.SIGINT)
        code = run.process.wait(timeout=60)
        record_property(f"make_status_{how}", code)
        # make ends as any program ends on the signal it was sent (the shell shows 130 or 143);
        # what it must not do is report the recipe as failed.
        assert code in (0, -signal.SIGTERM, -signal.SIGINT), (how, code, run.text)
        assert run.after_up() == f"people-api stopped; data kept in {data_dir}\n", (how, run.text)
        assert "***" not in run.text and "Error" not in run.text, run.text


# ---- 2. One run per DATA_DIR ----

def test_a_second_run_on_the_same_data_dir_refuses_and_touches_nothing(tmp_path, runs):
    data_dir = tmp_path / "var"
    first = runs(data_dir).wait_up()
    # Everything but what the running first instance itself keeps writing (its logs, its store,
    # and its scoreboard, where each responder writes a sample every second).
    files = [p for p in data_dir.rglob("*") if p.is_file() and not p.name.endswith((".log", ".scoreboard"))]
    before = {str(p): (p.stat().st_mtime_ns, p.read_bytes()) for p in files if "sqlite" not in p.name}
    started = time.monotonic()
    second = subprocess.run([RUN], env=run_env(data_dir, free_port()), capture_output=True, text=True, timeout=30)
    assert time.monotonic() - started < 5
    assert second.returncode == 1
    assert f"{data_dir} is in use by make run (pid {first.process.pid})" in second.stderr, second.stderr
    assert second.stdout == ""
    after = {str(p): (p.stat().st_mtime_ns, p.read_bytes()) for p in files if "sqlite" not in p.name}
    assert after == before
    # The first run still serves, and make restart still finds it.
    assert requests.get(f"http://127.0.0.1:{first.port}/api/health", timeout=5).status_code == 200
    restarted = subprocess.run([str(ROOT / "scripts/restart.sh")], env=run_env(data_dir, first.port),
                               capture_output=True, text=True, timeout=90)
    assert restarted.returncode == 0, restarted.stderr
    # 4. make restart names the responders themselves, not their wrappers.
    words = restarted.stdout.split()
    old, new = int(words[words.index("responder") + 1]), int(words[words.index("by") + 1])
    assert Path(f"/proc/{new}/exe").resolve() == Path(BINARY).resolve()
    assert f"responder pid {old} started" in first.text
    assert requests.get(f"http://127.0.0.1:{first.port}/api/health", timeout=5).status_code == 200


# ---- 4. Token commands print only their result; 23.1: modes after make run and a token command ----

def make(target, data_dir, *settings, swift="swift"):
    # quiet-release runs with SWIFT as given: a stand-in build that succeeds or fails, never a real one.
    # As the README writes it: TOKEN=$(make token NAME=…), no -s.
    # From a person's shell: not as a sub-make of `make test`, which would print its directory.
    env = {name: value for name, value in run_env(data_dir, 0).items() if name not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(["make", target, f"SWIFT={swift}", *settings], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_token_commands_print_only_their_result_and_everything_is_private(tmp_path, runs, record_property):
    data_dir = tmp_path / "var"
    run = runs(data_dir).wait_up()
    record_property("modes_after_make_run", " ".join(f"{k}={v:o}" for k, v in sorted(modes(data_dir).items())))
    assert_private(data_dir)
    os.killpg(run.process.pid, signal.SIGINT)
    assert run.process.wait(timeout=60) == 0
    # A build that succeeds says nothing, one that fails says why on stderr; stdout is the result alone.
    quiet_build = tmp_path / "swift"
    quiet_build.write_text("#!/bin/sh\necho 'Building for production...'\necho '[1/3] Compiling'\n")
    quiet_build.chmod(0o755)
    created = make("token", data_dir, "NAME=ops", swift=quiet_build)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert created.stdout == token + "\n" and len(token) >= 40 and "Compiling" not in created.stderr
    listed = make("token-list", data_dir, swift=quiet_build)
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["local", "ops"]
    revoked = make("token-revoke", data_dir, "NAME=ops", swift=quiet_build)
    assert revoked.returncode == 0 and revoked.stdout == ""
    failing_build = tmp_path / "failing-swift"
    failing_build.write_text("#!/bin/sh\necho 'error: something broke'\nexit 1\n")
    failing_build.chmod(0o755)
    failed = make("token", data_dir, "NAME=other", swift=failing_build)
    assert failed.returncode != 0 and failed.stdout == "" and "error: something broke" in failed.stderr
    # The token commands (under an open umask) left every file private, the store's WAL and SHM included.
    subprocess.run(["sh", "-c", f"umask 022; exec {BINARY} token create late --database {data_dir}/people.sqlite"],
                   check=True, capture_output=True)
    record_property("modes_after_token_commands", " ".join(f"{k}={v:o}" for k, v in sorted(modes(data_dir).items())))
    assert_private(data_dir)


# ---- 5. No database created unasked ----

def test_the_binary_creates_no_database_where_none_was_asked_for(tmp_path):
    def people_api(*arguments):
        return subprocess.run([BINARY, *arguments], cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=30, env={k: v for k, v in os.environ.items() if "DATABASE_URL" not in k})

    for arguments in (["token", "list"], ["token", "create", "ops"], ["serve"], []):
        done = people_api(*arguments)
        assert done.returncode != 0 and "No database given" in done.stderr, (arguments, done.stderr)
    done = people_api("token", "list", "--database", "people.sqlite")
    assert done.returncode == 1 and "There is no database at people.sqlite; nothing was created" in done.stderr
    done = people_api("--database", "people.sqlite")
    assert done.returncode != 0 and "fd 0 is not a socket" in done.stderr
    assert list(tmp_path.iterdir()) == []
    # Asked for, it is created, and private under any umask.
    listen = f"127.0.0.1:{free_port()}"
    server = subprocess.Popen(["sh", "-c", f"umask 022; exec {BINARY} serve --listen {listen} --database data/people.sqlite"],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: (tmp_path / "data/people.sqlite").exists(), 20, "the database")
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
    assert_private(tmp_path / "data")


# ---- 6. The deploy check runs without /etc ----

def test_the_site_check_passes_and_catches_a_broken_setting():
    def check(**settings):
        env = dict(os.environ, **settings)
        for name in ("LISTEN", "UPSTREAM", "CONF_DIR", "LOG_DIR", "WEB_ROOT", "PORT"):
            if name not in settings:
                env.pop(name, None)
        return subprocess.run([str(ROOT / "scripts/render-nginx.sh"), "--site", "--check"], env=env,
                              capture_output=True, text=True, timeout=60)

    ensure_snakeoil()
    for settings in ({}, {"TLS": "off"}, {"UPSTREAM": "10.0.0.2:9000 10.0.0.3:9000", "RATE_LIMIT": "0"}):
        done = check(**settings)
        assert done.returncode == 0 and "passes nginx -t" in done.stdout, (settings, done.stderr)
    broken = check(READ_TIMEOUT="soon")
    assert broken.returncode == 1 and "does not pass nginx -t" in broken.stderr and "fastcgi_read_timeout" in broken.stderr
    missing = check(SSL_CERTIFICATE="/nonexistent/cert.pem")
    assert missing.returncode == 1 and "/nonexistent/cert.pem" in missing.stderr


def ensure_snakeoil():
    """Debian's self-signed pair (package ssl-cert), what the production site uses by default."""
    if not Path("/etc/ssl/private/ssl-cert-snakeoil.key").exists():
        subprocess.run(["make-ssl-cert", "generate-default-snakeoil"], check=True, capture_output=True, timeout=60)
