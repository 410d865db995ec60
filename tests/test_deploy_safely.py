"""Deploying safely (issue 23): no database password on any command line or in any output, and
the production site rendered with TLS, served over HTTPS with Debian's snakeoil certificate."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

import postgres
from stack import BINARY, ROOT, free_port, wait_until
from test_first_hour import MakeRun, ensure_snakeoil

SECRET = "pw-" + os.urandom(6).hex()


def with_password(url: str) -> str:
    """The test server's URL (`postgresql:///db?host=…&user=people_api`) with a password in it:
    the server trusts local users, so it is ignored there, and must show up nowhere."""
    assert url.startswith("postgresql:///")
    return url.replace("postgresql:///", f"postgresql://people_api:{SECRET}@/", 1)


def command_lines_holding(secret: str):
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(secret.encode() in word for word in words):
            found.append((int(entry.name), b" ".join(words)[:200]))
    return found


@pytest.fixture
def server_url():
    if postgres.SHARED_URL:
        yield postgres.SHARED_URL
        return
    with postgres.own_server() as server:  # run alone, outside scripts/test.sh
        yield server.url


def test_a_password_in_the_database_url_is_on_no_command_line_and_in_no_output(tmp_path, server_url, record_property):
    url = with_password(postgres.fresh_database(server_url))
    data_dir = tmp_path / "var"
    run = MakeRun(data_dir, STORE="postgres", DATABASE_URL=url, PROCESSES="2")
    try:
        run.wait_up()
        assert "database postgresql://people_api:***@/" in run.text, run.text
        pids = [int(p) for p in (data_dir / "run/supervisor.pid").read_text().split()]
        wait_until(lambda: len(Path(f"/proc/{pids[0]}/task/{pids[0]}/children").read_text().split()) == 2, 20, "two responders")
        holding = command_lines_holding(SECRET)
        record_property("command_lines_holding_the_password", len(holding))
        assert holding == [], holding
        # The token commands take it the same way.
        listed = subprocess.run([str(ROOT / "scripts/token.sh"), "list"], env=dict(os.environ, BINARY=BINARY, DATA_DIR=str(data_dir),
                                STORE="postgres", DATABASE_URL=url), capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0 and listed.stdout.startswith("local\t"), listed.stderr
        # On the command line it is refused, with the way to pass it.
        refused = subprocess.run([BINARY, "token", "list", "--database", url], capture_output=True, text=True, timeout=30)
        assert refused.returncode != 0 and "PEOPLE_API_DATABASE_URL" in refused.stderr and SECRET not in refused.stderr
        os.killpg(run.process.pid, signal.SIGINT)
        assert run.process.wait(timeout=60) == 0
    finally:
        run.kill()
    for path in [run.output] + [p for p in data_dir.rglob("*") if p.is_file()]:
        assert SECRET not in path.read_text(errors="replace"), path


def test_an_unreachable_database_is_reported_without_its_password(tmp_path):
    url = f"postgresql://people_api:{SECRET}@127.0.0.1:{free_port()}/people?connect_timeout=2"
    file = tmp_path / "database-url"
    file.write_text(url + "\n")
    for how in (dict(args=["--database-url-file", str(file)], env={}), dict(args=[], env={"PEOPLE_API_DATABASE_URL": url})):
        done = subprocess.run([BINARY, "token", "list", *how["args"]], env=dict(os.environ, **how["env"]),
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and "cannot be reached" in done.stderr, done.stderr
        assert SECRET not in done.stderr + done.stdout


# ---- TLS in the production site ----

def curl(*arguments):
    return subprocess.run(["curl", "-sS", "--max-time", "10", *arguments], capture_output=True, text=True, timeout=30)


def test_the_production_site_serves_https_and_sends_plain_http_there(tmp_path, record_property):
    ensure_snakeoil()
    host = socket.gethostname()  # the snakeoil certificate's name
    https_port, http_port = free_port(), free_port()
    run_dir = tmp_path / "run"
    sock = run_dir / "people-api.sock"
    env = dict(os.environ, UPSTREAM=f"unix:{sock}", RATE_LIMIT="0")
    subprocess.run([str(ROOT / "scripts/render-nginx.sh"), str(run_dir)], env=env, check=True, capture_output=True)
    # The production site, rendered as for /etc/nginx/sites-available, on test ports.
    site = subprocess.run([str(ROOT / "scripts/render-nginx.sh"), "--site"], capture_output=True, text=True, check=True,
                          env=dict(env, LISTEN=f"127.0.0.1:{https_port}", HTTP_LISTEN=f"127.0.0.1:{http_port}",
                                   CONF_DIR=str(run_dir), LOG_DIR=str(run_dir), WEB_ROOT=str(ROOT / "nginx/www"))).stdout
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in site and "return 308 https://" in site
    (run_dir / "people-api-site.conf").write_text(site)
    responder = nginx = None
    try:
        responder = subprocess.Popen([BINARY, "serve", "--listen", f"unix:{sock}", "--database", str(tmp_path / "people.sqlite")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        nginx = subprocess.Popen(["nginx", "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"https://{host}:{https_port}"
        tls = ["--cacert", "/etc/ssl/certs/ssl-cert-snakeoil.pem", "--resolve", f"{host}:{https_port}:127.0.0.1"]
        wait_until(lambda: curl(*tls, "-f", "-o", "/dev/null", base + "/api/health").returncode == 0, 20, "HTTPS health")
        token = subprocess.run([BINARY, "token", "create", "ops", "--database", str(tmp_path / "people.sqlite")],
                               capture_output=True, text=True, check=True).stdout.strip()
        for index in range(3):
            created = curl(*tls, "-w", "\n%{http_code}", "-H", "Content-Type: application/json",
                           "--data", f'{{"name":"Over TLS {index}","email":"tls{index}@example.com"}}', base + "/api/people")
            assert created.stdout.endswith("\n201"), created.stdout + created.stderr
        listed = curl(*tls, "-D", "-", "-H", f"Authorization: Bearer {token}", base + "/api/people")
        assert " 200" in listed.stdout.splitlines()[0] and "tls2@example.com" in listed.stdout
        assert "strict-transport-security: max-age=63072000" in listed.stdout.lower()
        page = curl(*tls, "-D", "-", "-o", "/dev/null", base + "/")
        assert "strict-transport-security" in page.stdout.lower()
        for version in ("--tlsv1.2 --tls-max 1.2", "--tlsv1.3"):
            assert curl(*tls, *version.split(), "-f", "-o", "/dev/null", base + "/api/health").returncode == 0, version
        record_property("https_creates", 3)
        # Plain HTTP: 308 to the same address over HTTPS, a POST kept a POST.
        for method, path in (("GET", "/"), ("GET", "/api/people"), ("POST", "/api/people")):
            answer = curl("-X", method, "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                          "-H", f"Host: {host}", f"http://127.0.0.1:{http_port}{path}")
            assert answer.stdout == f"308 https://{host}:{https_port}{path}", (method, path, answer.stdout)
        followed = curl(*tls, "-L", "-w", "\n%{http_code}", "-H", "Content-Type: application/json",
                        "--resolve", f"{host}:{http_port}:127.0.0.1",
                        "--data", '{"name":"Redirected","email":"redirected@example.com"}', f"http://{host}:{http_port}/api/people")
        assert followed.stdout.endswith("\n201"), followed.stdout + followed.stderr
    finally:
        for process in (nginx, responder):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
