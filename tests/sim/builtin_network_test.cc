#include "sim/builtin_network.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crafter/icmp.h"
#include "crafter/probe.h"
#include "crafter/reply.h"
#include "sim/random.h"
#include "sim/sim_transport.h"
#include "sim/virtual_clock.h"
#include "trace/engine.h"

namespace hoplab::sim {
namespace {

using crafter::Ipv4Address;
using crafter::ProbeMethod;
using crafter::ReplyKind;
using ::testing::AnyOf;
using ::testing::Optional;

// The tracing host, as `hoplab trace` places it.
const Ipv4Address kHost = Ipv4Address::FromOctets(192, 0, 2, 100);
const Ipv4Address kTarget = Ipv4Address::FromOctets(198, 51, 100, 7);

bool IsDocumentationAddress(Ipv4Address address) {
  // RFC 5737: TEST-NET-1, TEST-NET-2 and TEST-NET-3.
  const uint32_t prefix = address.value() & 0xffffff00;
  return prefix == 0xc0000200 || prefix == 0xc6336400 || prefix == 0xcb007100;
}

// Destinations all over the address space, drawn once from a fixed seed.
std::vector<Ipv4Address> ManyDestinations() {
  SeededRandom random(2026);
  std::vector<Ipv4Address> out;
  for (int i = 0; i < 2000; ++i) {
    const Ipv4Address address(static_cast<uint32_t>(random.Next()));
    if (!IsDocumentationAddress(address)) {
      out.push_back(address);
    }
  }
  return out;
}

std::vector<Ipv4Address> Routers(Ipv4Address destination) {
  std::vector<PathNode> path = BuiltinNetwork::PathTo(destination);
  path.pop_back();
  std::vector<Ipv4Address> out;
  for (const PathNode& node : path) {
    out.push_back(node.address);
  }
  return out;
}

std::vector<uint8_t> Probe(ProbeMethod method, uint8_t ttl,
                           uint16_t sequence = 1,
                           Ipv4Address destination = kTarget) {
  crafter::ProbeSpec spec;
  spec.method = method;
  spec.source = kHost;
  spec.destination = destination;
  spec.ttl = ttl;
  spec.ip_id = static_cast<uint16_t>(1000 + sequence);
  spec.icmp_id = 0x2a2a;
  spec.icmp_sequence = sequence;
  spec.source_port = 40000;
  spec.destination_port = static_cast<uint16_t>(33433 + sequence);
  std::vector<uint8_t> out(spec.packet_size);
  EXPECT_EQ(crafter::BuildProbe(spec, out), out.size());
  return out;
}

// 127.0.0.0/8 and the host's own 192.0.2.0/24 (but for the gateway) need
// no router.
bool IsLoopbackOrLan(Ipv4Address destination) {
  return (destination.value() >> 24) == 127 ||
         ((destination.value() >> 8) == 0xc00002 &&
          destination != Ipv4Address::FromOctets(192, 0, 2, 1));
}

TEST(BuiltinNetworkPathTest, ReachesLoopbackAndTheLanWithoutARouter) {
  for (Ipv4Address destination : {Ipv4Address::FromOctets(127, 0, 0, 1),
                                  Ipv4Address::FromOctets(127, 9, 8, 7),
                                  Ipv4Address::FromOctets(192, 0, 2, 50)}) {
    const std::vector<PathNode> path = BuiltinNetwork::PathTo(destination);
    ASSERT_EQ(path.size(), 1u) << destination;
    EXPECT_EQ(path[0].address, destination);
  }
}

TEST(BuiltinNetworkPathTest, RoutesUnicastOnly) {
  EXPECT_TRUE(BuiltinNetwork::Routes(Ipv4Address::FromOctets(1, 0, 0, 1)));
  EXPECT_TRUE(
      BuiltinNetwork::Routes(Ipv4Address::FromOctets(223, 255, 255, 254)));
  EXPECT_FALSE(BuiltinNetwork::Routes(Ipv4Address::FromOctets(0, 1, 2, 3)));
  EXPECT_FALSE(BuiltinNetwork::Routes(Ipv4Address::FromOctets(224, 0, 0, 1)));
  EXPECT_FALSE(
      BuiltinNetwork::Routes(Ipv4Address::FromOctets(255, 255, 255, 255)));
}

// Sends `datagram` at the simulation epoch and returns what comes back.
std::vector<Delivery> SendOne(BuiltinNetwork& network,
                              const std::vector<uint8_t>& datagram) {
  std::vector<Delivery> replies;
  network.Send(datagram, kSimulationEpoch, replies);
  return replies;
}

TEST(BuiltinNetworkPathTest, HasFiveToElevenRoutersThenTheDestination) {
  for (Ipv4Address destination : ManyDestinations()) {
    const std::vector<PathNode> path = BuiltinNetwork::PathTo(destination);
    if (IsLoopbackOrLan(destination)) {
      ASSERT_EQ(path.size(), 1u) << destination;
      continue;
    }

    ASSERT_GE(path.size(), 6u) << destination;
    EXPECT_LE(path.size(), 12u) << destination;
    EXPECT_EQ(path.back().address, destination);
  }
}

TEST(BuiltinNetworkPathTest, NumbersRoutersFromDocumentationRangesOnly) {
  for (Ipv4Address destination : ManyDestinations()) {
    for (Ipv4Address router : Routers(destination)) {
      EXPECT_TRUE(IsDocumentationAddress(router))
          << router << " on the path to " << destination;
    }
  }
}

TEST(BuiltinNetworkPathTest, NeverVisitsAnAddressTwice) {
  for (Ipv4Address destination : ManyDestinations()) {
    std::set<Ipv4Address> seen;
    for (const PathNode& node : BuiltinNetwork::PathTo(destination)) {
      EXPECT_TRUE(seen.insert(node.address).second)
          << node.address << " twice on the path to " << destination;
    }
  }
}

TEST(BuiltinNetworkPathTest, GivesTheSamePathEveryTime) {
  for (Ipv4Address destination : ManyDestinations()) {
    const std::vector<PathNode> first = BuiltinNetwork::PathTo(destination);
    const std::vector<PathNode> second = BuiltinNetwork::PathTo(destination);

    ASSERT_EQ(first.size(), second.size()) << destination;
    for (size_t i = 0; i < first.size(); ++i) {
      EXPECT_EQ(first[i].address, second[i].address) << destination;
      EXPECT_EQ(first[i].name, second[i].name) << destination;
      EXPECT_EQ(first[i].latency, second[i].latency) << destination;
    }
  }
}

TEST(BuiltinNetworkPathTest, EndsAtARouterThatIsTheDestination) {
  struct Case {
    const char* name;
    Ipv4Address destination;
    size_t num_nodes;
  };
  const Case cases[] = {
      {"home gateway", Ipv4Address::FromOctets(192, 0, 2, 1), 1},
      {"access router", Ipv4Address::FromOctets(198, 51, 100, 1), 2},
      {"access core", Ipv4Address::FromOctets(198, 51, 100, 9), 3},
  };
  for (const Case& c : cases) {
    const std::vector<PathNode> path = BuiltinNetwork::PathTo(c.destination);

    ASSERT_EQ(path.size(), c.num_nodes) << c.name;
    EXPECT_EQ(path.back().address, c.destination) << c.name;
    EXPECT_FALSE(path.back().name.empty()) << c.name;
  }
}

TEST(BuiltinNetworkPathTest, SharesTheFirstHopsOfNearbyDestinations) {
  struct Case {
    const char* name;
    Ipv4Address a;
    Ipv4Address b;
    // Routers both paths start with: the three access routers, then two
    // transit routers per shared octet of the destination's prefix.
    size_t num_shared;
  };
  const Case cases[] = {
      {"same /24", Ipv4Address::FromOctets(100, 64, 10, 1),
       Ipv4Address::FromOctets(100, 64, 10, 200), 0},
      {"same /16", Ipv4Address::FromOctets(100, 64, 10, 1),
       Ipv4Address::FromOctets(100, 64, 77, 1), 7},
      {"same /8", Ipv4Address::FromOctets(100, 64, 10, 1),
       Ipv4Address::FromOctets(100, 99, 10, 1), 5},
      {"different /8", Ipv4Address::FromOctets(100, 64, 10, 1),
       Ipv4Address::FromOctets(8, 8, 8, 8), 3},
  };
  for (const Case& c : cases) {
    const std::vector<Ipv4Address> a = Routers(c.a);
    const std::vector<Ipv4Address> b = Routers(c.b);

    if (c.num_shared == 0) {
      EXPECT_EQ(a, b) << c.name;
      continue;
    }
    const size_t num_shared = std::min({c.num_shared, a.size(), b.size()});
    EXPECT_TRUE(std::equal(a.begin(), a.begin() + num_shared, b.begin()))
        << c.name;
  }
}

TEST(BuiltinNetworkTest, AnswersExpiredProbeWithTimeExceededFromRouter) {
  // Topology: the built-in path to 198.51.100.7.
  const std::vector<PathNode> path = BuiltinNetwork::PathTo(kTarget);
  BuiltinNetwork network;

  // Probes: one per router, TTL 1 up to the last router.
  for (size_t k = 1; k < path.size(); ++k) {
    const std::vector<Delivery> replies =
        SendOne(network, Probe(ProbeMethod::kIcmp, static_cast<uint8_t>(k),
                               static_cast<uint16_t>(k)));

    // Expected: router k's Time Exceeded, having crossed k - 1 routers.
    ASSERT_EQ(replies.size(), 1u) << "ttl " << k;
    auto reply = crafter::ParseReply(replies[0].bytes);
    ASSERT_TRUE(reply.ok()) << "ttl " << k;
    EXPECT_EQ(reply->kind, ReplyKind::kTimeExceeded) << "ttl " << k;
    EXPECT_EQ(reply->icmp_code, 0) << "ttl " << k;
    // Hop 4 is a balanced pair: either router may answer, by flow.
    EXPECT_THAT(reply->responder,
                AnyOf(path[k - 1].address, path[k - 1].ecmp_alternate))
        << "ttl " << k;
    EXPECT_EQ(reply->local, kHost) << "ttl " << k;
    EXPECT_EQ(reply->reply_ttl, 64 - (k - 1)) << "ttl " << k;
    EXPECT_EQ(reply->quoted_ttl, 1) << "ttl " << k;
    EXPECT_EQ(reply->probe.icmp_sequence, k) << "ttl " << k;
    EXPECT_TRUE(reply->checksum_ok) << "ttl " << k;
  }
}

TEST(BuiltinNetworkTest, AnswersProbeThatReachesTheDestinationWithEchoReply) {
  const std::vector<PathNode> path = BuiltinNetwork::PathTo(kTarget);
  const size_t num_routers = path.size() - 1;
  BuiltinNetwork network;

  for (int ttl : {int(path.size()), 30, 255}) {
    const std::vector<Delivery> replies = SendOne(
        network, Probe(ProbeMethod::kIcmp, static_cast<uint8_t>(ttl), 9));

    ASSERT_EQ(replies.size(), 1u) << "ttl " << ttl;
    auto reply = crafter::ParseReply(replies[0].bytes);
    ASSERT_TRUE(reply.ok()) << "ttl " << ttl;
    EXPECT_EQ(reply->kind, ReplyKind::kEchoReply) << "ttl " << ttl;
    EXPECT_EQ(reply->responder, kTarget) << "ttl " << ttl;
    EXPECT_EQ(reply->reply_ttl, 64 - num_routers) << "ttl " << ttl;
    EXPECT_EQ(reply->probe.icmp_id, 0x2a2a) << "ttl " << ttl;
    EXPECT_EQ(reply->probe.icmp_sequence, 9) << "ttl " << ttl;
  }
}

TEST(BuiltinNetworkTest, AnswersUdpProbeAtTheDestinationWithPortUnreachable) {
  BuiltinNetwork network;

  const std::vector<Delivery> replies =
      SendOne(network, Probe(ProbeMethod::kUdp, 64));

  ASSERT_EQ(replies.size(), 1u);
  auto reply = crafter::ParseReply(replies[0].bytes);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->kind, ReplyKind::kDestinationUnreachable);
  EXPECT_EQ(reply->icmp_code,
            static_cast<uint8_t>(crafter::UnreachableCode::kPort));
  EXPECT_EQ(reply->responder, kTarget);
}

TEST(BuiltinNetworkTest, DropsDatagramsThatAreNotWholeIpv4) {
  BuiltinNetwork network;
  std::vector<uint8_t> cut = Probe(ProbeMethod::kIcmp, 64);
  cut.resize(40);

  EXPECT_TRUE(SendOne(network, cut).empty());
  EXPECT_TRUE(SendOne(network, std::vector<uint8_t>(60, 0)).empty());
}

TEST(BuiltinNetworkTest, AnswersLaterTheFartherTheHop) {
  const std::vector<PathNode> path = BuiltinNetwork::PathTo(kTarget);
  BuiltinNetwork network;

  trace::TimePoint previous = kSimulationEpoch;
  for (size_t ttl = 1; ttl <= path.size(); ++ttl) {
    const std::vector<Delivery> replies =
        SendOne(network, Probe(ProbeMethod::kIcmp, static_cast<uint8_t>(ttl)));

    ASSERT_EQ(replies.size(), 1u) << "ttl " << ttl;
    EXPECT_GT(replies[0].at, previous) << "ttl " << ttl;
    previous = replies[0].at;
  }
}

// Every probe of a three-query trace to `destination`, sent 1 ms apart.
std::vector<Delivery> TraceReplies(uint64_t seed) {
  BuiltinNetwork network(seed);
  std::vector<Delivery> replies;
  uint16_t sequence = 1;
  for (uint8_t ttl = 1; ttl <= 12; ++ttl) {
    for (int query = 0; query < 3; ++query, ++sequence) {
      network.Send(Probe(ProbeMethod::kIcmp, ttl, sequence),
                   kSimulationEpoch + std::chrono::milliseconds(sequence),
                   replies);
    }
  }
  return replies;
}

TEST(BuiltinNetworkTest, RepeatsItsRepliesExactlyForTheSameSeed) {
  const std::vector<Delivery> first = TraceReplies(42);
  const std::vector<Delivery> second = TraceReplies(42);

  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].bytes, second[i].bytes) << "reply " << i;
    EXPECT_EQ(first[i].at, second[i].at) << "reply " << i;
  }
}

