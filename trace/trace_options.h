// TraceOptions: everything that shapes one trace, with traceroute(8)'s
// defaults.

#ifndef HOPLAB_TRACE_TRACE_OPTIONS_H_
#define HOPLAB_TRACE_TRACE_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "crafter/ipv4_address.h"
#include "crafter/probe.h"
#include "trace/clock.h"

namespace hoplab::trace {

// traceroute(8) defaults: -f 1, -m 30, -q 3, -N 16, -w 5.
inline constexpr uint8_t kDefaultFirstTtl = 1;
inline constexpr uint8_t kDefaultMaxTtl = 30;
inline constexpr int kDefaultNumQueries = 3;
inline constexpr int kDefaultMaxInFlight = 16;
inline constexpr Duration kDefaultWait = std::chrono::seconds(5);
// traceroute(8) allows at most 10 probes per hop.
inline constexpr int kMaxNumQueries = 10;
// Whole probe sizes: the smallest any method allows (an ICMP or UDP
// probe with no data; TCP needs 40), and traceroute(8)'s largest.
inline constexpr uint16_t kMinProbeSize = 28;
inline constexpr uint16_t kMaxProbeSize = 65000;

// Re-asking rate-limited hops (TraceOptions::limit_retries). Linux grants
// a peer one ICMP error per net.ipv4.icmp_ratelimit, 1000 ms by default
// (net/ipv4/icmp.c icmpv4_xrlim_allow), so a hop is asked again one
// refill interval after its last probe. One round by default: enough for
// one answer from every hop of a chain of Linux routers whose buckets
// earlier traces emptied, at a cost of one second on such paths only.
inline constexpr int kDefaultLimitRetries = 1;
inline constexpr int kMaxLimitRetries = 5;
inline constexpr Duration kLimitRefillInterval = std::chrono::seconds(1);

// traceroute(8)'s -w HERE and NEAR defaults, and its base ports: 33434
// for UDP (the traditional start of the unused range; RFC 792 leaves
// ports to the application), 80 for TCP.
inline constexpr double kDefaultWaitHere = 3.0;
inline constexpr double kDefaultWaitNear = 10.0;
inline constexpr uint16_t kDefaultUdpPort = 33434;
inline constexpr uint16_t kDefaultTcpPort = 80;

struct TraceOptions {
  crafter::ProbeMethod method = crafter::ProbeMethod::kIcmp;
  crafter::Ipv4Address source;
  crafter::Ipv4Address destination;
  uint8_t first_ttl = kDefaultFirstTtl;
  uint8_t max_ttl = kDefaultMaxTtl;
  int num_queries = kDefaultNumQueries;
  int max_in_flight = kDefaultMaxInFlight;
  // traceroute(8)'s -w MAX,HERE,NEAR: a probe waits at most `wait`, but no
  // more than `wait_here` times the round trip of a reply from its own hop,
  // or else `wait_near` times that of a reply from a later hop, once one
  // has come back. A factor of 0 turns its rule off.
  Duration wait = kDefaultWait;
  double wait_here = kDefaultWaitHere;
  double wait_near = kDefaultWaitNear;
  // traceroute(8)'s -z: the least time between two probes.
  Duration send_interval{0};
  // Rounds of re-asking rate-limited hops (--limit-retries). A trace is
  // rate-limited when, below the last hop that answered, a hop answered
  // some of its probes but not all, or two hops or more answered none
  // (one silent hop alone is a router that never answers; a lossless path
  // has neither). Then each round re-sends, kLimitRefillInterval after the
  // hop's last probe, one lost probe of every hop below the last hop that
  // answered, one probe per hop so that a bucket's single new token is not
  // spent on its '*'. Rounds stop when no such probe is left, or when
  // they would leave `wait` or more after the trace's first probe.
  // 0 turns this off: traceroute(8)'s behaviour.
  int limit_retries = kDefaultLimitRetries;
  uint16_t packet_size = crafter::kDefaultProbeSize;
  uint8_t tos = 0;
  bool dont_fragment = false;
  // Keep every probe in one flow (Paris traceroute): see ProbeIdentity.
  bool paris = false;
  // ICMP identifier shared by every probe of the trace; traceroute(8) uses
  // its process id.
  uint16_t icmp_id = 1;
  // Probe k (counting from 0) carries ICMP sequence first_sequence + k.
  uint16_t first_sequence = 1;
  // Probe k carries IP id first_ip_id + k, counted through 1..65535 so
  // that zero is skipped and no two of 65535 probes share an id
  // (ProbeIdentity::IpIdFor).
  uint16_t first_ip_id = 1;
  // UDP: the source port, and the first destination port (-p). TCP: the
  // destination port (-p), and the first source port (--sport).
  uint16_t source_port = 1;
  uint16_t destination_port = kDefaultUdpPort;
  // TCP: the sequence number of the SYNs (Paris: of the first SYN).
  uint32_t tcp_sequence = 1;
  // Probe k of this engine carries the fields of probe number
  // first_probe_number + k (ProbeIdentity). Successive cycles of a report
  // start where the previous one ended, so a late reply to an earlier
  // cycle matches no probe of the current one.
  uint32_t first_probe_number = 0;
};

// The most probes one trace of `options` sends (every one takes a probe
// number, ProbeIdentity): -q for each TTL from -f to -m, and one re-ask
// for each TTL in each --limit-retries round.
size_t MaxProbesPerTrace(const TraceOptions& options);

// How many probe numbers in a row must look different on the wire for
// `num_cycles` report cycles (1: a single trace): every probe of one
// trace, or of two cycles in a row, so that a reply arriving after its
// own cycle ended matches no probe of the next (cycles count on modulo
// ProbeIdentity::NumDistinct()).
size_t NumDistinctNeeded(const TraceOptions& options, int num_cycles);

// Classic UDP and TCP probes count a port up from -p (UDP) or --sport
// (TCP), one per probe number, and never send port 0 (ProbeIdentity). ""
// when the ports from there to 65535 hold NumDistinctNeeded() numbers;
// otherwise a message naming the flag and the largest value it may take.
// Always "" for ICMP and Paris probes, whose counted fields hold more
// numbers than two of the largest traces send.
std::string CheckPortRoom(const TraceOptions& options, int num_cycles);

// Returns an error message naming the option and the accepted range, or an
// empty string when the options are usable for `num_cycles` report cycles
// (1: a single trace).
std::string ValidateTraceOptions(const TraceOptions& options,
                                 int num_cycles = 1);

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_TRACE_OPTIONS_H_
