#!/usr/bin/env bash
# `make run`: PROCESSES responders and nginx with the bundled config, in the foreground,
# until Ctrl-C or SIGTERM. Everything they write lives under DATA_DIR.
#
# The store: SQLite in DATA_DIR (STORE=sqlite, the default); STORE=postgres starts a PostgreSQL
# server of its own in DATA_DIR/postgres for the run, unless DATABASE_URL names one to use.
#
# The responders run as a production FastCGI setup runs them: spawn-fcgi opens the socket
# and hands it to multiwatch, which forks PROCESSES responders on it and starts a new one
# whenever one ends. The socket stays open across a death, so nginx's next connections
# wait in its backlog instead of failing.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
port="${PORT:-8080}"
processes="${PROCESSES:-1}"
data_dir="$(mkdir -p "${DATA_DIR:-var}" && cd "${DATA_DIR:-var}" && pwd)"
binary="${BINARY:-$here/.build/release/people-api}"
database="$("$here/scripts/database.sh")"
# Where lines say the data is: the URL without a password.
database_shown="$(echo "$database" | sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#')"
run_dir="$data_dir/run"
socket="$run_dir/people-api.sock"
log="$data_dir/people-api.log"

fail() { echo "!!! people-api: $*" >&2; exit 1; }

[[ "$processes" =~ ^[1-9][0-9]?$ ]] || fail "PROCESSES must be a whole number from 1 to 99, not '$processes'."
# Another server on the port would answer our health check and hide that nginx could not bind.
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port is already taken by another program; stop it or choose another: make run PORT=18090"
fi

postgres_dir=""
supervisor_pid="" nginx_pid=""
stopping=0
stop() {
    trap - INT TERM EXIT
    stopping=1
    [ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null || true
    [ -n "$supervisor_pid" ] && kill -TERM "$supervisor_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    # The responders are gone: now the server this run started (by the PID in its folder).
    [ -n "$postgres_dir" ] && "$here/scripts/postgres.sh" stop "$postgres_dir" || true
    echo "people-api stopped; data kept in $data_dir"
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

if [ "${STORE:-sqlite}" = "postgres" ] && [ -z "${DATABASE_URL:-}" ]; then
    "$here/scripts/postgres.sh" start "$data_dir/postgres" >/dev/null || fail "PostgreSQL did not start; see $data_dir/postgres/server.log"
    postgres_dir="$data_dir/postgres"
fi

mkdir -p "$run_dir"
PORT="$port" UPSTREAM="unix:$socket" "$here/scripts/render-nginx.sh" "$run_dir" >/dev/null
nginx -t -q -p "$run_dir" -c "$run_dir/nginx.conf"

# Opening the database here (migrations included) stops a broken one before anything starts.
tokens="$("$binary" token list --database "$database" 2>&1)" || fail "cannot open the database $database_shown: $tokens"
local_token=""
if [ -z "$tokens" ]; then
    local_token="$("$binary" token create local --database "$database" 2>/dev/null | tail -n 1)"
fi


# A crashed responder must end at once so that multiwatch can replace it: with the Swift
# runtime's backtracer on (its default), an aborted responder was still there 15 s later.
export SWIFT_BACKTRACE=enable=no
# multiwatch: -t 0 counts every death as one after a long run, so it never runs out of
# retries (its default gives up after 4 quick deaths and closes the socket); -s TERM is
# the responders' graceful stop. A responder that cannot start backs off by itself.
RESPONDER_LOG="$log" spawn-fcgi -n -s "$socket" -M 0660 -- "$(command -v multiwatch)" -f "$processes" -t 0 -s TERM -- \
    "$here/scripts/responder-child.sh" "$binary" serve --database "$database" &
supervisor_pid=$!
echo "$supervisor_pid" > "$run_dir/supervisor.pid"  # for `make restart`
TZ=UTC nginx -p "$run_dir" -c "$run_dir/nginx.conf" -g 'daemon off;' &
nginx_pid=$!

up=0
for _ in $(seq 1 200); do
    kill -0 "$supervisor_pid" 2>/dev/null || fail "the responders did not start; see $log"
    kill -0 "$nginx_pid" 2>/dev/null || fail "nginx did not start; see $run_dir/nginx-error.log"
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null && kill -0 "$nginx_pid" 2>/dev/null; then
        up=1
        break
    fi
    sleep 0.1
done
[ "$up" = 1 ] || fail "no answer from http://127.0.0.1:$port/api/health after 20 s; see $log and $run_dir/nginx-error.log"

echo "people-api is up: http://127.0.0.1:$port/  ($processes responders, database $database_shown, logs in $data_dir)"
if [ -n "$local_token" ]; then
    echo "Operator token 'local', shown only now (reads and erasure need it; make token NAME=… makes more):"
    echo "  $local_token"
else
    echo "Operator tokens: make token-list; a new one: make token NAME=…"
fi
echo "Responders, rates and latency: make status (metrics for Prometheus: GET /api/metrics with a token)"
echo "Press Ctrl-C to stop."

# SIGTERM to make does not reach this script, so it also stops when make (its parent) is gone.
parent=$PPID
while [ "$stopping" = 0 ]; do
    if ! kill -0 "$parent" 2>/dev/null || [ "$(ps -o ppid= -p $$ | tr -d ' ')" != "$parent" ]; then
        echo "make was stopped; stopping people-api and nginx"
        exit 0
    fi
    kill -0 "$supervisor_pid" 2>/dev/null || { supervisor_pid=""; fail "the responder supervisor (multiwatch) exited; see $log"; }
    kill -0 "$nginx_pid" 2>/dev/null || { nginx_pid=""; fail "nginx exited; see $run_dir/nginx-error.log"; }
    # `wait` returns at once when a trapped signal arrives; a foreground `sleep` would hold the trap back.
    sleep 1 &
    wait $! || true
done
