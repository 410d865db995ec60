#!/usr/bin/env bash
# A PostgreSQL server of its own in a folder, for `make run STORE=postgres` and the tests:
# Debian's server binaries, the data and the Unix socket in DIR, the superuser `people_api`,
# a database `people`. PostgreSQL refuses to run as root, so as root it runs as `nobody`.
#
#   scripts/postgres.sh start DIR [LISTEN_ADDRESS CLIENT_CIDR]   initdb if needed, start, wait
#                                                                until it answers, print the URL
#   scripts/postgres.sh stop DIR                                 stop the server by its PID
#   scripts/postgres.sh url DIR                                  the URL of the server in DIR
#
# Without LISTEN_ADDRESS the server listens on its Unix socket only, trusting local users; with
# it, it also listens on that TCP address and trusts CLIENT_CIDR (test networks only).
set -euo pipefail

action="${1:-}"
dir="${2:-}"
if [ -z "$action" ] || [ -z "$dir" ]; then
    echo "usage: $0 start|stop|url DIR [LISTEN_ADDRESS CLIENT_CIDR]" >&2
    exit 2
fi
port=5432

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL's server is not installed: apt-get install -y postgresql" >&2
    exit 1
fi

as_owner() {
    if [ "$(id -u)" = "0" ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

url() {
    local host="${1:-$dir}"
    echo "postgresql:///people?host=$host&port=$port&user=people_api"
}

case "$action" in
    start)
        mkdir -p "$dir"
        dir="$(cd "$dir" && pwd)"
        listen="${3:-}"
        clients="${4:-}"
        if [ "$(id -u)" = "0" ]; then
            chown nobody:nogroup "$dir"
            if ! runuser -u nobody -- test -w "$dir"; then
                echo "PostgreSQL runs as 'nobody' here, which cannot reach $dir (a parent folder is closed to it); use a DATA_DIR under /tmp or /var." >&2
                exit 1
            fi
        fi
        chmod 700 "$dir"
        if [ ! -f "$dir/PG_VERSION" ]; then
            if ! output="$(as_owner "$bin/initdb" --pgdata="$dir" --username=people_api --auth=trust --encoding=UTF8 --locale=C.UTF-8 2>&1)"; then
                echo "$output" >&2
                exit 1
            fi
        fi
        if [ -f "$dir/postmaster.pid" ] && kill -0 "$(head -1 "$dir/postmaster.pid")" 2>/dev/null; then
            echo "PostgreSQL is already running in $dir (pid $(head -1 "$dir/postmaster.pid"))" >&2
            exit 1
        fi
        # Written afresh on each start: the address may differ from one start to the next.
        {
            echo "local all all trust"
            [ -n "$clients" ] && echo "host all all $clients trust"
        } >"$dir/pg_hba.conf"
        # pg_ctl -w returns once the server accepts connections (or failed to start).
        as_owner "$bin/pg_ctl" start -w -t 60 -D "$dir" -l "$dir/server.log" -o \
            "-p $port -k $dir -c listen_addresses='${listen}' -c max_connections=${MAX_CONNECTIONS:-200} -c fsync=${POSTGRES_FSYNC:-on}" >/dev/null || {
            tail -20 "$dir/server.log" >&2; exit 1; }
        if ! as_owner "$bin/psql" -h "$dir" -p "$port" -U people_api -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'people'" | grep -q 1; then
            as_owner "$bin/createdb" -h "$dir" -p "$port" -U people_api people
        fi
        url
        ;;
    stop)
        pid_file="$dir/postmaster.pid"
        [ -f "$pid_file" ] || exit 0
        pid="$(head -1 "$pid_file")"
        # SIGINT is PostgreSQL's fast shutdown: sessions are ended, the data is flushed.
        kill -INT "$pid" 2>/dev/null || exit 0
        for _ in $(seq 1 300); do
            kill -0 "$pid" 2>/dev/null || exit 0
            sleep 0.1
        done
        echo "PostgreSQL (pid $pid) did not stop within 30 s" >&2
        exit 1
        ;;
    url)
        url "$(cd "$dir" && pwd)"
        ;;
    *)
        echo "usage: $0 start|stop|url DIR [LISTEN_ADDRESS CLIENT_CIDR]" >&2
        exit 2
        ;;
esac
