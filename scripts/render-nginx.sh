#!/usr/bin/env bash
# Renders nginx/nginx.conf.template into RUN_DIR/nginx.conf for an unprivileged nginx
# that keeps its pid, logs and temp files under RUN_DIR.
#
#   scripts/render-nginx.sh RUN_DIR
#
# Settings (environment): PORT (8080), UPSTREAM (unix:RUN_DIR/people-api.sock),
# RATE_LIMIT creates per second per client (10; 0 turns the limit off), RATE_BURST (20),
# READ_TIMEOUT for the responder's answer (30s), WEB_ROOT (nginx/www).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
run_dir="$(mkdir -p "$1" && cd "$1" && pwd)"
port="${PORT:-8080}"
upstream="${UPSTREAM:-unix:$run_dir/people-api.sock}"
rate="${RATE_LIMIT:-10}"
burst="${RATE_BURST:-20}"
read_timeout="${READ_TIMEOUT:-30s}"
web_root="${WEB_ROOT:-$here/nginx/www}"

mkdir -p "$run_dir/temp"
cp "$here/nginx/fastcgi_params" "$run_dir/fastcgi_params"

if [ "$rate" = "0" ]; then
    limit="# rate limit off (RATE_LIMIT=0)"
    rate=1
else
    limit="limit_req zone=creates burst=$burst nodelay;"
fi
# As root, nginx's workers would switch to nobody and lose access to the socket and temp files.
if [ "$(id -u)" = "0" ]; then
    user_directive="user $(id -un) $(id -gn);"
else
    user_directive="# running unprivileged as $(id -un)"
fi

sed -e "s|@RUN_DIR@|$run_dir|g" \
    -e "s|@CONF_DIR@|$run_dir|g" \
    -e "s|@PORT@|$port|g" \
    -e "s|@UPSTREAM@|$upstream|g" \
    -e "s|@RATE_LIMIT@|$rate|g" \
    -e "s|@LIMIT_REQ@|$limit|g" \
    -e "s|@READ_TIMEOUT@|$read_timeout|g" \
    -e "s|@WEB_ROOT@|$web_root|g" \
    -e "s|@USER_DIRECTIVE@|$user_directive|g" \
    "$here/nginx/nginx.conf.template" > "$run_dir/nginx.conf"
echo "$run_dir/nginx.conf"
