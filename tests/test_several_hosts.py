"""Several hosts, for real, on one machine: four network namespaces on one bridge. nginx on one
host; two application hosts, each with spawn-fcgi + multiwatch running two responders on TCP
that accept FastCGI only from the nginx host (FCGI_WEB_SERVER_ADDRS); PostgreSQL on the fourth.
The client speaks HTTP to nginx from inside the nginx host."""
import concurrent.futures
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

import fastcgi_client
import postgres
import store
from conftest import assert_envelope
from namespaces import Network, unavailable_reason
from observe import get_unix, samples, total
from stack import BINARY, ROOT, wait_until

REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"several-hosts test skipped: {REASON}")

APP_PORT = 9000
APPS = ("app1", "app2")


class Cluster:
    def __init__(self, network: Network, work: Path, database: postgres.Server):
        self.network = network
        self.work = work
        self.database = database
        self.address = network.addresses
        # The application hosts reach PostgreSQL over the network, as separate machines would.
        self.app_database_url = f"postgresql://people_api@{self.address['db']}:5432/people"
        self.url = f"http://{self.address['nginx']}:8080"
        self.apps = {}
        self.token = None

    def start(self):
        for role in APPS:
            self.start_app(role)
        run_dir = self.work / "nginx"
        upstream = " ".join(f"{self.address[role]}:{APP_PORT}" for role in APPS)
        env = dict(LISTEN=f"{self.address['nginx']}:8080", UPSTREAM=upstream, FAIL_TIMEOUT="3s", RATE_LIMIT="0")
        subprocess.run([str(ROOT / "scripts/render-nginx.sh"), str(run_dir)], env=dict(os.environ, **env), check=True,
                       stdout=subprocess.DEVNULL)
        self.network.start("nginx", ["nginx", "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), "-g", "daemon off;"],
                           self.work / "nginx.log", env={"TZ": "UTC"})
        wait_until(lambda: self.on_nginx_host(lambda: self._status("GET", "/api/health")) == 200, 30, "health through nginx")
        done = subprocess.run([BINARY, "token", "create", "ops", "--database", self.database.url], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        self.token = done.stdout.strip().splitlines()[-1]
        return self

    def start_app(self, role):
        address = self.address[role]
        self.apps[role] = self.network.start(
            role,
            ["spawn-fcgi", "-n", "-a", address, "-p", str(APP_PORT), "--",
             shutil.which("multiwatch"), "-f", "2", "-t", "0", "-s", "TERM", "--",
             BINARY, "serve", "--database", self.app_database_url],
            self.log(role),
            # libfcgi closes every connection from any other address before reading a byte.
            # Each host's scoreboard: its responders share it (on TCP, no socket says where it goes).
            env={"FCGI_WEB_SERVER_ADDRS": self.address["nginx"], "SWIFT_BACKTRACE": "enable=no",
                 "PEOPLE_API_SCOREBOARD": str(self.work / f"{role}.scoreboard")})
        wait_until(lambda: self.on_nginx_host(lambda: self.fastcgi_health(address)) == 200, 30, f"{role} answering FastCGI")

    def stop_app(self, role):
        process = self.apps.pop(role)
        Network.stop(process)
        self.network.processes.remove(process)

    def log(self, role) -> Path:
        return self.work / f"{role}.log"

    def served(self, role, status=201) -> int:
        """How many creates this host answered with `status`, from its responders' log lines."""
        text = self.log(role).read_text(errors="replace") if self.log(role).exists() else ""
        return len(re.findall(rf"POST /api/people {status}$", text, flags=re.MULTILINE))

    def on_nginx_host(self, function):
        return self.network.on_host("nginx", function)

    @staticmethod
    def fastcgi_health(address):
        try:
            output = fastcgi_client.request((address, APP_PORT), "GET", "/api/health")
        except OSError:
            return None
        return fastcgi_client.status_of(output)

    def _status(self, method, path):
        try:
            return requests.request(method, self.url + path, timeout=5).status_code
        except requests.RequestException:
            return None

    def create(self, session, body, key=None):
        headers = {"Idempotency-Key": key} if key else {}
        return session.post(self.url + "/api/people", json=body, headers=headers, timeout=15)


@pytest.fixture(scope="module")
def cluster():
    work = Path(tempfile.mkdtemp(prefix="people-hosts-"))
    work.chmod(0o755)  # PostgreSQL runs as nobody under root and must reach its folder
    with Network("nginx", *APPS, "db") as network:
        database = postgres.Server(work / "pg", listen=network.addresses["db"], clients=Network.SUBNET,
                                   launcher=("ip", "netns", "exec", network.hosts["db"]))
        try:
            database.start()
            yield Cluster(network, work, database).start()
        finally:
            for process in list(network.processes):
                Network.stop(process)
            database.stop()
            shutil.rmtree(work, ignore_errors=True)


def test_creates_spread_over_both_application_hosts(cluster):
    before = {role: cluster.served(role) for role in APPS}

    def create_many():
        session = requests.Session()
        return [cluster.create(session, {"name": f"Spread {i}", "email": f"spread-{uuid.uuid4().hex}@example.com"}).status_code
                for i in range(40)]

    assert cluster.on_nginx_host(create_many) == [201] * 40
    for role in APPS:
        assert cluster.served(role) - before[role] >= 10, f"{role} served too few of 40 creates"


def test_prometheus_reaches_each_hosts_scoreboard_through_the_operators_server(cluster):
    """Through the upstream a scrape reaches one host at random; /hosts/ADDRESS/metrics on nginx's
    operators' server reaches that host, whose answer sums its own responders."""
    def create_some():
        session = requests.Session()
        return [cluster.create(session, {"name": f"Counted {i}", "email": f"counted-{uuid.uuid4().hex}@example.com"}).status_code
                for i in range(20)]

    assert cluster.on_nginx_host(create_some) == [201] * 20
    operators = cluster.work / "nginx" / "nginx-status.sock"
    for role in APPS:
        status, _, text = get_unix(operators, f"/hosts/{cluster.address[role]}:{APP_PORT}/metrics",
                                   {"Authorization": f"Bearer {cluster.token}"})
        assert status == 200, text
        parsed = samples(text)
        counted = total(parsed, "people_api_requests_total", route="/api/people", method="POST", status="201")
        assert counted == cluster.served(role), f"{role}: its scoreboard says {counted}, its log {cluster.served(role)}"
        assert total(parsed, "people_api_processes") == 2


def test_the_same_email_sent_to_both_hosts_at_once_is_stored_once(cluster):
    email = f"Both-{uuid.uuid4().hex}@Example.com"
    refused_before = {role: cluster.served(role, 409) for role in APPS}

    def race():
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(lambda i: cluster.create(requests, {"name": f"Racer {i}", "email": email if i % 2 else email.lower()}),
                                 range(32)))

    answers = cluster.on_nginx_host(race)
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(201) == 1 and statuses.count(409) == 31, statuses
    for answer in answers:
        if answer.status_code == 409:
            assert_envelope(answer, 409, "CONFLICT")
    assert all(cluster.served(role, 409) > refused_before[role] for role in APPS), "both hosts took part in the race"
    assert store.count_people(cluster.database.url, email) == 1


def test_the_same_idempotency_key_raced_across_both_hosts_creates_one_person(cluster):
    key = str(uuid.uuid4())
    body = {"name": "Keyed", "email": f"keyed-{key}@example.com"}

    def race():
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(lambda _: cluster.create(requests, body, key=key), range(32)))

    answers = cluster.on_nginx_host(race)
    assert {answer.status_code for answer in answers} <= {201, 409}, [a.status_code for a in answers]
    assert len({answer.json()["id"] for answer in answers if answer.status_code == 201}) == 1
    for answer in answers:
        if answer.status_code == 409:
            assert_envelope(answer, 409, "IDEMPOTENCY_KEY_IN_USE")
    assert store.count_people(cluster.database.url, body["email"]) == 1


