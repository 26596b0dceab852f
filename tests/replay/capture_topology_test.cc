// BuildCaptureTopology on traces written here hop by hop: each scenario is
// a captured hop list, the topology built from it, and the trace the
// engine then runs on that topology.

#include "replay/capture_topology.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/topology_loader.h"
#include "sim/topology_writer.h"

namespace hoplab::replay {
namespace {

using crafter::Ipv4Address;
using crafter::ProbeMethod;
using crafter::ReplyKind;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// "10.0.0.1 5" (Time Exceeded after 5 ms), "10.0.0.1 5 !13" (Destination
// Unreachable code 13), "10.0.0.9 7 =" (the destination's own answer), or
// "*".
trace::ProbeResult Probe(const std::string& text, ProbeMethod method) {
  trace::ProbeResult probe;
  if (text == "*") {
    return probe;
  }
  const size_t space = text.find(' ');
  probe.from = *Ipv4Address::Parse(text.substr(0, space));
  const std::string rest = text.substr(space + 1);
  probe.rtt = trace::Duration(int64_t(std::stod(rest) * 1e6));
  if (rest.find('!') != std::string::npos) {
    probe.kind = ReplyKind::kDestinationUnreachable;
    probe.icmp_type = 3;
    probe.icmp_code = uint8_t(std::stoi(rest.substr(rest.find('!') + 1)));
  } else if (rest.find('=') != std::string::npos) {
    probe.kind = method == ProbeMethod::kIcmp ? ReplyKind::kEchoReply
                 : method == ProbeMethod::kTcp
                     ? ReplyKind::kTcpSynAck
                     : ReplyKind::kDestinationUnreachable;
    probe.icmp_code = method == ProbeMethod::kUdp ? 3 : 0;
  }
  return probe;
}

RebuiltTrace Captured(const std::vector<std::vector<std::string>>& hops,
                      ProbeMethod method = ProbeMethod::kIcmp,
                      const char* destination = "203.0.113.9") {
  RebuiltTrace rebuilt;
  rebuilt.method = method;
  rebuilt.source = *Ipv4Address::Parse("192.0.2.100");
  rebuilt.destination = *Ipv4Address::Parse(destination);
  rebuilt.packet_size = 60;
  rebuilt.destination_port = method == ProbeMethod::kTcp ? 80 : 33434;
  uint8_t ttl = 0;
  for (const std::vector<std::string>& hop : hops) {
    trace::Hop& out = rebuilt.result.hops.emplace_back();
    out.ttl = ++ttl;
    for (const std::string& text : hop) {
      out.probes.push_back(Probe(text, method));
      out.probes.back().ttl = ttl;
      // Linux's 64, less the routers on the way back.
      out.probes.back().reply_ttl = uint8_t(64 - ttl + 1);
    }
  }
  rebuilt.max_ttl = ttl;
  return rebuilt;
}

// The built topology's trace: its hops as "addr addr!13 *".
std::vector<std::string> Simulated(const CaptureTopology& built) {
  std::vector<std::string> lines;
  for (const trace::Hop& hop :
       RunOnTopology(built.topology, built.topology.seed, built.options).hops) {
    std::string line;
    for (const trace::ProbeResult& probe : hop.probes) {
      line += line.empty() ? "" : " ";
      line += probe.from ? probe.from->ToString() : "*";
      if (probe.from && probe.kind == ReplyKind::kDestinationUnreachable &&
          !(probe.icmp_code == 3 &&
            built.options.method == ProbeMethod::kUdp)) {
        line += "!" + std::to_string(probe.icmp_code);
      }
    }
    lines.push_back(line);
  }
  return lines;
}

// The built topology as a file, loaded back: what `hoplab trace --sim`
// reads.
sim::Topology Reloaded(const CaptureTopology& built) {
  auto loaded =
      sim::ParseTopology(sim::SerializeTopology(built.topology), "built.yaml");
  EXPECT_TRUE(loaded.ok()) << loaded.error().message;
  return loaded.ok() ? *loaded : sim::Topology{};
}

TEST(CaptureTopologyTest, AChainReachesItsDestinationWithTheMedianRoundTrips) {
  const RebuiltTrace captured =
      Captured({{"192.0.2.1 1", "192.0.2.1 3", "192.0.2.1 1.2"},
                {"198.51.100.1 8", "198.51.100.1 8.5", "198.51.100.1 9"},
                {"203.0.113.9 20 =", "203.0.113.9 21 =", "203.0.113.9 22 ="}});
  const CaptureTopology built = BuildCaptureTopology(captured, "chain");
  EXPECT_THAT(built.warnings, IsEmpty());
  EXPECT_THAT(Simulated(built),
              ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                          "198.51.100.1 198.51.100.1 198.51.100.1",
                          "203.0.113.9 203.0.113.9 203.0.113.9"));
  const trace::TraceResult result =
      RunOnTopology(built.topology, built.topology.seed, built.options);
  EXPECT_EQ(result.hops[0].probes[0].rtt, std::chrono::microseconds(1200));
  EXPECT_EQ(result.hops[1].probes[0].rtt, std::chrono::microseconds(8500));
  EXPECT_EQ(result.hops[2].probes[0].rtt, std::chrono::milliseconds(21));
  EXPECT_TRUE(result.reached);
  // The options re-send the capture's probes.
  EXPECT_EQ(built.options.method, ProbeMethod::kIcmp);
  EXPECT_EQ(built.options.max_ttl, 3);
  EXPECT_EQ(built.options.num_queries, 3);
  EXPECT_EQ(built.topology.host.ToString(), "192.0.2.100");
}

TEST(CaptureTopologyTest, RepliesKeepTheTtlTheyArrivedWith) {
  RebuiltTrace captured =
      Captured({{"192.0.2.1 1", "192.0.2.1 1", "192.0.2.1 1"},
                {"198.51.100.1 2", "198.51.100.1 2", "198.51.100.1 2"},
                {"203.0.113.9 3 =", "203.0.113.9 3 =", "203.0.113.9 3 ="}});
  // A router starting at 255, a host at 128.
  for (trace::ProbeResult& probe : captured.result.hops[1].probes) {
    probe.reply_ttl = 254;
  }
  for (trace::ProbeResult& probe : captured.result.hops[2].probes) {
    probe.reply_ttl = 126;
  }
  const CaptureTopology built = BuildCaptureTopology(captured, "ttls");
  EXPECT_THAT(built.warnings, IsEmpty());
  EXPECT_EQ(built.topology.FindRouter("r1")->behaviour.profile.initial_ttl, 64);
  EXPECT_EQ(built.topology.FindRouter("r2")->behaviour.profile.initial_ttl,
            255);
  EXPECT_EQ(built.topology.targets[0].behaviour.profile.initial_ttl, 128);
  const trace::TraceResult result =
      RunOnTopology(built.topology, built.topology.seed, built.options);
  ASSERT_EQ(result.hops.size(), 3u);
  EXPECT_EQ(result.hops[0].probes[0].reply_ttl, 64);
  EXPECT_EQ(result.hops[1].probes[0].reply_ttl, 254);
  EXPECT_EQ(result.hops[2].probes[0].reply_ttl, 126);
}

TEST(CaptureTopologyTest, SeveralRespondersAtOneTtlAreAPerPacketDiamond) {
  const RebuiltTrace captured =
      Captured({{"192.0.2.1 1", "192.0.2.1 1", "192.0.2.1 1"},
                {"198.51.100.1 5", "198.51.100.2 6", "198.51.100.2 6"},
                {"198.51.100.9 9", "198.51.100.8 9", "198.51.100.9 9"},
                {"203.0.113.9 12 =", "203.0.113.9 12 =", "203.0.113.9 12 ="}},
               ProbeMethod::kUdp);
  const CaptureTopology built = BuildCaptureTopology(captured, "diamond");
  EXPECT_THAT(built.warnings, IsEmpty());
  EXPECT_THAT(Simulated(built),
              ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                          "198.51.100.1 198.51.100.2 198.51.100.2",
                          "198.51.100.9 198.51.100.8 198.51.100.9",
                          "203.0.113.9 203.0.113.9 203.0.113.9"));
  const sim::Target& target = built.topology.targets.front();
  ASSERT_EQ(target.route.size(), 3u);
  EXPECT_EQ(target.route[1].balance, sim::Balance::kPerPacket);
  // Probes 3, 4, 5 (from 0) take turns 0, 1, 2 of a period of 3.
  EXPECT_EQ(target.route[1].branches.size(), 3u);
  // Probes 6, 7, 8: period 2, turns 0, 1, 0.
  EXPECT_EQ(target.route[2].branches.size(), 2u);
  EXPECT_THAT(Simulated({Reloaded(built), built.options, {}}),
              ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                          "198.51.100.1 198.51.100.2 198.51.100.2",
                          "198.51.100.9 198.51.100.8 198.51.100.9",
                          "203.0.113.9 203.0.113.9 203.0.113.9"));
}

