// RenderRaw: mtr's raw lines for the probes of the hops shown, numbered
// without gaps across cycles.

#include "cli/raw_renderer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

#include "trace/hop.h"

namespace hoplab::cli {
namespace {

using crafter::Ipv4Address;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr Ipv4Address kRouter = Ipv4Address::FromOctets(192, 0, 2, 1);
constexpr Ipv4Address kTarget = Ipv4Address::FromOctets(198, 51, 100, 7);

// A probe sent at `sent_ms` after the epoch, answered by `from` after
// `rtt_us` microseconds, or lost.
trace::ProbeResult Probe(int sent_ms, std::optional<Ipv4Address> from,
                         int rtt_us = 0) {
  trace::ProbeResult probe;
  probe.sent_at = trace::TimePoint(milliseconds(sent_ms));
  probe.from = from;
  probe.rtt = microseconds(rtt_us);
  return probe;
}

TEST(RenderRawTest, NumbersTheProbesShownWithoutGapsAcrossCycles) {
  // Each cycle sent 16 probes (-N sends past the target), of which its
  // two hops hold 3: the router's two and the target's one.
  trace::TraceResult first;
  first.hops = {trace::Hop{1, {Probe(0, kRouter, 500), Probe(1, std::nullopt)}},
                trace::Hop{2, {Probe(2, kTarget, 900)}}};
  first.counters.num_sent = 16;
  trace::TraceResult second = first;
  for (trace::Hop& hop : second.hops) {
    for (trace::ProbeResult& probe : hop.probes) {
      probe.sent_at += std::chrono::seconds(1);
    }
  }

  EXPECT_EQ(RenderRaw({first, second}, nullptr),
            "x 0 0\n"
            "h 0 192.0.2.1\n"
            "p 0 500 0\n"  // Back at 0.5 ms, before probe 1 leaves.
            "x 0 1\n"
            "x 1 2\n"
            "h 1 198.51.100.7\n"
            "p 1 900 2\n"
            "x 0 3\n"
            "p 0 500 3\n"
            "x 0 4\n"
            "x 1 5\n"
            "p 1 900 5\n");
}

}  // namespace
}  // namespace hoplab::cli
