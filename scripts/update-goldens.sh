#!/usr/bin/env bash
# Rewrites every golden output named in tests/cli/golden/MANIFEST with what
# the built hoplab prints now. Run after a deliberate change in output and
# review `git diff tests/cli/golden` before committing.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${HOPLAB_BINARY:-build/hoplab}
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  file=${line%%:*}
  read -r -a args <<< "${line#*:}"
  "$binary" trace "${args[@]}" > "tests/cli/golden/$file"
done < tests/cli/golden/MANIFEST
