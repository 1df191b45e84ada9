#!/usr/bin/env bash
# Scan benchmark on synthetic organisations: for each size, the median of RUNS scans that write
# JSON report v1 and OCSF to files (outputs are part of the job): wall time, peak RSS, the CPU
# of each phase, and wall time divided by two bare parses of the same snapshot (one that builds
# nothing, one into a generic JSON tree) and by a tree parse of the JSON report it wrote (the
# comparison issue 9 states its target in).
# Usage: scripts/bench.sh [ACCOUNTS...]   (default: 10 100 1000 10000; RUNS=3, SEED=42;
#        BENCH_DIR holds the snapshots and reports; from 10,000 accounts the reports hold the
#        failing findings only, and need about 20 GB free besides the 4 GB snapshot; a file whose
#        JSON tree would not fit in free memory gets no tree parse, and its ratios read nan)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 1000 10000)
runs=${RUNS:-3}
. scripts/bench-common.sh

# A serde_json tree of a report took 5.5 times its file (17.1 GB for 3.09 GB): parse into one
# only when 6 times the file fits in free memory.
tree_flag() { [ $(( $(stat -c %s "$1") * 6 / 1024 )) -lt "$(awk '/MemAvailable/ {print $2}' /proc/meminfo)" ] || echo --no-tree; }
ratio() { case "$1$2" in *nan*) echo nan ;; *) echo "$1 / $2" | bc -l ;; esac; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); runs per size: $runs (median)"
printf "%-8s %11s %9s %8s %11s %9s %9s %10s %9s %10s %8s %11s %9s\n" \
  accounts snapshot_MB findings wall_s peak_RSS_MB facts_cpu rules_cpu render_cpu output_s validate_s dom_s wall/validate wall/dom
printf "%-8s %14s %13s\n" accounts report_dom_s wall/report
for n in "${sizes[@]}"; do
  snapshot="$out/org-$n-seed$seed.json"
  [ -f "$snapshot" ] || "$dev" synth --accounts "$n" --seed "$seed" -o "$snapshot" 2>/dev/null
  bytes=$(stat -c %s "$snapshot")
  : >"$out/runs-$n.txt"
  # From 10,000 accounts the files hold failing findings only (all of them: ~100 GB).
  only=(); [ "$n" -lt 10000 ] || only=(--only-failing)
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "rss_kb=%M wall=%e" "$bin" scan --snapshot "$snapshot" --timings "${only[@]}" \
      -f json="$out/report-$n.json" -f ocsf="$out/report-$n.ocsf" 2>"$out/scan-$n.log"
    "$dev" parse-json $(tree_flag "$snapshot") "$snapshot" 2>"$out/parse-$n.log"
    "$dev" parse-json $(tree_flag "$out/report-$n.json") "$out/report-$n.json" 2>"$out/parse-report-$n.log"
    echo "$(field results "$out/scan-$n.log") $(field wall "$out/scan-$n.log") $(field rss_kb "$out/scan-$n.log") \
$(field facts_cpu "$out/scan-$n.log") $(field rules_cpu "$out/scan-$n.log") $(field render_cpu "$out/scan-$n.log") \
$(field output "$out/scan-$n.log") $(field validate_seconds "$out/parse-$n.log") $(field dom_seconds "$out/parse-$n.log") \
$(field dom_seconds "$out/parse-report-$n.log")" >>"$out/runs-$n.txt"
  done
  rm -f "$out/report-$n.json" "$out/report-$n.ocsf"
  col() { awk -v c="$1" '{print $c}' "$out/runs-$n.txt" | median; }
  findings=$(col 1) wall=$(col 2) rss=$(col 3) facts=$(col 4) rules=$(col 5) render=$(col 6) output=$(col 7)
  validate=$(col 8) dom=$(col 9) report_dom=$(col 10)
  printf "%-8s %11.1f %9d %8.2f %11.0f %9.2f %9.2f %10.2f %9.2f %10.3f %8.2f %11.1f %9.2f\n" \
    "$n" "$(echo "$bytes / 1048576" | bc -l)" "$findings" "$wall" "$(echo "$rss / 1024" | bc -l)" "$facts" "$rules" \
    "$render" "$output" "$validate" "$dom" "$(ratio "$wall" "$validate")" "$(ratio "$wall" "$dom")"
  printf "%-8s %14.2f %13.2f\n" "$n" "$report_dom" "$(ratio "$wall" "$report_dom")"
done
