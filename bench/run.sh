#!/usr/bin/env bash
# Benchmark of `talgpu check` against `kubectl kustomize` on the same generated tree.
#   bench/run.sh [BUILD_DIR] [WORKLOADS]
# Prints one table row per scenario: seconds, workloads/s, MB/s, and the ratio to kubectl.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-check}
workloads=${2:-50000}
scale_workloads=${3:-500}   # the placement table is workloads x nodes, so the scaling pair is smaller
bin=$build/talgpu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

secs() {  # run "$@" once, print wall seconds
  local s e
  s=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  e=$(date +%s.%N)
  echo "$e - $s" | bc -l
}

python3 bench/gen.py "$tmp/small" --workloads "$workloads" --nodes 5 --shapes 5
python3 bench/gen.py "$tmp/s5" --workloads "$scale_workloads" --nodes 5 --shapes 5
python3 bench/gen.py "$tmp/big" --workloads "$scale_workloads" --nodes 10000 --shapes 5
bytes=$(find "$tmp/small/apps" -name '*.yaml' -printf '%s\n' | awk '{s+=$1} END {print s}')
mb=$(echo "$bytes / 1048576" | bc -l)

k=$(secs kubectl kustomize "$tmp/small")
printf '| %-34s | %8s | %12s | %8s | %10s |\n' scenario seconds workloads/s MB/s 'vs kubectl'
printf '|%s|\n' "------------------------------------|----------|--------------|----------|------------"
row() {
  local name=$1 t=$2
  printf '| %-34s | %8.2f | %12.0f | %8.1f | %10.2f |\n' "$name" "$t" "$(echo "$workloads / $t" | bc -l)" \
    "$(echo "$mb / $t" | bc -l)" "$(echo "$t / $k" | bc -l)"
}
row "kubectl kustomize (parse only)" "$k"
t5=$(secs "$bin" check -o json "$tmp/small/apps" --nodes "$tmp/small/nodes.json")
row "talgpu check, 5 nodes / 5 shapes" "$t5"
echo
ts=$(secs "$bin" check -o json "$tmp/s5/apps" --nodes "$tmp/s5/nodes.json")
t10k=$(secs "$bin" check -o json "$tmp/big/apps" --nodes "$tmp/big/nodes.json")
printf 'scaling (%s workloads): 5 nodes %.2fs, 10000 nodes %.2fs, ratio %.2fx\n' "$scale_workloads" "$ts" "$t10k" \
  "$(echo "$t10k / $ts" | bc -l)"
