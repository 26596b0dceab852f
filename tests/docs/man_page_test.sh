#!/usr/bin/env bash
# Every flag that `hoplab --help` and each subcommand's --help list appears
# in man/hoplab.1, so the man page cannot drift from the parser; and the
# page renders without groff warnings.
# Usage: man_page_test.sh HOPLAB_BINARY MAN_PAGE
set -euo pipefail
binary=$1
page=$2

# The page's text with roff's escaped hyphens and font changes undone.
text=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$page")

missing=0
num_flags=0
for command in "" trace replay "sim serve"; do
  # shellcheck disable=SC2086
  help=$("$binary" $command --help)
  # Option lines start with two spaces and a dash; the names come before
  # the first blank or type word.
  flags=$(printf '%s\n' "$help" | grep -E '^  -' |
    sed -E 's/^  ([^ ]+).*/\1/' | tr ',' '\n')
  for flag in $flags; do
    num_flags=$((num_flags + 1))
    if ! grep -qE -- "(^|[^-[:alnum:]])${flag}([^-[:alnum:]]|$)" <<<"$text"; then
      echo "man_page_test: hoplab ${command:+$command }$flag is not in $page" >&2
      missing=1
    fi
  done
done
if [ "$num_flags" -lt 40 ]; then
  echo "man_page_test: found only $num_flags flags in --help" >&2
  exit 1
fi

warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || true)
if [ -n "$warnings" ]; then
  echo "man_page_test: man reports: $warnings" >&2
  exit 1
fi
[ "$missing" -eq 0 ] && echo "man_page_test: $num_flags flags, all in $page"
