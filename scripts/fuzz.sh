#!/usr/bin/env bash
# libFuzzer over the validator and the responder (Sources/people-api-fuzz), with AddressSanitizer.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (`make fuzz FUZZ_SECONDS=3600`; `make test` runs 30 s)
# The corpus grows under .build-fuzz/corpus-TARGET, seeded from fuzz/seeds; crashes land in .build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-60}}"

swift build --scratch-path .build-fuzz --product people-api-fuzz \
    -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING --sanitize=address

for target in validator responder; do
    corpus=".build-fuzz/corpus-$target"
    mkdir -p "$corpus"
    echo "== fuzzing $target for ${seconds}s"
    log=".build-fuzz/fuzz-$target.log"
    status=0
    PEOPLE_FUZZ_TARGET="$target" .build-fuzz/debug/people-api-fuzz \
        -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 \
        -artifact_prefix=".build-fuzz/crash-$target-" "$corpus" fuzz/seeds > "$log" 2>&1 || status=$?
    grep -E "DONE|^Done|number_of_executed_units|ERROR|SUMMARY|Test unit written" "$log" | tail -5 || true
    if [ "$status" -ne 0 ]; then
        echo "fuzzing $target found a crash (exit $status); see $log and .build-fuzz/crash-$target-*" >&2
        exit 1
    fi
done
