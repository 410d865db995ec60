#!/usr/bin/env bash
# Rotates the logs of a `make run`-style deployment with Debian's logrotate: renders
# scripts/logrotate.conf.template for DATA_DIR into DATA_DIR/run/logrotate.conf and runs it with
# a state file of its own there (no root needed). `scripts/logrotate.sh -f` rotates now.
# LOG (DATA_DIR/people-api.log) and RUN_DIR (DATA_DIR/run: nginx's logs and pid, the scoreboard)
# say where a deployment laid out otherwise keeps them.
# (Under systemd the responders log to the journal, which rotates itself; nginx's logs there are
# Debian's /etc/logrotate.d/nginx's. A bare deployment: nginx/production/people-api.logrotate.)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data_dir="$(cd "${DATA_DIR:-var}" && pwd)"
log="${LOG:-$data_dir/people-api.log}"
run_dir="${RUN_DIR:-$data_dir/run}"
binary="${BINARY:-$here/.build/release/people-api}"
command -v logrotate >/dev/null || { echo "logrotate is missing: apt-get install logrotate" >&2; exit 1; }
mkdir -p "$run_dir"
sed -e "s|@LOG@|$log|g" -e "s|@RUN_DIR@|$run_dir|g" -e "s|@BINARY@|$binary|g" \
    "$here/scripts/logrotate.conf.template" > "$run_dir/logrotate.conf"
# logrotate refuses a config that others may write.
chmod 0644 "$run_dir/logrotate.conf"
exec logrotate -s "$run_dir/logrotate.state" "$@" "$run_dir/logrotate.conf"
