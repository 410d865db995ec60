"""Hostile bytes straight on the responder's FastCGI socket (no nginx). After each attack the
responder must still be alive and correct: health 200 and a valid create 201."""
import concurrent.futures
import json
import os
import resource
import stat
import struct
import time

import pytest

import fastcgi_client as fcgi
from conftest import unique_email
from stack import running_stack


@pytest.fixture(scope="module")
def responder():
    # A short idle timeout: attacks that leave a connection half-sent are dropped sooner.
    # Four workers, all taking requests: the attacks below count on how many there are.
    with running_stack(rate_limit=0, workers=4, responder_args=("--idle-timeout", "2")) as stack:
        yield stack


def assert_alive(stack):
    assert stack.responder.poll() is None, "the responder died"
    assert fcgi.status_of(fcgi.request(stack.socket_path, "GET", "/api/health")) == 200
    body = json.dumps({"name": "Alive", "email": unique_email("alive")}).encode()
    assert fcgi.status_of(fcgi.request(stack.socket_path, "POST", "/api/people", body)) == 201


def send_raw(stack, data, read=True, timeout=15):
    with fcgi.Connection(stack.socket_path, timeout=timeout) as connection:
        try:
            connection.send(data)
        except (BrokenPipeError, ConnectionResetError):
            return None
        return connection.read_response() if read else None


BODY = b'{"name":"Ada","email":"ada@example.com"}'


@pytest.mark.parametrize("length", [b"1000", b"3", b"-5", b"abc", b"9223372036854775808", b"99999999999999999999999", b""])
def test_lying_content_length(responder, length):
    pairs = [(b"REQUEST_METHOD", b"POST"), (b"REQUEST_URI", b"/api/people"), (b"CONTENT_TYPE", b"application/json"),
             (b"CONTENT_LENGTH", length)]
    output = send_raw(responder, fcgi.begin() + fcgi.params_records(pairs) + fcgi.stdin_records(BODY))
    assert fcgi.status_of(output) in (400, 413, 201, 409), output
    assert_alive(responder)


def test_bodies_over_the_limit_fast_and_slow(responder):
    big = b"x" * (70 * 1024)
    output = send_raw(responder, fcgi.begin() + fcgi.params_records(fcgi.http_params("POST", "/api/people", big)) + fcgi.stdin_records(big))
    assert fcgi.status_of(output) == 413
    with fcgi.Connection(responder.socket_path, timeout=15) as connection:
        connection.send(fcgi.begin() + fcgi.params_records(fcgi.http_params("POST", "/api/people", big)))
        for offset in range(0, len(big), 4096):
            try:
                connection.send(fcgi.record(fcgi.STDIN, big[offset:offset + 4096]))
            except (BrokenPipeError, ConnectionResetError):
                break
        try:
            connection.send(fcgi.record(fcgi.STDIN, b""))
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert fcgi.status_of(connection.read_response()) == 413
    assert_alive(responder)


def test_huge_and_many_params_and_invalid_bytes(responder):
    for pairs in ([(b"HTTP_X_BIG", b"v" * (1 << 20))] + fcgi.http_params("GET", "/api/health"),
                  [(b"X" * (1 << 20), b"v")] + fcgi.http_params("GET", "/api/health"),
                  [(b"HTTP_P%d" % i, b"v") for i in range(10000)] + fcgi.http_params("GET", "/api/health"),
                  [(b"HTTP_X_REQUEST_ID", b"\xff\xfe\x00\r\nX: y")] + fcgi.http_params("GET", "/api/health")):
        output = send_raw(responder, fcgi.begin() + fcgi.params_records(pairs) + fcgi.stdin_records(b""))
        assert output is None or fcgi.status_of(output) in (200, 400)
        if output:
            head = output.split(b"\r\n\r\n")[0]
            assert b"\x00" not in head and b"X: y" not in head
    body = b'{"name":"A\xff\x00","email":"a@b.co"}'
    assert fcgi.status_of(fcgi.request(responder.socket_path, "POST", "/api/people", body)) == 400
    assert_alive(responder)


