#!/usr/bin/env bash
# `make test`: installs what is missing, then runs every test: Swift unit and
# FastCGI tests, integration tests through the bundled nginx, browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh test

echo "== swift build"
swift build --build-tests

# One PostgreSQL server of the tests' own for the whole run (initdb into a temporary folder,
# as 'nobody' when root), stopped by its PID however the run ends.
postgres_dir="$(mktemp -d /tmp/people-api-test-pg.XXXXXX)"
chmod 755 "$postgres_dir"
stop_postgres() { scripts/postgres.sh stop "$postgres_dir/data" || true; rm -rf "$postgres_dir"; }
trap stop_postgres EXIT
echo "== PostgreSQL for the tests, in $postgres_dir"
PEOPLE_API_TEST_POSTGRES_URL="$(scripts/postgres.sh start "$postgres_dir/data")"
export PEOPLE_API_TEST_POSTGRES_URL

echo "== swift test (the store contract on memory, SQLite and PostgreSQL)"
swift test --skip-build

echo "== fuzzing smoke run: libFuzzer with AddressSanitizer, 30 s per target"
scripts/fuzz.sh 30

echo "== python test tools"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt

echo "== benchmark smoke run (a few seconds, so that 'make bench' cannot rot; the figures mean nothing here)"
BENCH_SMOKE=1 BENCH_BINARY="$PWD/.build/debug/people-api" bench/run.sh

echo "== integration and browser tests (real nginx, real responder, real SQLite, headless Chromium)"
mkdir -p test-output
PEOPLE_API_BINARY="$PWD/.build/debug/people-api" .venv/bin/python -m pytest tests -q -p no:cacheprovider \
    --junitxml=test-output/junit.xml -o junit_family=xunit1 "$@"

echo "== the API's integration tests again on PostgreSQL, three responder processes behind nginx"
PEOPLE_API_TEST_STORE=postgres PEOPLE_API_TEST_PROCESSES=3 PEOPLE_API_BINARY="$PWD/.build/debug/people-api" \
    .venv/bin/python -m pytest -q -p no:cacheprovider --junitxml=test-output/junit-postgres.xml -o junit_family=xunit1 \
    tests/test_api_through_nginx.py tests/test_operators.py tests/test_strict_json.py tests/test_schemathesis.py \
    "tests/test_supervision.py::test_a_key_in_flight_in_one_process_is_409_in_every_process" "$@"

