"""GET /api/metrics, the scoreboard behind it, `people-api status`, and a real Prometheus scraping it."""
import concurrent.futures
import os
import shutil
import signal
import subprocess
import uuid

import pytest
import requests

import store
from conftest import Api, assert_envelope, unique_email
from observe import Prometheus, get_unix, live_responders, samples, status_of, total
from stack import running_stack, wait_until


def metrics(stack, accept=None, token=True):
    headers = {"Accept": accept} if accept else {}
    if token:
        headers["Authorization"] = f"Bearer {stack.operator_token}"
    return requests.get(stack.url + "/api/metrics", headers=headers, timeout=10)


def test_metrics_are_for_operators_in_prometheus_text_or_openmetrics(stack):
    api = Api(stack)
    person = api.create({"name": "Metric Person", "email": unique_email("metrics")}).json()
    assert api.create({"name": "", "email": "not-an-email"}).status_code == 422

    anonymous = metrics(stack, token=False)
    assert_envelope(anonymous, 401, "UNAUTHORIZED")
    assert_envelope(metrics(stack, accept="application/xml"), 406, "NOT_ACCEPTABLE")

    text = metrics(stack)
    assert text.status_code == 200
    assert text.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert text.headers["Cache-Control"] == "no-store"
    parsed = samples(text.text)
    assert total(parsed, "people_api_requests_total", route="/api/people", method="POST", status="201") >= 1
    assert total(parsed, "people_api_requests_total", route="/api/people", method="POST", status="422") >= 1
    assert total(parsed, "people_api_build_info", store="postgresql" if store.is_postgres(stack.database) else "sqlite") == 1
    # No label holds a person's data, an id or a token.
    for secret in (person["id"], person["email"], person["name"], stack.operator_token):
        assert secret not in text.text
    for accept in ("text/plain", "*/*", "application/json"):
        assert metrics(stack, accept=accept).headers["Content-Type"].startswith("text/plain; version=0.0.4")

    prometheus_asks = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
    open_metrics = metrics(stack, accept=prometheus_asks)
    assert open_metrics.headers["Content-Type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8"
    assert open_metrics.text.endswith("# EOF\n")
    assert "# TYPE people_api_requests counter" in open_metrics.text


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian's prometheus) is not installed")
def test_promtool_finds_nothing_to_say(stack, tmp_path):
    Api(stack).create({"name": "Lint Person", "email": unique_email("lint")})
    body = metrics(stack).text
    done = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == "" and done.stderr.strip() == "", done.stdout + done.stderr


def test_stub_status_and_the_hosts_metrics_are_on_the_operators_socket_only(stack):
    operators = stack.dir / "nginx-status.sock"
    status, _, text = get_unix(operators, "/stub_status")
    assert status == 200 and text.startswith("Active connections:"), text
    status, headers, text = get_unix(operators, "/hosts/local/metrics", {"Authorization": f"Bearer {stack.operator_token}"})
    assert status == 200 and "people_api_requests_total" in text
    assert get_unix(operators, "/hosts/local/metrics")[0] == 401
    # Not on the public listener.
    assert requests.get(stack.url + "/stub_status", timeout=5).status_code == 404
    assert requests.get(stack.url + "/hosts/local/metrics", timeout=5).status_code == 404


def send(stack, creates, invalid, workers=8):
    """Valid and invalid creates through nginx, concurrently: the statuses the client saw."""
    def one(valid):
        body = {"name": "Scraped Person", "email": unique_email("scraped")} if valid else {"name": "", "email": "nope"}
        return requests.post(stack.url + "/api/people", json=body, timeout=15).status_code
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        seen = list(pool.map(one, [True] * creates + [False] * invalid))
    return seen.count(201), seen.count(422), [status for status in seen if status not in (201, 422)]


@pytest.mark.skipif(shutil.which("prometheus") is None, reason="Debian's prometheus is not installed")
def test_a_real_prometheus_sees_every_process_and_keeps_counts_across_a_kill_9(record_property):
    # A connection per request: kept ones all go to the process that accepted them first.
    with running_stack(rate_limit=0, processes=2, keep_conn="off") as stack:
        scoreboard = stack.dir / "people-api.scoreboard"
        prometheus = Prometheus(f"127.0.0.1:{stack.port}", stack.operator_token).start()
        try:
            prometheus.wait_for('up{job="people-api"}', lambda up: up == 1, "the first scrape")
            sent_201 = sent_422 = 0
            # Both responders must have answered some: more rounds until they have (the kernel picks who accepts).
            def both_served():
                nonlocal sent_201, sent_422
                created, refused, other = send(stack, 150, 50)
                assert other == []
                sent_201, sent_422 = sent_201 + created, sent_422 + refused
                served = live_responders(scoreboard)
                return served if len(served) == 2 and all(count > 0 for count in served.values()) else None
            served = wait_until(both_served, 60, "both responders to serve creates")
            record_property("requests per responder before the kill", sorted(served.values()))

            posted = 'sum(people_api_requests_total{route="/api/people",method="POST",status="%s"})'
            seen_201 = prometheus.wait_for(posted % 201, lambda value: value >= sent_201, "the 201s")
            seen_422 = prometheus.wait_for(posted % 422, lambda value: value >= sent_422, "the 422s")
            record_property("201s / 422s sent, seen by Prometheus, before the kill", f"{sent_201} / {sent_422}, {seen_201:.0f} / {seen_422:.0f}")
            assert (seen_201, seen_422) == (sent_201, sent_422)
            assert prometheus.query("count(people_api_process_start_time_seconds)") == 2

            victim = max(served, key=served.get)
            os.kill(victim, signal.SIGKILL)
            wait_until(lambda: victim not in live_responders(scoreboard) and len(live_responders(scoreboard)) == 2,
                       30, "multiwatch to replace the killed responder")
            created, refused, other = send(stack, 100, 30)
            assert other == []
            sent_201, sent_422 = sent_201 + created, sent_422 + refused

            seen_201 = prometheus.wait_for(posted % 201, lambda value: value >= sent_201, "the 201s after the kill")
            seen_422 = prometheus.wait_for(posted % 422, lambda value: value >= sent_422, "the 422s after the kill")
            record_property("201s sent / seen by Prometheus", f"{sent_201} / {seen_201}")
            record_property("422s sent / seen by Prometheus", f"{sent_422} / {seen_422}")
            assert (seen_201, seen_422) == (sent_201, sent_422), "counts lost with the killed responder"
            assert prometheus.wait_for("sum(people_api_processes_ended_abnormally_total)", lambda v: v >= 1, "the abnormal end") == 1
            assert prometheus.query("sum(people_api_processes_started_total)") == 3
            # Never a drop Prometheus would take for a counter reset.
            assert prometheus.query(f'sum(resets(people_api_requests_total{{route="/api/people",method="POST"}}[5m]))') == 0
            p99 = prometheus.wait_for(
                'histogram_quantile(0.99, sum by (le) (rate(people_api_request_duration_seconds_bucket{route="/api/people"}[1m])))',
                lambda value: value == value, "a p99")  # NaN until the rate has two samples
            record_property("p99 of creates from the histogram, s", p99)
            assert 0 < p99 <= 5
            commits = prometheus.query("sum(people_api_store_commits_total)")
            assert prometheus.query("sum(people_api_store_creates_per_commit_sum)") == sent_201
            assert 1 <= commits <= sent_201

            view = status_of(scoreboard)
            assert "2 live, 3 started, 1 ended abnormally" in view, view
            assert f"201: {sent_201}" in view and f"422: {sent_422}" in view, view
            assert "req/s" in view and "p99" in view
        finally:
            prometheus.stop()


def test_status_without_a_scoreboard_says_so(tmp_path):
    from stack import BINARY
    done = subprocess.run([BINARY, "status", "--scoreboard", str(tmp_path / "none")], capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "is people-api running" in done.stderr
