// The engine's re-asking of rate-limited hops (TraceOptions::limit_retries),
// scripted on sim/topologies/rate-limited.yaml: routers whose ICMP budget is
// one error a second, a router that never answers, and a clean path; and
// traces run back to back through a chain of 30 routers with Linux's
// default limit, as bench/compare.sh runs them through real ones.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "crafter/ipv4_address.h"
#include "sim/network.h"
#include "sim/sim_transport.h"
#include "sim/topology.h"
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

// Runs one trace with `options` on `network`, its clock `clock` going on
// from where it stands.
Outcome RunOnce(sim::Network& network, sim::VirtualClock& clock,
                const TraceOptions& options) {
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
  return RunOnce(network, clock, options);
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

// A chain of 30 routers, 198.51.100.1 to .30, then the target
// 203.0.113.31, 100 us a link as between network namespaces. Every router
// limits its ICMP errors as Linux does by default (`rate_limit: linux`: a
// bucket of 6, one more a second) but those listed in `silent`, which
// never answer.
sim::Topology LinuxChain(const std::set<int>& silent = {}) {
  constexpr int kNumRouters = 30;
  std::string text = "name: linux-chain\nseed: 1\nrouters:\n";
  std::string route;
  std::string links;
  std::string previous = "host";
  for (int k = 1; k <= kNumRouters; ++k) {
    const std::string id = "r" + std::to_string(k);
    text +=
        "  - {id: " + id + ", address: 198.51.100." + std::to_string(k) +
        (silent.contains(k) ? ", silent: true}\n" : ", rate_limit: linux}\n");
    route += (route.empty() ? "" : ", ") + id;
    links += "  - {between: [" + previous + ", " + id + "], latency: 100us}\n";
    previous = id;
  }
  links += "  - {between: [" + previous + ", 203.0.113.31], latency: 100us}\n";
  text += "links:\n" + links +
          "targets:\n  - {address: 203.0.113.31, route: [" + route + "]}\n";
  auto topology = sim::ParseTopology(text, "linux-chain");
  EXPECT_TRUE(topology.ok()) << topology.error().message;
  return topology.ok() ? *topology : sim::Topology{};
}

// Runs `num_runs` traces of the chain's target one after the other on one
// network and one virtual clock, so that each finds the routers' buckets
// as the one before left them; each with traceroute's defaults (-N 16,
// -q 3, -w 5,3,10), -m 32 and the default --limit-retries, and its own
// ICMP identifier as a process of its own would have.
std::vector<Outcome> BackToBack(const sim::Topology& topology, int num_runs) {
  sim::TopologyNetwork network(topology, topology.seed);
  sim::VirtualClock clock;
  std::vector<Outcome> outcomes;
  for (int run = 0; run < num_runs; ++run) {
    TraceOptions options;
    options.source = topology.host;
    options.destination = *Ipv4Address::Parse("203.0.113.31");
    options.max_ttl = 32;
    options.icmp_id = static_cast<uint16_t>(100 + run);
    outcomes.push_back(RunOnce(network, clock, options));
  }
  return outcomes;
}

// Each hop's first responder in `outcome`, "*" for a hop that answered
// no probe.
std::vector<std::string> FirstResponders(const Outcome& outcome) {
  std::vector<std::string> responders;
  for (const std::string& line : outcome.hops) {
    std::string first = "*";
    for (size_t start = 0; start < line.size();) {
      const size_t end = std::min(line.find(' ', start), line.size());
      if (line.compare(start, end - start, "*") != 0) {
        first = line.substr(start, end - start);
        break;
      }
      start = end + 1;
    }
    responders.push_back(first);
  }
  return responders;
}

// What FirstResponders gives for a chain whose routers in `silent` never
// answer and all others do.
std::vector<std::string> ChainHops(const std::set<int>& silent = {}) {
  std::vector<std::string> hops;
  for (int k = 1; k <= 30; ++k) {
    hops.push_back(silent.contains(k) ? "*"
                                      : "198.51.100." + std::to_string(k));
  }
  hops.push_back("203.0.113.31");
  return hops;
}

TEST(LimitRetryTest, BackToBackTracesThroughDrainedBucketsAnswerEveryHop) {
  // Two traces drain the routers' buckets (3 errors each from a bucket of
  // 6); each trace after them finds about one error a second left per
  // router, so the first probe to every hop goes unanswered. The silent
  // probes leave the -N 16 window, the target answers within the first
  // second, and one re-ask per hop a second after its probes gets every
  // hop its one error.
  const std::vector<Outcome> outcomes = BackToBack(LinuxChain(), 6);
  ASSERT_EQ(outcomes.size(), 6u);
  for (size_t run = 2; run < outcomes.size(); ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    const Outcome& outcome = outcomes[run];
    EXPECT_TRUE(outcome.reached);
    EXPECT_EQ(FirstResponders(outcome), ChainHops());
    // The buckets were drained: 31 hops of 3 probes, and re-asks.
    EXPECT_GT(outcome.num_sent, 31u * 3u);
    EXPECT_LE(outcome.took, std::chrono::seconds(2));
  }
}

TEST(LimitRetryTest, SilentRouterAmongDrainedOnesShowsStarsWithoutStalling) {
  const std::vector<Outcome> outcomes = BackToBack(LinuxChain({15}), 5);
  ASSERT_EQ(outcomes.size(), 5u);
  for (size_t run = 2; run < outcomes.size(); ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    EXPECT_TRUE(outcomes[run].reached);
    EXPECT_EQ(FirstResponders(outcomes[run]), ChainHops({15}));
    EXPECT_LE(outcomes[run].took, std::chrono::seconds(2));
  }
}

TEST(LimitRetryTest, RunOfSilentRoutersDoesNotHoldTheWindowForTheWait) {
  // Routers 5 to 25 never answer; the first trace finds full buckets
  // elsewhere. 63 silent probes, four windows of -N 16, would hold the
  // window for -w 5 each; leaving it after ten round trips of the hops
  // that answered, they let the target answer within a second, and the
  // re-asks of the silent hops (two silent hops look like a limit) end
  // the trace a second later.
  std::set<int> silent;
  for (int k = 5; k <= 25; ++k) {
    silent.insert(k);
  }
  const std::vector<Outcome> outcomes = BackToBack(LinuxChain(silent), 1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].reached);
  EXPECT_EQ(FirstResponders(outcomes[0]), ChainHops(silent));
  EXPECT_LE(outcomes[0].took, std::chrono::seconds(2));
}

}  // namespace
}  // namespace hoplab::trace
