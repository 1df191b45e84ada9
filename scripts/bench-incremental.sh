#!/usr/bin/env bash
# Incremental re-scan benchmark (issue 15): a synthetic organisation is scanned in full into a
# fresh history store (night 1, no file written: the table goes to /dev/null); the same
# organisation a night later, with CHANGED accounts given a new administrator (`posture-dev synth
# --changed`), is scanned on copies of that store, without and with the failing findings written
# as JSON report v1, each with --incremental and in full: an incremental night against a full
# scan of the same night into the same store. Prints wall times, the accounts reused, the ratio
# incremental/full, and the store's size with the part the kept account results take.
# Usage: scripts/bench-incremental.sh [ACCOUNTS]   (default 1000; CHANGED=50, SEED=42,
#        BENCH_DIR=bench-out holds the snapshots, stores and reports)
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${1:-1000}
changed=${CHANGED:-50}
. scripts/bench-common.sh
night1="$out/org-$accounts-seed$seed.json"
night2="$out/org-$accounts-seed$seed-changed$changed.json"
[ -f "$night1" ] || "$dev" synth --accounts "$accounts" --seed "$seed" -o "$night1" 2>/dev/null
[ -f "$night2" ] || "$dev" synth --accounts "$accounts" --seed "$seed" --changed "$changed" -o "$night2" 2>/dev/null

# scan LOG STORE SNAPSHOT [FLAGS...]: one timed scan, its stdout discarded.
scan() {
  local log=$1 store=$2 snapshot=$3
  shift 3
  /usr/bin/time -f "wall=%e rss_kb=%M" "$bin" scan --snapshot "$snapshot" --history "$store" --timings "$@" \
    >/dev/null 2>"$log"
}
store_bytes() { python3 -c "
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
kept = db.execute('SELECT coalesce(sum(length(results)), 0), count(*) FROM account_results').fetchone()
print(os.path.getsize(sys.argv[1]), kept[0], kept[1])" "$1"; }

seeded="$out/incr-seed.db"
rm -f "$seeded" "$seeded"-wal "$seeded"-shm
# Night 1, full, into a new store: the full scan without file output.
scan "$out/incr-seed.log" "$seeded" "$night1"
read -r size kept rows < <(store_bytes "$seeded")
echo "store after night 1: $((size / 1048576)) MB, of which kept results $((kept / 1048576)) MB for $rows accounts"
json=(-f "json=$out/incr-report.json" --only-failing)
# Night 2 on copies of that store: incremental and full, without and with the report.
for run in none-incr none-full json-incr json-full; do
  cp "$seeded" "$out/incr-$run.db"
  flags=(); [ "${run%-*}" = none ] || flags=("${json[@]}")
  [ "${run#*-}" = full ] || flags+=(--incremental)
  scan "$out/incr-$run.log" "$out/incr-$run.db" "$night2" "${flags[@]}"
  [ "$run" != json-full ] || ls -l "$out/incr-report.json" | awk '{printf "failing-findings JSON report: %.0f MB\n", $5 / 1048576}'
  rm -f "$out/incr-$run.db"* "$out/incr-report.json"
done
printf "%-8s %10s %10s %15s %8s\n" output full_s incr_s reused_accounts ratio
for mode in none json; do
  full=$(field wall "$out/incr-$mode-full.log")
  incr=$(field wall "$out/incr-$mode-incr.log")
  printf "%-8s %10.2f %10.2f %15s %8.3f\n" "$mode" "$full" "$incr" \
    "$(field reused_accounts "$out/incr-$mode-incr.log")" "$(echo "$incr / $full" | bc -l)"
done
