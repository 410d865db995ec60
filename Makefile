# people-api: `make run` starts the whole thing, `make test` runs every test.
PORT ?= 8080
DATA_DIR ?= var
RATE_LIMIT ?= 10
PROCESSES ?= 1
# The store: sqlite (embedded, the default) or postgres (a server under DATA_DIR/postgres, or DATABASE_URL).
STORE ?= sqlite
DATABASE_URL ?=
export PORT DATA_DIR RATE_LIMIT PROCESSES STORE DATABASE_URL
SWIFT ?= swift

.PHONY: run restart test build release quiet-release static bench fuzz clean token token-revoke token-list status

run: release
	scripts/run.sh

# Replaces the responders of a running `make run` one at a time with a freshly built binary, losing no request.
restart: release
	scripts/restart.sh

release:
	scripts/install-deps.sh run $(STORE)
	swift build -c release --product people-api

# The binary to copy to a server: the Swift runtime linked in, so it needs no toolchain there.
static:
	scripts/install-deps.sh run
	swift build -c release --product people-api --static-swift-stdlib --scratch-path .build-static
	@echo "deployable binary: .build-static/release/people-api"

build:
	scripts/install-deps.sh run
	swift build --build-tests

test:
	scripts/test.sh

# The release build saying nothing unless it fails, for commands whose output is their result.
quiet-release:
	@scripts/install-deps.sh run $(STORE) >&2
	@out="$$($(SWIFT) build -c release --product people-api 2>&1)" || { printf '%s\n' "$$out" >&2; exit 1; }

# Operator tokens, against the database `make run` uses: `make token NAME=ops`. Only the
# result is on stdout: TOKEN=$$(make token NAME=ops) holds the token alone.
token: quiet-release
	@scripts/token.sh create "$(NAME)"

token-revoke: quiet-release
	@scripts/token.sh revoke "$(NAME)"

token-list: quiet-release
	@scripts/token.sh list

# The responders of a running `make run`, from their scoreboard: `make status WATCH=1` refreshes in place.
status: quiet-release
	@.build/release/people-api status --scoreboard "$(DATA_DIR)/run/people-api.scoreboard" $(if $(WATCH),--watch)

bench:
	scripts/install-deps.sh bench
	bench/run.sh

fuzz:
	scripts/install-deps.sh run
	scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build .build-fuzz .build-static .venv test-output