TEST(CaptureTopologyTest, SilentAndPartialHopsKeepTheirStars) {
  const RebuiltTrace captured =
      Captured({{"192.0.2.1 1", "*", "192.0.2.1 1"},
                {"*", "*", "*"},
                {"198.51.100.1 5", "198.51.100.1 5", "*"},
                {"203.0.113.9 9 =", "*", "203.0.113.9 9 ="}});
  const CaptureTopology built = BuildCaptureTopology(captured, "stars");
  EXPECT_THAT(built.warnings, IsEmpty());
  EXPECT_THAT(Simulated(built), ElementsAre("192.0.2.1 * 192.0.2.1", "* * *",
                                            "198.51.100.1 198.51.100.1 *",
                                            "203.0.113.9 * 203.0.113.9"));
  EXPECT_NE(built.topology.FindRouter("r2"), nullptr);
  EXPECT_TRUE(built.topology.FindRouter("r2")->behaviour.silent);
  EXPECT_DOUBLE_EQ(built.topology.FindRouter("r1")->behaviour.reply_probability,
                   0.667);
  EXPECT_DOUBLE_EQ(built.topology.targets[0].behaviour.reply_probability,
                   0.667);
  // Its first two answered, then none: an ICMP rate limit's bucket of 2.
  const sim::Router& limited = *built.topology.FindRouter("r3");
  ASSERT_TRUE(limited.behaviour.rate_limit.has_value());
  EXPECT_EQ(limited.behaviour.rate_limit->burst, 2u);
  EXPECT_EQ(limited.behaviour.rate_limit->interval, std::chrono::hours(1));
  EXPECT_EQ(limited.behaviour.reply_probability, 1);
}

