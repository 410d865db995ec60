#!/usr/bin/env bash
# `make run`: the release responder and nginx with the bundled config, in the
# foreground, until Ctrl-C or SIGTERM. Everything they write lives under DATA_DIR.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
port="${PORT:-8080}"
data_dir="$(mkdir -p "${DATA_DIR:-var}" && cd "${DATA_DIR:-var}" && pwd)"
binary="${BINARY:-$here/.build/release/people-api}"
run_dir="$data_dir/run"
socket="$run_dir/people-api.sock"

PORT="$port" UPSTREAM="unix:$socket" "$here/scripts/render-nginx.sh" "$run_dir" >/dev/null
nginx -t -q -p "$run_dir" -c "$run_dir/nginx.conf"

responder_pid="" nginx_pid=""
stop() {
    trap - INT TERM EXIT
    [ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null || true
    [ -n "$responder_pid" ] && kill -TERM "$responder_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    echo "people-api stopped; data kept in $data_dir"
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

"$binary" --listen "unix:$socket" --database "$data_dir/people.sqlite" 2>>"$data_dir/people-api.log" &
responder_pid=$!
TZ=UTC nginx -p "$run_dir" -c "$run_dir/nginx.conf" -g 'daemon off;' &
nginx_pid=$!

for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null && break
    kill -0 "$responder_pid" 2>/dev/null || break
    sleep 0.1
done
echo "people-api is up: http://127.0.0.1:$port/  (database $data_dir/people.sqlite, logs in $data_dir)"
echo "Press Ctrl-C to stop."

# Whichever dies first is reported loudly; nginx keeps answering 502 envelopes if the responder is gone.
# SIGTERM to make does not reach this script, so it also stops when make (its parent) is gone.
parent=$PPID
while true; do
    if ! kill -0 "$parent" 2>/dev/null || [ "$(ps -o ppid= -p $$ | tr -d ' ')" != "$parent" ]; then
        echo "make was stopped; stopping people-api and nginx"
        exit 0
    fi
    if ! kill -0 "$responder_pid" 2>/dev/null; then
        wait "$responder_pid" && status=0 || status=$?
        echo "!!! people-api responder (pid $responder_pid) DIED with status $status; nginx now answers 502. See $data_dir/people-api.log" >&2
        responder_pid=""
        wait "$nginx_pid" || true
        exit 1
    fi
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
        echo "!!! nginx (pid $nginx_pid) exited; see $run_dir/nginx-error.log" >&2
        nginx_pid=""
        exit 1
    fi
    sleep 1
done
