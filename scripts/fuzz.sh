#!/usr/bin/env bash
# Builds one libFuzzer target and runs it for SECONDS (default 60) on a single core.
#   scripts/fuzz.sh TARGET [SECONDS]      e.g. scripts/fuzz.sh yaml 60
# Targets: yaml yaml_roundtrip nodes_json talconfig sops manifests schematic patch regex.
# Needs clang with libFuzzer (Debian: clang, libclang-rt-14-dev; scripts/deps.sh --fuzz installs
# them). The build goes to ${FUZZ_BUILD_DIR:-build-fuzz}; the seed corpus (tests/fuzz/corpus/TARGET)
# is copied to a working corpus there, so the repository is never written. A crash is written to
# build-fuzz/crashes/TARGET/; turn it into a regression with
#   cp build-fuzz/crashes/TARGET/crash-* tests/fuzz/regressions/TARGET/
# and fix it: tests/unit/fuzz_regressions_test.cpp replays that folder in the normal suite.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
seconds=${2:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (scripts/deps.sh --fuzz)" >&2; exit 2; }
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DTALGPU_FUZZ=ON -DTALGPU_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target "fuzz_$target" -j "${FUZZ_JOBS:-2}"
work="$build/corpus/$target"
crashes="$build/crashes/$target"
mkdir -p "$work" "$crashes"
if [ -d "tests/fuzz/corpus/$target" ]; then
  cp -n tests/fuzz/corpus/"$target"/* "$work"/ 2>/dev/null || true
fi
dict=()
[ -f "tests/fuzz/$target.dict" ] && dict=(-dict="tests/fuzz/$target.dict")
exec "$build/tests/fuzz/fuzz_$target" "$work" "${dict[@]}" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -artifact_prefix="$crashes/" -print_final_stats=1