TEST(CaptureTopologyTest, UnreachableFromThePreviousRouterIsItsFirewall) {
  const RebuiltTrace captured =
      Captured({{"192.0.2.1 1", "192.0.2.1 1", "192.0.2.1 1"},
                {"192.0.2.1 1 !13", "192.0.2.1 1 !13", "192.0.2.1 1 !13"}},
               ProbeMethod::kUdp);
  const CaptureTopology built = BuildCaptureTopology(captured, "prohibited");
  EXPECT_THAT(built.warnings, IsEmpty());
  EXPECT_THAT(Simulated(built),
              ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                          "192.0.2.1!13 192.0.2.1!13 192.0.2.1!13"));
  const sim::Router& router = built.topology.routers.front();
  ASSERT_TRUE(router.firewall.has_value());
  EXPECT_FALSE(router.firewall->before_ttl);
  EXPECT_THAT(router.firewall->protocols, ElementsAre(17));
}

TEST(CaptureTopologyTest, UnreachableFromElsewhereRejectsBeforeTheTtlCheck) {
  // !N at TTL 1 (a router without a route), and !H from an address the
  // hop before did not answer from.
  CaptureTopology built = BuildCaptureTopology(
      Captured({{"192.0.2.1 1 !0", "192.0.2.1 1 !0", "*"}}), "no-route");
  EXPECT_THAT(built.warnings, IsEmpty());
  EXPECT_THAT(Simulated(built), ElementsAre("192.0.2.1!0 192.0.2.1!0 *"));
  EXPECT_TRUE(built.topology.routers.front().firewall->before_ttl);

  built = BuildCaptureTopology(
      Captured(
          {{"192.0.2.1 1", "192.0.2.1 1", "192.0.2.1 1"},
           {"198.51.100.7 3 !1", "198.51.100.7 3 !1", "198.51.100.7 3 !1"}}),
      "host");
  EXPECT_THAT(built.warnings, IsEmpty());
  EXPECT_THAT(Simulated(built),
              ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                          "198.51.100.7!1 198.51.100.7!1 198.51.100.7!1"));
}

