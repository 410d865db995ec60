#!/usr/bin/env bash
# Prints the --database that `make run` and `make token` use with the same settings:
#   DATABASE_URL when set (a postgresql:// URL: an existing server),
#   STORE=postgres: the server `make run` keeps under DATA_DIR/postgres,
#   STORE=sqlite (the default): DATA_DIR/people.sqlite.
# With --shown: the same, a URL's password replaced by *** (the only way a URL is printed).
set -euo pipefail
if [ "${1:-}" = "--shown" ]; then
    "$0" | sed -E -e 's#^(postgres(ql)?://[^:/@?]*):[^@/?]*@#\1:***@#' -e 's#([?&]password=)[^&]*#\1***#g'
    exit "${PIPESTATUS[0]}"
fi
here="$(cd "$(dirname "$0")/.." && pwd)"
data_dir="$(realpath -m "${DATA_DIR:-var}")"  # not created: a token command creates nothing
if [ -n "${DATABASE_URL:-}" ]; then
    echo "$DATABASE_URL"
    exit 0
fi
case "${STORE:-sqlite}" in
    sqlite) echo "$data_dir/people.sqlite" ;;
    postgres) mkdir -p "$data_dir/postgres" && "$here/scripts/postgres.sh" url "$data_dir/postgres" ;;
    *) echo "STORE must be sqlite or postgres, not '${STORE}'" >&2; exit 2 ;;
esac
