#!/usr/bin/env bash
# Builds talgpu with AddressSanitizer + UndefinedBehaviorSanitizer into ${BUILD_DIR:-build-asan}
# and runs the whole test suite (unit tests and CLI cases) under it. Any sanitizer report fails
# the test that triggered it. Extra arguments go to ctest (e.g. -R Yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-asan}
jobs=${JOBS:-2}
cmake -S . -B "$build_dir" -G Ninja -DTALGPU_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j"$jobs"
# halt_on_error: the first report aborts the process, so ctest sees a failure.
# detect_leaks: LeakSanitizer needs ptrace, which some containers forbid; opt in with LSAN=1.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=${LSAN:-0}:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
cd "$build_dir"
exec ctest --output-on-failure -j"$jobs" --timeout 900 "$@"
