#!/usr/bin/env bash
# `make restart`: replaces the running responders one at a time with the binary now on disk,
# losing no request. Each gets SIGTERM (it stops accepting, finishes what it has in flight and
# exits 0); multiwatch starts its replacement; the next one is stopped only once the
# replacement runs. Meanwhile the others serve, and new connections wait in the socket's backlog.
#   scripts/restart.sh [SUPERVISOR_PID]     (default: the one `make run` wrote under DATA_DIR)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data_dir="${DATA_DIR:-var}"
supervisor="${1:-$(cat "$data_dir/run/supervisor.pid" 2>/dev/null || true)}"
[ -n "$supervisor" ] && kill -0 "$supervisor" 2>/dev/null || { echo "no running people-api supervisor (is make run up?)" >&2; exit 1; }

children() { cat "/proc/$supervisor/task/$supervisor/children" 2>/dev/null || true; }
# A responder is running once it has started its worker threads (after opening its database
# and socket); under make run it is the child of a reporting wrapper, so look one level down too.
running() {
    local pid="$1" threads
    for candidate in "$pid" $(cat "/proc/$pid/task/$pid/children" 2>/dev/null || true); do
        threads="$(ls "/proc/$candidate/task" 2>/dev/null | wc -l)"
        [ "$threads" -ge 4 ] && [ "$(readlink "/proc/$candidate/exe" 2>/dev/null)" != "$(readlink -f /bin/bash)" ] && return 0
    done
    return 1
}

initial="$(children)"
known=" $initial "
# The responder itself: PID when it is one, its child when PID is make run's wrapper.
responder_of() {
    local pid="$1" child
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f /bin/bash)" ] || { echo "$pid"; return; }
    child="$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | awk '{print $1}')"
    echo "${child:-$pid}"
}
for old in $initial; do
    old_responder="$(responder_of "$old")"
    kill -TERM "$old" 2>/dev/null || continue
    replacement=""
    for _ in $(seq 1 600); do  # at most 60 s: in-flight requests finish first
        for candidate in $(children); do
            case "$known" in *" $candidate "*) continue ;; esac
            if ! kill -0 "$old" 2>/dev/null && running "$candidate"; then replacement="$candidate"; fi
        done
        [ -n "$replacement" ] && break
        sleep 0.1
    done
    [ -n "$replacement" ] || { echo "!!! responder $old was not replaced within 60 s" >&2; exit 1; }
    known="$known$replacement "
    # Under make run each responder runs under a reporting wrapper: name the responders themselves.
    echo "people-api: responder $old_responder replaced by $(responder_of "$replacement")"
done
