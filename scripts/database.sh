#!/usr/bin/env bash
# Prints the --database that `make run` and `make token` use: DATA_DIR/people.sqlite.
set -euo pipefail
data_dir="$(mkdir -p "${DATA_DIR:-var}" && cd "${DATA_DIR:-var}" && pwd)"
echo "$data_dir/people.sqlite"
