#!/usr/bin/env bash
# Per-file cost: the same Deployments as 100,000 one-document files (1,000 folders) and as 1,000
# files of 100 documents, `talgpu check -o json`, alternated (A B A B ...), best of REPEATS.
# Prints wall, user, sys seconds and max RSS of each, and the system calls of one run of each
# (strace -c -f, when strace is installed). Several binaries (before / after) are alternated too;
# NO_READ_AHEAD=1 adds each binary again with its folder reader thread off (TALGPU_READ_AHEAD=0).
#   REPEATS=3 WORKLOADS=100000 [NO_READ_AHEAD=1] bash bench/files.sh BIN [BIN...]
set -euo pipefail
cd "$(dirname "$0")/.."
bins=()
envs=()
for b in "$@"; do
  bins+=("$(realpath "$b")"); envs+=("TALGPU_READ_AHEAD=1")
  if [[ ${NO_READ_AHEAD:-0} == 1 ]]; then bins+=("$(realpath "$b")"); envs+=("TALGPU_READ_AHEAD=0"); fi
done
repeats=${REPEATS:-3}
n=${WORKLOADS:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 bench/gen_files.py "$tmp" --workloads "$n"
echo "many: $(find "$tmp/many" -type f | wc -l) files, $(find "$tmp/many" -type f -exec cat {} + | wc -c) bytes"
echo "few:  $(find "$tmp/few" -type f | wc -l) files, $(cat "$tmp"/few/*.yaml | wc -c) bytes"
declare -A best
for _ in $(seq "$repeats"); do
  for k in "${!bins[@]}"; do
    for tree in many few; do
      env "${envs[$k]}" /usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "${bins[$k]}" -o json check "$tmp/$tree" >/dev/null 2>&1 || true
      read -r e u s m < <(tail -n 1 "$tmp/t")
      key="$k $tree"
      if [[ -z ${best[$key]:-} ]] || (( $(echo "$e < ${best[$key]%% *}" | bc -l) )); then best[$key]="$e $u $s $m"; fi
    done
  done
done
echo "| binary | environment | tree | files | wall s | user s | sys s | max RSS MB |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
for k in "${!bins[@]}"; do
  for tree in many few; do
    read -r e u s m <<<"${best[$k $tree]}"
    files=$(find "$tmp/$tree" -type f | wc -l)
    printf '| %s | %s | %s | %d | %.2f | %.2f | %.2f | %.0f |\n' "${bins[$k]}" "${envs[$k]}" "$tree" "$files" "$e" "$u" "$s" "$(echo "$m / 1024" | bc -l)"
  done
done
if command -v strace >/dev/null; then
  for k in "${!bins[@]}"; do
    for tree in many few; do
      echo "system calls, ${bins[$k]} ${envs[$k]}, $tree:"
      env "${envs[$k]}" strace -c -f -o "$tmp/s" "${bins[$k]}" -o json check "$tmp/$tree" >/dev/null 2>&1 || true
      grep -E ' (openat|open|newfstatat|fstat|statx|stat|lstat|read|getdents64|close|readlink|futex)$|total' "$tmp/s" || true
    done
  done
fi
