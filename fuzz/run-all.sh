#!/usr/bin/env bash
# Runs every fuzz target in turn on one core at the lowest priority, from the committed
# corpus, and prints executions and exec/s per target. Build them first (nightly, cargo-fuzz):
#   cd fuzz && cargo +nightly fuzz build -s none -O
#   fuzz/run-all.sh [RUNS] [SECONDS_PER_TARGET] [TARGET...]
# Defaults: 10,000,000 runs, at most 3,600 s each, all targets. New corpus entries go to
# a scratch directory (fuzz/target/new-corpus/<target>); minimize before committing any:
#   cargo +nightly fuzz cmin <target> fuzz/corpus/<target>
# Without AddressSanitizer (`-s none`): the code is safe Rust, and it runs about 3x faster;
# debug assertions and overflow checks stay on (cargo-fuzz's default).
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-10000000}
secs=${2:-3600}
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(item feed config bx_reply evidence status_path fleet_command xlsx)
bin=target/x86_64-unknown-linux-gnu/release
for t in "${targets[@]}"; do
    mkdir -p "target/new-corpus/$t" artifacts
    log="target/fuzz-$t.log"
    nice -n 19 "$bin/$t" "target/new-corpus/$t" "corpus/$t" \
        -runs="$runs" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="artifacts/$t-" >"$log" 2>&1 || echo "$t: FAILED (see fuzz/$log)"
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    rate=$(grep -Eo 'exec/s: *[0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+$' || echo "?")
    secs_used=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -Eo 'in [0-9]+' | grep -Eo '[0-9]+' || echo "?")
    echo "$t: $execs executions, $rate exec/s, ${secs_used}s"
done
