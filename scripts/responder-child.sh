#!/usr/bin/env bash
# One responder under multiwatch, which restarts it whenever it ends but says neither
# its pid nor how it ended: this runs the responder (its log to RESPONDER_LOG), and
# reports on stderr the pid it started and the exit status or signal it ended with.
#   multiwatch … -- scripts/responder-child.sh BINARY serve ARGS…
set -uo pipefail
# Reports go to fd 3; bash's own notices about its background job ("Killed") go nowhere.
exec 3>&2 2>/dev/null

# A graceful stop is SIGTERM (from run.sh's stop and from restart.sh: multiwatch's own `-s TERM`
# arrives as SIGQUIT, see run.sh); a terminal's Ctrl-C sends SIGINT to both.
# Set before the responder starts, so no stop can end this script and orphan it.
stopping=0 child=""
# The responder gets one SIGTERM, however many stop signals arrive here (Ctrl-C's SIGINT reaches it directly too).
stop_asked() {
    trapped_status="$1"
    [ "$stopping" = 1 ] || { stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null; }
}
trapped_status=""
trap 'stop_asked 143' TERM
trap 'stop_asked 130' INT

# The FastCGI socket is fd 0; an explicit redirect keeps bash from giving a background job /dev/null.
if [ -n "${RESPONDER_LOG:-}" ]; then
    "$@" <&0 2>>"$RESPONDER_LOG" 3>&- &
else
    "$@" <&0 2>&3 3>&- &
fi
child=$!
[ "$stopping" = 1 ] && kill -TERM "$child" 2>/dev/null
echo "people-api: responder pid $child started" >&3
while true; do
    wait "$child"
    status=$?
    kill -0 "$child" 2>/dev/null || break  # still running: a trapped signal ended the wait
done
# A trapped signal may have ended the wait just as the responder ended: then $? was the trap's
# 128+N, not the responder's status. Ask again; when bash no longer knows it, a stop was asked
# for and the responder's own log says how it ended.
if [ "$stopping" = 1 ] && [ "$status" = "$trapped_status" ]; then
    wait "$child" 2>/dev/null
    again=$?
    if [ "$again" -ge 0 ] && [ "$again" -le 255 ] && [ "$again" != 127 ]; then status=$again; else status=0; fi
fi
how="exit status $status"
[ "$status" -gt 128 ] && how="signal $(kill -l "$((status - 128))" 2>/dev/null || echo "$((status - 128))")"
if [ "$status" -eq 0 ]; then
    # A stop asked for (make run's Ctrl-C, make restart): make run prints the one line about it.
    [ "$stopping" = 1 ] || echo "people-api: responder pid $child stopped" >&3
elif [ "$stopping" = 1 ]; then
    echo "people-api: responder pid $child stopped ($how)" >&3
elif [ "$status" -gt 128 ]; then
    echo "!!! people-api: responder pid $child killed by $how; restarting it" >&3
else
    echo "!!! people-api: responder pid $child exited with $how; restarting it" >&3
fi
exit "$status"
