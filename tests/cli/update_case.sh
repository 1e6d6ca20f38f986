#!/usr/bin/env bash
# Rewrites the expected files of CLI cases from the current binary (review the diff before committing).
#   bash tests/cli/update_case.sh build/talgpu tests/cli/cases/<name>...
set -uo pipefail
bin=$(realpath "$1"); shift
export TALGPU_FAKES="${TALGPU_FAKES:-$(dirname "$bin")/tests/fakes}"
for case_dir in "$@"; do
  tmp=$(mktemp -d)
  cmd=$(cat "$case_dir/cmd")
  NO_COLOR=1 TALGPU_CASE_TMP="$tmp" bin="$bin" bash -c "talgpu() { \"\$bin\" \"\$@\"; }; $cmd" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  for stream in stdout stderr; do
    if [ -f "$case_dir/expected_$stream" ]; then cp "$tmp/$stream" "$case_dir/expected_$stream"; fi
  done
  if [ -f "$case_dir/expected_rc" ] || [ "$rc" != 0 ]; then echo "$rc" > "$case_dir/expected_rc"; fi
  rm -rf "$tmp"
done
