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
    assert set(error) == {"status", "code", "message", "errors", "timestamp", "correlation_id"}, error
    assert error["status"] == status
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["errors"], dict)
    for messages in error["errors"].values():
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages)
    assert TIMESTAMP.match(error["timestamp"]), error["timestamp"]
    assert error["correlation_id"] == response.headers["X-Request-ID"]
    return error
