#!/usr/bin/env bash
# The README's first command: install what is needed, build, and trace a
# target on the built-in simulated network (no privilege needed).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh -DHOPLAB_BUILD_TESTS=OFF -DHOPLAB_BUILD_BENCH=OFF
./build/hoplab trace 198.51.100.7
