#!/usr/bin/env bash
# Renders the bundled nginx config.
#
#   scripts/render-nginx.sh RUN_DIR   nginx.conf + the site into RUN_DIR, for an unprivileged
#                                     nginx keeping its pid, logs and temp files there
#                                     (`make run`, the tests, the benchmark)
#   scripts/render-nginx.sh --site    the site alone on stdout, for /etc/nginx/sites-available:
#                                     HTTPS on 443, and port 80 redirecting to it
#   scripts/render-nginx.sh --site --check
#                                     renders the site with the same settings inside an http {}
#                                     of its own in a temporary folder and runs `nginx -t` on it:
#                                     needs no root and writes nothing under /etc or /var
#
# Settings (environment), with the RUN_DIR defaults; --site defaults in brackets:
#   LISTEN        127.0.0.1:$PORT, PORT 8080            [80; PORT, a development setting, is not read]
#   UPSTREAM      unix:RUN_DIR/people-api.sock          [unix:/run/people-api/people-api.sock]
#                 or several responder hosts, space-separated: "10.0.0.2:9000 10.0.0.3:9000"
#   FAIL_TIMEOUT  how long nginx leaves a host that failed alone before trying it again, 10s
#   KEEP_CONN     on: nginx keeps FastCGI connections open between requests (a pool of 32 per
#                 nginx worker); off: one connection per request. Default on (see README, "Speed")
#   RATE_LIMIT    creates per second per client, 10; 0 turns the limit off; RATE_BURST 20
#   READ_TIMEOUT  how long nginx waits for the responder, 30s
#   CLIENT_TIMEOUT  how long a client may take to send headers or body, or to read, 10s
#   WEB_ROOT      nginx/www of this checkout            [/srv/people-api]
#   CONF_DIR      where people-api-fastcgi-params is    [/etc/nginx]
#   LOG_DIR       RUN_DIR                               [/var/log/nginx]
#   STATUS_LISTEN the operators' server (stub_status, each host's /api/metrics):
#                 unix:RUN_DIR/nginx-status.sock        [127.0.0.1:9180]
# --site only (make run stays on plain HTTP on 127.0.0.1):
#   TLS           on: LISTEN is HTTPS (TLS 1.2 and 1.3 only, HSTS); off: plain HTTP    [on]
#   LISTEN        [443]; HTTP_LISTEN, where plain HTTP answers 308 to https: [80], off for none
#   SSL_CERTIFICATE      [/etc/ssl/certs/ssl-cert-snakeoil.pem]   (certbot: /etc/letsencrypt/live/NAME/fullchain.pem)
#   SSL_CERTIFICATE_KEY  [/etc/ssl/private/ssl-cert-snakeoil.key] (certbot: /etc/letsencrypt/live/NAME/privkey.pem)
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
if [ "${1:-}" = "--site" ] && [ "${2:-}" = "--check" ]; then
    # The site inside a minimal nginx.conf, every file nginx would write in a temporary folder.
    check_dir="$(mktemp -d /tmp/people-api-site-check.XXXXXX)"
    trap 'rm -rf "$check_dir"' EXIT
    [ -n "${CONF_DIR:-}" ] && [ -f "$CONF_DIR/people-api-fastcgi-params" ] || {
        cp "$here/nginx/people-api-fastcgi-params" "$check_dir/"; CONF_DIR="$check_dir"; }
    CONF_DIR="$CONF_DIR" LOG_DIR="$check_dir" "$0" --site > "$check_dir/people-api-site.conf"
    mkdir -p "$check_dir/temp"
    {
        echo "pid $check_dir/nginx.pid; error_log $check_dir/error.log;"
        echo "events {}"
        echo "http {"
        for temp in client_body fastcgi proxy uwsgi scgi; do echo "    ${temp}_temp_path $check_dir/temp/$temp;"; done
        echo "    include $check_dir/people-api-site.conf;"
        echo "}"
    } > "$check_dir/nginx.conf"
    if ! report="$(nginx -t -q -p "$check_dir" -c "$check_dir/nginx.conf" 2>&1)"; then
        echo "!!! the rendered site does not pass nginx -t:" >&2
        echo "$report" | sed "s|$check_dir/people-api-site.conf|the site|g" >&2
        exit 1
    fi
    echo "The site passes nginx -t (TLS ${TLS:-on})."
    exit 0
