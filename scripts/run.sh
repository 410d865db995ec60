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
#
# Nothing under DATA_DIR is readable by other users: files 0600, folders 0700 (the umask below,
# set before anything is created). A database URL reaches the responders in their environment
# (PEOPLE_API_DATABASE_URL), never on a command line, where `ps` would show its password.
set -euo pipefail
umask 077

here="$(cd "$(dirname "$0")/.." && pwd)"
port="${PORT:-8080}"
processes="${PROCESSES:-1}"
binary="${BINARY:-$here/.build/release/people-api}"

fail() { echo "!!! people-api: $*" >&2; exit 1; }

[[ "$processes" =~ ^[1-9][0-9]?$ ]] || fail "PROCESSES must be a whole number from 1 to 99, not '$processes'."
data_dir="$(mkdir -p "${DATA_DIR:-var}" && cd "${DATA_DIR:-var}" && pwd)"
# One run per DATA_DIR: the lock is held for the run's life by this script and inherited by
# everything it starts; a second run on the same folder stops here, before touching anything.
exec {lock_fd}<>"$data_dir/make-run.lock"
if ! flock -n "$lock_fd"; then
    holder="$(cat "$data_dir/make-run.lock" 2>/dev/null || true)"
    fail "$data_dir is in use by make run (pid ${holder:-unknown}); stop that one first, or give this one its own DATA_DIR=…"
fi
echo "$$" > "$data_dir/make-run.lock"

database="$("$here/scripts/database.sh")"
database_shown="$("$here/scripts/database.sh" --shown)"
database_args=()
case "$database" in
    postgres://*|postgresql://*) export PEOPLE_API_DATABASE_URL="$database" ;;
    *) database_args=(--database "$database") ;;
esac
run_dir="$data_dir/run"
socket="$run_dir/people-api.sock"
log="$data_dir/people-api.log"

# Another server on the port would answer our health check and hide that nginx could not bind.
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port is already taken by another program; stop it or choose another: make run PORT=18090"
fi

