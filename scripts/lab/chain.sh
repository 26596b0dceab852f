#!/usr/bin/env bash
# chain.sh: a chain of real Linux routers in network namespaces, the lab
# that captures/README.md describes and the simulator is checked against.
#
#   chain.sh up PREFIX N     creates PREFIX-src, PREFIX-r1..PREFIX-rN and
#                            PREFIX-dst, joined by veth pairs
#   chain.sh down PREFIX     removes every namespace of PREFIX; idempotent
#
# Cases on a chain that is up, each idempotent (running it again changes
# nothing) and undone by "clear" or "down":
#
#   chain.sh silence PREFIX K   router K drops the Time Exceeded it sends
#                               (traceroute shows "* * *" at hop K)
#   chain.sh prohibit PREFIX K  router K rejects what it would forward to
#                               the target with ICMP Destination
#                               Unreachable, code 13 (traceroute's "!X")
#   chain.sh listen PREFIX PORT the target listens on TCP port PORT
#                               (socat), so a TCP SYN draws a SYN-ACK
#   chain.sh clear PREFIX       undoes every case above
#
# The rules live in nftables tables of their own ("hoplab_silence",
# "hoplab_prohibit") inside the router's namespace; the listener is a
# socat process inside the target's namespace, ended by "clear" and
# "down".
#
#   PREFIX-src --link 0-- PREFIX-r1 --link 1-- ... PREFIX-rN --link N-- PREFIX-dst
#
# Link k (k = 0..N) is 10.201.k.0/24: the node on its source side has
# 10.201.k.1 on interface "east0", the node on its destination side has
# 10.201.k.2 on interface "west0". So the source is 10.201.0.1, router k
# answers from 10.201.(k-1).2, and the target is 10.201.N.2.
#
# Routing: the source and the target have a default route into the chain.
# Routers know every link by an explicit /24 route and have no default
# route, so a destination outside 10.201.0.0..10.201.N.255 draws Network
# Unreachable (!N) from router 1, as in captures/udp-unreach-net. Those
# errors come from the kernel's ip_error(), which keeps its own per-source
# budget (a burst of 5, then 1 a second) that icmp_ratelimit does not lift.
#
# Inside the namespaces (and only there): lo is up, IPv6 is off (no
# neighbour discovery or MLD noise on the links), routers forward
# (ip_forward=1), no node rate-limits ICMP errors (icmp_ratelimit=0), and
# no veth end offloads transmit checksums (ethtool -K tx off).
#
# Everything is created inside namespaces named after PREFIX, so runs with
# different prefixes never collide and nothing touches the host's own
# interfaces, routes or sysctls. PREFIX must be unique per run (for
# example "hl$$"). When "up" fails or is interrupted, it removes what it
# created before it exits.

set -euo pipefail

readonly kMaxRouters=250

usage() {
  echo "usage: chain.sh up PREFIX N | down PREFIX | silence PREFIX K |" \
    "prohibit PREFIX K | listen PREFIX PORT | clear PREFIX" >&2
  exit 2
}

# Prefix: letters, digits, '_' and '-'; short enough that "PREFIX-r250"
# stays a reasonable file name under /run/netns.
check_prefix() {
  if [[ ! "$1" =~ ^[A-Za-z0-9_-]{1,40}$ ]]; then
    echo "chain.sh: prefix '$1' must be 1 to 40 of [A-Za-z0-9_-]" >&2
    exit 2
  fi
}

# Node i of the chain: 0 is the source, 1..N the routers, N+1 the target.
node_name() {
  local prefix=$1 n=$2 i=$3
  if ((i == 0)); then
    echo "${prefix}-src"
  elif ((i == n + 1)); then
    echo "${prefix}-dst"
  else
    echo "${prefix}-r${i}"
  fi
}

in_ns() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

# The namespaces of PREFIX that exist now, one a line.
list_namespaces() {
  local prefix=$1
  ip netns list | awk '{print $1}' |
    grep -E "^${prefix}-(src|dst|r[0-9]+)$" || true
}