def test_protocol_violations(responder):
    attacks = [
        fcgi.record(fcgi.BEGIN_REQUEST, struct.pack(">HB5x", 1, 0), version=9) + fcgi.params_records(fcgi.http_params("GET", "/api/health")),
        fcgi.record(42, b"unknown type") + fcgi.begin() + fcgi.params_records(fcgi.http_params("GET", "/api/health")) + fcgi.stdin_records(b""),
        fcgi.begin(role=fcgi.AUTHORIZER) + fcgi.params_records(fcgi.http_params("GET", "/api/health")) + fcgi.stdin_records(b""),
        fcgi.begin(role=fcgi.FILTER) + fcgi.params_records(fcgi.http_params("GET", "/api/health")) + fcgi.stdin_records(b""),
        fcgi.begin() + fcgi.begin(request_id=2) + fcgi.params_records(fcgi.http_params("GET", "/api/health")) + fcgi.stdin_records(b""),
        fcgi.begin() + fcgi.params_records(fcgi.http_params("POST", "/api/people", BODY)) + fcgi.record(fcgi.ABORT_REQUEST),
        fcgi.begin() + fcgi.record(fcgi.PARAMS, b"\x05\x05abc"),  # closed mid-params
        fcgi.begin() + fcgi.params_records(fcgi.http_params("POST", "/api/people", BODY)) + fcgi.record(fcgi.STDIN, BODY[:5]),  # mid-body
        b"\x01\x01\x00",  # half a header
    ]
    for attack in attacks:
        # Some of these leave libfcgi waiting for the rest of a request that never comes:
        # no answer is expected, only that the responder stays alive and correct.
        output = send_raw(responder, attack, timeout=4)
        if output is not None and fcgi.status_of(output) is not None:
            assert fcgi.status_of(output) in (200, 400, 201, 409), output
        assert_alive(responder)
    for role in (fcgi.AUTHORIZER, fcgi.FILTER):
        # Only RESPONDER is served; the others get FCGI_END_REQUEST with FCGI_UNKNOWN_ROLE, no output.
        with fcgi.Connection(responder.socket_path) as connection:
            connection.send(fcgi.begin(role=role) + fcgi.params_records(fcgi.http_params("GET", "/api/health")) + fcgi.stdin_records(b""))
            assert connection.read_response() == b""
            assert connection.protocol_status == 3
    assert_alive(responder)


def test_params_are_bounded_before_libfcgi_reads_them(responder, record_property):
    """At most 128 KiB of params per request, and name-value lengths that add up (a pair
    declaring 2 GiB twice overflowed libfcgi before 2.4.5, CVE-2025-23016): refused before
    libfcgi reads a byte, and the responder stays up."""
    under = [(b"HTTP_X_PADDING", b"p" * (100 * 1024))] + fcgi.http_params("GET", "/api/health")
    assert fcgi.status_of(send_raw(responder, fcgi.begin() + fcgi.params_records(under) + fcgi.stdin_records(b""))) == 200
    over = [(b"HTTP_X_PADDING", b"p" * (200 * 1024))] + fcgi.http_params("GET", "/api/health")
    started = time.monotonic()
    with fcgi.Connection(responder.socket_path, timeout=15) as connection:
        try:
            connection.send(fcgi.begin() + fcgi.params_records(over) + fcgi.stdin_records(b""))
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert connection.closed_without_answer(), "an oversized request was answered"
    record_property("oversized_params_refused_s", round(time.monotonic() - started, 3))
    huge_pair = struct.pack(">II", 0x7FFFFFFF | 0x80000000, 0x7FFFFFFF | 0x80000000) + b"abc"
    for params in (huge_pair, b"\x05\x05abc", struct.pack(">BI", 3, 0x80000000 | 70000) + b"x" * 10):
        attack = fcgi.begin() + fcgi.record(fcgi.PARAMS, params) + fcgi.record(fcgi.PARAMS) + fcgi.stdin_records(b"")
        assert send_raw(responder, attack, timeout=5) is None
        assert_alive(responder)
    # The same, with the stdin record arriving before the params end.
    assert send_raw(responder, fcgi.begin() + fcgi.record(fcgi.PARAMS, huge_pair) + fcgi.stdin_records(b""), timeout=5) is None
    assert_alive(responder)


def test_closed_before_the_answer_is_read(responder):
    for _ in range(20):
        send_raw(responder, fcgi.begin() + fcgi.params_records(fcgi.http_params("GET", "/api/people")) + fcgi.stdin_records(b""), read=False)
    assert_alive(responder)


def test_get_values_cannot_be_sent_by_strangers(responder):
    """libfcgi 2.4.2 overflows a stack buffer on an FCGI_GET_VALUES that names a variable many times.
    The defence: only the owner and nginx's group may connect to the socket; a supervisor restarts."""
    mode = stat.S_IMODE(os.stat(responder.socket_path).st_mode)
    assert mode & 0o007 == 0, f"the socket is reachable by everyone: {oct(mode)}"