// cases/c11-bogus-frag-needed.pcap: Fragmentation Needed naming an MTU
// the 60-byte probe fits in at hop 2, and the probing goes on to the
// destination at hop 3.
TEST(CaptureTopologyTest,
     UnreachableBeforeTheLastHopIsWhatItsRouterSendsOnExpiry) {
  RebuiltTrace captured =
      Captured({{"192.0.2.1 1"}, {"198.51.100.30 2 !4"}, {"203.0.113.9 3 ="}},
               ProbeMethod::kTcp);
  captured.result.hops[1].probes[0].next_hop_mtu = 9000;
  CaptureTopology built = BuildCaptureTopology(captured, "bogus");
  EXPECT_THAT(built.warnings, IsEmpty());
  EXPECT_THAT(Simulated(built),
              ElementsAre("192.0.2.1", "198.51.100.30!4", "203.0.113.9"));
  const sim::Router* router = built.topology.FindRouter("r2");
  ASSERT_NE(router, nullptr);
  EXPECT_FALSE(router->firewall.has_value());
  ASSERT_TRUE(router->expiry_unreachable.has_value());
  EXPECT_EQ(router->expiry_unreachable->code, 4);
  EXPECT_EQ(router->expiry_unreachable->next_hop_mtu, 9000);
  // Written and read back, it is the same router. (The topology read
  // back is kept: the router points into it.)
  const sim::Topology reloaded_topology = Reloaded(built);
  const sim::Router* reloaded = reloaded_topology.FindRouter("r2");
  ASSERT_NE(reloaded, nullptr);
  ASSERT_TRUE(reloaded->expiry_unreachable.has_value());
  EXPECT_EQ(reloaded->expiry_unreachable->next_hop_mtu, 9000);

  // Any other code before answers from later hops is the same rule; the
  // engine ends its own trace at such a mark (trace/reply_outcome.h), so
  // the re-run stops there and says so.
  captured = Captured({{"192.0.2.1 1"},
                       {"198.51.100.30 2 !13"},
                       {"198.51.100.31 3"},
                       {"203.0.113.9 4 ="}});
  built = BuildCaptureTopology(captured, "admin");
  EXPECT_THAT(built.warnings,
              ElementsAre(HasSubstr("differs from the capture: 2 hops where "
                                    "the capture has 4")));
  EXPECT_THAT(Simulated(built), ElementsAre("192.0.2.1", "198.51.100.30!13"));
  // Past it, the probes cross r2 to the capture's later hops.
  built.options.first_ttl = 3;
  EXPECT_THAT(Simulated(built), ElementsAre("198.51.100.31", "203.0.113.9"));
  ASSERT_NE(built.topology.FindRouter("r2"), nullptr);
  ASSERT_TRUE(built.topology.FindRouter("r2")->expiry_unreachable.has_value());
  EXPECT_EQ(built.topology.FindRouter("r2")->expiry_unreachable->code, 13);
  EXPECT_EQ(built.topology.FindRouter("r2")->expiry_unreachable->next_hop_mtu,
            0);
  EXPECT_FALSE(built.topology.FindRouter("r2")->firewall.has_value());
  EXPECT_EQ(built.topology.FindRouter("r3")->address.ToString(),
            "198.51.100.31");
}

