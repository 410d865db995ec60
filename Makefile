# people-api: `make run` starts the whole thing, `make test` runs every test.
PORT ?= 8080
DATA_DIR ?= var
RATE_LIMIT ?= 10
export PORT DATA_DIR RATE_LIMIT

.PHONY: run test build release deps bench bench-smoke clean

run: release
	scripts/run.sh

release:
	scripts/install-deps.sh run
	swift build -c release --product people-api

build:
	scripts/install-deps.sh run
	swift build --build-tests

test:
	scripts/test.sh

bench:
	scripts/install-deps.sh bench
	bench/run.sh

clean:
	rm -rf .build .venv test-output
