#!/usr/bin/env bash
# `make token NAME=…`, `make token-revoke NAME=…`, `make token-list`: the responder's own
# token commands against the database `make run` uses with the same settings.
#   scripts/token.sh create|revoke NAME      scripts/token.sh list
# A new token is printed alone on the last line of output, so scripts can take it with `tail -1`.
set -euo pipefail
umask 077
here="$(cd "$(dirname "$0")/.." && pwd)"
binary="${BINARY:-$here/.build/release/people-api}"
database="$("$here/scripts/database.sh")"
# The local PostgreSQL of `make run STORE=postgres` runs only while make run does.
if [ "${STORE:-sqlite}" = "postgres" ] && [ -z "${DATABASE_URL:-}" ] && [ ! -f "$(cd "${DATA_DIR:-var}" && pwd)/postgres/postmaster.pid" ]; then
    echo "The PostgreSQL server of 'make run STORE=postgres' is not running: start it with make run STORE=postgres (or set DATABASE_URL)." >&2
    exit 1
fi

# A URL goes in the environment: a command line is visible to every local user.
database_args=()
case "$database" in
    postgres://*|postgresql://*) export PEOPLE_API_DATABASE_URL="$database" ;;
    *) database_args=(--database "$database") ;;
esac

action="${1:-}"
case "$action" in
    create|revoke)
        name="${2:-}"
        if [ -z "$name" ]; then echo "usage: make token NAME=ops (or make token-revoke NAME=ops)" >&2; exit 2; fi
        exec "$binary" token "$action" "$name" "${database_args[@]}" ;;
    list)
        exec "$binary" token list "${database_args[@]}" ;;
    *)
        echo "usage: $0 create|revoke NAME | list" >&2; exit 2 ;;
esac
