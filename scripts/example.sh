#!/usr/bin/env bash
# Command 1 of the README: install, build, and run the main job on the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh -DTALGPU_TESTS=OFF
exec ./build/talgpu plan examples/goldentooth
