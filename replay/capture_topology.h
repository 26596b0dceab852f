// CaptureTopology: a simulated network that reproduces a trace found in a
// capture, so that `hoplab trace --sim` re-runs the engine against what
// the capture showed (README, "From a capture to a regression test").

#ifndef HOPLAB_REPLAY_CAPTURE_TOPOLOGY_H_
#define HOPLAB_REPLAY_CAPTURE_TOPOLOGY_H_

#include <optional>
#include <string>
#include <vector>

#include "replay/trace_rebuilder.h"
#include "sim/topology.h"
#include "trace/hop.h"
#include "trace/trace_options.h"

namespace hoplab::replay {

struct CaptureTopology {
  sim::Topology topology;
  // The trace that re-runs the capture's on `topology`: method, source,
  // destination, first and last TTL, probes per hop, packet size, first
  // destination port and Paris flow, as the captured probes show them.
  // Identifiers (ICMP id, source port, TCP sequence) are left at their
  // defaults: the topology answers whatever they are.
  trace::TraceOptions options;
  // One line each for what the capture shows and the topology does not
  // reproduce (or reproduces only in part), and for what the topology
  // makes up where the capture shows nothing.
  std::vector<std::string> warnings;
};

// Builds the topology for `trace`, named `name`:
// - Each TTL of the trace is one stage of the target's route. A stage
//   whose probes several addresses answered is a per-packet diamond whose
//   branches repeat with the shortest period that gives every probe the
//   responder it had (the engine sends probes TTL by TTL, so probe k of
//   the trace takes branch k modulo the period).
// - A hop nothing answered is a silent router; a hop that answered some
//   probes answers with the fraction it answered (reply_probability), and
//   the topology's seed is the first (of up to kMaxSeedsTried) whose draws
//   leave unanswered exactly the probes the capture shows unanswered.
// - Link latencies make each responder's round trip the median of its
//   captured ones (within a nanosecond); where a responder answered faster
//   than one before it, the later responders keep the lower figure and
//   wait the difference (reply_delay).
// - Destination Unreachable from the previous hop's router is that
//   router's firewall (after the TTL check, as Linux's FORWARD chain);
//   from anywhere else, a router at the hop that rejects before the TTL
//   check (a router without a route) and answers from that address. The
//   code and MTU are the captured ones, the protocol the trace's.
//   Destination Unreachable at a hop before the last (the probing went
//   on past it) comes from a router that forwards the probes with TTL
//   left and answers those expiring at it with that code and MTU instead
//   of Time Exceeded (its ttl_expired).
// - The destination answers as it did (Echo Reply, Port Unreachable,
//   SYN-ACK or RST; from another address with reply_from); when it never
//   answered, after hops nothing answered it is silent at the first of
//   them.
// - Routers whose Time Exceeded carried an RFC 4950 label stack switch
//   those labels (uniform TTL).
// - Each responder's replies start with the TTL that makes them arrive
//   with their most common captured TTL after the routers on the way back
//   (reply_ttl, left out at Linux's 64).
// - Addresses answering at several TTLs, and routers the capture never
//   shows, get placeholder addresses in 0.0.0.0/8 ("this network", RFC
//   1122 §3.2.1.3, which no router answers from), answering from the
//   captured address where they answer.
// Finally the trace of `options` runs on the topology, and every hop,
// responder, mark and star that differs from the capture, and every
// responder's median round trip more than 1 ms off, is a warning.
// `trace.result.hops` must not be empty.
CaptureTopology BuildCaptureTopology(const RebuiltTrace& trace,
                                     const std::string& name);

// The seeds tried for the unanswered probes' pattern.
inline constexpr uint64_t kMaxSeedsTried = 20000;

// The engine's trace of `options` on `topology` with `seed`, in-process
// on virtual time, as `hoplab trace --sim` runs it.
trace::TraceResult RunOnTopology(const sim::Topology& topology, uint64_t seed,
                                 const trace::TraceOptions& options);

// The first difference between a captured hop list and a simulated one,
// or nullopt: hops by TTL, then per probe the responder, its ICMP
// extension objects (MPLS label entries in full) and its mark. A
// captured hop may hold fewer probes than the simulated (a capture cut
// short); its probes are compared with the first simulated ones.
std::optional<std::string> FirstDifference(
    const std::vector<trace::Hop>& captured,
    const std::vector<trace::Hop>& simulated);

}  // namespace hoplab::replay

#endif  // HOPLAB_REPLAY_CAPTURE_TOPOLOGY_H_
