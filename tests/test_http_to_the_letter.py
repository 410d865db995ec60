"""HTTP as the contract has it, through nginx: HEAD and OPTIONS, 501, `violations`, problem
details on request (from the responder and from nginx), ages judged as written, and no HTML
from nginx on /api/ for any status it produces (over a raw socket where curl cannot go)."""
import json
import socket
import uuid
from pathlib import Path

import pytest
import requests

from conftest import Api, assert_envelope, assert_problem, unique_email
from stack import running_stack

PROBLEM = {"Accept": "application/problem+json"}
ALLOW = {"/api/people": "GET, HEAD, POST, OPTIONS", f"/api/people/{uuid.uuid4()}": "GET, HEAD, DELETE, OPTIONS",
         "/api/health": "GET, HEAD, OPTIONS"}
SUITE = Path(__file__).resolve().parent / "JSONTestSuite" / "test_parsing"


def raw_exchange(port: int, data: bytes, timeout: float = 10):
    """Sends bytes as they are and reads the answer until nginx closes: (status line, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return lines[0], headers, body


def assert_raw_error(answer, status: int, code: str, problem: bool):
    status_line, headers, body = answer
    assert status_line.startswith(f"HTTP/1.1 {status} "), (status_line, body[:300])
    assert b"<html" not in body.lower()
    document = json.loads(body)
    if problem:
        assert headers["content-type"] == "application/problem+json"
        assert document["status"] == status and document["code"] == code
        assert document["type"] == "/problems/" + code.lower().replace("_", "-") and document["errors"] == []
    else:
        assert headers["content-type"] == "application/json; charset=utf-8"
        assert document["error"]["status"] == status and document["error"]["code"] == code
        assert document["error"]["errors"] == {} and document["error"]["violations"] == []
    return headers, document


# --- methods ---------------------------------------------------------------------------------

def test_head_is_get_without_a_body(api, stack):
    person = api.create({"name": "Head", "email": unique_email("head")}).json()
    path = f"/api/people/{person['id']}"
    get, head = api.get(path), api.request("HEAD", path)
    assert head.status_code == 200 and head.content == b""
    for name in ("Content-Type", "ETag", "Cache-Control", "X-Content-Type-Options"):
        assert head.headers[name] == get.headers[name]
    assert api.request("HEAD", path, headers={"If-None-Match": get.headers["ETag"]}).status_code == 304
    anonymous = requests.head(stack.url + path, timeout=10)
    assert anonymous.status_code == 401 and anonymous.content == b"" and "WWW-Authenticate" in anonymous.headers
    assert requests.head(stack.url + "/api/health", timeout=10).status_code == 200
    assert api.request("HEAD", "/api/people").status_code == 200
    # Over a raw socket: the answer carries no body at all (the next bytes would be the next answer).
    status_line, headers, body = raw_exchange(stack.port, b"HEAD /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_line.startswith("HTTP/1.1 200") and body == b""


@pytest.mark.parametrize("path", list(ALLOW))
def test_options_is_204_with_allow_for_anyone(stack, path):
    response = requests.options(stack.url + path, timeout=10, headers={
        "Accept": "text/html", "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204 and response.content == b""
    assert response.headers["Allow"] == ALLOW[path]
    assert not any(name.lower().startswith("access-control-") for name in response.headers)


@pytest.mark.parametrize("path", list(ALLOW))
def test_a_method_not_allowed_lists_allow(stack, path):
    method = "PUT"
    response = requests.request(method, stack.url + path, headers={"Accept": "text/html"}, timeout=10)
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")  # before 406 and 401
    assert response.headers["Allow"] == ALLOW[path]


@pytest.mark.parametrize("path", ["/api/people", "/api/nowhere", f"/api/people/{uuid.uuid4()}"])
def test_an_unknown_method_is_501_before_404_406_and_401(stack, path):
    response = requests.request("BREW", stack.url + path, headers={"Accept": "text/html"}, timeout=10)
    assert_envelope(response, 501, "NOT_IMPLEMENTED")
    assert_problem(requests.request("PROPFIND", stack.url + path, headers=PROBLEM, timeout=10), 501, "NOT_IMPLEMENTED")


def test_trace_is_405_with_allow_from_nginx(stack):
    response = requests.request("TRACE", stack.url + "/api/people", timeout=10)
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert_problem(requests.request("TRACE", stack.url + "/api/health", headers=PROBLEM, timeout=10), 405, "METHOD_NOT_ALLOWED")


# --- violations and problem details ----------------------------------------------------------

def test_violations_carry_a_code_per_message(api):
    error = assert_envelope(api.create({"name": " ", "email": "nope", "age": 36.5, "id": "x", "extra": 1}), 422, "VALIDATION_ERROR")
    assert [(v["field"], v["code"]) for v in error["violations"]] == [
        ("age", "not_a_whole_number"), ("email", "invalid_email"), ("extra", "unknown_field"), ("id", "unknown_field"), ("name", "blank")]
    email = unique_email("taken")
    assert api.create({"name": "A", "email": email}).status_code == 201
    taken = assert_envelope(api.create({"name": "B", "email": email}), 409, "CONFLICT")
    assert taken["violations"] == [{"field": "email", "code": "taken", "message": "This email address is already taken."}]


def test_problem_details_from_the_responder(api, stack):
    problem = assert_problem(api.create({"name": "", "email": "nope"}, headers=PROBLEM), 422, "VALIDATION_ERROR")
    assert problem["instance"] == "/api/people" and problem["title"] == "Validation error"
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [("#/email", "invalid_email"), ("#/name", "blank")]
    assert_problem(api.get("/api/nowhere?x=1", headers=PROBLEM), 404, "NOT_FOUND")["instance"] == "/api/nowhere"
    unauthorized = requests.get(stack.url + "/api/people", headers=PROBLEM, timeout=10)
    assert_problem(unauthorized, 401, "UNAUTHORIZED")
    assert unauthorized.headers["WWW-Authenticate"] == 'Bearer realm="people-api"'
    assert_problem(api.create(None, raw=b"{", headers=PROBLEM), 400, "MALFORMED_JSON")
    # Ranked strictly above application/json, by q-value; otherwise the envelope.
    ranked = {"Accept": "application/json;q=0.5, application/problem+json;q=0.8"}
    assert_problem(api.get("/api/nowhere", headers=ranked), 404, "NOT_FOUND")
    assert_envelope(api.get("/api/nowhere", headers={"Accept": "application/json, application/problem+json"}), 404, "NOT_FOUND")
    assert_envelope(api.get("/api/nowhere", headers={"Accept": "application/problem+json;q=0.5, */*"}), 404, "NOT_FOUND")
    # Successes are unchanged.
    health = api.get("/api/health", headers=PROBLEM)
    assert health.status_code == 200 and health.headers["Content-Type"] == "application/json; charset=utf-8"


def test_problem_pages_are_served_for_every_type(stack):
    codes = ["MALFORMED_JSON", "UNAUTHORIZED", "INVALID_QUERY", "INVALID_IDEMPOTENCY_KEY", "NOT_FOUND", "METHOD_NOT_ALLOWED",
             "NOT_ACCEPTABLE", "CONFLICT", "IDEMPOTENCY_KEY_IN_USE", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE",
             "VALIDATION_ERROR", "IDEMPOTENCY_KEY_REUSED", "RATE_LIMITED", "BAD_REQUEST", "REQUEST_TIMEOUT", "URI_TOO_LONG",
             "INTERNAL_ERROR", "NOT_IMPLEMENTED", "HTTP_VERSION_NOT_SUPPORTED", "BAD_GATEWAY", "SERVICE_UNAVAILABLE",
             "GATEWAY_TIMEOUT"]
    for code in codes:
        page = requests.get(stack.url + "/problems/" + code.lower().replace("_", "-"), timeout=10)
        assert page.status_code == 200, code
        assert page.headers["Content-Type"].startswith("text/html")
        assert code in page.text and "<h1>" in page.text
        # The layout around each page is included by nginx (SSI): nothing of it shows through.
        assert "<!--#" not in page.text and f"<code>{code}</code>" in page.text and page.text.startswith("<!doctype html>")
    assert_envelope(requests.get(stack.url + "/problems/no-such-problem", timeout=10), 404, "NOT_FOUND")
    for layout in ["/problems/layout/top.html", "/problems/layout/top", "/problems/layout/bottom.html"]:
        assert_envelope(requests.get(stack.url + layout, timeout=10), 404, "NOT_FOUND")


# --- numbers as written ----------------------------------------------------------------------

@pytest.mark.parametrize("written", ["36", "36.0", "3.6e1", "360e-1", "0.36E+2"])
def test_an_age_written_as_36_is_36(api, written):
    body = f'{{"name": "Num", "email": "{unique_email("num")}", "age": {written}}}'.encode()
    response = api.create(None, raw=body)
    assert response.status_code == 201, response.text
    assert response.json()["age"] == 36


@pytest.mark.parametrize("written,code", [
    ("36.0000000000000000001", "not_a_whole_number"), ("1e-400", "not_a_whole_number"), ("-0.5", "not_a_whole_number"),
    ("36.5", "not_a_whole_number"), ("1e400", "out_of_range"), ("-1", "out_of_range"), ("151", "out_of_range"),
    ("100000000000000000000000000000000", "out_of_range"), ('"36"', "not_a_whole_number"), ("true", "not_a_whole_number"),
])
def test_an_age_that_is_not_a_whole_number_in_range_is_422(api, written, code):
    body = f'{{"name": "Num", "email": "{unique_email("num")}", "age": {written}}}'.encode()
    error = assert_envelope(api.create(None, raw=body), 422, "VALIDATION_ERROR")
    assert error["violations"] == [{"field": "age", "code": code, "message": "Must be a whole number from 0 to 150."}]


def test_a_nul_in_a_member_name_is_read_then_refused_as_an_unknown_field(api):
    body = f'{{"name": "Nul", "email": "{unique_email("nul")}", "a\\u0000": 1}}'.encode()
    error = assert_envelope(api.create(None, raw=body), 422, "VALIDATION_ERROR")
    assert error["violations"] == [{"field": "a\u0000", "code": "unknown_field", "message": "Unknown field."}]


def test_json_test_suite_through_nginx(api, record_property):
    """Every y_ object is read (never 400, but for repeated names, which I-JSON refuses), every
    other y_ text is 400 (not an object), every n_ text is 400 (413 when over 64 KiB: the size is
    checked first), every i_ text is anything but 5xx."""
    counts = {"y_object": 0, "y_other": 0, "n": 0, "i": 0}
    wrong = []
    for path in sorted(SUITE.iterdir()):
        body = path.read_bytes()
        status = api.create(None, raw=body).status_code
        name = path.name
        if name.startswith("y_"):
            is_object = body.lstrip(b" \t\r\n").startswith(b"{")
            counts["y_object" if is_object else "y_other"] += 1
            expected_400 = not is_object or name.startswith("y_object_duplicated_key")
            if (status == 400) != expected_400 or status >= 500:
                wrong.append((name, status))
        elif name.startswith("n_"):
            counts["n"] += 1
            # Over 64 KiB, the size decides before the syntax: 413 (two of them: 100 000 open brackets).
            if status != (413 if len(body) > 64 * 1024 else 400):
                wrong.append((name, status))
        else:
            counts["i"] += 1
            if status >= 500:
                wrong.append((name, status))
    record_property("json_test_suite_counts", counts)
    print("JSONTestSuite through nginx:", counts)
    assert counts["y_object"] >= 12 and counts["y_other"] >= 80 and counts["n"] >= 188
    assert wrong == []


# --- nothing but JSON from nginx on /api/ ------------------------------------------------------

@pytest.mark.parametrize("problem", [False, True], ids=["envelope", "problem"])
def test_statuses_nginx_answers_after_reading_headers(stack, problem):
    accept = b"Accept: application/problem+json\r\n" if problem else b""
    cases = [
        (b"POST /api/people HTTP/1.1\r\nHost: x\r\n" + accept + b"Transfer-Encoding: gzip\r\n\r\n", 501, "NOT_IMPLEMENTED"),
        (b"POST /api/people HTTP/1.1\r\nHost: x\r\n" + accept + b"Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n",
         413, "PAYLOAD_TOO_LARGE"),
        (b"TRACE /api/people/x HTTP/1.1\r\nHost: x\r\n" + accept + b"\r\n", 405, "METHOD_NOT_ALLOWED"),
        (b"GET /api/health HTTP/1.1\r\n" + accept + b"\r\n", 400, "BAD_REQUEST"),  # HTTP/1.1 without Host
    ]
    for request, status, code in cases:
        headers, document = assert_raw_error(raw_exchange(stack.port, request), status, code, problem)
        if status == 405:
            assert headers["allow"] == "GET, HEAD, DELETE, OPTIONS"
        if problem:
            assert document["instance"].startswith("/api/")


def test_requests_refused_before_their_headers_get_the_envelope(stack):
    # Their Accept is unknown (never read): the envelope, whatever comes after the request line.
    later = b"Host: x\r\nAccept: application/problem+json\r\n\r\n"
    assert_raw_error(raw_exchange(stack.port, b"GET /api/health HTTP/2.0\r\n" + later), 505, "HTTP_VERSION_NOT_SUPPORTED", False)
    assert_raw_error(raw_exchange(stack.port, b"GET /api/" + b"a" * 9000 + b" HTTP/1.1\r\n" + later), 414, "URI_TOO_LONG", False)
    assert_raw_error(raw_exchange(stack.port, b"get /api/health HTTP/1.1\r\n" + later), 400, "BAD_REQUEST", False)
    assert_raw_error(raw_exchange(stack.port, b"GET /api/health HTTP/1.1\r\nX-Big: " + b"a" * 9000 + b"\r\n" + later),
                     400, "BAD_REQUEST", False)


@pytest.fixture(scope="module")
def bare_stack():
    """nginx alone (no responder: 502), a create limit of 1 per second (429), 1 s client timeouts (408)."""
    with running_stack(rate_limit=1, responder=False, client_timeout="1s") as started:
        yield started


@pytest.mark.parametrize("problem", [False, True], ids=["envelope", "problem"])
def test_502_and_429_from_nginx_in_both_formats(bare_stack, problem):
    headers = PROBLEM if problem else {}
    check = assert_problem if problem else assert_envelope
    response = requests.get(bare_stack.url + "/api/health", headers=headers, timeout=10)
    check(response, 502, "BAD_GATEWAY")
    assert response.headers["Retry-After"] == "1"
    statuses = set()
    for _ in range(30):
        response = requests.post(bare_stack.url + "/api/people", data=b"{}", timeout=10,
                                 headers={"Content-Type": "application/json", **headers})
        statuses.add(response.status_code)
        if response.status_code == 429:
            check(response, 429, "RATE_LIMITED")
            assert response.headers["Retry-After"] == "1"
            break
    assert 429 in statuses


def test_a_client_too_slow_is_cut_off_or_gets_json(bare_stack):
    """408: nginx 1.22 closes without an answer; should it ever answer, it is JSON."""
    for request in (b"GET /api/health HTTP/1.1\r\nHost: x\r\n",
                    b"POST /api/people HTTP/1.1\r\nHost: x\r\nAccept: application/problem+json\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"na"):
        status_line, headers, body = raw_exchange(bare_stack.port, request)
        if status_line:
            assert status_line.startswith("HTTP/1.1 408") and b"<html" not in body.lower()
            json.loads(body)
    assert " 408 " in (bare_stack.dir / "people-api-access.log").read_text()
