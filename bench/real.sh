#!/usr/bin/env bash
# Real-shaped trees (issue 18): `talgpu check -o json` against `cat` of the same files, with the
# fast path and without it (TALGPU_YAML=libyaml), best of REPEATS, plus max RSS against the input.
# The trees come from bench/gen_real.py (8 MB and 80 MB by default); REAL_DIRS adds folders of
# real repositories (each read the same way).
#   REPEATS=3 SIZES="8 80" REAL_DIRS="/path/to/home-ops" bash bench/real.sh BIN
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:?usage: bench/real.sh BIN}")
repeats=${REPEATS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dirs=()
for mb in ${SIZES:-8 80}; do
  python3 bench/gen_real.py "$tmp/real-$mb" --mb "$mb" >/dev/null
  dirs+=("$tmp/real-$mb")
done
for d in ${REAL_DIRS:-}; do dirs+=("$d"); done
best() {  # best wall seconds and its max RSS (KB) of REPEATS runs of "$@"
  local b="" r=""
  for _ in $(seq "$repeats"); do
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null 2>&1 || true
    read -r e m < <(tail -n 1 "$tmp/time")
    if [[ -z $b ]] || (( $(echo "$e < $b" | bc -l) )); then b=$e; r=$m; fi
  done
  echo "$b $r"
}
echo "| tree | input MB | cat s | talgpu s | talgpu / cat | fast path off s | max RSS MB | RSS / input |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for d in "${dirs[@]}"; do
  find "$d" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 > "$tmp/files"
  bytes=$(xargs -0 cat < "$tmp/files" | wc -c)
  read -r cat_s _ < <(best sh -c "xargs -0 cat < '$tmp/files'")
  read -r t_s t_rss < <(best "$bin" -o json check "$d")
  read -r ref_s _ < <(best env TALGPU_YAML=libyaml "$bin" -o json check "$d")
  name=$(basename "$d")
  printf '| %s | %.1f | %.3f | %.3f | %.1fx | %.3f | %.0f | %.1fx |\n' "$name" "$(echo "$bytes / 1000000" | bc -l)" \
    "$cat_s" "$t_s" "$(echo "$t_s / $cat_s" | bc -l)" "$ref_s" "$(echo "$t_rss / 1024" | bc -l)" \
    "$(echo "$t_rss * 1024 / $bytes" | bc -l)"
done
