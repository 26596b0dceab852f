#!/usr/bin/env bash
# compare.sh: whole-process comparisons of hoplab with the tools it stands
# beside, printing ratios from one run. Each run of a comparison runs every
# tool once, in turn (A/B interleaved, so machine load hits all alike);
# figures are medians over the runs; peak memory from /usr/bin/time -v.
#
#   bench/compare.sh [--smoke] [--runs N] [--build DIR] [--no-live]
#                    [--no-replay]
#
# (a) replay: `hoplab replay -n` against `tcpdump -r -n` and `tshark -n -r`,
#     all writing to /dev/null, on a capture bench/make_capture writes
#     (1,000,000 Time Exceeded and their probes; 2,000 with --smoke).
# (b) live (root only): `hoplab trace --live` against traceroute -I, -U,
#     -T, `mtr --report -c 1` and scapy's traceroute through a chain of 30
#     Linux routers in network namespaces (scripts/lab/chain.sh; 3 routers
#     with --smoke), in three conditions: no ICMP rate limits, router 15
#     silent, and the kernel's default limit (icmp_ratelimit=1000) in every
#     router with runs back to back: there each tool runs once unmeasured
#     and then its N runs in a row, since what a run finds depends on what
#     the run before left in the routers' buckets (interleaved, each tool
#     would find them refilled by the others' seconds). Every tool gets -n
#     and a max TTL past the target. For each it counts the runs where
#     every hop answered and the target was reached.
#
# --smoke runs one small run of each part, for the ctest compare_smoke: a
# tool missing or failing fails it. Without root the live part is skipped
# (exit 77 with --smoke), except under CI=true, where that is a failure.
#
# Network safety: packets go only to addresses inside the namespaces this
# script creates (10.201.x, chain.sh), under a prefix unique to this run,
# removed on exit by a trap, also on failure. Nothing runs in the host's
# own namespace but the tools reading files.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
runs=5
smoke=0
live=1
replay=1
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 runs=1 ;;
    --runs) runs=$2; shift ;;
    --build) build=$2; shift ;;
    --no-live) live=0 ;;
    --no-replay) replay=0 ;;
    *) echo "usage: compare.sh [--smoke] [--runs N] [--build DIR] [--no-live]" >&2
       exit 2 ;;
  esac
  shift
done
hoplab=$build/hoplab
make_capture=$build/bench/make_capture
for tool in "$hoplab" "$make_capture" /usr/bin/time tcpdump tshark; do
  if ! command -v "$tool" >/dev/null; then
    echo "compare.sh: $tool is missing (scripts/install-deps.sh; build)" >&2
    exit 1
  fi
done

work=$(mktemp -d /tmp/hoplab-compare.XXXXXX)
prefix="hlc$$"
chain_up=0
cleanup() {
  if [ "$chain_up" -eq 1 ]; then
    "$root/scripts/lab/chain.sh" down "$prefix" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# measure NAME CMD...: runs CMD (stdout to $work/NAME.out), appends
# "seconds kilobytes exit" to $work/NAME.times: wall time from bash's
# microsecond clock (GNU time's %e counts only hundredths), peak resident
# memory from GNU time.
measure() {
  local name=$1
  shift
  local status=0 start end
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$work/time" "$@" >"$work/$name.out" \
    2>"$work/$name.err" || status=$?
  end=$EPOCHREALTIME
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') \
$(tail -n 1 "$work/time") $status" >>"$work/$name.times"
  return 0
}

# median NAME COLUMN: the median of a column of $work/NAME.times.
median() {
  sort -g -k "$2" "$work/$1.times" | awk -v c="$2" \
    '{ v[NR] = $c } END { if (NR % 2) print v[(NR + 1) / 2];
                          else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# failures NAME: how many runs of NAME exited non-zero.
failures() {
  awk '$3 != 0 { n++ } END { print n + 0 }' "$work/$1.times"
}

# ratio A B: A / B to two decimals.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b;
                                   else printf "inf" }'
}

failed=0

