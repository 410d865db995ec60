#!/usr/bin/env bash
# `make token NAME=…`, `make token-revoke NAME=…`, `make token-list`: the responder's own
# token commands against the database `make run` uses with the same settings.
#   scripts/token.sh create|revoke NAME      scripts/token.sh list
# A new token is printed alone on the last line of output, so scripts can take it with `tail -1`.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
binary="${BINARY:-$here/.build/release/people-api}"
database="$("$here/scripts/database.sh")"
# The local PostgreSQL of `make run STORE=postgres` runs only while make run does.
if [ "${STORE:-sqlite}" = "postgres" ] && [ -z "${DATABASE_URL:-}" ] && [ ! -f "$(cd "${DATA_DIR:-var}" && pwd)/postgres/postmaster.pid" ]; then
    echo "The PostgreSQL server of 'make run STORE=postgres' is not running: start it with make run STORE=postgres (or set DATABASE_URL)." >&2
    exit 1
fi

action="${1:-}"
case "$action" in
    create|revoke)
        name="${2:-}"
        if [ -z "$name" ]; then echo "usage: make token NAME=ops (or make token-revoke NAME=ops)" >&2; exit 2; fi
        exec "$binary" token "$action" "$name" --database "$database" ;;
    list)
        exec "$binary" token list --database "$database" ;;
    *)
        echo "usage: $0 create|revoke NAME | list" >&2; exit 2 ;;
esac
