// ProbeResult, Hop and TraceResult: what a trace found, independent of how
// it is printed.

#ifndef HOPLAB_TRACE_HOP_H_
#define HOPLAB_TRACE_HOP_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "crafter/icmp_extension.h"
#include "crafter/ipv4_address.h"
#include "crafter/reply.h"
#include "trace/clock.h"

namespace hoplab::trace {

// One probe's fate. `from` is empty when nothing answered in time.
struct ProbeResult {
  uint8_t ttl = 0;
  TimePoint sent_at;
  std::optional<crafter::Ipv4Address> from;
  // Set together with `from`.
  Duration rtt{0};
  crafter::ReplyKind kind = crafter::ReplyKind::kTimeExceeded;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  uint16_t next_hop_mtu = 0;
  uint8_t reply_ttl = 0;
  // TTL of the header the reply quoted (ICMP errors), else 0.
  uint8_t quoted_ttl = 0;
  // RFC 4884 extensions of the reply (label stacks, interfaces).
  std::shared_ptr<const crafter::IcmpExtensions> extensions;
};

// Records `reply`, received at `received_at`, as the answer to `probe`,
// whose `sent_at` is set: who answered, the round trip (never negative,
// whatever the clocks did), and the reply's fields, extensions shared.
// The engine and the replay of captures both record answers through it.
void RecordAnswer(const crafter::Reply& reply, TimePoint received_at,
                  ProbeResult* probe);

struct Hop {
  uint8_t ttl = 0;
  // In the order the probes were sent.
  std::vector<ProbeResult> probes;
};

// Replies and other datagrams that did not become a probe's answer, counted
// rather than reported one by one.
struct TraceCounters {
  uint64_t num_sent = 0;
  uint64_t num_received = 0;
  // Not a reply at all (other traffic on the socket, our own probes echoed
  // back by a capture, malformed bytes).
  uint64_t num_not_replies = 0;
  // A reply to a probe this trace did not send.
  uint64_t num_unmatched = 0;
  // A reply to a probe already answered or already given up on.
  uint64_t num_late = 0;
  // A reply whose ICMP or TCP checksum did not verify.
  uint64_t num_bad_checksum = 0;
  // Time Exceeded code 1: the destination gave up reassembling a
  // fragmented probe. It names no hop (RFC 792).
  uint64_t num_reassembly_timeouts = 0;
  // A reply kept, but whose RFC 4884 extension checksum failed, so its
  // extension was dropped.
  uint64_t num_bad_extensions = 0;
  // A reply to a probe sent beyond the hop that ended the trace (the
  // target's, or one that said stop): -N sends ahead of the answers, and
  // those probes are abandoned, not late.
  uint64_t num_past_last_hop = 0;

  // Adds every count of `other` (the cycles of a report).
  TraceCounters& operator+=(const TraceCounters& other) {
    num_sent += other.num_sent;
    num_received += other.num_received;
    num_not_replies += other.num_not_replies;
    num_unmatched += other.num_unmatched;
    num_late += other.num_late;
    num_bad_checksum += other.num_bad_checksum;
    num_reassembly_timeouts += other.num_reassembly_timeouts;
    num_bad_extensions += other.num_bad_extensions;
    num_past_last_hop += other.num_past_last_hop;
    return *this;
  }
};

struct TraceResult {
  std::vector<Hop> hops;
  // The destination itself answered.
  bool reached = false;
  // A stop request (SIGINT, SIGTERM) ended the trace early: the hops are
  // those found until then.
  bool interrupted = false;
  TraceCounters counters;
};

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_HOP_H_
