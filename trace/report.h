// Report: mtr's per-hop statistics over several cycles of one trace.

#ifndef HOPLAB_TRACE_REPORT_H_
#define HOPLAB_TRACE_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "crafter/ipv4_address.h"
#include "trace/hop.h"

namespace hoplab::trace {

// Why a hop lost probes.
enum class LossKind : uint8_t {
  // No probe was lost.
  kNone,
  // As much is lost at every later hop that answered: what a hop does not
  // forward, no hop after it can answer for.
  kForwarding,
  // Some later hop lost less, so the packets passed this hop and only its
  // own answers went missing: ICMP rate limiting (RFC 1812 §4.3.2.8) or a
  // control plane policer, not loss on the path.
  kIcmpLimited,
};

// "forwarding", "icmp_limited", or "none".
const char* LossKindName(LossKind kind);

struct ReportHop {
  uint8_t ttl = 0;
  // Every address that answered at this TTL, in the order each first
  // answered; empty when none did.
  std::vector<crafter::Ipv4Address> responders;
  // The marks (Annotation: "!X", "!H", ...) of each responder's answers,
  // one entry per entry of `responders`: its distinct marks in the order
  // first seen, none when its answers carried none.
  std::vector<std::vector<std::string>> marks;
  int num_sent = 0;
  int num_received = 0;
  // Round trips of the answered probes in milliseconds, over all
  // responders (as mtr pools them): the last one received, the mean, the
  // least, the greatest, and the sample standard deviation (0 with fewer
  // than two replies). All 0 when nothing answered.
  double last_ms = 0;
  double mean_ms = 0;
  double best_ms = 0;
  double worst_ms = 0;
  double stdev_ms = 0;
  LossKind loss_kind = LossKind::kNone;

  // 0 to 100; 0 when nothing was sent.
  double LossPercent() const;
};

struct Report {
  int num_cycles = 0;
  // From the first TTL to the deepest hop any cycle reached.
  std::vector<ReportHop> hops;
  // Whether the destination answered in at least one cycle.
  bool reached = false;
};

// Pools the cycles, each a complete trace of the same path with the same
// TTL range, into one Report. Hop i of the report gathers hop i of every
// cycle that went that deep; a cycle that stopped earlier (its destination
// answered or a router refused) did not send probes for the later TTLs
// and does not count them as lost.
Report BuildReport(const std::vector<TraceResult>& cycles);

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_REPORT_H_
