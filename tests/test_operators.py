"""Operators through nginx: anonymous clients can create and nothing else; tokens read, erase and get revoked."""
import concurrent.futures
import uuid

import pytest
import requests

from conftest import Api, assert_envelope, unique_email
from stack import running_stack

CHALLENGE = 'Bearer realm="people-api"'
INVALID = 'Bearer realm="people-api", error="invalid_token"'


def operator_paths(person_id):
    return [("GET", "/api/people"), ("GET", "/api/people?limit=100"), ("GET", f"/api/people/{person_id}"),
            ("DELETE", f"/api/people/{person_id}"), ("GET", "/api/people/not-a-uuid"), ("DELETE", "/api/people/not-a-uuid"),
            ("GET", f"/api/people/{uuid.uuid4()}"), ("DELETE", f"/api/people/{uuid.uuid4()}")]


def test_an_anonymous_client_can_create_and_nothing_else(stack):
    anonymous = Api(stack, anonymous=True)
    created = anonymous.create({"name": "Public", "email": unique_email("public")})
    assert created.status_code == 201
    assert anonymous.get("/api/health").status_code == 200
    for method, path in operator_paths(created.json()["id"]):
        response = anonymous.request(method, path)
        error = assert_envelope(response, 401, "UNAUTHORIZED")
        assert response.headers["WWW-Authenticate"] == CHALLENGE, (method, path)
        assert created.json()["email"] not in response.text
        assert error["errors"] == {}
    # The person was not erased by any of those attempts.
    assert Api(stack).get(f"/api/people/{created.json()['id']}").status_code == 200


@pytest.mark.parametrize("authorization", ["Bearer wrong", "Bearer " + "A" * 43, "Basic dXNlcjpwYXNz", "Bearer a b"])
def test_a_bad_token_is_401_invalid_token(stack, authorization):
    response = requests.get(stack.url + "/api/people", headers={"Authorization": authorization}, timeout=10)
    error = assert_envelope(response, 401, "UNAUTHORIZED")
    assert response.headers["WWW-Authenticate"] == INVALID
    assert error["message"] == "The operator token is unknown or has been revoked (or is not a bearer token)."


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer "])
def test_no_token_after_bearer_is_told_apart_from_a_wrong_one(stack, authorization):
    """`curl -H "Authorization: Bearer $TOKEN"` with TOKEN unset sends `Bearer` alone."""
    headers = {} if authorization is None else {"Authorization": authorization}
    response = requests.get(stack.url + "/api/people", headers=headers, timeout=10)
    error = assert_envelope(response, 401, "UNAUTHORIZED")
    assert response.headers["WWW-Authenticate"] == CHALLENGE
    assert error["message"] == "No operator token was sent: send Authorization: Bearer <token>."


def test_method_and_accept_come_before_the_token(stack):
    anonymous = Api(stack, anonymous=True)
    response = anonymous.request("PUT", f"/api/people/{uuid.uuid4()}")
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "GET, HEAD, DELETE, OPTIONS"
    assert_envelope(anonymous.get("/api/people", headers={"Accept": "text/html"}), 406, "NOT_ACCEPTABLE")


def test_an_operator_erases_and_the_email_and_key_are_free_again(api):
    email = unique_email("erase")
    key = {"Idempotency-Key": f"erase-{email}"}
    person = api.create({"name": "Erased", "email": email}, headers=key).json()
    erased = api.request("DELETE", f"/api/people/{person['id']}")
    assert erased.status_code == 204 and erased.content == b""
    assert erased.headers["Cache-Control"] == "no-store"
    assert_envelope(api.request("DELETE", f"/api/people/{person['id']}"), 404, "NOT_FOUND")
    assert_envelope(api.get(f"/api/people/{person['id']}"), 404, "NOT_FOUND")
    again = api.create({"name": "Erased", "email": email}, headers=key)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert again.json()["id"] != person["id"]


def test_a_cursor_stays_valid_after_its_person_is_erased(api):
    people = [api.create({"name": f"Paged {i}", "email": unique_email("paged")}).json() for i in range(5)]
    first = api.get("/api/people?limit=2").json()
    assert [p["id"] for p in first["items"]] == [people[4]["id"], people[3]["id"]]
    assert api.request("DELETE", f"/api/people/{people[3]['id']}").status_code == 204
    second = api.get(f"/api/people?limit=2&after={first['next']}")
    assert second.status_code == 200
    assert [p["id"] for p in second.json()["items"]] == [people[2]["id"], people[1]["id"]]


def test_tokens_never_reach_a_log_line(stack, api):
    api.get("/api/people?limit=1")
    requests.get(stack.url + "/api/people", headers={"Authorization": "Bearer never-log-me-please"}, timeout=10)
    logs = stack.responder_log() + (stack.dir / "people-api-access.log").read_text(errors="replace")
    assert stack.operator_token not in logs
    assert "never-log-me-please" not in logs
    assert f"operator=tests-{stack.port}" in stack.responder_log()


def test_a_revoked_token_is_refused_by_every_responder_process():
    with running_stack(rate_limit=0, processes=2) as stack:
        name = "short-lived"
        token = stack.create_token(name)
        headers = {"Authorization": f"Bearer {token}"}

        def read(_):
            return requests.get(stack.url + "/api/people?limit=1", headers=headers, timeout=10).status_code

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            assert set(pool.map(read, range(40))) == {200}
        listed = stack.token_command("list").stdout
        assert name in listed and token not in listed
        assert stack.token_command("revoke", name).returncode == 0
        # Revocation is read from the store on every request: no process may still accept it.
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            assert set(pool.map(read, range(40))) == {401}
        assert stack.token_command("revoke", name).returncode == 1
        assert stack.token_command("create", f"tests-{stack.port}").returncode == 1  # a name in use
