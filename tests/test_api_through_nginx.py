"""The contract, exercised over HTTP through the bundled nginx config and the real responder."""
import concurrent.futures
import re
import socket
import threading
import uuid

import pytest
import requests

from conftest import TIMESTAMP, Api, assert_envelope, assert_problem, unique_email
from stack import Stack, free_port, running_stack

UUID_PATH = re.compile(r"^/api/people/([0-9a-f-]{36})$")


def test_health(api):
    response = api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_create_returns_201_and_location_leads_to_the_person(api):
    email = unique_email("Ada").replace("example.com", "EXAMPLE.com")
    response = api.create({"name": "  Ada Lovelace ", "email": f" {email} ", "age": 36.0})
    assert response.status_code == 201, response.text
    person = response.json()
    assert set(person) == {"id", "name", "email", "age", "created_at"}
    assert person["name"] == "Ada Lovelace"
    assert person["email"] == email.replace("EXAMPLE.com", "example.com")
    assert person["age"] == 36
    assert uuid.UUID(person["id"])
    assert TIMESTAMP.match(person["created_at"])
    location = response.headers["Location"]
    assert UUID_PATH.match(location).group(1) == person["id"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    fetched = api.get(location)
    assert fetched.status_code == 200
    assert fetched.json() == person


def test_malformed_body_is_400(api):
    assert_envelope(api.create(None, raw=b'{"name": '), 400, "MALFORMED_JSON")
    assert_envelope(api.create(None, raw=b""), 400, "MALFORMED_JSON")
    assert_envelope(api.create(None, raw=b"[1,2]"), 400, "MALFORMED_JSON")
    assert_envelope(api.create(None, raw=b'{"name":"\xff"}'), 400, "MALFORMED_JSON")
    assert_envelope(api.create(None, raw=b"[" * 10000), 400, "MALFORMED_JSON")


def test_validation_reports_every_field(api):
    error = assert_envelope(api.create({"name": " ", "email": "nope", "age": 200, "id": "x"}), 422, "VALIDATION_ERROR")
    assert set(error["errors"]) == {"name", "email", "age", "id"}
    assert error["message"] == "The person could not be created: 4 fields are invalid."


@pytest.mark.parametrize("method,path,headers,data,status,code", [
    ("PUT", "/api/people", {}, None, 405, "METHOD_NOT_ALLOWED"),
    ("DELETE", "/api/health", {}, None, 405, "METHOD_NOT_ALLOWED"),
    ("GET", "/api/unknown", {}, None, 404, "NOT_FOUND"),
    ("GET", "/api/people/not-a-uuid", {}, None, 404, "NOT_FOUND"),
    ("GET", f"/api/people/{uuid.uuid4()}", {}, None, 404, "NOT_FOUND"),
    ("GET", "/api/people", {"Accept": "text/html"}, None, 406, "NOT_ACCEPTABLE"),
    ("POST", "/api/people", {"Content-Type": "text/plain"}, b"{}", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("POST", "/api/people", {"Content-Type": "application/x-www-form-urlencoded"}, b"name=a", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("POST", "/api/people", {"Content-Type": "application/json", "Idempotency-Key": "bad key"}, b"{}", 400, "INVALID_IDEMPOTENCY_KEY"),
    ("GET", "/api/people?limit=0", {}, None, 400, "INVALID_QUERY"),
    ("GET", "/api/people?limit=101", {}, None, 400, "INVALID_QUERY"),
    ("GET", "/api/people?after=forged", {}, None, 400, "INVALID_QUERY"),
])
def test_statuses_and_codes(api, method, path, headers, data, status, code):
    response = api.request(method, path, headers=headers, data=data)
    error = assert_envelope(response, status, code)
    if status == 405:
        assert response.headers["Allow"] in ("GET, HEAD, POST, OPTIONS", "GET, HEAD, OPTIONS", "GET, HEAD, DELETE, OPTIONS")
    assert error["errors"] == {}


def test_charset_parameter_is_allowed(api):
    response = api.create(None, raw=f'{{"name":"C","email":"{unique_email()}"}}'.encode(),
                          headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 201


def test_duplicate_email_is_409_with_field_message(api):
    email = unique_email()
    assert api.create({"name": "A", "email": email}).status_code == 201
    error = assert_envelope(api.create({"name": "B", "email": email.upper()}), 409, "CONFLICT")
    assert error["errors"]["email"] == ["This email address is already taken."]


def test_nginx_refuses_a_body_over_64k_with_the_envelope(api):
    response = api.create(None, raw=b'{"name":"' + b"a" * 70 * 1024 + b'"}')
    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")


def test_uri_too_long_and_broken_request_line_are_json(stack):
    response = requests.get(stack.url + "/api/people?x=" + "a" * 20000, timeout=10)
    assert_envelope(response, 414, "URI_TOO_LONG")
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as raw:
        raw.sendall(b"NONSENSE\r\n\r\n")
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"Content-Type: application/json; charset=utf-8" in head
    assert b'"code":"BAD_REQUEST"' in body


def test_request_id_round_trip_and_log_line(api, stack):
    response = api.get("/api/people/" + str(uuid.uuid4()), headers={"X-Request-ID": "trace.42_A-b"})
    assert response.headers["X-Request-ID"] == "trace.42_A-b"
    assert response.json()["error"]["correlation_id"] == "trace.42_A-b"
    hostile = api.get("/api/health", headers={"X-Request-ID": "bad id with spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["X-Request-ID"])
    assert "correlation_id=trace.42_A-b" in stack.responder_log()


def test_etag_and_304(api):
    location = api.create({"name": "E", "email": unique_email()}).headers["Location"]
    first = api.get(location)
    assert first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    again = api.get(location, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag


def test_pagination_walks_every_page_newest_first(stack):
    api = Api(stack)
    created = [api.create({"name": f"Page {i}", "email": unique_email("page")}).json()["id"] for i in range(25)]
    seen, url, pages = [], "/api/people?limit=7", 0
    while url and pages < 1000:
        body = api.get(url).json()
        assert set(body) == {"items", "next"}
        seen += [item["id"] for item in body["items"]]
        url = f"/api/people?limit=7&after={body['next']}" if body["next"] else None
        pages += 1
    assert len(seen) == len(set(seen))
    positions = [seen.index(i) for i in created]
    assert positions == sorted(positions, reverse=True)
    assert api.get("/api/people").json()["items"].__len__() == 20


def test_idempotent_replay(api):
    body = {"name": "Idem", "email": unique_email("idem")}
    key = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    first = api.create(body, headers=key)
    again = api.create(body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert_envelope(api.create({"name": "Other", "email": unique_email()}, headers=key), 422, "IDEMPOTENCY_KEY_REUSED")


def test_parallel_creates_all_succeed(stack):
    def create(index):
        return Api(stack).create({"name": f"Par {index}", "email": unique_email(f"par{index}")}).status_code
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(create, range(64)))
    assert statuses == [201] * 64


def test_nothing_is_stored_by_a_failed_create(api, stack):
    email = unique_email("failed")
    assert api.create({"name": "", "email": email}).status_code == 422
    assert stack.stored_people(email) == 0


def test_page_is_served_with_a_csp(api):
    response = api.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "default-src" in response.headers["Content-Security-Policy"]


# Stacks of their own: these stop, kill or starve the responder.

@pytest.fixture
def own_stack():
    with running_stack(rate_limit=0) as started:
        yield started


def test_responder_down_gives_502_envelope_and_restart_keeps_data(own_stack):
    api = Api(own_stack)
    person = api.create({"name": "Kept", "email": unique_email()}).json()
    assert own_stack.stop_responder() == 0
    assert_envelope(api.get("/api/health"), 502, "BAD_GATEWAY")
    assert_envelope(api.create({"name": "Lost", "email": unique_email()}), 502, "BAD_GATEWAY")
    own_stack.start_responder()
    assert api.get(f"/api/people/{person['id']}").json() == person


def test_a_201_survives_kill_9(own_stack):
    api = Api(own_stack)
    person = api.create({"name": "Durable", "email": unique_email()}).json()
    own_stack.stop_responder(sig=9)
    own_stack.start_responder()
    assert api.get(f"/api/people/{person['id']}").json() == person


def test_rate_limit_answers_429_with_retry_after():
    with running_stack(rate_limit=10) as limited:
        api = Api(limited)
        statuses = []
        for index in range(40):
            response = api.create({"name": f"Burst {index}", "email": unique_email("burst")})
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert_envelope(response, 429, "RATE_LIMITED")
                assert response.headers["Retry-After"] == "1"
        assert 201 in statuses and 429 in statuses
        assert api.get("/api/health").status_code == 200  # reads are not limited


def test_a_responder_that_hangs_gives_504_envelope():
    listener = socket.socket()
    listener.bind(("127.0.0.1", free_port()))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def hang():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])  # read nothing, answer nothing
            except OSError:
                continue

    thread = threading.Thread(target=hang, daemon=True)
    thread.start()
    hanging = Stack(upstream="127.0.0.1:%d" % listener.getsockname()[1], read_timeout="1s", responder=False)
    try:
        hanging.start()
        assert_envelope(requests.get(hanging.url + "/api/health", timeout=10), 504, "GATEWAY_TIMEOUT")
        problem = requests.get(hanging.url + "/api/health", headers={"Accept": "application/problem+json"}, timeout=10)
        assert_problem(problem, 504, "GATEWAY_TIMEOUT")
        assert problem.headers["Retry-After"] == "1"
    finally:
        hanging.stop()
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_client_too_slow_gets_408_or_is_cut_off():
    """nginx's own timeouts deal with slow clients; the responder never sees them."""
    with running_stack(rate_limit=0, client_timeout="1s") as slow:
        with socket.create_connection(("127.0.0.1", slow.port), timeout=10) as raw:
            raw.sendall(b"POST /api/people HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"na")
            answer = b""
            while chunk := raw.recv(65536):
                answer += chunk
        # nginx 1.22 logs a 408 for a body timeout and closes without an answer; should it
        # ever answer, it must be the envelope.
        if answer:
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 408"), answer[:200]
            assert b"Content-Type: application/json; charset=utf-8" in head
            assert b'"code":"REQUEST_TIMEOUT"' in body
        assert " 408 " in (slow.dir / "people-api-access.log").read_text()
        assert "POST /api/people" not in slow.responder_log()
