#!/usr/bin/env bash
# Placement output at fleet size (issue 18): 1,000 workloads on 10,000 observed nodes of 5 shapes,
# `check -o text` and `-o json`, each binary given (before / after) in turn, best of REPEATS.
# Prints wall seconds, max RSS and output bytes.
#   REPEATS=3 WORKLOADS=1000 NODES=10000 bash bench/placement.sh BIN [BIN...]
set -euo pipefail
cd "$(dirname "$0")/.."
bins=()
for b in "$@"; do bins+=("$(realpath "$b")"); done
repeats=${REPEATS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 bench/gen.py "$tmp/t" --workloads "${WORKLOADS:-1000}" --nodes "${NODES:-10000}" --shapes 5
echo "| binary | output | wall s | max RSS MB | output bytes |"
echo "|---|---|---:|---:|---:|"
for out in text json; do
  declare -A best=()
  for _ in $(seq "$repeats"); do
    for k in "${!bins[@]}"; do
      /usr/bin/time -f '%e %M' -o "$tmp/time" "${bins[$k]}" -o "$out" check "$tmp/t/apps" --nodes "$tmp/t/nodes.json" \
        >"$tmp/out" 2>/dev/null || true
      read -r e m < <(tail -n 1 "$tmp/time")
      bytes=$(stat -c %s "$tmp/out")
      if [[ -z ${best[$k]:-} ]] || (( $(echo "$e < ${best[$k]%% *}" | bc -l) )); then best[$k]="$e $m $bytes"; fi
    done
  done
  for k in "${!bins[@]}"; do
    read -r e m bytes <<<"${best[$k]}"
    printf '| %s | %s | %.2f | %.0f | %s |\n' "${bins[$k]}" "$out" "$e" "$(echo "$m / 1024" | bc -l)" "$bytes"
  done
  unset best
done