def test_keep_conn_serves_fifty_requests_on_one_connection(responder):
    with fcgi.Connection(responder.socket_path) as connection:
        for _ in range(50):
            connection.send(fcgi.begin(keep=True) + fcgi.params_records(fcgi.http_params("GET", "/api/health")) + fcgi.stdin_records(b""))
            assert fcgi.status_of(connection.read_response()) == 200
    assert_alive(responder)


def test_sixty_four_parallel_creates(responder):
    def create(index):
        body = json.dumps({"name": f"P{index}", "email": unique_email(f"fcgi{index}")}).encode()
        return fcgi.status_of(fcgi.request(responder.socket_path, "POST", "/api/people", body))
    with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
        assert list(pool.map(create, range(64))) == [201] * 64


def test_a_thousand_idle_connections_and_kept_ones_do_not_hold_up_a_fresh_request(responder, record_property):
    """Silent connections and kept connections between requests wait in the front door, not in
    workers (16 of them): a fresh request is answered while 1,000 of the first and 40 of the
    second are open."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4096)), hard))
    idle, kept = [], []
    try:
        for _ in range(40):
            connection = fcgi.Connection(responder.socket_path)
            connection.send(fcgi.begin(keep=True) + fcgi.params_records(fcgi.http_params("GET", "/api/health")) + fcgi.stdin_records(b""))
            assert fcgi.status_of(connection.read_response()) == 200
            kept.append(connection)
        idle = [fcgi.Connection(responder.socket_path) for _ in range(1000)]
        started = time.monotonic()
        assert fcgi.status_of(fcgi.request(responder.socket_path, "GET", "/api/health")) == 200
        record_property("fresh_request_with_1000_idle_and_40_kept_connections_s", round(time.monotonic() - started, 3))
        body = json.dumps({"name": "Beside the idle", "email": unique_email("idle")}).encode()
        assert fcgi.status_of(fcgi.request(responder.socket_path, "POST", "/api/people", body)) == 201
        # A kept connection is served again after its wait, by whichever worker is free.
        for connection in kept[:5]:
            connection.send(fcgi.begin(keep=True) + fcgi.params_records(fcgi.http_params("GET", "/api/health")) + fcgi.stdin_records(b""))
            assert fcgi.status_of(connection.read_response()) == 200
    finally:
        for connection in idle + kept:
            connection.close()
    assert_alive(responder)


def test_requests_stalled_mid_params_wait_in_the_front_door_not_in_workers(responder, record_property):
    """Peers that send part of a request's params and stop do not hold workers (4 of them): with
    three times as many stalled, a fresh request is answered while every stalled one is still open
    (a worker waiting on them would have let go only at the idle timeout, closing them), and one
    that sends the rest later is served."""
    body = json.dumps({"name": "Sent In Halves", "email": unique_email("halves")}).encode()
    params = fcgi.params_records(fcgi.http_params("POST", "/api/people", body))
    first, rest = fcgi.begin() + params[:len(params) // 2], params[len(params) // 2:] + fcgi.stdin_records(body)
    stalled = [fcgi.Connection(responder.socket_path, timeout=15) for _ in range(12)]
    try:
        for connection in stalled:
            connection.send(first)
        started = time.monotonic()
        assert fcgi.status_of(fcgi.request(responder.socket_path, "GET", "/api/health")) == 200
        record_property("fresh_request_with_12_stalled_mid_params_s", round(time.monotonic() - started, 3))
        assert all(connection.still_open() for connection in stalled)
        stalled[0].send(rest)
        assert fcgi.status_of(stalled[0].read_response()) == 201
    finally:
        for connection in stalled:
            connection.close()
    assert_alive(responder)


def test_silent_connections_are_closed_after_the_idle_timeout(responder):
    with fcgi.Connection(responder.socket_path, timeout=15) as connection:
        # Closed by the responder (after 2 s here), not by this socket's own 15 s timeout.
        assert connection.closed_without_answer()
    assert_alive(responder)


def read_until_ended(connection, enough):
    """Records until `enough(ends)`: every FCGI_END_REQUEST as (request id, protocol status), and request 1's stdout."""
    ends, output = [], b""
    while not enough(ends):
        record = connection.read_record()
        assert record is not None, f"the connection closed after {ends}"
        kind, request_id, content = record
        if kind == fcgi.END_REQUEST:
            ends.append((request_id, content[4]))
        elif kind == fcgi.STDOUT and request_id == 1:
            output += content
    return ends, output


