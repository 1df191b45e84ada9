#!/usr/bin/env bash
# Scan benchmark on synthetic organisations: for each size, the median of RUNS scans of
# snapshot bytes, load, facts, rules, total time, findings, peak RSS, and total time divided by
# two bare parses of the same file: a validating parse that builds nothing (validate) and a
# parse into a generic JSON tree (dom), both with serde_json.
# Usage: scripts/bench.sh [ACCOUNTS...]   (default: 10 100 1000; RUNS=3, SEED=42)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 1000)
runs=${RUNS:-3}
seed=${SEED:-42}
out=${BENCH_DIR:-bench-out}
mkdir -p "$out"
cargo build --release --quiet
bin=target/release/posture

# The value of NAME=value in a log, matched as a whole word (load= is not rules_load=).
field() { grep -oE "(^|[ (])$1=[0-9.]+" "$2" | head -n 1 | sed 's/.*=//'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); runs per size: $runs (median)"
printf "%-8s %11s %7s %9s %9s %9s %8s %9s %11s %10s %8s %14s %9s\n" \
  accounts snapshot_MB load_s facts_cpu rules_cpu eval_wall total_s findings peak_RSS_MB validate_s dom_s total/validate total/dom
for n in "${sizes[@]}"; do
  snapshot="$out/org-$n-seed$seed.json"
  [ -f "$snapshot" ] || "$bin" synth --accounts "$n" --seed "$seed" -o "$snapshot" 2>/dev/null
  bytes=$(stat -c %s "$snapshot")
  : >"$out/runs-$n.txt"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "rss_kb=%M" "$bin" scan --snapshot "$snapshot" --timings >/dev/null 2>"$out/scan-$n.log"
    "$bin" parse-json "$snapshot" 2>"$out/parse-$n.log"
    echo "$(field load "$out/scan-$n.log") $(field facts_cpu "$out/scan-$n.log") $(field rules_cpu "$out/scan-$n.log") \
$(field evaluate_wall "$out/scan-$n.log") $(field total "$out/scan-$n.log") $(field results "$out/scan-$n.log") \
$(field rss_kb "$out/scan-$n.log") $(field validate_seconds "$out/parse-$n.log") $(field dom_seconds "$out/parse-$n.log")" >>"$out/runs-$n.txt"
  done
  col() { awk -v c="$1" '{print $c}' "$out/runs-$n.txt" | median; }
  load=$(col 1) facts=$(col 2) rules=$(col 3) eval=$(col 4) total=$(col 5) findings=$(col 6) rss=$(col 7)
  validate=$(col 8) dom=$(col 9)
  printf "%-8s %11.1f %7.2f %9.2f %9.2f %9.2f %8.2f %9d %11.0f %10.3f %8.2f %14.1f %9.2f\n" \
    "$n" "$(echo "$bytes / 1048576" | bc -l)" "$load" "$facts" "$rules" "$eval" "$total" "$findings" \
    "$(echo "$rss / 1024" | bc -l)" "$validate" "$dom" "$(echo "$total / $validate" | bc -l)" "$(echo "$total / $dom" | bc -l)"
done
