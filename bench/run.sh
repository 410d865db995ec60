#!/usr/bin/env bash
# `make bench`: release binaries, then bench/bench.py (see its header).
# BENCH_SMOKE=1 runs it for a few seconds; BENCH_BINARY picks an already built people-api.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BENCH_BINARY:-}" ]; then
    swift build -c release --product people-api
fi
mkdir -p .build/bench
cc -O2 -Wall -o .build/bench/minimal-responder bench/minimal-responder.c -lfcgi -lpthread
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
.venv/bin/python bench/bench.py
