#!/usr/bin/env bash
# cmake --install into a temporary prefix puts the binary, the man page,
# the JSON Schema and bash completion where the README says, and the
# installed binary and man page work.
# Usage: install_test.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT

cmake --install "$build" --prefix "$prefix" >/dev/null
for file in bin/hoplab share/man/man1/hoplab.1 \
    share/doc/hoplab/hoplab.schema.json \
    share/bash-completion/completions/hoplab; do
  if [ ! -f "$prefix/$file" ]; then
    echo "install_test: $file is not installed" >&2
    exit 1
  fi
done
"$prefix/bin/hoplab" --version | grep -qx "hoplab [0-9.]*"
MANPATH="$prefix/share/man" MANWIDTH=80 man hoplab 2>/dev/null |
  grep -q -- "--report"
echo "install_test: ok"
