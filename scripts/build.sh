#!/usr/bin/env bash
# Configures and builds hoplab into build/ (or $HOPLAB_BUILD_DIR). Extra
# arguments go to cmake's configure step. Warnings are errors under CI.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${HOPLAB_BUILD_DIR:-build}
werror=OFF
if [ "${CI:-}" = "true" ]; then
  werror=ON
fi
cmake -S . -B "$build_dir" -DHOPLAB_WERROR="$werror" "$@" >&2
cmake --build "$build_dir" -j "$(nproc)" >&2
