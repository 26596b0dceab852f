# bash completion for hoplab. CLI11 2.1 (hoplab's argument parser) does
# not generate completions, so this reads the flags from hoplab's own
# --help at completion time and cannot fall out of date.
# Install: cmake --install puts it in share/bash-completion/completions.

_hoplab_flags() {
  # $1: the hoplab binary; the rest: the subcommand words.
  "$1" "${@:2}" --help 2>/dev/null |
    sed -nE 's/^  (-[^ ]+).*/\1/p' | tr ',' '\n'
}

_hoplab() {
  local current=${COMP_WORDS[COMP_CWORD]}
  local binary=${COMP_WORDS[0]}
  local -a path=()
  local word
  for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$word" in
      trace | replay | sim | serve) path+=("$word") ;;
    esac
  done
  case "${COMP_WORDS[COMP_CWORD-1]}" in
    --pcap | --dot | --sim | --topology)
      mapfile -t COMPREPLY < <(compgen -f -- "$current")
      return
      ;;
  esac
  if [[ ${#path[@]} -eq 0 ]]; then
    mapfile -t COMPREPLY < <(compgen -W "trace replay sim --help --version" \
      -- "$current")
    return
  fi
  if [[ "${path[*]}" == sim ]]; then
    mapfile -t COMPREPLY < <(compgen -W "serve --help" -- "$current")
    return
  fi
  if [[ "$current" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_hoplab_flags "$binary" "${path[@]}")" \
      -- "$current")
  elif [[ "${path[0]}" == replay ]]; then
    mapfile -t COMPREPLY < <(compgen -f -- "$current")
  fi
}

complete -F _hoplab hoplab
