#!/usr/bin/env bash
# Benchmark of `talgpu check` (throughput, scaling) against `kubectl kustomize` on the same trees.
#   bash bench/run.sh [BUILD_DIR] [REPEATS]
# Prints markdown tables (the ones in bench/README.md). Times are the best of REPEATS runs (bash
# `time`): wall clock and CPU (user+sys). "1 core" rows run under `taskset -c 0`. The load
# average is printed with the results: the machine may be shared.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
repeats=${2:-3}
bin=$(realpath "$build/talgpu")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pin=(taskset -c 0)
command -v taskset >/dev/null || pin=()

# best_of CMD...: "WALL CPU", the best wall-clock and the best CPU (user+sys) seconds over $repeats
# runs (stdout/stderr discarded, exit code ignored). CPU time is the steadier number on a shared
# machine: other processes stretch the wall clock, not the work done.
best_of() {
  local best="" best_cpu="" line wall cpu
  for _ in $(seq "$repeats"); do
    local TIMEFORMAT='%R %U %S'
    line=$( { time "$@" >/dev/null 2>&1 || true; } 2>&1 )
    wall=$(echo "$line" | awk '{print $1}')
    cpu=$(echo "$line" | awk '{print $2 + $3}')
    if [[ -z $best ]] || (( $(echo "$wall < $best" | bc -l) )); then best=$wall; fi
    if [[ -z $best_cpu ]] || (( $(echo "$cpu < $best_cpu" | bc -l) )); then best_cpu=$cpu; fi
  done
  echo "$best $best_cpu"
}
# best_pair "CMD A" "CMD B": "WALL_A WALL_B", best of $repeats runs each, run alternately (A B A B
# ...) so a change in the machine's speed during the measurement hits both sides alike.
best_pair() {
  local a="" b="" t
  for _ in $(seq "$repeats"); do
    local TIMEFORMAT='%R'
    t=$( { time eval "$1" >/dev/null 2>&1 || true; } 2>&1 )
    if [[ -z $a ]] || (( $(echo "$t < $a" | bc -l) )); then a=$t; fi
    t=$( { time eval "$2" >/dev/null 2>&1 || true; } 2>&1 )
    if [[ -z $b ]] || (( $(echo "$t < $b" | bc -l) )); then b=$t; fi
  done
  echo "$a $b"
}
# instructions CMD...: instructions retired (callgrind), a measure no other process disturbs.
instructions() {
  { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null || true; } |
    awk '/refs:/ {gsub(",", "", $NF); print $NF}'
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
echo "| workloads | input MB | wall s | cpu s | workloads/s (wall) | workloads/s (cpu) | MB/s (wall) |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in 1000 10000 50000; do
  read -r t c < <(best_of "${pin[@]}" "$bin" check -o json "$tmp/w$n/apps" --nodes "$tmp/w$n/nodes.json")
  mb=$(tree_mb "$tmp/w$n")
  printf '| %d | %s | %.3f | %.3f | %.0f | %.0f | %.1f |\n' "$n" "$mb" "$t" "$c" "$(echo "$n / $t" | bc -l)" \
    "$(echo "$n / $c" | bc -l)" "$(echo "$mb / $t" | bc -l)"
done
# The same 50,000-workload run with the fast YAML path switched off (libyaml for every file),
# alternated with the normal run.
pin_s="${pin[*]}"
read -r tf tl < <(best_pair "$pin_s $bin check -o json $tmp/w50000/apps --nodes $tmp/w50000/nodes.json" \
  "TALGPU_YAML=libyaml $pin_s $bin check -o json $tmp/w50000/apps --nodes $tmp/w50000/nodes.json")
printf '\nSame run, alternated: fast YAML path %.3f s, TALGPU_YAML=libyaml %.3f s (%.1fx).\n' "$tf" "$tl" "$(echo "$tl / $tf" | bc -l)"
read -r t c < <(best_of "$bin" check -o json "$tmp/w50000/apps" --nodes "$tmp/w50000/nodes.json")
printf '\n50,000 workloads without taskset (both cores): %.3f s wall, %.0f workloads/s\n\n' "$t" "$(echo "50000 / $t" | bc -l)"

echo "### Node scaling (10,000 workloads, 1 core)"
echo
echo "-o sarif prints findings only; -o json also lists every node of every workload (O(workloads x nodes) bytes by format)."
echo
echo "| nodes (shapes) | output | wall s | cpu s | ratio (wall) | ratio (cpu) |"
# (the first two rows alternate the two runs; cpu equals wall for this single-threaded program)
echo "|---|---|---:|---:|---:|---:|"
read -r t5 t10k < <(best_pair "$pin_s $bin check -o sarif $tmp/w10000/apps --nodes $tmp/w10000/nodes.json" \
  "$pin_s $bin check -o sarif $tmp/w10000/apps --nodes $tmp/fleet10k/nodes.json")
printf '| 5 (5) | sarif | %.3f | | 1.00 | |\n| 10,000 (5) | sarif | %.3f | | %.2f | |\n' "$t5" "$t10k" "$(echo "$t10k / $t5" | bc -l)"
read -r j5 d5 < <(best_of "${pin[@]}" "$bin" check -o json "$tmp/w100/apps" --nodes "$tmp/w100/nodes.json")
read -r j10k d10k < <(best_of "${pin[@]}" "$bin" check -o json "$tmp/w100/apps" --nodes "$tmp/fleet10k/nodes.json")
bytes=$("$bin" check -o json "$tmp/w100/apps" --nodes "$tmp/fleet10k/nodes.json" 2>/dev/null | wc -c || true)
printf '| 5 (5), 100 workloads | json | %.3f | %.3f | 1.00 | 1.00 |\n| 10,000 (5), 100 workloads | json (%s MB out) | %.3f | %.3f | %.2f | %.2f |\n\n' \
  "$j5" "$d5" "$(echo "$bytes / 1048576" | bc)" "$j10k" "$d10k" "$(echo "$j10k / $j5" | bc -l)" "$(echo "$d10k / $d5" | bc -l)"

if command -v valgrind >/dev/null; then
  i5=$(instructions "$bin" check -o sarif "$tmp/w10000/apps" --nodes "$tmp/w10000/nodes.json")
  i5k=$i5
  i10k=$(instructions "$bin" check -o sarif "$tmp/w10000/apps" --nodes "$tmp/fleet10k/nodes.json")
  printf 'Instructions (callgrind, deterministic): 5 nodes %s, 10,000 nodes %s, ratio %.3f.\n\n' "$i5" "$i10k" \
    "$(echo "$i10k / $i5" | bc -l)"
  # The same fleet under 50,000 workloads: reading the nodes is a fixed cost, so the ratio falls.
  i5=$(instructions "$bin" check -o sarif "$tmp/w50000/apps" --nodes "$tmp/w50000/nodes.json")
  i10k=$(instructions "$bin" check -o sarif "$tmp/w50000/apps" --nodes "$tmp/fleet10k/nodes.json")
  printf 'With 50,000 workloads: 5 nodes %s, 10,000 nodes %s, ratio %.3f.\n\n' "$i5" "$i10k" \
    "$(echo "$i10k / $i5" | bc -l)"
fi

echo "### Real-shaped nodes (10,000 workloads, 1 core)"
echo
# kubectl-shaped nodes are ~24 KB each (images, conditions, managedFields), with GPU feature
# discovery labels that differ per node: what reading a real fleet costs, and that per-node labels
# nobody selects on do not multiply the shapes.
python3 bench/gen_kubectl_nodes.py "$tmp/kubectl2k.json" 2000
kmb=$(stat -c %s "$tmp/kubectl2k.json" | awk '{printf "%.1f", $1/1048576}')
read -r t5 tk < <(best_pair "$pin_s $bin check -o sarif $tmp/w10000/apps --nodes $tmp/w10000/nodes.json" \
  "$pin_s $bin check -o sarif $tmp/w10000/apps --nodes $tmp/kubectl2k.json")
printf '2,000 kubectl-shaped nodes (%s MB): %.3f s vs %.3f s with 5 small nodes (alternated), %.0f MB/s of nodes.\n' \
  "$kmb" "$tk" "$t5" "$(echo "$kmb / ($tk - $t5)" | bc -l)"
if command -v valgrind >/dev/null; then
  ik=$(instructions "$bin" check -o sarif "$tmp/w10000/apps" --nodes "$tmp/kubectl2k.json")
  printf 'Instructions: %s, i.e. %.1f per byte of nodes.json over the 5-node run.\n' "$ik" \
    "$(echo "($ik - $i5k) / $(stat -c %s "$tmp/kubectl2k.json")" | bc -l)"
fi
echo

echo "### Against kubectl kustomize (same trees, 1 core, one run each)"
echo
echo "| tree | kubectl kustomize s | talgpu check s | kubectl / talgpu |"
echo "|---|---:|---:|---:|"
TIMEFORMAT=%R
k1=$( { time "${pin[@]}" kubectl kustomize "$tmp/w1000" >/dev/null 2>&1; } 2>&1 )
read -r c1 _ < <(best_of "${pin[@]}" "$bin" check -o json "$tmp/w1000/apps" --nodes "$tmp/w1000/nodes.json")
printf '| 1,000 workloads, whole tree | %.2f | %.3f | %.1fx |\n' "$k1" "$c1" "$(echo "$k1 / $c1" | bc -l)"
# kustomize is superlinear on one big tree; per folder (100 workloads each) it is linear.
k10=$( { time (for d in "$tmp"/w10000/apps/*/; do "${pin[@]}" kubectl kustomize "$d" >/dev/null 2>&1; done); } 2>&1 )
read -r c10 _ < <(best_of "${pin[@]}" "$bin" check -o json "$tmp/w10000/apps" --nodes "$tmp/w10000/nodes.json")
printf '| 10,000 workloads, folder by folder | %.2f | %.3f | %.1fx |\n' "$k10" "$c10" "$(echo "$k10 / $c10" | bc -l)"
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