# ---- (a) replay ----------------------------------------------------------
replay_part() {
  num_time_exceeded=1000000
  if [ "$smoke" -eq 1 ]; then
    num_time_exceeded=2000
  fi
  capture=$work/capture.pcap
  "$make_capture" -n "$num_time_exceeded" "$capture"
  echo "replay: $num_time_exceeded Time Exceeded and their probes," \
    "$(stat -c %s "$capture") bytes; $runs runs, medians"
  for ((run = 1; run <= runs; ++run)); do
    measure replay-hoplab "$hoplab" replay -n "$capture"
    measure replay-tcpdump tcpdump -r "$capture" -n
    measure replay-tshark tshark -n -r "$capture"
  done
  hoplab_s=$(median replay-hoplab 1)
  printf '  %-16s %8s s %9s KB  %s\n' tool wall peak "time / hoplab's"
  for tool in hoplab tcpdump tshark; do
    name=replay-$tool
    seconds=$(median "$name" 1)
    printf '  %-16s %8s s %9s KB  %s\n' "$tool" "$seconds" \
      "$(median "$name" 2)" "$(ratio "$seconds" "$hoplab_s")"
    if [ "$(failures "$name")" -ne 0 ]; then
      echo "compare.sh: $tool failed:" >&2
      cat "$work/$name.err" >&2
      failed=1
    fi
  done
  # What hoplab found must be the traces the capture holds.
  num_traces=$(grep -c '^traceroute to' "$work/replay-hoplab.out" || true)
  expected_traces=$(((num_time_exceeded + 89) / 90))
  if [ "$num_traces" -ne "$expected_traces" ]; then
    echo "compare.sh: hoplab replay found $num_traces traces," \
      "expected $expected_traces" >&2
    failed=1
  fi
}
if [ "$replay" -eq 1 ]; then
  replay_part
fi

# ---- (b) live ------------------------------------------------------------
if [ "$live" -eq 0 ]; then
  exit "$failed"
fi
if [ "$(id -u)" -ne 0 ]; then
  if [ "${CI:-}" = true ]; then
    echo "compare.sh: the live part needs root, and CI=true" >&2
    exit 1
  fi
  echo "compare.sh: live part skipped: needs root (network namespaces)" >&2
  [ "$smoke" -eq 1 ] && exit 77
  exit "$failed"
fi
for tool in traceroute mtr /usr/bin/python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "compare.sh: $tool is missing (scripts/install-deps.sh)" >&2
    exit 1
  fi
done
if ! /usr/bin/python3 -c 'import scapy' 2>/dev/null; then
  echo "compare.sh: python3-scapy is missing (scripts/install-deps.sh)" >&2
  exit 1
fi

num_routers=30
silent_router=15
if [ "$smoke" -eq 1 ]; then
  num_routers=3
  silent_router=2
fi
chain_up=1
"$root/scripts/lab/chain.sh" up "$prefix" "$num_routers" >/dev/null
target=10.201.$num_routers.2
max_ttl=$((num_routers + 2))
in_src=(ip netns exec "$prefix-src")

# scapy's traceroute, printing "TTL ADDRESS" per answer.
cat >"$work/scapy_trace.py" <<'EOF'
import sys
from scapy.all import conf, traceroute
conf.verb = 0
answered, _ = traceroute(sys.argv[1], maxttl=int(sys.argv[2]),
                         timeout=float(sys.argv[3]), verbose=0)
for sent, received in answered:
    print(sent.ttl, received.src)
EOF

# complete NAME [SKIP]: whether the last run of NAME saw an answer at
# every TTL up to the target's (but SKIP, a silent router's) and the
# target itself: hoplab and traceroute print " N  address ...", mtr
# " N.|-- address", scapy "N address".
complete() {
  awk -v target="$target" -v hops="$((num_routers + 1))" -v skip="${2:-0}" '
    { line = $0; sub(/^ +/, "", line); split(line, f, /[ .|-]+/) }
    f[1] ~ /^[0-9]+$/ && f[1] >= 1 && f[1] <= hops && $0 ~ /10\.201\./ {
      seen[f[1]] = 1 }
    index($0, target) { reached = 1 }
    END { for (t = 1; t <= hops; ++t) if (!(t in seen) && t != skip) exit 1;
          exit reached ? 0 : 1 }' "$work/$1.out"
}