TEST(CaptureTopologyTest, AResponderFasterThanOneBeforeItWaitsTheDifference) {
  const RebuiltTrace captured =
      Captured({{"192.0.2.1 1", "192.0.2.1 1", "192.0.2.1 1"},
                {"198.51.100.1 30", "198.51.100.1 30", "198.51.100.1 30"},
                {"198.51.100.2 10", "198.51.100.2 10", "198.51.100.2 10"},
                {"203.0.113.9 12 =", "203.0.113.9 12 =", "203.0.113.9 12 ="}});
  const CaptureTopology built = BuildCaptureTopology(captured, "slow");
  EXPECT_THAT(built.warnings, IsEmpty());
  const trace::TraceResult result =
      RunOnTopology(built.topology, built.topology.seed, built.options);
  ASSERT_EQ(result.hops.size(), 4u);
  EXPECT_EQ(result.hops[1].probes[0].rtt, std::chrono::milliseconds(30));
  EXPECT_EQ(result.hops[2].probes[0].rtt, std::chrono::milliseconds(10));
  EXPECT_EQ(built.topology.FindRouter("r2")->behaviour.reply_delay,
            std::chrono::milliseconds(20));
}

TEST(CaptureTopologyTest, AnAddressAtTwoTtlsAndAnotherAnswerAddressAreKept) {
  const RebuiltTrace captured =
      Captured({{"192.0.2.1 1", "192.0.2.1 1", "192.0.2.1 1"},
                {"192.0.2.1 2", "192.0.2.1 2", "192.0.2.1 2"},
                {"198.51.100.5 3 =", "198.51.100.5 3 =", "198.51.100.5 3 ="}},
               ProbeMethod::kTcp);
  const CaptureTopology built = BuildCaptureTopology(captured, "loop");
  EXPECT_THAT(built.warnings, IsEmpty());
  EXPECT_THAT(Simulated(built),
              ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                          "192.0.2.1 192.0.2.1 192.0.2.1",
                          "198.51.100.5 198.51.100.5 198.51.100.5"));
  EXPECT_EQ(built.topology.routers[1].address.ToString(), "0.0.0.1");
  EXPECT_EQ(built.topology.targets[0].reply_from.ToString(), "198.51.100.5");
  EXPECT_EQ(built.topology.targets[0].tcp, sim::TcpAnswer::kSynAck);
}

TEST(CaptureTopologyTest, HopsNothingAnsweredAtTheEndAreASilentDestination) {
  const RebuiltTrace captured =
      Captured({{"192.0.2.1 1", "192.0.2.1 1", "192.0.2.1 1"},
                {"*", "*", "*"},
                {"*", "*", "*"}});
  const CaptureTopology built = BuildCaptureTopology(captured, "silent");
  EXPECT_THAT(Simulated(built),
              ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1", "* * *", "* * *"));
  EXPECT_EQ(built.topology.targets[0].route.size(), 1u);
  EXPECT_EQ(built.topology.targets[0].icmp, sim::IcmpAnswer::kSilent);
  ASSERT_EQ(built.warnings.size(), 1u);
  EXPECT_THAT(built.warnings[0], HasSubstr("nothing answered from hop 2 on"));
}

TEST(CaptureTopologyTest, WarnsAboutWhatItCannotReproduce) {
  // A hop holding fewer probes than the others, a destination that never
  // answered, and the destination's answer mixed with a router's at one
  // TTL.
  CaptureTopology built = BuildCaptureTopology(
      Captured(
          {{"192.0.2.1 1", "192.0.2.1 1", "192.0.2.1 1"}, {"198.51.100.1 2"}}),
      "short");
  EXPECT_THAT(built.warnings,
              ElementsAre(HasSubstr("hop 2 holds 1 of 3 probes"),
                          HasSubstr("the destination never answered")));
  EXPECT_THAT(Simulated(built),
              ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                          "198.51.100.1 198.51.100.1 198.51.100.1"));

  built = BuildCaptureTopology(
      Captured({{"192.0.2.1 1", "192.0.2.1 1", "192.0.2.1 1"},
                {"203.0.113.9 2 =", "198.51.100.1 2", "203.0.113.9 2 ="}}),
      "mixed");
  EXPECT_THAT(built.warnings,
              ElementsAre(HasSubstr("mixes the destination's answers"),
                          HasSubstr("differs from the capture: hop 2 probe 2: "
                                    "203.0.113.9 where the capture has "
                                    "198.51.100.1")));
}

