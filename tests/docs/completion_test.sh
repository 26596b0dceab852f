#!/usr/bin/env bash
# completion/hoplab.bash completes subcommands and every subcommand's flags
# as hoplab's --help lists them.
# Usage: completion_test.sh HOPLAB_BINARY COMPLETION_FILE
set -euo pipefail
binary=$1
# shellcheck source=/dev/null
source "$2"

# Completes the words "$@" (the last one being typed) and prints COMPREPLY.
complete_words() {
  COMP_WORDS=("$binary" "$@")
  COMP_CWORD=$#
  COMPREPLY=()
  _hoplab
  printf '%s\n' "${COMPREPLY[@]}"
}

expect() {
  local want=$1
  shift
  # grep reads everything (no -q): under pipefail, a grep -q that quits
  # at the first match kills printf with SIGPIPE and fails the pipe.
  if ! complete_words "$@" | grep -xF -- "$want" >/dev/null; then
    echo "completion_test: '$*' does not offer $want" >&2
    exit 1
  fi
}

expect trace t
expect replay re
expect serve sim se
expect --report trace --rep
expect --report-cycles trace -n --report --report-c
expect --dot trace --d
expect --tag-type replay --ta
expect --topology replay --to
expect --trace replay --tr
# A file name after --topology.
expect "$2" replay x.pcap --topology "${2%.bash}."
expect --time-scale sim serve --ti
if complete_words trace --rep | grep -xF -- --tag-type >/dev/null; then
  echo "completion_test: trace offers replay's --tag-type" >&2
  exit 1
fi
echo "completion_test: ok"