# --smoke shortens the peers' own waits after the last probe (mtr's grace
# time of 5 s, scapy's timeout) so the ctest stays short; a full run
# leaves every tool at its defaults but the max TTL.
mtr_extra=()
scapy_timeout=2
if [ "$smoke" -eq 1 ]; then
  mtr_extra=(--gracetime 1)
  scapy_timeout=1
fi

tools=(hoplab traceroute-I traceroute-U traceroute-T mtr scapy)
run_tool() {
  local name=$1 skip=$2
  case "$name" in
    *-hoplab) measure "$name" "${in_src[@]}" "$hoplab" trace --live -n -m "$max_ttl" "$target" ;;
    *-traceroute-I) measure "$name" "${in_src[@]}" traceroute -n -I -m "$max_ttl" "$target" ;;
    *-traceroute-U) measure "$name" "${in_src[@]}" traceroute -n -U -m "$max_ttl" "$target" ;;
    *-traceroute-T) measure "$name" "${in_src[@]}" traceroute -n -T -m "$max_ttl" "$target" ;;
    *-mtr) measure "$name" "${in_src[@]}" mtr --report -c 1 -n -m "$max_ttl" \
      "${mtr_extra[@]}" "$target" ;;
    *-scapy) measure "$name" "${in_src[@]}" /usr/bin/python3 "$work/scapy_trace.py" \
      "$target" "$max_ttl" "$scapy_timeout" ;;
  esac
  if complete "$name" "$skip"; then
    echo 1 >>"$work/$name.complete"
  else
    echo 0 >>"$work/$name.complete"
  fi
}

set_ratelimit() {
  local i
  for ((i = 1; i <= num_routers; ++i)); do
    ip netns exec "$prefix-r$i" sysctl -q -w "net.ipv4.icmp_ratelimit=$1"
  done
}

for condition in limits-off silent-router kernel-limits; do
  skip=0
  case "$condition" in
    silent-router)
      "$root/scripts/lab/chain.sh" silence "$prefix" "$silent_router"
      skip=$silent_router ;;
    kernel-limits)
      "$root/scripts/lab/chain.sh" clear "$prefix"
      set_ratelimit 1000 ;;
  esac
  if [ "$condition" = kernel-limits ]; then
    for tool in "${tools[@]}"; do
      run_tool "warmup-$tool" "$skip"
      for ((run = 1; run <= runs; ++run)); do
        run_tool "$condition-$tool" "$skip"
      done
    done
  else
    for ((run = 1; run <= runs; ++run)); do
      for tool in "${tools[@]}"; do
        run_tool "$condition-$tool" "$skip"
      done
    done
  fi
  note=""
  if [ "$skip" -ne 0 ]; then
    note=" (hop $skip silent: complete without it)"
  fi
  echo "live, $condition: $num_routers routers, target $target;" \
    "$runs runs back to back, medians$note"
  printf '  %-14s %8s s %9s KB  %-15s %s\n' tool wall peak "time / hoplab's" \
    "complete runs"
  hoplab_s=$(median "$condition-hoplab" 1)
  for tool in "${tools[@]}"; do
    name=$condition-$tool
    seconds=$(median "$name" 1)
    printf '  %-14s %8s s %9s KB  %-15s %s/%s\n' "$tool" "$seconds" \
      "$(median "$name" 2)" "$(ratio "$seconds" "$hoplab_s")" \
      "$(awk '{ s += $1 } END { print s + 0 }' "$work/$name.complete")" "$runs"
    # traceroute and mtr exit 0 whatever they found; a non-zero exit is a
    # tool that did not run.
    if [ "$(failures "$name")" -ne 0 ]; then
      echo "compare.sh: $tool failed in $condition:" >&2
      cat "$work/$name.err" >&2
      failed=1
    fi
  done
done
exit "$failed"
