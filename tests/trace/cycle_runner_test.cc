// CycleRunner over the simulated network: cycles paced on the virtual
// clock, and no reply of one cycle taken for an answer in the next.

#include "trace/cycle_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "crafter/byte_cursor.h"
#include "crafter/reply.h"
#include "sim/builtin_network.h"
#include "sim/sim_transport.h"
#include "sim/virtual_clock.h"
#include "tests/trace/rewriting_network.h"

namespace hoplab::trace {
namespace {

using crafter::Ipv4Address;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr Ipv4Address kSource = Ipv4Address::FromOctets(192, 0, 2, 100);
constexpr Ipv4Address kTarget = Ipv4Address::FromOctets(198, 51, 100, 7);
constexpr Ipv4Address kHop2 = Ipv4Address::FromOctets(198, 51, 100, 1);

TraceOptions OneProbePerHop() {
  TraceOptions options;
  options.source = kSource;
  options.destination = kTarget;
  options.num_queries = 1;
  return options;
}

TEST(CycleRunnerTest, StartsEachCycleOneIntervalAfterTheLast) {
  sim::BuiltinNetwork network;
  sim::VirtualClock clock;
  sim::SimTransport transport(network, clock);
  std::vector<TimePoint> ended;
  CycleRunner runner(transport, clock, OneProbePerHop(), {3, seconds(1)});
  runner.set_cycle_callback(
      [&](int, const TraceResult&) { ended.push_back(clock.Now()); });

  auto cycles = runner.Run();

  ASSERT_TRUE(cycles.ok()) << cycles.error().message;
  ASSERT_EQ(cycles->size(), 3u);
  for (const TraceResult& cycle : *cycles) {
    EXPECT_TRUE(cycle.reached);
    EXPECT_EQ(cycle.hops.size(), 9u);
  }
  ASSERT_EQ(ended.size(), 3u);
  // A simulated cycle takes ~43 ms; the next starts at the next second.
  EXPECT_LT(ended[0] - sim::kSimulationEpoch, milliseconds(100));
  EXPECT_GE(ended[1] - sim::kSimulationEpoch, seconds(1));
  EXPECT_LT(ended[1] - sim::kSimulationEpoch, seconds(1) + milliseconds(100));
  EXPECT_GE(ended[2] - sim::kSimulationEpoch, seconds(2));
}

TEST(CycleRunnerTest, DoesNotMatchALateReplyOfOneCycleInTheNext) {
  // Step: hop 2 answers 300 ms late, after its probe gave up (-w 0.2) and
  // while the next cycle, started at once, is waiting for its own hop 2.
  testing_util::RewritingNetwork network(
      [](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        auto parsed = crafter::ParseReply(reply.bytes);
        if (parsed.ok() && parsed->responder == kHop2) {
          reply.at += milliseconds(300);
        }
        out.push_back(std::move(reply));
      });
  sim::VirtualClock clock;
  sim::SimTransport transport(network, clock);
  TraceOptions options = OneProbePerHop();
  options.wait = milliseconds(200);
  options.wait_here = 0;
  options.wait_near = 0;
  CycleRunner runner(transport, clock, options, {2, seconds(0)});

  auto cycles = runner.Run();

  ASSERT_TRUE(cycles.ok()) << cycles.error().message;
  ASSERT_EQ(cycles->size(), 2u);
  for (const TraceResult& cycle : *cycles) {
    ASSERT_GE(cycle.hops.size(), 2u);
    EXPECT_FALSE(cycle.hops[1].probes[0].from.has_value());
    EXPECT_TRUE(cycle.hops[2].probes[0].from.has_value());
  }
  // The first cycle's late replies (hop 2's, and the target's answers to
  // the probes past it) reached the second cycle's engine, which knew none
  // of those probes.
  EXPECT_EQ((*cycles)[0].counters.num_unmatched, 0u);
  EXPECT_GE((*cycles)[1].counters.num_unmatched, 1u);
}

// The built-in network, keeping a copy of every datagram sent into it.
class RecordingNetwork final : public sim::Network {
 public:
  std::string Name() const override { return "recording"; }

  void Send(std::span<const uint8_t> datagram, TimePoint sent_at,
            std::vector<sim::Delivery>& replies) override {
    sent_.emplace_back(datagram.begin(), datagram.end());
    inner_.Send(datagram, sent_at, replies);
  }

  const std::vector<std::vector<uint8_t>>& sent() const { return sent_; }

 private:
  sim::BuiltinNetwork inner_;
  std::vector<std::vector<uint8_t>> sent_;
};

TEST(CycleRunnerTest, CountsUdpPortsRoundBelow65536AndMatchesEveryCycle) {
  // Step: -p 65516, -m 10 -q 1, no re-asks: up to 10 probes a cycle, and
  // the 20 ports 65516..65535 hold two cycles. Twelve cycles of 10 probes
  // (the target is hop 9; the window sends hop 10's too) go round six
  // times.
  RecordingNetwork network;
  sim::VirtualClock clock;
  sim::SimTransport transport(network, clock);
  TraceOptions options = OneProbePerHop();
  options.method = crafter::ProbeMethod::kUdp;
  options.max_ttl = 10;
  options.limit_retries = 0;
  options.source_port = 40000;
  options.destination_port = 65516;
  CycleRunner runner(transport, clock, options, {12, seconds(0)});

  auto cycles = runner.Run();

  // Step: every cycle found every hop, the last as the first.
  ASSERT_TRUE(cycles.ok()) << cycles.error().message;
  ASSERT_EQ(cycles->size(), 12u);
  for (const TraceResult& cycle : *cycles) {
    EXPECT_TRUE(cycle.reached);
    ASSERT_EQ(cycle.hops.size(), 9u);
    for (const Hop& hop : cycle.hops) {
      EXPECT_TRUE(hop.probes[0].from.has_value()) << "hop " << int(hop.ttl);
    }
  }
  // Step: every probe went to a port from 65516 up, never to 0.
  ASSERT_EQ(network.sent().size(), 120u);
  std::set<uint16_t> ports;
  for (const std::vector<uint8_t>& probe : network.sent()) {
    const uint16_t port = crafter::LoadU16(probe, 22);  // UDP destination.
    EXPECT_GE(port, 65516);
    ports.insert(port);
  }
  EXPECT_EQ(ports.size(), 20u);
}

}  // namespace
}  // namespace hoplab::trace
