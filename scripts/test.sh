#!/usr/bin/env bash
# Command 2 of the README: install, build, and run every test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh -DTALGPU_TESTS=ON
cd build
exec ctest --output-on-failure -j"$(nproc)" --timeout 600