down() {
  local prefix=$1 ns pid
  for ns in $(list_namespaces "$prefix"); do
    # Processes a caller left inside (tcpdump, a tool that timed out) keep
    # a namespace alive after its name is gone; end them by their id.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -TERM "$pid" 2>/dev/null || true
    done
    ip netns delete "$ns" 2>/dev/null || true
  done
  if [[ -n "$(list_namespaces "$prefix")" ]]; then
    echo "chain.sh: could not remove all namespaces of '$prefix'" >&2
    return 1
  fi
}

# Creates node i with IPv6 off and ICMP errors unlimited.
create_node() {
  local ns=$1
  ip netns add "$ns"
  # Before any interface exists, so new interfaces inherit "default".
  in_ns "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
  in_ns "$ns" sysctl -q -w net.ipv6.conf.default.disable_ipv6=1
  in_ns "$ns" sysctl -q -w net.ipv4.icmp_ratelimit=0
  ip -n "$ns" link set lo up
}

# Link k joins node k (east0, 10.201.k.1) and node k+1 (west0, 10.201.k.2).
# Both ends are created directly inside their namespaces.
create_link() {
  local near=$1 far=$2 k=$3
  ip -n "$near" link add east0 type veth peer name west0 netns "$far"
  ip -n "$near" addr add "10.201.${k}.1/24" dev east0
  ip -n "$far" addr add "10.201.${k}.2/24" dev west0
  ip -n "$near" link set east0 up
  ip -n "$far" link set west0 up
  # veth leaves TCP and UDP checksums to a "hardware" that never fills
  # them: a SYN-ACK would reach the source with only its pseudo-header
  # sum. With transmit offload off, every node computes its checksums
  # and the link carries what a real wire would.
  in_ns "$near" ethtool -K east0 tx off >/dev/null
  in_ns "$far" ethtool -K west0 tx off >/dev/null
}

# Router i (1..n): forwards, and routes every link it is not on toward the
# side it lies on: links 0..i-2 west via 10.201.(i-1).1, links i+1..n east
# via 10.201.i.2.
configure_router() {
  local ns=$1 n=$2 i=$3 k
  in_ns "$ns" sysctl -q -w net.ipv4.ip_forward=1
  for ((k = 0; k <= i - 2; k++)); do
    ip -n "$ns" route add "10.201.${k}.0/24" via "10.201.$((i - 1)).1"
  done
  for ((k = i + 1; k <= n; k++)); do
    ip -n "$ns" route add "10.201.${k}.0/24" via "10.201.${i}.2"
  done
}

up() {
  local prefix=$1 n=$2 i
  if [[ -n "$(list_namespaces "$prefix")" ]]; then
    echo "chain.sh: namespaces of '$prefix' exist already" >&2
    exit 1
  fi

  # From here on, any failure or signal removes what was created.
  # shellcheck disable=SC2064  # expand now: the prefix is checked, fixed.
  trap "down '${prefix}'" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  for ((i = 0; i <= n + 1; i++)); do
    create_node "$(node_name "$prefix" "$n" "$i")"
  done
  for ((i = 0; i <= n; i++)); do
    create_link "$(node_name "$prefix" "$n" "$i")" \
      "$(node_name "$prefix" "$n" $((i + 1)))" "$i"
  done
  for ((i = 1; i <= n; i++)); do
    configure_router "$(node_name "$prefix" "$n" "$i")" "$n" "$i"
  done
  ip -n "${prefix}-src" route add default via 10.201.0.2
  ip -n "${prefix}-dst" route add default via "10.201.${n}.1"

  trap - EXIT INT TERM
}

# The number of routers of the chain PREFIX that is up; fails when none is.
num_routers() {
  local prefix=$1 namespaces n
  namespaces=$(list_namespaces "$prefix")
  n=$(grep -c -E -- "-r[0-9]+$" <<<"$namespaces" || true)
  if ((n == 0)) || ! grep -q -- "-dst$" <<<"$namespaces"; then
    echo "chain.sh: no chain '$prefix' is up" >&2
    exit 1
  fi
  echo "$n"
}

# Router K of the chain PREFIX, checked to exist.
router_of() {
  local prefix=$1 k=$2 n
  n=$(num_routers "$prefix")
  if [[ ! "$k" =~ ^[0-9]+$ ]] || ((k < 1 || k > n)); then
    echo "chain.sh: router '$k' is not one of 1 to $n" >&2
    exit 2
  fi
  echo "${prefix}-r${k}"
}