fi
if [ "${1:-}" = "--site" ]; then
    mode=site
    run_dir=""
    : "${TLS:=on}"
    if [ "$TLS" = "on" ]; then : "${LISTEN:=443}"; else : "${LISTEN:=80}"; fi
    : "${UPSTREAM:=unix:/run/people-api/people-api.sock}"
    : "${WEB_ROOT:=/srv/people-api}" "${CONF_DIR:=/etc/nginx}" "${LOG_DIR:=/var/log/nginx}"
    : "${STATUS_LISTEN:=127.0.0.1:9180}"
else
    mode=local
    run_dir="$(mkdir -p "$1" && cd "$1" && pwd)"
    : "${LISTEN:=127.0.0.1:${PORT:-8080}}" "${UPSTREAM:=unix:$run_dir/people-api.sock}"
    : "${WEB_ROOT:=$here/nginx/www}" "${CONF_DIR:=$run_dir}" "${LOG_DIR:=$run_dir}"
    : "${STATUS_LISTEN:=unix:$run_dir/nginx-status.sock}"
fi
rate="${RATE_LIMIT:-10}"
burst="${RATE_BURST:-20}"
if [ "$rate" = "0" ]; then
    limit="# rate limit off (RATE_LIMIT=0)"
    rate=1
else
    limit="limit_req zone=people_api_creates burst=$burst nodelay;"
fi
# As root, nginx's workers would switch to nobody and lose access to the socket and temp files.
if [ "$(id -u)" = "0" ]; then
    user_directive="user $(id -un) $(id -gn);"
else
    user_directive="# running unprivileged as $(id -un)"
fi

# One `server` line per address. A host that refuses or drops a connection is left alone for
# FAIL_TIMEOUT; a request it refused goes to the next host (a GET always; a POST only when it
# was never sent, which nginx decides by itself: it never sends one create twice).
upstream_servers=""
for address in $UPSTREAM; do
    upstream_servers+="${upstream_servers:+\n    }server $address max_fails=1 fail_timeout=${FAIL_TIMEOUT:-10s};"
done

# One location per application host on the operators' server: /hosts/ADDRESS/metrics (a Unix
# socket's host is "local"), passed straight to that host as GET /api/metrics.
host_metrics=""
for address in $UPSTREAM; do
    name="$address"
    case "$address" in unix:*) name=local ;; esac
    host_metrics+="${host_metrics:+\n    }location = /hosts/$name/metrics { fastcgi_pass $address; fastcgi_param REQUEST_METHOD \$request_method; fastcgi_param REQUEST_URI /api/metrics; fastcgi_param QUERY_STRING \"\"; fastcgi_param SERVER_PROTOCOL \$server_protocol; fastcgi_param REMOTE_ADDR \$remote_addr; fastcgi_param REQUEST_ID \$request_id; fastcgi_intercept_errors off; }"
done

if [ "${KEEP_CONN:-on}" = "on" ]; then
    # nginx lets an idle kept connection go after 5 s, before the responder's 10 s idle timeout
    # would close it: nginx must never pick a connection the responder is closing.
    keepalive="keepalive 32;\n    keepalive_timeout 5s;\n    keepalive_requests 10000;"
    keep_conn="fastcgi_keep_conn on;"
else
    keepalive="# kept FastCGI connections off (KEEP_CONN=off)"
    keep_conn=""
fi

