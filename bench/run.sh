#!/usr/bin/env bash
# Benchmark of `talgpu check` (throughput, scaling) against `kubectl kustomize` on the same trees.
#   bash bench/run.sh [BUILD_DIR] [REPEATS]
# Prints markdown tables (the ones in bench/README.md). Times are the best of REPEATS wall-clock
# runs (bash `time`), or hyperfine's mean when hyperfine is installed. "1 core" rows run under
# `taskset -c 0`. The load average is printed with the results: the machine may be shared.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
repeats=${2:-3}
bin=$(realpath "$build/talgpu")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pin=(taskset -c 0)
command -v taskset >/dev/null || pin=()

# best_of CMD...: best wall seconds over $repeats runs (stdout/stderr discarded, exit code ignored).
best_of() {
  if command -v hyperfine >/dev/null; then
    hyperfine -N -i -r "$repeats" --export-json "$tmp/h.json" "$(printf '%q ' "$@")" >/dev/null 2>&1
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' "$tmp/h.json"
    return
  fi
  local best="" t
  for _ in $(seq "$repeats"); do
    local TIMEFORMAT=%R
    t=$( { time "$@" >/dev/null 2>&1 || true; } 2>&1 )
    if [[ -z $best ]] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  echo "$best"
}
tree_mb() { find "$1/apps" -name '*.yaml' -printf '%s\n' | awk '{s+=$1} END {printf "%.2f", s/1048576}'; }
gen() { python3 bench/gen.py "$@" >/dev/null; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "talgpu: $bin ($(git rev-parse --short HEAD)); kubectl: $(kubectl version --client 2>/dev/null | head -1)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

for n in 100 1000 10000 50000; do gen "$tmp/w$n" --workloads "$n" --nodes 5 --shapes 5; done
gen "$tmp/fleet10k" --workloads 0 --nodes 10000 --shapes 5

echo "### Throughput (5 nodes of 5 shapes, -o json, 1 core)"
echo
echo "| workloads | input MB | seconds | workloads/s | MB/s |"
echo "|---:|---:|---:|---:|---:|"
for n in 1000 10000 50000; do
  t=$(best_of "${pin[@]}" "$bin" check -o json "$tmp/w$n/apps" --nodes "$tmp/w$n/nodes.json")
  mb=$(tree_mb "$tmp/w$n")
  printf '| %d | %s | %.3f | %.0f | %.1f |\n' "$n" "$mb" "$t" "$(echo "$n / $t" | bc -l)" "$(echo "$mb / $t" | bc -l)"
done
t=$(best_of "$bin" check -o json "$tmp/w50000/apps" --nodes "$tmp/w50000/nodes.json")
printf '\n50,000 workloads without taskset (both cores): %.3f s, %.0f workloads/s\n\n' "$t" "$(echo "50000 / $t" | bc -l)"

echo "### Node scaling (10,000 workloads, 1 core)"
echo
echo "-o sarif prints findings only; -o json also lists every node of every workload (O(workloads x nodes) bytes by format)."
echo
echo "| nodes (shapes) | output | seconds | ratio to 5 nodes |"
echo "|---|---|---:|---:|"
t5=$(best_of "${pin[@]}" "$bin" check -o sarif "$tmp/w10000/apps" --nodes "$tmp/w10000/nodes.json")
t10k=$(best_of "${pin[@]}" "$bin" check -o sarif "$tmp/w10000/apps" --nodes "$tmp/fleet10k/nodes.json")
printf '| 5 (5) | sarif | %.3f | 1.00 |\n| 10,000 (5) | sarif | %.3f | %.2f |\n' "$t5" "$t10k" "$(echo "$t10k / $t5" | bc -l)"
j5=$(best_of "${pin[@]}" "$bin" check -o json "$tmp/w100/apps" --nodes "$tmp/w100/nodes.json")
j10k=$(best_of "${pin[@]}" "$bin" check -o json "$tmp/w100/apps" --nodes "$tmp/fleet10k/nodes.json")
bytes=$("$bin" check -o json "$tmp/w100/apps" --nodes "$tmp/fleet10k/nodes.json" 2>/dev/null | wc -c || true)
printf '| 5 (5), 100 workloads | json | %.3f | 1.00 |\n| 10,000 (5), 100 workloads | json (%s MB out) | %.3f | %.2f |\n\n' \
  "$j5" "$(echo "$bytes / 1048576" | bc)" "$j10k" "$(echo "$j10k / $j5" | bc -l)"

echo "### Against kubectl kustomize (same trees, 1 core, one run each)"
echo
echo "| tree | kubectl kustomize s | talgpu check s | kubectl / talgpu |"
echo "|---|---:|---:|---:|"
TIMEFORMAT=%R
k1=$( { time "${pin[@]}" kubectl kustomize "$tmp/w1000" >/dev/null 2>&1; } 2>&1 )
c1=$(best_of "${pin[@]}" "$bin" check -o json "$tmp/w1000/apps" --nodes "$tmp/w1000/nodes.json")
printf '| 1,000 workloads, whole tree | %.2f | %.3f | %.1fx |\n' "$k1" "$c1" "$(echo "$k1 / $c1" | bc -l)"
# kustomize is superlinear on one big tree; per folder (100 workloads each) it is linear.
k10=$( { time (for d in "$tmp"/w10000/apps/*/; do "${pin[@]}" kubectl kustomize "$d" >/dev/null 2>&1; done); } 2>&1 )
c10=$(best_of "${pin[@]}" "$bin" check -o json "$tmp/w10000/apps" --nodes "$tmp/w10000/nodes.json")
printf '| 10,000 workloads, folder by folder | %.2f | %.3f | %.1fx |\n' "$k10" "$c10" "$(echo "$k10 / $c10" | bc -l)"
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
