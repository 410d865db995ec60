import itertools
import re

import pytest
import requests

from stack import running_stack

_counter = itertools.count()


@pytest.fixture(scope="session")
def stack():
    """The shared stack, rate limit off (RATE_LIMIT=0) so that tests are not throttled by each other."""
    with running_stack(rate_limit=0) as started:
        yield started


@pytest.fixture
def api(stack):
    return Api(stack)


def unique_email(prefix="person"):
    return f"{prefix}-{next(_counter)}-{id(_counter)}@example.com"


class Api:
    """A client of one stack; an operator (its token on every request) unless `anonymous`."""

    def __init__(self, stack, anonymous: bool = False):
        self.base = stack.url
        self.session = requests.Session()
        if not anonymous:
            self.session.headers["Authorization"] = f"Bearer {stack.operator_token}"

    def create(self, body, headers=None, raw=None):
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if raw is not None:
            return self.session.post(self.base + "/api/people", data=raw, headers=all_headers, timeout=10)
        return self.session.post(self.base + "/api/people", json=body, headers=all_headers, timeout=10)

    def get(self, path, headers=None):
        return self.session.get(self.base + path, headers=headers or {}, timeout=10)

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.base + path, **kwargs)


TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def assert_envelope(response, status, code):
    """The contract's error envelope and headers, whoever produced the response."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers.get("Cache-Control") == "no-store"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert not any(name.lower().startswith("access-control-") for name in response.headers)
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "message", "errors", "violations", "timestamp", "correlation_id"}, error
    assert error["status"] == status
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["errors"], dict)
    for messages in error["errors"].values():
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages)
    # One violation per message, in the order of `errors`, each with a code from the closed list.
    assert isinstance(error["violations"], list)
    assert [(v["field"], v["message"]) for v in error["violations"]] == \
        [(field, message) for field, messages in error["errors"].items() for message in messages]
    assert all(set(v) == {"field", "code", "message"} and v["code"] in FIELD_CODES for v in error["violations"])
    assert TIMESTAMP.match(error["timestamp"]), error["timestamp"]
    assert error["correlation_id"] == response.headers["X-Request-ID"]
    return error


FIELD_CODES = {"required", "not_a_string", "blank", "too_long", "control_characters", "invalid_email",
               "not_a_whole_number", "out_of_range", "unknown_field", "taken"}
PROBLEM_TYPE = re.compile(r"^/problems/[a-z-]+$")


def assert_problem(response, status, code):
    """RFC 9457 problem details as the contract has them (asked for with Accept), whoever produced them."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers.get("Cache-Control") == "no-store"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert not any(name.lower().startswith("access-control-") for name in response.headers)
    problem = response.json()
    assert set(problem) == {"type", "title", "status", "detail", "instance", "code", "errors", "timestamp", "correlation_id"}, problem
    assert problem["type"] == "/problems/" + code.lower().replace("_", "-")
    assert problem["status"] == status and problem["code"] == code
    assert isinstance(problem["title"], str) and problem["title"] and isinstance(problem["detail"], str) and problem["detail"]
    assert problem["instance"].startswith("/")
    assert isinstance(problem["errors"], list)
    assert all(set(e) == {"pointer", "code", "detail"} and e["pointer"].startswith("#/") and e["code"] in FIELD_CODES
               for e in problem["errors"])
    assert TIMESTAMP.match(problem["timestamp"]), problem["timestamp"]
    assert problem["correlation_id"] == response.headers["X-Request-ID"]
    return problem