TEST(CaptureTopologyTest, FirstDifferenceComparesCapturedProbesOnly) {
  const RebuiltTrace captured = Captured({{"192.0.2.1 1"}, {"*", "*"}});
  const RebuiltTrace longer =
      Captured({{"192.0.2.1 1", "192.0.2.1 1"}, {"*", "*", "*"}});
  EXPECT_EQ(FirstDifference(captured.result.hops, longer.result.hops),
            std::nullopt);
  EXPECT_EQ(FirstDifference(longer.result.hops, captured.result.hops),
            "hop 1 has 1 probes, the capture 2");
  const RebuiltTrace other = Captured({{"192.0.2.2 1"}, {"*", "*"}});
  EXPECT_EQ(FirstDifference(captured.result.hops, other.result.hops),
            "hop 1 probe 1: 192.0.2.2 where the capture has 192.0.2.1");

  // A label stack entry that differs (here its EXP bits) is a difference.
  RebuiltTrace labelled = captured;
  RebuiltTrace relabelled = captured;
  const auto stack = [](uint8_t exp) {
    auto extensions = std::make_shared<crafter::IcmpExtensions>();
    crafter::IcmpExtensionObject& object = extensions->objects.emplace_back();
    object.class_num = 1;
    object.c_type = 1;
    object.mpls_labels = {{24001, exp, true, 1}};
    return extensions;
  };
  labelled.result.hops[0].probes[0].extensions = stack(0);
  relabelled.result.hops[0].probes[0].extensions = stack(5);
  EXPECT_EQ(FirstDifference(labelled.result.hops, relabelled.result.hops),
            "hop 1 probe 1: 192.0.2.1 <MPLS:L=24001,E=5,S=1,T=1> where the "
            "capture has 192.0.2.1 <MPLS:L=24001,E=0,S=1,T=1>");
  EXPECT_EQ(FirstDifference(labelled.result.hops, labelled.result.hops),
            std::nullopt);
}

TEST(CaptureTopologyTest, LabelStacksMakeMplsRoutersWithThoseLabels) {
  RebuiltTrace captured =
      Captured({{"192.0.2.1 1", "192.0.2.1 1", "192.0.2.1 1"},
                {"198.51.100.1 9", "198.51.100.1 9", "198.51.100.1 9"},
                {"203.0.113.9 10 =", "203.0.113.9 10 =", "203.0.113.9 10 ="}});
  auto extensions = std::make_shared<crafter::IcmpExtensions>();
  crafter::IcmpExtensionObject& object = extensions->objects.emplace_back();
  object.class_num = 1;
  object.c_type = 1;
  object.mpls_labels = {{24001, 0, false, 1}, {16, 0, true, 1}};
  for (trace::ProbeResult& probe : captured.result.hops[1].probes) {
    probe.extensions = extensions;
  }
  const CaptureTopology built = BuildCaptureTopology(captured, "mpls");
  EXPECT_THAT(built.warnings, IsEmpty());
  const sim::Router& lsr = *built.topology.FindRouter("r2");
  ASSERT_TRUE(lsr.mpls.has_value());
  EXPECT_THAT(lsr.mpls->labels, ElementsAre(24001, 16));
  const trace::TraceResult result =
      RunOnTopology(built.topology, built.topology.seed, built.options);
  ASSERT_NE(result.hops[1].probes[0].extensions, nullptr);
  EXPECT_EQ(result.hops[1].probes[0].extensions->objects[0].mpls_labels,
            object.mpls_labels);
}

}  // namespace
}  // namespace hoplab::replay
