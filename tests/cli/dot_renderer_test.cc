// RenderDot: one node per TTL and responder, one rank per TTL, edges from
// each TTL to the next, and the marks the text output prints.

#include "cli/dot_renderer.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "crafter/icmp.h"
#include "crafter/reply.h"
#include "trace/hop.h"
#include "trace/report.h"

namespace hoplab::cli {
namespace {

using crafter::Ipv4Address;

constexpr Ipv4Address kRouter1 = Ipv4Address::FromOctets(192, 0, 2, 1);
constexpr Ipv4Address kRouter2 = Ipv4Address::FromOctets(198, 51, 100, 1);
constexpr Ipv4Address kTarget = Ipv4Address::FromOctets(203, 0, 113, 70);

// A probe `from` answered with Time Exceeded.
trace::ProbeResult Answer(Ipv4Address from) {
  trace::ProbeResult probe;
  probe.from = from;
  probe.kind = crafter::ReplyKind::kTimeExceeded;
  return probe;
}

// A probe `from` refused: Destination Unreachable, administratively
// prohibited (traceroute's "!X").
trace::ProbeResult Prohibited(Ipv4Address from) {
  trace::ProbeResult probe = Answer(from);
  probe.kind = crafter::ReplyKind::kDestinationUnreachable;
  probe.icmp_code =
      static_cast<uint8_t>(crafter::UnreachableCode::kCommunicationProhibited);
  return probe;
}

trace::Report ReportOf(
    const std::vector<std::vector<trace::ProbeResult>>& hops) {
  trace::TraceResult trace;
  uint8_t ttl = 1;
  for (const std::vector<trace::ProbeResult>& probes : hops) {
    trace.hops.push_back(trace::Hop{ttl++, probes});
  }
  return trace::BuildReport({trace});
}

TEST(RenderDotTest, GivesARouterAnsweringAtTwoTtlsANodeAtEachWithItsMarks) {
  // traceroute -n: " 2  198.51.100.1 ...", " 3  198.51.100.1 !X ...": a
  // firewall that answers for the hop behind it.
  const trace::Report report =
      ReportOf({{Answer(kRouter1)},
                {Answer(kRouter2), Answer(kRouter2)},
                {Prohibited(kRouter2), Prohibited(kRouter2)}});

  EXPECT_EQ(RenderDot("192.0.2.100", report, kTarget, nullptr),
            "digraph hoplab {\n"
            "  rankdir=TB;\n"
            "  node [shape=box, fontname=\"monospace\"];\n"
            "  source [label=\"192.0.2.100\", shape=ellipse];\n"
            "  h1_192_0_2_1 [label=\"1. 192.0.2.1\"];\n"
            "  { rank=same; h1_192_0_2_1; }\n"
            "  h2_198_51_100_1 [label=\"2. 198.51.100.1\"];\n"
            "  { rank=same; h2_198_51_100_1; }\n"
            "  h3_198_51_100_1 [label=\"3. 198.51.100.1 !X\"];\n"
            "  { rank=same; h3_198_51_100_1; }\n"
            "  source -> h1_192_0_2_1;\n"
            "  h1_192_0_2_1 -> h2_198_51_100_1;\n"
            "  h2_198_51_100_1 -> h3_198_51_100_1;\n"
            "}\n");
}

TEST(RenderDotTest, DrawsALoopAsOneNodeAndOneRankPerTtl) {
  // A routing loop: r1, r2, r1, r2, the last TTL balanced over r2 and the
  // target, and a silent TTL after it.
  const trace::Report report = ReportOf({{Answer(kRouter1)},
                                         {Answer(kRouter2)},
                                         {Answer(kRouter1)},
                                         {Answer(kRouter2), Answer(kTarget)},
                                         {trace::ProbeResult{}}});

  EXPECT_EQ(RenderDot("host", report, kTarget, nullptr),
            "digraph hoplab {\n"
            "  rankdir=TB;\n"
            "  node [shape=box, fontname=\"monospace\"];\n"
            "  source [label=\"host\", shape=ellipse];\n"
            "  h1_192_0_2_1 [label=\"1. 192.0.2.1\"];\n"
            "  { rank=same; h1_192_0_2_1; }\n"
            "  h2_198_51_100_1 [label=\"2. 198.51.100.1\"];\n"
            "  { rank=same; h2_198_51_100_1; }\n"
            "  h3_192_0_2_1 [label=\"3. 192.0.2.1\"];\n"
            "  { rank=same; h3_192_0_2_1; }\n"
            "  h4_198_51_100_1 [label=\"4. 198.51.100.1\"];\n"
            "  h4_203_0_113_70 [label=\"4. 203.0.113.70\", "
            "shape=doublecircle];\n"
            "  { rank=same; h4_198_51_100_1; h4_203_0_113_70; }\n"
            "  silent_5 [label=\"5. *\", style=dashed];\n"
            "  { rank=same; silent_5; }\n"
            "  source -> h1_192_0_2_1;\n"
            "  h1_192_0_2_1 -> h2_198_51_100_1;\n"
            "  h2_198_51_100_1 -> h3_192_0_2_1;\n"
            "  h3_192_0_2_1 -> h4_198_51_100_1;\n"
            "  h3_192_0_2_1 -> h4_203_0_113_70;\n"
            "  h4_198_51_100_1 -> silent_5;\n"
            "  h4_203_0_113_70 -> silent_5;\n"
            "}\n");
}

}  // namespace
}  // namespace hoplab::cli
