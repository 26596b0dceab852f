// WriteSyntheticCapture: a pcap of many ICMP traces as traceroute -I leaves
// them on the wire, every probe followed by the Time Exceeded its router
// sends back. Input for the replay benchmarks (bench/replay_bench.cc,
// bench/compare.sh), built by hoplab's own crafter and pcap writer.

#ifndef HOPLAB_BENCH_SYNTHETIC_CAPTURE_H_
#define HOPLAB_BENCH_SYNTHETIC_CAPTURE_H_

#include <cstdint>
#include <string>

#include "crafter/result.h"

namespace hoplab::bench {

struct SyntheticCaptureSpec {
  // Time Exceeded replies in the file; each comes with its probe, so the
  // file holds twice as many records.
  uint64_t num_time_exceeded = 1000;
  // Routers per trace (TTLs 1..num_hops) and probes per TTL: traceroute's
  // defaults. Every probe is answered; no trace reaches its target.
  int num_hops = 30;
  int num_queries = 3;
};

// Writes the capture to `path` (LINKTYPE_RAW, see replay::PcapWriter).
// Trace t goes from 198.18.0.1 to 198.19.(t / 256).(t % 256) with ICMP
// identifier t + 1, and router h answers from 198.18.1.h: the RFC 2544
// benchmarking range, since these packets never cross a network. The last
// trace is cut short when num_time_exceeded is not a multiple of
// num_hops * num_queries. Fails with the writer's message, or when the
// spec asks for more than 65535 traces (identifiers would repeat).
Status WriteSyntheticCapture(const SyntheticCaptureSpec& spec,
                             const std::string& path);

}  // namespace hoplab::bench

#endif  // HOPLAB_BENCH_SYNTHETIC_CAPTURE_H_