postgres_dir=""
supervisor_pid="" nginx_pid=""
stopping=0
# One line when everything has stopped. A terminal's Ctrl-C reaches every process of the run at
# once (SIGINT to the process group): nginx and multiwatch may be gone before this script hears
# of it, so their ending with status 0 counts as a stop, not as a failure.
stop() {
    trap - INT TERM EXIT
    stopping=1
    [ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null || true
    [ -n "$supervisor_pid" ] && stop_responders "$supervisor_pid"
    wait 2>/dev/null || true
    # The responders are gone: now the server this run started (by the PID in its folder).
    [ -n "$postgres_dir" ] && "$here/scripts/postgres.sh" stop "$postgres_dir" >/dev/null 2>&1 || true
    echo "people-api stopped; data kept in $data_dir"
}
# SIGTERM puts multiwatch in shutdown mode (no more restarts), but what it passes on is not the
# signal its -s names: Debian's multiwatch 1.0.0 sends the one before it in its list
# HUP,INT,QUIT,TERM (measured: -s TERM sends QUIT, -s INT sends HUP), and the wrappers ignore
# QUIT. So its children get SIGTERM from here, until none is left (each finishes in-flight requests).
# Each gets one SIGTERM: a second one could reach a responder that is already exiting.
stop_responders() {
    local supervisor="$1" children child signalled=" "
    kill -TERM "$supervisor" 2>/dev/null || return 0
    for _ in $(seq 1 600); do
        children="$(cat "/proc/$supervisor/task/$supervisor/children" 2>/dev/null || true)"
        [ -n "$children" ] || return 0
        for child in $children; do
            case "$signalled" in *" $child "*) continue ;; esac
            kill -TERM "$child" 2>/dev/null || true
            signalled+="$child "
        done
        sleep 0.1
    done
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

if [ "${STORE:-sqlite}" = "postgres" ] && [ -z "${DATABASE_URL:-}" ]; then
    # As root the server runs as nobody, which must pass through DATA_DIR (not list or read it).
    [ "$(id -u)" = 0 ] && chmod go+x "$data_dir"
    "$here/scripts/postgres.sh" start "$data_dir/postgres" >/dev/null || fail "PostgreSQL did not start; see $data_dir/postgres/server.log"
    postgres_dir="$data_dir/postgres"
fi

mkdir -p "$run_dir"
PORT="$port" UPSTREAM="unix:$socket" "$here/scripts/render-nginx.sh" "$run_dir" >/dev/null
nginx -t -q -p "$run_dir" -c "$run_dir/nginx.conf"

# Opening an existing database here (migrations included) stops a broken one before anything
# starts. A new SQLite file is created by the first responder (`token list` creates none).
tokens=""
if [ "${#database_args[@]}" = 0 ] || [ -e "$database" ]; then
    tokens="$("$binary" token list "${database_args[@]}" 2>/dev/null)" \
        || fail "cannot open the database $database_shown: $("$binary" token list "${database_args[@]}" 2>&1 >/dev/null | tail -n 3)"
fi


# A crashed responder must end at once so that multiwatch can replace it: with the Swift
# runtime's backtracer on (its default), an aborted responder was still there 15 s later.
export SWIFT_BACKTRACE=enable=no
# multiwatch: -t 0 counts every death as one after a long run, so it never runs out of
# retries (its default gives up after 4 quick deaths and closes the socket); for what its
# -s TERM really sends, see stop_responders. A responder that cannot start backs off by itself.
: >> "$log"  # created here, under this script's umask (0600)
RESPONDER_LOG="$log" spawn-fcgi -n -s "$socket" -M 0600 -- "$(command -v multiwatch)" -f "$processes" -t 0 -s TERM -- \
    "$here/scripts/responder-child.sh" "$binary" serve "${database_args[@]}" &
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

local_token=""
if [ -z "$tokens" ] && [ -z "$("$binary" token list "${database_args[@]}" 2>/dev/null)" ]; then
    local_token="$("$binary" token create local "${database_args[@]}" 2>/dev/null | tail -n 1)"
fi

responders="$processes responder$([ "$processes" = 1 ] || echo s)"
echo "people-api is up: http://127.0.0.1:$port/  ($responders, database $database_shown, logs in $data_dir)"
if [ -n "$local_token" ]; then
    echo "Operator token 'local', shown only now (reads and erasure need it; make token NAME=… makes more):"
    echo "  $local_token"
else
    echo "Operator tokens: make token-list; a new one: make token NAME=…"
fi
echo "Responders, rates and latency: make status (metrics for Prometheus: GET /api/metrics with a token)"
echo "Press Ctrl-C to stop."

# make passes SIGTERM on to this script; should make end some other way, this script stops too.
parent=$PPID
# Waits for one of the run's processes; 0 when it ended on a stop request (status 0 or a signal).
ended_calmly() {
    local status=0
    wait "$1" 2>/dev/null || status=$?
    [ "$status" = 0 ] || [ "$status" = 130 ] || [ "$status" = 143 ]
}
while [ "$stopping" = 0 ]; do
    if ! kill -0 "$parent" 2>/dev/null || [ "$(ps -o ppid= -p $$ | tr -d ' ')" != "$parent" ]; then
        exit 0
    fi
    if ! kill -0 "$supervisor_pid" 2>/dev/null; then
        pid="$supervisor_pid" supervisor_pid=""
        ended_calmly "$pid" && exit 0
        fail "the responder supervisor (multiwatch) exited; see $log"
    fi
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
        pid="$nginx_pid" nginx_pid=""
        ended_calmly "$pid" && exit 0
        fail "nginx exited; see $run_dir/nginx-error.log"
    fi
    # `wait` returns at once when a trapped signal arrives; a foreground `sleep` would hold the trap back.
    sleep 1 &
    wait $! || true
done
