# Sourced by scripts/bench.sh and scripts/bench-incremental.sh: the settings, binaries and log
# reader both benchmarks share.
seed=${SEED:-42}
out=${BENCH_DIR:-bench-out}
mkdir -p "$out"
# The benchmark needs no live collection: the core (with the Parquet writer) builds in minutes.
cargo build --release --quiet --no-default-features --features parquet --bins
bin=${CARGO_TARGET_DIR:-target}/release/posture
dev=${CARGO_TARGET_DIR:-target}/release/posture-dev
# The value of NAME=value in a log, matched as a whole word (load= is not rules_load=); nan if absent.
field() { grep -oE "(^|[ (])$1=[0-9.]+" "$2" | head -n 1 | sed 's/.*=//' | grep . || echo nan; }
