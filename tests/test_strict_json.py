"""Request bodies are read as strict JSON (RFC 8259, repeated member names refused), checked
through nginx against a table of cases and, differentially, against Python's own JSON reader
made just as strict."""
import json
import random

import pytest

from conftest import assert_envelope, unique_email


def strictly_parsed(raw: bytes):
    """Python's reading of a body under the contract's rules, or ValueError."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ValueError("byte-order mark")
    text = raw.decode("utf-8")  # strict: invalid UTF-8 and encoded surrogates raise

    def no_repeats(pairs):
        names = [name for name, _ in pairs]
        if len(set(names)) != len(names):
            raise ValueError("repeated member name")
        return dict(pairs)

    def no_constants(name):
        raise ValueError(name)

    value = json.loads(text, object_pairs_hook=no_repeats, parse_constant=no_constants)

    def check(node):
        if isinstance(node, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in node):
            raise ValueError("lone surrogate")
        if isinstance(node, float) and node in (float("inf"), float("-inf")):
            raise OverflowError("beyond a double")  # the contract allows 400 or 422 for these
        for child in (node.values() if isinstance(node, dict) else node if isinstance(node, list) else []):
            check(child)
        if isinstance(node, dict):
            for name in node:
                check(name)
    check(value)
    return value


CASES = [
    (b'{"name": "Ada",}', 400), (b'{"name": "", "email": "bad",}', 400), (b'{"a": [1,2,]}', 400),
    (b'{"email": "a@example.com", "email": "b@example.org"}', 400), (b'{"name": "A", "n\\u0061me": "B"}', 400),
    (b'\xef\xbb\xbf{"name": "Ada", "email": "bom@example.com"}', 400), (b'{"name": NaN}', 400), (b'{"age": 01}', 400),
    (b'{"age": +1}', 400), (b"{'name': 'Ada'}", 400), (b'{"name": "Ada"} // c', 400), (b'{"name": "Ada"} x', 400),
    (b'{"name": "\\ud800"}', 400), (b'{"name": "a\tb"}', 400), (b'{"name": "\xc3\x28"}', 400), (b'"text"', 400),
    (b'{"name": "Ada", "email": "not-an-email"}', 422), (b'{"age": 1000000000000000000000000000000}', 422),
    (b'{"age": 1e30}', 422), (b'{"age": "36"}', 422), (b'{"age": true}', 422), (b'{"name": "a\\u0000b"}', 422),
    (b' \r\n\t{"name": "Ada", "email": "x"}\n ', 422),
]


@pytest.mark.parametrize("body,status", CASES, ids=[c[0][:40].decode("utf-8", "replace") for c in CASES])
def test_rfc_8259_cases_through_nginx(api, body, status):
    response = api.create(None, raw=body)
    assert_envelope(response, status, "MALFORMED_JSON" if status == 400 else "VALIDATION_ERROR")


def test_messages_say_where(api):
    trailing = assert_envelope(api.create(None, raw=b'{"name": "Ada",}'), 400, "MALFORMED_JSON")
    assert trailing["message"] == "The request body is not valid JSON: trailing comma at byte 15."
    repeated = assert_envelope(api.create(None, raw=b'{"email": "a@example.com", "email": "b@example.org"}'), 400, "MALFORMED_JSON")
    assert repeated["message"] == 'The request body repeats the member "email".'


SEEDS = [
    '{"name": "Ada Lovelace", "email": "%s", "age": 36}',
    '{"name": "Grace", "email": "%s", "age": null, "extra": [1, 2.5e3, {"k": "v"}]}',
    '{"name": "\\u00e9\\ud83d\\ude00", "email": "%s"}',
]
ALPHABET = list('{}[]:,"\\ \n0123456789.-+eEtrufalsnNIx\'/') + ["\\u", "\\ud800", "\u00e9", "\x01", "\t"]


def mutate(rng, text):
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        where = rng.randrange(len(chars) + 1)
        action = rng.random()
        if action < 0.4 and chars:
            del chars[min(where, len(chars) - 1)]
        elif action < 0.8:
            chars.insert(where, rng.choice(ALPHABET))
        elif chars:
            chars[min(where, len(chars) - 1)] = rng.choice(ALPHABET)
    raw = "".join(chars).encode("utf-8")
    if rng.random() < 0.05:
        raw = raw.replace(b"A", b"\xff", 1)  # a byte that is never UTF-8
    return raw


def test_differential_against_a_second_strict_reader(api):
    rng = random.Random(20261122)
    disagreements = []
    checked = 0
    for index in range(600):
        body = mutate(rng, rng.choice(SEEDS) % unique_email(f"diff{index}"))
        try:
            value = strictly_parsed(body)
            expected = "accept" if isinstance(value, dict) else "refuse"
        except OverflowError:
            continue
        except (ValueError, UnicodeDecodeError, RecursionError):
            expected = "refuse"
        status = api.create(None, raw=body).status_code
        checked += 1
        got = "refuse" if status == 400 else "accept"
        if status not in (201, 400, 409, 422) or got != expected:
            disagreements.append((body, expected, status))
    assert checked > 500
    assert disagreements == [], disagreements[:10]