# Replaces nftables table TABLE in namespace NS by one holding BODY, in one
# transaction; declaring the table first lets the delete succeed when it
# is new.
replace_table() {
  local ns=$1 table=$2 body=$3
  in_ns "$ns" nft -f - <<EOF
table ip ${table}
delete table ip ${table}
table ip ${table} {
${body}
}
EOF
}

delete_table() {
  local ns=$1 table=$2
  if in_ns "$ns" nft list table ip "$table" >/dev/null 2>&1; then
    in_ns "$ns" nft delete table ip "$table"
  fi
}

# Router K drops the ICMP Time Exceeded it originates; what it forwards
# passes (the output hook sees only locally generated packets).
silence() {
  local prefix=$1 ns
  ns=$(router_of "$prefix" "$2")
  replace_table "$ns" hoplab_silence "  chain output {
    type filter hook output priority 0; policy accept;
    icmp type time-exceeded drop
  }"
}

# Router K answers what it would forward to the target with Destination
# Unreachable code 13, Communication Administratively Prohibited (RFC 1812
# §5.2.7.1). A probe whose TTL expires at K still draws Time Exceeded: the
# TTL check comes before the forward hook.
prohibit() {
  local prefix=$1 ns n
  ns=$(router_of "$prefix" "$2")
  n=$(num_routers "$prefix")
  replace_table "$ns" hoplab_prohibit "  chain forward {
    type filter hook forward priority 0; policy accept;
    ip daddr 10.201.${n}.2 reject with icmp type admin-prohibited
  }"
}

# Whether something in NS listens on TCP port PORT.
is_listening() {
  local ns=$1 port=$2
  [[ -n "$(in_ns "$ns" ss -H -t -l -n "sport = :${port}")" ]]
}

# The target listens on TCP port PORT through socat, which forks a child
# per connection that ends at once. traceroute's SYNs never complete a
# connection: the tracing host resets every SYN-ACK.
listen() {
  local prefix=$1 port=$2 n ns i
  if [[ ! "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    echo "chain.sh: port '$port' is not one of 1 to 65535" >&2
    exit 2
  fi
  n=$(num_routers "$prefix")
  ns="${prefix}-dst"
  if is_listening "$ns" "$port"; then
    return 0
  fi
  in_ns "$ns" setsid socat \
    "TCP-LISTEN:${port},bind=10.201.${n}.2,reuseaddr,fork" SYSTEM:true \
    </dev/null >/dev/null 2>&1 &
  for ((i = 0; i < 50; i++)); do
    if is_listening "$ns" "$port"; then
      return 0
    fi
    sleep 0.1
  done
  echo "chain.sh: socat did not listen on port $port in $ns" >&2
  exit 1
}

# Undoes silence, prohibit and listen.
clear_cases() {
  local prefix=$1 n i pid
  n=$(num_routers "$prefix")
  for ((i = 1; i <= n; i++)); do
    delete_table "${prefix}-r${i}" hoplab_silence
    delete_table "${prefix}-r${i}" hoplab_prohibit
  done
  # Nothing but the listener runs in the target's namespace.
  for pid in $(ip netns pids "${prefix}-dst" 2>/dev/null); do
    kill -TERM "$pid" 2>/dev/null || true
  done
}

main() {
  (($# >= 2)) || usage
  local command=$1 prefix=$2
  check_prefix "$prefix"
  case "$command" in
    up)
      (($# == 3)) || usage
      local n=$3
      if [[ ! "$n" =~ ^[0-9]+$ ]] || ((n < 1 || n > kMaxRouters)); then
        echo "chain.sh: N is '$n'; expected 1 to $kMaxRouters routers" >&2
        exit 2
      fi
      up "$prefix" "$n"
      ;;
    down)
      (($# == 2)) || usage
      down "$prefix"
      ;;
    silence | prohibit | listen)
      (($# == 3)) || usage
      "$command" "$prefix" "$3"
      ;;
    clear)
      (($# == 2)) || usage
      clear_cases "$prefix"
      ;;
    *)
      usage
      ;;
  esac
}

main "$@"
