#!/usr/bin/env bash
# Installs the Debian packages a goal needs, only those that are missing.
#   scripts/install-deps.sh run|test|bench [postgres]
# `postgres` adds Debian's PostgreSQL server (for `make run STORE=postgres` without DATABASE_URL).
set -euo pipefail

# The Swift toolchain is no Debian package: say where it comes from instead of failing later with
# "make: swift: No such file or directory".
if ! command -v swift >/dev/null 2>&1; then
    echo "people-api needs the Swift 6 toolchain for Linux, and 'swift' is not on the PATH." >&2
    echo "Download it from https://www.swift.org/install/linux/ (Debian 12), unpack it, and add its usr/bin to PATH." >&2
    exit 1
fi

packages=(libfcgi-dev libfcgi-bin libjansson-dev libpq-dev nginx spawn-fcgi multiwatch sqlite3 curl)
case "${1:-run}" in
    run) ;;
    # iproute2: the several-hosts test builds network namespaces with `ip netns`. prometheus (and its
    # promtool) scrapes and lints /api/metrics; logrotate rotates the logs under load; php-fpm is the
    # benchmark's peer, which the benchmark's smoke run in `make test` keeps from rotting.
    # ssl-cert: the snakeoil certificate the HTTPS test serves (make-ssl-cert generate-default-snakeoil).
    test) packages+=(chromium chromium-driver python3-venv wrk systemd postgresql iproute2 prometheus logrotate
                     php8.2-fpm php8.2-sqlite3 ssl-cert) ;;
    bench) packages+=(wrk postgresql php8.2-fpm php8.2-sqlite3) ;;
    *) echo "usage: $0 run|test|bench [postgres]" >&2; exit 2 ;;
esac
if [ "${2:-}" = "postgres" ]; then packages+=(postgresql); fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != "0" ]; then
    echo "Missing Debian packages: ${missing[*]}. Install them as root: apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