TEST(BuiltinNetworkTest, JittersDifferentlyForAnotherSeed) {
  const std::vector<Delivery> first = TraceReplies(42);
  const std::vector<Delivery> other = TraceReplies(43);

  ASSERT_EQ(first.size(), other.size());
  size_t num_same_time = 0;
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].bytes, other[i].bytes) << "reply " << i;
    num_same_time += first[i].at == other[i].at ? 1 : 0;
  }
  EXPECT_LT(num_same_time, first.size());
}

TEST(BuiltinNetworkTest, NamesItsRoutersAndNothingElse) {
  BuiltinNetwork network;
  const std::vector<PathNode> path = BuiltinNetwork::PathTo(kTarget);

  for (size_t i = 0; i + 1 < path.size(); ++i) {
    EXPECT_EQ(network.ReverseName(path[i].address), path[i].name)
        << path[i].address;
    EXPECT_TRUE(path[i].name.ends_with(".hoplab.test")) << path[i].name;
  }
  EXPECT_EQ(network.ReverseName(kTarget), std::nullopt);
  EXPECT_EQ(network.ReverseName(kHost), std::nullopt);
  EXPECT_EQ(network.ReverseName(Ipv4Address::FromOctets(8, 8, 8, 8)),
            std::nullopt);
}

TEST(BuiltinNetworkScenarioTest, TracesThroughEveryRouterToTheDestination) {
  // Topology: the built-in network, the host at 192.0.2.100.
  BuiltinNetwork network;
  VirtualClock clock;
  SimTransport transport(network, clock);
  const std::vector<PathNode> path = BuiltinNetwork::PathTo(kTarget);

  // Probes: traceroute -I's defaults, 3 per hop from TTL 1.
  trace::TraceOptions options;
  options.source = kHost;
  options.destination = kTarget;
  trace::Engine engine(transport, clock, options);
  auto result = engine.Run();

  // Expected hops: every node of the path in order, each answering all 3
  // (at the balanced hop either of its two routers).
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->reached);
  ASSERT_EQ(result->hops.size(), path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    const trace::Hop& hop = result->hops[i];
    EXPECT_EQ(hop.ttl, i + 1);
    ASSERT_EQ(hop.probes.size(), 3u) << "hop " << i + 1;
    for (const trace::ProbeResult& probe : hop.probes) {
      EXPECT_THAT(probe.from,
                  Optional(AnyOf(path[i].address, path[i].ecmp_alternate)))
          << "hop " << i + 1;
    }
  }
  EXPECT_EQ(result->hops.back().probes[0].kind, ReplyKind::kEchoReply);
}

}  // namespace
}  // namespace hoplab::sim
