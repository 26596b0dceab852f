// BuildReport over hand-made cycles: mtr's statistics, responders in the
// order they first answered, and loss told apart by where it shows.

#include "trace/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

namespace hoplab::trace {
namespace {

using crafter::Ipv4Address;
using std::chrono::microseconds;
using ::testing::DoubleNear;
using ::testing::ElementsAre;

constexpr Ipv4Address kRouterA = Ipv4Address::FromOctets(203, 0, 113, 1);
constexpr Ipv4Address kRouterB = Ipv4Address::FromOctets(203, 0, 113, 2);
constexpr Ipv4Address kTarget = Ipv4Address::FromOctets(198, 51, 100, 7);

// A probe answered by `from` after `rtt_us` microseconds, or lost.
ProbeResult Probe(std::optional<Ipv4Address> from, int rtt_us = 0) {
  ProbeResult probe;
  probe.from = from;
  probe.rtt = microseconds(rtt_us);
  return probe;
}

// One cycle: hop i (TTL i + 1) holds hops[i]'s probes.
TraceResult Cycle(std::vector<std::vector<ProbeResult>> hops) {
  TraceResult result;
  for (size_t i = 0; i < hops.size(); ++i) {
    result.hops.push_back({static_cast<uint8_t>(i + 1), std::move(hops[i])});
  }
  return result;
}

TEST(ReportTest, PoolsRoundTripsOfAllCyclesAsMtrDoes) {
  const Report report = BuildReport({
      Cycle({{Probe(kRouterA, 1000)}}),
      Cycle({{Probe(kRouterA, 3000)}}),
      Cycle({{Probe(kRouterA, 2000)}}),
  });

  ASSERT_EQ(report.hops.size(), 1u);
  const ReportHop& hop = report.hops[0];
  EXPECT_EQ(report.num_cycles, 3);
  EXPECT_EQ(hop.ttl, 1);
  EXPECT_EQ(hop.num_sent, 3);
  EXPECT_EQ(hop.num_received, 3);
  EXPECT_DOUBLE_EQ(hop.LossPercent(), 0);
  EXPECT_DOUBLE_EQ(hop.last_ms, 2.0);
  EXPECT_DOUBLE_EQ(hop.mean_ms, 2.0);
  EXPECT_DOUBLE_EQ(hop.best_ms, 1.0);
  EXPECT_DOUBLE_EQ(hop.worst_ms, 3.0);
  // Sample standard deviation: sqrt((1 + 0 + 1) / (3 - 1)).
  EXPECT_DOUBLE_EQ(hop.stdev_ms, 1.0);
  EXPECT_EQ(hop.loss_kind, LossKind::kNone);
}

TEST(ReportTest, ListsEveryResponderOfAHopInTheOrderTheyFirstAnswered) {
  const Report report = BuildReport({
      Cycle({{Probe(kRouterB, 10), Probe(kRouterA, 10)}}),
      Cycle({{Probe(kRouterA, 10), Probe(kRouterB, 10)}}),
  });

  ASSERT_EQ(report.hops.size(), 1u);
  EXPECT_THAT(report.hops[0].responders, ElementsAre(kRouterB, kRouterA));
}

TEST(ReportTest, KeepsEachRespondersDistinctMarks) {
  // Router B refuses with !X (code 13) twice and !H (code 1) once; router
  // A's Time Exceeded carries no mark.
  const auto unreachable = [](uint8_t code) {
    ProbeResult probe = Probe(kRouterB, 10);
    probe.kind = crafter::ReplyKind::kDestinationUnreachable;
    probe.icmp_code = code;
    return probe;
  };
  const Report report = BuildReport({
      Cycle({{Probe(kRouterA, 10), unreachable(13)}}),
      Cycle({{unreachable(13), unreachable(1)}}),
  });

  ASSERT_EQ(report.hops.size(), 1u);
  EXPECT_THAT(report.hops[0].responders, ElementsAre(kRouterA, kRouterB));
  EXPECT_THAT(report.hops[0].marks,
              ElementsAre(ElementsAre(), ElementsAre("!X", "!H")));
}

TEST(ReportTest, CallsLossThatLaterHopsDoNotShowIcmpLimited) {
  // Hop 1 answers half the time, hop 2 always: hop 1 forwarded every probe.
  const Report report = BuildReport({
      Cycle({{Probe(kRouterA, 10)}, {Probe(kTarget, 20)}}),
      Cycle({{Probe(std::nullopt)}, {Probe(kTarget, 20)}}),
  });

  ASSERT_EQ(report.hops.size(), 2u);
  EXPECT_DOUBLE_EQ(report.hops[0].LossPercent(), 50);
  EXPECT_EQ(report.hops[0].loss_kind, LossKind::kIcmpLimited);
  EXPECT_EQ(report.hops[1].loss_kind, LossKind::kNone);
}

TEST(ReportTest, CallsLossThatCarriesToTheEndForwardingLoss) {
  const Report report = BuildReport({
      Cycle({{Probe(kRouterA, 10)}, {Probe(kTarget, 20)}}),
      Cycle({{Probe(std::nullopt)}, {Probe(std::nullopt)}}),
  });

  ASSERT_EQ(report.hops.size(), 2u);
  EXPECT_EQ(report.hops[0].loss_kind, LossKind::kForwarding);
  EXPECT_EQ(report.hops[1].loss_kind, LossKind::kForwarding);
}

TEST(ReportTest, CallsASilentHopBeforeAnsweringHopsIcmpLimited) {
  const Report report = BuildReport({
      Cycle({{Probe(std::nullopt)}, {Probe(kTarget, 20)}}),
  });

  ASSERT_EQ(report.hops.size(), 2u);
  EXPECT_TRUE(report.hops[0].responders.empty());
  EXPECT_DOUBLE_EQ(report.hops[0].LossPercent(), 100);
  EXPECT_EQ(report.hops[0].last_ms, 0);
  EXPECT_EQ(report.hops[0].loss_kind, LossKind::kIcmpLimited);
  EXPECT_TRUE(report.reached == false);
}

TEST(ReportTest, DoesNotCountHopsACycleNeverProbedAsLost) {
  // The second cycle ended at hop 1 (say, the route changed and the
  // target answered there): it sent nothing to TTL 2.
  TraceResult short_cycle = Cycle({{Probe(kTarget, 10)}});
  short_cycle.reached = true;
  const Report report = BuildReport({
      Cycle({{Probe(kRouterA, 10)}, {Probe(kTarget, 20)}}),
      short_cycle,
  });

  ASSERT_EQ(report.hops.size(), 2u);
  EXPECT_TRUE(report.reached);
  EXPECT_EQ(report.hops[1].num_sent, 1);
  EXPECT_EQ(report.hops[1].num_received, 1);
  EXPECT_THAT(report.hops[0].responders, ElementsAre(kRouterA, kTarget));
}

TEST(ReportTest, NamesEveryLossKind) {
  EXPECT_STREQ(LossKindName(LossKind::kNone), "none");
  EXPECT_STREQ(LossKindName(LossKind::kForwarding), "forwarding");
  EXPECT_STREQ(LossKindName(LossKind::kIcmpLimited), "icmp_limited");
}

}  // namespace
}  // namespace hoplab::trace
