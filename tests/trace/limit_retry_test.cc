// The engine's re-asking of rate-limited hops (TraceOptions::limit_retries),
// scripted on sim/topologies/rate-limited.yaml: routers whose ICMP budget is
// one error a second, a router that never answers, and a clean path.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "crafter/ipv4_address.h"
#include "sim/sim_transport.h"
#include "sim/topology_loader.h"
#include "sim/topology_network.h"
#include "sim/virtual_clock.h"
#include "trace/engine.h"

namespace hoplab::trace {
namespace {

using crafter::Ipv4Address;

// What one trace found, and how long it took on the virtual clock.
struct Outcome {
  std::vector<std::string> hops;
  bool reached = false;
  uint64_t num_sent = 0;
  Duration took{0};
};

// Traces `target` on the topology file `path` with `limit_retries` and
// -w `wait`.
Outcome Trace(const std::string& path, const std::string& target,
              int limit_retries, Duration wait = kDefaultWait) {
  auto topology = sim::LoadTopologyFile(path);
  EXPECT_TRUE(topology.ok()) << topology.error().message;
  if (!topology.ok()) {
    return {};
  }
  TraceOptions options;
  options.source = topology->host;
  options.destination = *Ipv4Address::Parse(target);
  options.max_ttl = 8;
  options.limit_retries = limit_retries;
  options.wait = wait;
  sim::TopologyNetwork network(*topology, topology->seed);
  sim::VirtualClock clock;
  sim::SimTransport transport(network, clock);
  Engine engine(transport, clock, options);
  const TimePoint started = clock.Now();
  auto result = engine.Run();
  EXPECT_TRUE(result.ok());
  if (!result.ok()) {
    return {};
  }
  Outcome outcome;
  outcome.reached = result->reached;
  outcome.num_sent = result->counters.num_sent;
  outcome.took = clock.Now() - started;
  for (const Hop& hop : result->hops) {
    std::string line;
    for (const ProbeResult& probe : hop.probes) {
      line += line.empty() ? "" : " ";
      line += probe.from ? probe.from->ToString() : "*";
    }
    outcome.hops.push_back(line);
  }
  return outcome;
}

constexpr char kRateLimited[] = "sim/topologies/rate-limited.yaml";

TEST(LimitRetryTest, WithoutRetriesEmptyBucketsLeaveStars) {
  const Outcome outcome = Trace(kRateLimited, "203.0.113.51", 0);
  EXPECT_TRUE(outcome.reached);
  ASSERT_EQ(outcome.hops.size(), 5u);
  EXPECT_EQ(outcome.hops[1], "198.51.100.11 * *");
  EXPECT_EQ(outcome.hops[2], "198.51.100.12 * *");
  EXPECT_EQ(outcome.hops[3], "198.51.100.13 * *");
}

TEST(LimitRetryTest, TwoRoundsAnswerEveryProbeOfLimitedHops) {
  const Outcome outcome = Trace(kRateLimited, "203.0.113.51", 2);
  EXPECT_TRUE(outcome.reached);
  ASSERT_EQ(outcome.hops.size(), 5u);
  EXPECT_EQ(outcome.hops[0], "192.0.2.1 192.0.2.1 192.0.2.1");
  EXPECT_EQ(outcome.hops[1], "198.51.100.11 198.51.100.11 198.51.100.11");
  EXPECT_EQ(outcome.hops[2], "198.51.100.12 198.51.100.12 198.51.100.12");
  EXPECT_EQ(outcome.hops[3], "198.51.100.13 198.51.100.13 198.51.100.13");
  EXPECT_EQ(outcome.hops[4], "203.0.113.51 203.0.113.51 203.0.113.51");
  // The first pass (and the probes past the target it sent before the
  // target answered), then one per limited hop per round.
  EXPECT_EQ(outcome.num_sent,
            Trace(kRateLimited, "203.0.113.51", 0).num_sent + 2 * 3);
  // Each round leaves a refill interval after the hop's last probe.
  EXPECT_GE(outcome.took, 2 * kLimitRefillInterval);
  EXPECT_LT(outcome.took, 2 * kLimitRefillInterval + std::chrono::seconds(1));
}

TEST(LimitRetryTest, DefaultOneRoundAnswersOneMoreProbePerLimitedHop) {
  const Outcome outcome =
      Trace(kRateLimited, "203.0.113.51", kDefaultLimitRetries);
  ASSERT_EQ(outcome.hops.size(), 5u);
  EXPECT_EQ(outcome.hops[1], "198.51.100.11 198.51.100.11 *");
  EXPECT_EQ(outcome.hops[3], "198.51.100.13 198.51.100.13 *");
}

TEST(LimitRetryTest, SilentRouterOnUnlimitedPathDrawsNoRetry) {
  // The path through 203.0.113.52 has a silent router (hop 3) behind a
  // Linux-limited one whose full bucket answers all 3 probes: no hop shows
  // a limit, so the silent one is not re-asked and nothing waits.
  const Outcome with = Trace(kRateLimited, "203.0.113.52", 2);
  const Outcome without = Trace(kRateLimited, "203.0.113.52", 0);
  ASSERT_EQ(with.hops.size(), 4u);
  EXPECT_EQ(with.hops[2], "* * *");
  EXPECT_EQ(with.hops, without.hops);
  EXPECT_EQ(with.num_sent, without.num_sent);
  EXPECT_EQ(with.took, without.took);
}

TEST(LimitRetryTest, TwoSilentHopsAreReAskedOncePerRound) {
  // Hops 2 and 3 never answer, as two routers whose buckets an earlier
  // trace emptied would not: each gets one probe a round, a second later.
  const Outcome with = Trace(kRateLimited, "203.0.113.53", 2);
  const Outcome without = Trace(kRateLimited, "203.0.113.53", 0);
  ASSERT_EQ(with.hops.size(), 4u);
  EXPECT_EQ(with.hops[1], "* * *");
  EXPECT_EQ(with.hops[2], "* * *");
  EXPECT_TRUE(with.reached);
  EXPECT_EQ(with.num_sent, without.num_sent + 2 * 2);
  EXPECT_GE(with.took, 2 * kLimitRefillInterval);
}

TEST(LimitRetryTest, CleanPathTakesNoLonger) {
  const Outcome with =
      Trace("sim/topologies/thirty-hops.yaml", "203.0.113.30", 2);
  const Outcome without =
      Trace("sim/topologies/thirty-hops.yaml", "203.0.113.30", 0);
  EXPECT_EQ(with.hops, without.hops);
  EXPECT_EQ(with.num_sent, without.num_sent);
  EXPECT_EQ(with.took, without.took);
}

TEST(LimitRetryTest, RetriesStayWithinTheWait) {
  // With -w 1 no round can leave a second after the hops' probes and
  // still within a second of the first probe.
  const Outcome outcome =
      Trace(kRateLimited, "203.0.113.51", 2, std::chrono::seconds(1));
  EXPECT_EQ(outcome.num_sent, Trace(kRateLimited, "203.0.113.51", 0).num_sent);
  ASSERT_EQ(outcome.hops.size(), 5u);
  EXPECT_EQ(outcome.hops[1], "198.51.100.11 * *");
}

}  // namespace
}  // namespace hoplab::trace
