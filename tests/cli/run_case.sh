#!/usr/bin/env bash
# Runs one black-box CLI case: tests/cli/cases/<name>/
#   cmd              the arguments (one shell line; `talgpu` is replaced by the binary under test)
#   expected_stdout  expected stdout (optional: skipped when absent)
#   expected_stderr  expected stderr (optional)
#   expected_rc      expected exit code (default 0)
# Paths in the outputs are relative to the project root, where the case runs.
set -uo pipefail
bin=$(realpath "$1")
case_dir=$2
cmd=$(cat "$case_dir/cmd")
expected_rc=0
[ -f "$case_dir/expected_rc" ] && expected_rc=$(cat "$case_dir/expected_rc")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=1 TALGPU_CASE_TMP="$tmp"
# The fake NVIDIA driver libraries the probe cases load (tests/fakes), built next to the binary.
export TALGPU_FAKES="${TALGPU_FAKES:-$(cd "$(dirname "$bin")" && pwd)/tests/fakes}"
talgpu() { "$bin" "$@"; }
export -f talgpu 2>/dev/null || true
export bin
bash -c "talgpu() { \"\$bin\" \"\$@\"; }; $cmd" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
fail=0
if [ "$rc" != "$expected_rc" ]; then
  echo "exit code: expected $expected_rc, got $rc"
  fail=1
fi
for stream in stdout stderr; do
  if [ -f "$case_dir/expected_$stream" ]; then
    if ! diff -u "$case_dir/expected_$stream" "$tmp/$stream"; then
      echo "($stream differs)"
      fail=1
    fi
  fi
done
if [ "$fail" != 0 ]; then
  echo "--- stdout"; cat "$tmp/stdout"; echo "--- stderr"; cat "$tmp/stderr"
fi
exit $fail
