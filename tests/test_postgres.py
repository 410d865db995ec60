"""The PostgreSQL store through nginx with three responder processes: the database decides
every race, and an outage of the database is a 503 the responders recover from by themselves."""
import concurrent.futures
import uuid

import requests

import postgres
from conftest import Api, assert_envelope, unique_email
from stack import running_stack, wait_until


def test_an_outage_is_503_with_retry_after_and_the_responders_recover_alone():
    with postgres.own_server() as server, running_stack(rate_limit=0, processes=3, database=server.url) as stack:
        api = Api(stack)
        first = api.create({"name": "Before", "email": unique_email("outage")})
        assert first.status_code == 201
        server.stop()
        answers = [api.create({"name": "During", "email": unique_email("outage")}),
                   api.get("/api/people/" + first.json()["id"]),
                   api.get("/api/people"),
                   api.get("/api/health")]
        for answer in answers:
            assert_envelope(answer, 503, "SERVICE_UNAVAILABLE")
            assert answer.headers["Retry-After"].isdigit()
        server.start()
        # No responder is restarted: each replaces its broken connections on its next request.
        wait_until(lambda: api.get("/api/health").status_code == 200, 30, "health after the database came back")
        for _ in range(9):  # whichever process answers
            assert api.get("/api/people/" + first.json()["id"]).status_code == 200
        assert api.create({"name": "After", "email": unique_email("outage")}).status_code == 201
        assert stack.stored_people() == 2


def test_races_across_three_processes_are_decided_by_the_database():
    with postgres.own_server() as server, running_stack(rate_limit=0, processes=3, database=server.url) as stack:
        api = Api(stack)
        email = unique_email("race")
        key = str(uuid.uuid4())

        def same_email(index):
            return api.create({"name": f"Racer {index}", "email": email.upper() if index % 2 else email}).status_code

        def same_key(_):
            return api.create({"name": "Keyed", "email": "keyed-" + key + "@example.com"},
                              headers={"Idempotency-Key": key})

        with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
            statuses = list(pool.map(same_email, range(48)))
            keyed = list(pool.map(same_key, range(48)))
        assert statuses.count(201) == 1 and statuses.count(409) == 47, statuses
        assert stack.stored_people(email) == 1
        keyed_statuses = [answer.status_code for answer in keyed]
        assert set(keyed_statuses) <= {201, 409}, keyed_statuses
        created = {answer.json()["id"] for answer in keyed if answer.status_code == 201}
        assert len(created) == 1, "every 201 for one key names the same person"
        for answer in keyed:
            if answer.status_code == 409:
                assert_envelope(answer, 409, "IDEMPOTENCY_KEY_IN_USE")
        assert stack.stored_people("keyed-" + key + "@example.com") == 1