def test_a_multiplexed_request_is_refused_and_the_first_is_served(responder):
    """nginx never multiplexes; a peer that does gets FCGI_CANT_MPX_CONN for the second request
    (FastCGI specification, 5.5), and the first is answered as if the second had not come."""
    body = json.dumps({"name": "First", "email": unique_email("mpx")}).encode()
    with fcgi.Connection(responder.socket_path) as connection:
        connection.send(fcgi.begin(request_id=1) + fcgi.begin(request_id=2)
                        + fcgi.params_records(fcgi.http_params("POST", "/api/people", body), request_id=1)
                        + fcgi.stdin_records(body, request_id=1))
        ends, output = read_until_ended(connection, lambda ends: len(ends) == 2)
        assert (2, 1) in ends, ends  # 1: FCGI_CANT_MPX_CONN
        assert (1, 0) in ends, ends  # 0: FCGI_REQUEST_COMPLETE
        assert fcgi.status_of(output) == 201, output
    assert_alive(responder)


@pytest.mark.parametrize("where", ["before_params", "inside_the_params", "between_params_and_body", "inside_the_body",
                                   "with_keep_conn", "before_params_with_keep_conn"])
def test_another_requests_records_change_nothing_wherever_they_fall(responder, where):
    """Records of a refused request id (a whole second request: begin, params ending with their
    empty record, stdin) are ignored wherever they fall; the first request is answered 201.
    libfcgi 2.4.2 alone loses the next record's content after an empty record of another id."""
    body = json.dumps({"name": "First", "email": unique_email("mpx")}).encode()
    other = (fcgi.begin(request_id=2) + fcgi.params_records(fcgi.http_params("GET", "/api/health"), request_id=2)
             + fcgi.stdin_records(b"", request_id=2))
    params = fcgi.params_records(fcgi.http_params("POST", "/api/people", body), request_id=1)
    keep = where.endswith("with_keep_conn")
    head = fcgi.begin(request_id=1, keep=keep)
    if where.startswith("before_params"):
        data = head + other + params + fcgi.stdin_records(body, request_id=1)
    elif where == "inside_the_params":
        # The params stream is bytes: its first record ends mid-pair, and the other request's records come before the rest.
        content = fcgi.name_value_pairs(fcgi.http_params("POST", "/api/people", body))
        data = (head + fcgi.record(fcgi.PARAMS, content[:len(content) // 2], 1) + other
                + fcgi.record(fcgi.PARAMS, content[len(content) // 2:], 1) + fcgi.record(fcgi.PARAMS, b"", 1)
                + fcgi.stdin_records(body, request_id=1))
    elif where == "inside_the_body":
        data = head + params + fcgi.record(fcgi.STDIN, body[:10], 1) + other + fcgi.stdin_records(body[10:], request_id=1)
    else:
        data = head + params + other + fcgi.stdin_records(body, request_id=1)
    with fcgi.Connection(responder.socket_path) as connection:
        connection.send(data)
        ends, output = read_until_ended(connection, lambda ends: (1, 0) in ends)
        assert (2, 1) in ends, ends  # FCGI_CANT_MPX_CONN for the second
        assert fcgi.status_of(output) == 201, output
        if keep:  # the connection still serves the next request
            connection.send(fcgi.begin(request_id=1, keep=True) + fcgi.params_records(fcgi.http_params("GET", "/api/health"))
                            + fcgi.stdin_records(b""))
            assert fcgi.status_of(connection.read_response()) == 200
    assert_alive(responder)


def test_an_aborted_request_is_ended(responder, record_property):
    """FCGI_ABORT_REQUEST: libfcgi treats it as the end of the request's input, so the request
    ends with a 400 or no answer, and the responder stays up (how long it took is recorded)."""
    with fcgi.Connection(responder.socket_path, timeout=15) as connection:
        connection.send(fcgi.begin() + fcgi.params_records(fcgi.http_params("POST", "/api/people", BODY))
                        + fcgi.record(fcgi.STDIN, BODY[:5]) + fcgi.record(fcgi.ABORT_REQUEST))
        started = time.monotonic()
        output = connection.read_response()
        record_property("aborted_request_ended_s", round(time.monotonic() - started, 3))
        assert output is None or fcgi.status_of(output) in (400, None), output
    assert_alive(responder)
