#!/usr/bin/env bash
# One responder under multiwatch, which restarts it whenever it ends but says neither
# its pid nor how it ended: this runs the responder (its log to RESPONDER_LOG), and
# reports on stderr the pid it started and the exit status or signal it ended with.
#   multiwatch … -- scripts/responder-child.sh BINARY serve ARGS…
set -uo pipefail

# The FastCGI socket is fd 0; an explicit redirect keeps bash from giving a background job /dev/null.
"$@" <&0 2>>"${RESPONDER_LOG:-/dev/stderr}" &
child=$!
echo "people-api: responder pid $child started" >&2
# multiwatch asks for a graceful stop with SIGTERM; a terminal's Ctrl-C sends SIGINT to both.
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
while true; do
    wait "$child"
    status=$?
    kill -0 "$child" 2>/dev/null || break  # still running: a trapped signal ended the wait
done
if [ "$status" -gt 128 ]; then
    echo "!!! people-api: responder pid $child killed by signal $(kill -l "$((status - 128))" 2>/dev/null || echo "$((status - 128))"); restarting it" >&2
elif [ "$status" -ne 0 ]; then
    echo "!!! people-api: responder pid $child exited with status $status; restarting it" >&2
else
    echo "people-api: responder pid $child stopped" >&2
fi
exit "$status"