# The body limit has one source, the Swift constant the responder enforces.
body_limit_kib="$(sed -n 's/^ *public static let bodyKiB = \([0-9][0-9]*\)$/\1/p' "$here/Sources/HTTPMessages/RequestLimits.swift")"
[ -n "$body_limit_kib" ] || { echo "render-nginx.sh: no bodyKiB in Sources/HTTPMessages/RequestLimits.swift" >&2; exit 1; }

render() {
    sed -e "s|@RUN_DIR@|$run_dir|g" \
        -e "s|@BODY_LIMIT_KIB@|$body_limit_kib|g" \
        -e "s|@CONF_DIR@|$CONF_DIR|g" \
        -e "s|@LOG_DIR@|$LOG_DIR|g" \
        -e "s|@LISTEN@|$LISTEN|g" \
        -e "s|@UPSTREAM_SERVERS@|$upstream_servers|g" \
        -e "s|@KEEPALIVE@|$keepalive|g" \
        -e "s|@KEEP_CONN@|$keep_conn|g" \
        -e "s|@RATE_LIMIT@|$rate|g" \
        -e "s|@LIMIT_REQ@|$limit|g" \
        -e "s|@READ_TIMEOUT@|${READ_TIMEOUT:-30s}|g" \
        -e "s|@CLIENT_TIMEOUT@|${CLIENT_TIMEOUT:-10s}|g" \
        -e "s|@WEB_ROOT@|$WEB_ROOT|g" \
        -e "s|@USER_DIRECTIVE@|$user_directive|g" \
        -e "s|@STATUS_LISTEN@|$STATUS_LISTEN|g" \
        -e "s|@HOST_METRICS@|$host_metrics|g" \
        "$1"
}

if [ "$mode" = "site" ] && [ "$TLS" != "on" ]; then
    render "$here/nginx/people-api-site.conf.template"
    exit 0
fi
if [ "$mode" = "site" ]; then
    # HTTPS: the listen line gains ssl and the certificate; HSTS goes on every answer (at the
    # server level, and beside each location's own add_header, which would otherwise hide it).
    certificate="${SSL_CERTIFICATE:-/etc/ssl/certs/ssl-cert-snakeoil.pem}"
    key="${SSL_CERTIFICATE_KEY:-/etc/ssl/private/ssl-cert-snakeoil.key}"
    hsts='add_header Strict-Transport-Security "max-age=63072000" always;'
    tls="listen $LISTEN ssl;\n    ssl_certificate $certificate;\n    ssl_certificate_key $key;"
    tls+="\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_prefer_server_ciphers off;"
    tls+="\n    ssl_session_cache shared:people_api_tls:10m;\n    ssl_session_timeout 1d;\n    $hsts"
    render "$here/nginx/people-api-site.conf.template" \
        | sed -e "s|^\(\s*\)listen $LISTEN;|\1${tls//|/\\|}|" \
              -e "s|^\(\s*\)add_header X-Content-Type-Options nosniff always;|&\n\1$hsts|"
    if [ "${HTTP_LISTEN:-80}" != "off" ]; then
        # Plain HTTP only points to HTTPS: 308 keeps a POST a POST (a 301 may turn it into a GET).
        https_port="${LISTEN##*:}"; https_port="${https_port%% *}"
        [ "$https_port" = 443 ] && https_port="" || https_port=":$https_port"
        printf '\n# Plain HTTP: every request, the page and /api/ alike, is sent to HTTPS.\n'
        printf 'server {\n    listen %s;\n    server_name _;\n    server_tokens off;\n' "${HTTP_LISTEN:-80}"
        printf '    return 308 https://$host%s$request_uri;\n}\n' "$https_port"
    fi
    exit 0
fi
mkdir -p "$run_dir/temp"
cp "$here/nginx/people-api-fastcgi-params" "$run_dir/people-api-fastcgi-params"
render "$here/nginx/people-api-site.conf.template" > "$run_dir/people-api-site.conf"
render "$here/nginx/nginx.conf.template" > "$run_dir/nginx.conf"
echo "$run_dir/nginx.conf"
