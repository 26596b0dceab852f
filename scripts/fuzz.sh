#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ (or
# $HOPLAB_FUZZ_BUILD_DIR) and runs each for SECONDS (default 60), seeded
# from tests/fuzz/corpus/<target>/. New inputs go to a scratch corpus, not
# the repository. Exits non-zero on the first finding; the crashing input
# is left in build-fuzz/findings/ (copy it to tests/fuzz/regressions/
# <target>/ once fixed). scripts/fuzz-seeds.py writes the capture and
# link seeds from capture files.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(reply topology capture link)
fi
build_dir=${HOPLAB_FUZZ_BUILD_DIR:-build-fuzz}

CC=clang CXX=clang++ cmake -S . -B "$build_dir" -DHOPLAB_FUZZ=ON \
  -DHOPLAB_BUILD_TESTS=OFF -DHOPLAB_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
cmake --build "$build_dir" -j "$(nproc)" \
  --target "${targets[@]/#/fuzz_}" >&2

mkdir -p "$build_dir/findings"
for target in "${targets[@]}"; do
  scratch="$build_dir/corpus/$target"
  mkdir -p "$scratch"
  # libFuzzer exits on a corpus directory that does not exist, and git
  # keeps no empty directory: pass only those a clone has.
  corpora=("$scratch")
  for dir in "tests/fuzz/corpus/$target" "tests/fuzz/regressions/$target"; do
    if [ -d "$dir" ]; then
      corpora+=("$dir")
    fi
  done
  echo "fuzz: $target for ${seconds}s" >&2
  "$build_dir/tests/fuzz/fuzz_$target" -max_total_time="$seconds" \
    -print_final_stats=1 -artifact_prefix="$build_dir/findings/$target-" \
    "${corpora[@]}" 2> "$build_dir/fuzz_$target.log" || {
      tail -n 60 "$build_dir/fuzz_$target.log" >&2
      echo "fuzz: $target found a failure; input in $build_dir/findings/" >&2
      exit 1
    }
  grep -E "stat::number_of_executed_units|cov:" "$build_dir/fuzz_$target.log" |
    tail -n 2 >&2
done
