#!/usr/bin/env bash
# `make test`: installs what is missing, then runs every test: Swift unit and
# FastCGI tests, integration tests through the bundled nginx, browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh test

echo "== swift build"
swift build --build-tests
echo "== swift test"
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