def test_only_the_nginx_host_may_speak_fastcgi_to_an_application_host(cluster):
    assert cluster.network.on_host("app2", lambda: cluster.fastcgi_health(cluster.address["app1"])) is None
    assert cluster.network.on_host("db", lambda: cluster.fastcgi_health(cluster.address["app2"])) is None
    assert cluster.on_nginx_host(lambda: cluster.fastcgi_health(cluster.address["app1"])) == 200


def test_a_stopped_host_is_routed_around_and_rejoins_when_started(cluster, record_property):
    session_token = {"Authorization": f"Bearer {cluster.token}"}

    def work_through_the_stop():
        session = requests.Session()
        person = cluster.create(session, {"name": "Anchor", "email": f"anchor-{uuid.uuid4().hex}@example.com"}).json()
        answers = {"GET": [], "POST": []}
        stop = threading.Event()

        def load():
            client = requests.Session()
            for i in range(2000):  # bounded; ends when the stop is over
                if stop.is_set():
                    return
                answers["GET"].append(client.get(cluster.url + "/api/people/" + person["id"], headers=session_token, timeout=15))
                answers["POST"].append(cluster.create(client, {"name": f"During {i}", "email": f"during-{uuid.uuid4().hex}@example.com"}))

        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            running = [pool.submit(load) for _ in range(4)]
            time.sleep(0.5)  # load on both hosts before the stop (what is measured is the answers, not time)
            cluster.stop_app("app1")
            time.sleep(0.5)
            stop.set()
            for future in running:
                future.result()
        # With app1 gone for good, everything goes to app2.
        after = [session.get(cluster.url + "/api/people/" + person["id"], headers=session_token, timeout=15).status_code
                 for _ in range(20)]
        after += [cluster.create(session, {"name": "After", "email": f"after-{uuid.uuid4().hex}@example.com"}).status_code
                  for _ in range(20)]
        return answers, after

    answers, after = cluster.on_nginx_host(work_through_the_stop)
    record_property("gets_during_stop", len(answers["GET"]))
    record_property("creates_during_stop", len(answers["POST"]))
    record_property("creates_failed_during_stop", sum(answer.status_code != 201 for answer in answers["POST"]))
    assert answers["GET"] and all(answer.status_code == 200 for answer in answers["GET"]), \
        [answer.status_code for answer in answers["GET"] if answer.status_code != 200]
    failed_posts = [answer for answer in answers["POST"] if answer.status_code != 201]
    for answer in failed_posts:  # only a create in flight on app1 as it stopped may fail, and then as the contract says
        assert_envelope(answer, 502, "BAD_GATEWAY")
    assert len(failed_posts) <= 4, f"{len(failed_posts)} creates failed; at most the 4 in flight may"
    assert after == [200] * 20 + [201] * 20

    cluster.start_app("app1")
    before = cluster.served("app1")

    def until_app1_serves():
        session = requests.Session()
        for i in range(200):  # bounded: app1 rejoins once nginx's fail_timeout (3 s) has passed
            assert cluster.create(session, {"name": f"Rejoin {i}", "email": f"rejoin-{uuid.uuid4().hex}@example.com"}).status_code == 201
            if cluster.served("app1") > before:
                return True
            time.sleep(0.1)
        return False

    assert cluster.on_nginx_host(until_app1_serves), "app1 did not rejoin"
