// Scenarios on topology files: each reads like a script, a topology (from
// sim/topologies/ or inline), the probes, and the hops expected.

#include "sim/topology_network.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "crafter/icmp.h"
#include "crafter/probe.h"
#include "sim/sim_transport.h"
#include "sim/topology_loader.h"
#include "sim/virtual_clock.h"
#include "trace/engine.h"

namespace hoplab::sim {
namespace {

using crafter::Ipv4Address;
using crafter::ProbeMethod;
using ::testing::ElementsAre;

Topology Load(const std::string& text_or_path) {
  auto topology = text_or_path.find('\n') == std::string::npos
                      ? LoadTopologyFile(text_or_path)
                      : ParseTopology(text_or_path, "inline.yaml");
  EXPECT_TRUE(topology.ok()) << topology.error().message;
  return topology.ok() ? *topology : Topology{};
}

trace::TraceOptions Options(const std::string& target,
                            ProbeMethod method = ProbeMethod::kIcmp,
                            bool paris = false) {
  trace::TraceOptions options;
  options.method = method;
  options.paris = paris;
  options.source = Ipv4Address::FromOctets(192, 0, 2, 100);
  options.destination = *Ipv4Address::Parse(target);
  options.icmp_id = 0x4242;
  options.source_port = 40000;
  options.destination_port = method == ProbeMethod::kTcp ? 80 : 33434;
  options.tcp_sequence = 0x01020304;
  options.max_ttl = 12;
  // What the network answers, without the engine re-asking hops that
  // answer some probes (tests/trace/limit_retry_test.cc).
  options.limit_retries = 0;
  return options;
}

trace::TraceResult Trace(const Topology& topology,
                         const trace::TraceOptions& options,
                         uint64_t seed = 1) {
  TopologyNetwork network(topology, seed);
  VirtualClock clock;
  SimTransport transport(network, clock);
  trace::Engine engine(transport, clock, options);
  auto result = engine.Run();
  EXPECT_TRUE(result.ok());
  return result.ok() ? *result : trace::TraceResult{};
}

// Each hop as "addr addr *", a Destination Unreachable as "addr!<code>".
std::vector<std::string> Hops(const trace::TraceResult& result) {
  std::vector<std::string> lines;
  for (const trace::Hop& hop : result.hops) {
    std::string line;
    for (const trace::ProbeResult& probe : hop.probes) {
      line += line.empty() ? "" : " ";
      if (!probe.from.has_value()) {
        line += "*";
        continue;
      }
      line += probe.from->ToString();
      if (probe.kind == crafter::ReplyKind::kDestinationUnreachable &&
          probe.icmp_code != 3) {
        line += "!" + std::to_string(probe.icmp_code);
      }
    }
    lines.push_back(line);
  }
  return lines;
}

// The replies the network gives one probe, sent at the simulation epoch.
std::vector<Delivery> SendOne(const Topology& topology,
                              const crafter::ProbeSpec& spec) {
  TopologyNetwork network(topology, 1);
  std::vector<uint8_t> probe(spec.packet_size);
  EXPECT_EQ(crafter::BuildProbe(spec, probe), probe.size());
  std::vector<Delivery> replies;
  network.Send(probe, kSimulationEpoch, replies);
  return replies;
}

// A `packet_size`-byte probe by `method` from the host to `destination`
// with `ttl`: to port 80 by TCP, 33434 by UDP.
crafter::ProbeSpec ProbeTo(ProbeMethod method, const char* destination,
                           uint8_t ttl, uint16_t packet_size) {
  crafter::ProbeSpec spec;
  spec.method = method;
  spec.source = Ipv4Address::FromOctets(192, 0, 2, 100);
  spec.destination = *Ipv4Address::Parse(destination);
  spec.ttl = ttl;
  spec.source_port = 40000;
  spec.destination_port = method == ProbeMethod::kTcp ? 80 : 33434;
  spec.tcp_sequence = 0x01020304;
  spec.packet_size = packet_size;
  return spec;
}

// The bytes of the one reply `topology` gives `spec`; empty (and a test
// failure) when it gives none or several.
std::vector<uint8_t> OnlyReply(const Topology& topology,
                               const crafter::ProbeSpec& spec) {
  std::vector<Delivery> replies = SendOne(topology, spec);
  EXPECT_EQ(replies.size(), 1u) << "ttl " << int(spec.ttl);
  return replies.size() == 1 ? std::move(replies[0].bytes)
                             : std::vector<uint8_t>{};
}

TEST(TopologyNetworkTest, ThirtyHopPathReachesItsTargetAtHopThirty) {
  const Topology topology = Load("sim/topologies/thirty-hops.yaml");
  trace::TraceOptions options = Options("203.0.113.30");
  options.max_ttl = 30;
  const trace::TraceResult result = Trace(topology, options);
  ASSERT_EQ(result.hops.size(), 30u);
  EXPECT_TRUE(result.reached);
  EXPECT_EQ(Hops(result)[0], "198.51.100.1 198.51.100.1 198.51.100.1");
  EXPECT_EQ(Hops(result)[28], "198.51.100.29 198.51.100.29 198.51.100.29");
  EXPECT_EQ(Hops(result)[29], "203.0.113.30 203.0.113.30 203.0.113.30");
}

TEST(TopologyNetworkTest, PerFlowDiamondSplitsClassicProbesButNotParis) {
  const Topology topology = Load("sim/topologies/diamond.yaml");
  // Classic UDP probes change ports, so the balancer spreads them.
  // All three branches at hop 3 (a1, b1, c1).
  const auto classic =
      Hops(Trace(topology, Options("203.0.113.10", ProbeMethod::kUdp)));
  EXPECT_EQ(classic[2], "198.51.100.21 198.51.100.31 198.51.100.11");
  // Paris probes are one flow: one branch, here a1's.
  const auto paris =
      Hops(Trace(topology, Options("203.0.113.10", ProbeMethod::kUdp, true)));
  EXPECT_THAT(paris, ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                                 "198.51.100.1 198.51.100.1 198.51.100.1",
                                 "198.51.100.11 198.51.100.11 198.51.100.11",
                                 "198.51.100.50 198.51.100.50 198.51.100.50",
                                 "203.0.113.10 203.0.113.10 203.0.113.10"));
  // Another flow (source port) takes the two-router branch c1, c2.
  trace::TraceOptions other = Options("203.0.113.10", ProbeMethod::kUdp, true);
  int longer = 0;
  for (uint16_t port = 40001; port < 40020; ++port) {
    other.source_port = port;
    longer += Trace(topology, other).hops.size() == 6 ? 1 : 0;
  }
  EXPECT_GT(longer, 0);
}

TEST(TopologyNetworkTest, PerPacketBalancerSplitsEvenParisProbes) {
  const Topology topology = Load("sim/topologies/diamond.yaml");
  const auto hops =
      Hops(Trace(topology, Options("203.0.113.20", ProbeMethod::kIcmp, true)));
  EXPECT_EQ(hops[2], "198.51.100.11 198.51.100.21 198.51.100.11");
}

constexpr const char* kChain = R"(
routers:
  - {id: a, address: 192.0.2.1, interfaces: {host: 192.0.2.254}}
  - {id: b, address: 198.51.100.1, silent: true}
  - {id: c, address: 198.51.100.2, reply_probability: 0.5}
  - {id: d, address: 198.51.100.3, reply_from: 203.0.113.99}
links:
  - {between: [host, a], latency: 1ms}
  - {between: [a, b], latency: 1ms}
  - {between: [b, c], latency: 1ms}
  - {between: [c, d], latency: 1ms}
  - {between: [d, 203.0.113.1], latency: 1ms}
targets:
  - {address: 203.0.113.1, route: [a, b, c, d]}
)";

TEST(TopologyNetworkTest, RoutersAnswerFromIngressOrConfiguredAddresses) {
  // a answers from the interface facing the host; b never answers; c
  // answers some probes; d from its configured address.
  const auto hops = Hops(Trace(Load(kChain), Options("203.0.113.1")));
  EXPECT_THAT(hops, ElementsAre("192.0.2.254 192.0.2.254 192.0.2.254", "* * *",
                                "198.51.100.2 198.51.100.2 *",
                                "203.0.113.99 203.0.113.99 203.0.113.99",
                                "203.0.113.1 203.0.113.1 203.0.113.1"));
}

TEST(TopologyNetworkTest, LinkLossIsTheSameForTheSameSeed) {
  std::string text = kChain;
  text.replace(text.find("{between: [host, a], latency: 1ms}"), 34,
               "{between: [host, a], latency: 1ms, loss: 0.3}");
  const Topology topology = Load(text);
  const auto first = Hops(Trace(topology, Options("203.0.113.1"), 7));
  EXPECT_EQ(first, Hops(Trace(topology, Options("203.0.113.1"), 7)));
  // Some probes or replies are lost on the first link, which all cross.
  std::string all;
  for (const std::string& hop : first) {
    all += hop + " ";
  }
  EXPECT_THAT(all, ::testing::HasSubstr("192.0.2.254"));
  EXPECT_THAT(all, ::testing::HasSubstr("203.0.113.1"));
  EXPECT_GT(std::count(all.begin(), all.end(), '*'), 3);
}

TEST(TopologyNetworkTest, LinuxRateLimitAnswersSixThenOnePerSecond) {
  const Topology topology = Load("sim/topologies/rate-limited.yaml");
  trace::TraceOptions options = Options("203.0.113.50");
  options.num_queries = 10;
  const auto hops = Hops(Trace(topology, options));
  // core (hop 3): a full bucket of 6, then nothing within the second.
  EXPECT_EQ(hops[2],
            "198.51.100.2 198.51.100.2 198.51.100.2 198.51.100.2 "
            "198.51.100.2 198.51.100.2 * * * *");
  // One probe a second refills one token a second: every probe answered.
  options.num_queries = 8;
  options.max_in_flight = 1;
  options.send_interval = std::chrono::seconds(1);
  options.first_ttl = 3;
  options.max_ttl = 3;
  EXPECT_EQ(Hops(Trace(topology, options))[0],
            "198.51.100.2 198.51.100.2 198.51.100.2 198.51.100.2 "
            "198.51.100.2 198.51.100.2 198.51.100.2 198.51.100.2");
}

TEST(TopologyNetworkTest, FirewallsRejectWithTheirCodeOrDrop) {
  const Topology topology = Load("sim/topologies/firewall.yaml");
  EXPECT_EQ(
      Hops(Trace(topology, Options("203.0.113.70", ProbeMethod::kUdp))).back(),
      "198.51.100.1!13 198.51.100.1!13 198.51.100.1!13");
  // ICMP passes the UDP-only firewall.
  EXPECT_EQ(Hops(Trace(topology, Options("203.0.113.70"))).back(),
            "203.0.113.70 203.0.113.70 203.0.113.70");
  EXPECT_EQ(Hops(Trace(topology, Options("203.0.113.71"))).back(),
            "198.51.100.2!1 198.51.100.2!1 198.51.100.2!1");
  trace::TraceOptions dropped = Options("203.0.113.72");
  dropped.max_ttl = 4;
  EXPECT_THAT(
      Hops(Trace(topology, dropped)),
      ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                  "198.51.100.3 198.51.100.3 198.51.100.3", "* * *", "* * *"));
}

// A router without a route answers before it looks at the TTL (Linux's
// ip_route_input fails ahead of ip_forward): even a probe expiring there
// gets !N, where a FORWARD-chain firewall would send Time Exceeded.
TEST(TopologyNetworkTest, RoutingStageFirewallRejectsEvenAProbeExpiringThere) {
  const Topology topology = Load(R"(
routers:
  - {id: gw, address: 192.0.2.1,
     firewall: {action: reject, code: net, stage: routing}}
  - {id: fw, address: 198.51.100.1, firewall: {action: reject, code: net}}
links:
  - {between: [host, gw], latency: 1ms}
  - {between: [host, fw], latency: 1ms}
  - {between: [gw, 203.0.113.1]}
  - {between: [fw, 203.0.113.2]}
targets:
  - {address: 203.0.113.1, route: [gw]}
  - {address: 203.0.113.2, route: [fw]}
)");
  EXPECT_THAT(Hops(Trace(topology, Options("203.0.113.1"))),
              ElementsAre("192.0.2.1!0 192.0.2.1!0 192.0.2.1!0"));
  EXPECT_THAT(Hops(Trace(topology, Options("203.0.113.2"))),
              ElementsAre("198.51.100.1 198.51.100.1 198.51.100.1",
                          "198.51.100.1!0 198.51.100.1!0 198.51.100.1!0"));
}

// reply_delay: a slow responder answers later than the hop after it.
TEST(TopologyNetworkTest, ReplyDelayAddsToEveryReplyOfItsNode) {
  const Topology topology = Load(R"(
routers:
  - {id: gw, address: 192.0.2.1, reply_delay: 7ms}
links:
  - {between: [host, gw], latency: 1ms}
  - {between: [gw, 203.0.113.1], latency: 1ms}
targets:
  - {address: 203.0.113.1, route: [gw], reply_delay: 250us}
)");
  const trace::TraceResult result = Trace(topology, Options("203.0.113.1"));
  ASSERT_EQ(result.hops.size(), 2u);
  for (const trace::ProbeResult& probe : result.hops[0].probes) {
    EXPECT_EQ(probe.rtt, std::chrono::milliseconds(9));
  }
  for (const trace::ProbeResult& probe : result.hops[1].probes) {
    EXPECT_EQ(probe.rtt, std::chrono::microseconds(4250));
  }
}

TEST(TopologyNetworkTest, FirewallRejectsWithEveryNamedCode) {
  // RFC 792, RFC 1122 section 3.2.2.1 and RFC 1812 section 5.2.7.1 codes,
  // by the names topology files use; traceroute shows them as !N, !H, !P,
  // (port: the target's own answer, no mark), !F, !S, !X, !V, !C.
  const std::pair<const char*, int> kCodes[] = {{"net", 0},
                                                {"host", 1},
                                                {"protocol", 2},
                                                {"port", 3},
                                                {"frag-needed", 4},
                                                {"source-route", 5},
                                                {"net-prohibited", 9},
                                                {"host-prohibited", 10},
                                                {"admin", 13},
                                                {"host-precedence", 14},
                                                {"precedence-cutoff", 15},
                                                {"42", 42}};
  for (const auto& [name, code] : kCodes) {
    SCOPED_TRACE(name);
    const std::string text = std::string(R"(name: codes
routers:
  - {id: gw, address: 192.0.2.1}
  - id: fw
    address: 198.51.100.1
    firewall: {action: reject, code: )") +
                             name + R"(}
links:
  - {between: [host, gw], latency: 1ms}
  - {between: [gw, fw], latency: 1ms}
  - {between: [fw, 203.0.113.1], latency: 1ms}
targets:
  - {address: 203.0.113.1, route: [gw, fw]}
)";
    trace::TraceOptions options = Options("203.0.113.1", ProbeMethod::kUdp);
    options.num_queries = 1;
    const trace::TraceResult result = Trace(Load(text), options);
    // fw answers TTL 2 with Time Exceeded and rejects what it would
    // forward: TTL 3 and up.
    ASSERT_EQ(result.hops.size(), 3u);
    const trace::ProbeResult& probe = result.hops[2].probes[0];
    EXPECT_EQ(probe.from, Ipv4Address::FromOctets(198, 51, 100, 1));
    EXPECT_EQ(probe.kind, crafter::ReplyKind::kDestinationUnreachable);
    EXPECT_EQ(probe.icmp_code, code);
  }
}

// Routers that answer the probes expiring at them with Fragmentation
// Needed naming an MTU the probe fits in, as in
// cases/c11-bogus-frag-needed.pcap, and forward the rest: one with
// Linux's profile, one with RFC 792's.
constexpr char kBogusFragmentationNeeded[] = R"(name: bogus-frag-needed
routers:
  - {id: gw, address: 192.0.2.1}
  - id: bogus
    address: 198.51.100.30
    ttl_expired: {reply: unreachable, code: frag-needed, mtu: 9000}
  - id: old
    address: 198.51.100.31
    profile: rfc792
    ttl_expired: {reply: unreachable, code: frag-needed, mtu: 9000}
links:
  - {between: [host, gw], latency: 1ms}
  - {between: [gw, bogus], latency: 1ms}
  - {between: [bogus, old], latency: 1ms}
  - {between: [old, 203.0.113.5], latency: 1ms}
targets:
  - {address: 203.0.113.5, route: [gw, bogus, old], tcp: syn-ack}
)";

// The one reply to a 60-byte TCP SYN with `ttl` into
// kBogusFragmentationNeeded.
std::vector<uint8_t> AnswerToSyn(uint8_t ttl) {
  return OnlyReply(Load(kBogusFragmentationNeeded),
                   ProbeTo(ProbeMethod::kTcp, "203.0.113.5", ttl, 60));
}

TEST(TopologyNetworkTest, TtlExpiredUnreachableAnswersWithItsCodeAndMtu) {
  // 60-byte SYN at TTL 2 expires at bogus (Linux profile):
  //   IP 198.51.100.30 > 192.0.2.100: ICMP 203.0.113.5 unreachable -
  //   need to frag (mtu 9000), length 68
  const std::vector<uint8_t> reply = AnswerToSyn(2);
  ASSERT_EQ(reply.size(), 20u + 8 + 60);  // RFC 1812: the whole probe.
  // Outer header: TOS 0xc0, TTL 64 less gw on the way back, from bogus.
  EXPECT_EQ(reply[1], 0xc0);
  EXPECT_EQ(reply[8], 63);
  EXPECT_EQ(Ipv4Address::FromOctets(reply[12], reply[13], reply[14], reply[15]),
            Ipv4Address::FromOctets(198, 51, 100, 30));
  // ICMP header (RFC 1191 §4):
  //   03 04 cc cc 00 00 23 28   type 3, code 4, checksum, unused 0,
  //                             next-hop MTU 9000
  EXPECT_EQ(reply[20], 3);
  EXPECT_EQ(reply[21], 4);
  EXPECT_EQ(reply[24], 0x00);
  EXPECT_EQ(reply[25], 0x00);
  EXPECT_EQ(reply[26], 0x23);
  EXPECT_EQ(reply[27], 0x28);
  // The quote is the probe as it arrived: TTL 1, 60 bytes.
  EXPECT_EQ(reply[28 + 8], 1);
  EXPECT_EQ((reply[28 + 2] << 8) | reply[28 + 3], 60);

  // libtins reads the same.
  const Tins::IP ip(reply.data(), uint32_t(reply.size()));
  const Tins::ICMP& icmp = ip.rfind_pdu<Tins::ICMP>();
  EXPECT_EQ(icmp.type(), Tins::ICMP::DEST_UNREACHABLE);
  EXPECT_EQ(icmp.code(), 4);
  EXPECT_EQ(icmp.mtu(), 9000);
}

TEST(TopologyNetworkTest, TtlExpiredUnreachableQuotesAsItsProfileSays) {
  // 60-byte SYN at TTL 3 expires at old (RFC 792 profile): the IP header
  // and 8 bytes, TTL 255 less bogus and gw on the way back, TOS 0.
  const std::vector<uint8_t> reply = AnswerToSyn(3);
  ASSERT_EQ(reply.size(), 20u + 8 + 20 + 8);
  EXPECT_EQ(reply[1], 0);
  EXPECT_EQ(reply[8], 253);
  EXPECT_EQ(reply[20], 3);
  EXPECT_EQ(reply[21], 4);
  EXPECT_EQ((reply[26] << 8) | reply[27], 9000);
}

TEST(TopologyNetworkTest,
     TtlExpiredUnreachableRouterForwardsProbesWithTtlLeft) {
  trace::TraceOptions options = Options("203.0.113.5", ProbeMethod::kTcp);
  options.num_queries = 1;
  const trace::TraceResult result =
      Trace(Load(kBogusFragmentationNeeded), options);
  // A Fragmentation Needed naming an MTU the probe fits in does not end
  // the trace (trace/reply_outcome.h): the SYN-ACK at hop 4 does.
  EXPECT_THAT(Hops(result), ElementsAre("192.0.2.1", "198.51.100.30!4",
                                        "198.51.100.31!4", "203.0.113.5"));
  EXPECT_EQ(result.hops[1].probes[0].next_hop_mtu, 9000);
  EXPECT_TRUE(result.reached);
  // With TTL left the probe crosses both: only the target answers it.
  const std::vector<uint8_t> answer = AnswerToSyn(4);
  ASSERT_GE(answer.size(), 20u + 14);
  EXPECT_EQ(answer[9], 6);           // TCP.
  EXPECT_EQ(answer[20 + 13], 0x12);  // SYN-ACK.
}

TEST(TopologyNetworkTest, TtlExpiredUnreachableTakesAnyCode) {
  Topology topology = Load(kBogusFragmentationNeeded);
  topology.routers[1].expiry_unreachable = ExpiryUnreachable{13, 0};
  trace::TraceOptions options = Options("203.0.113.5", ProbeMethod::kTcp);
  options.num_queries = 1;
  options.first_ttl = 2;
  options.max_ttl = 2;
  const trace::TraceResult result = Trace(topology, options);
  EXPECT_THAT(Hops(result), ElementsAre("198.51.100.30!13"));
  EXPECT_EQ(result.hops[0].probes[0].next_hop_mtu, 0);
}

TEST(TopologyNetworkTest, BigProbeWithDontFragmentGetsFragmentationNeeded) {
  const Topology topology = Load("sim/topologies/firewall.yaml");
  trace::TraceOptions options = Options("203.0.113.73");
  options.packet_size = 1500;
  options.dont_fragment = true;
  const trace::TraceResult result = Trace(topology, options);
  EXPECT_EQ(Hops(result).back(), "192.0.2.1!4 192.0.2.1!4 192.0.2.1!4");
  EXPECT_EQ(result.hops.back().probes[0].next_hop_mtu, 1400);
  // Without DF it passes whole (no fragmentation is simulated).
  options.dont_fragment = false;
  EXPECT_TRUE(Trace(topology, options).reached);
}

TEST(TopologyNetworkTest, TargetsAnswerAsConfigured) {
  const Topology topology = Load("sim/topologies/firewall.yaml");
  trace::TraceOptions options = Options("203.0.113.74");
  options.max_ttl = 4;
  // Silent to ICMP.
  EXPECT_EQ(Hops(Trace(topology, options)).back(), "* * *");
  // UDP's Port Unreachable from another address of the target.
  options.method = ProbeMethod::kUdp;
  EXPECT_EQ(Hops(Trace(topology, options)).back(),
            "203.0.113.75 203.0.113.75 203.0.113.75");
  // TCP to port 80, which by-port would accept, gets a reset.
  options.method = ProbeMethod::kTcp;
  const trace::TraceResult tcp = Trace(topology, options);
  EXPECT_EQ(tcp.hops.back().probes[0].kind, crafter::ReplyKind::kTcpReset);
}

TEST(TopologyNetworkTest, NatTranslatesQuotesBackOrLeavesHopsUnmatched) {
  const Topology topology = Load("sim/topologies/nat.yaml");
  EXPECT_THAT(Hops(Trace(topology, Options("203.0.113.60", ProbeMethod::kUdp))),
              ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                          "198.51.100.1 198.51.100.1 198.51.100.1",
                          "198.51.100.2 198.51.100.2 198.51.100.2",
                          "203.0.113.60 203.0.113.60 203.0.113.60"));
  trace::TraceOptions options = Options("203.0.113.61", ProbeMethod::kUdp);
  options.max_ttl = 3;
  const trace::TraceResult broken = Trace(topology, options);
  EXPECT_THAT(Hops(broken),
              ElementsAre("192.0.2.2 192.0.2.2 192.0.2.2", "* * *", "* * *"));
  EXPECT_EQ(broken.counters.num_unmatched, 6u);
}

TEST(TopologyNetworkTest, NatQuoteAsLibtinsReadsIt) {
  // A UDP probe with TTL 2 expires at isp, beyond the NAT.
  crafter::ProbeSpec spec;
  spec.method = ProbeMethod::kUdp;
  spec.source = Ipv4Address::FromOctets(192, 0, 2, 100);
  spec.destination = Ipv4Address::FromOctets(203, 0, 113, 60);
  spec.ttl = 2;
  spec.source_port = 40000;
  spec.destination_port = 33434;
  const auto replies = SendOne(Load("sim/topologies/nat.yaml"), spec);
  ASSERT_EQ(replies.size(), 1u);
  Tins::IP outer(replies[0].bytes.data(), uint32_t(replies[0].bytes.size()));
  EXPECT_EQ(outer.dst_addr(), Tins::IPv4Address("192.0.2.100"));
  EXPECT_EQ(outer.src_addr(), Tins::IPv4Address("198.51.100.1"));
  const auto& icmp = outer.rfind_pdu<Tins::ICMP>();
  EXPECT_EQ(icmp.type(), Tins::ICMP::TIME_EXCEEDED);
  const auto& quote = icmp.rfind_pdu<Tins::RawPDU>().payload();
  Tins::IP inner(quote.data(), uint32_t(quote.size()));
  // Translated back: the host's own address and port.
  EXPECT_EQ(inner.src_addr(), Tins::IPv4Address("192.0.2.100"));
  EXPECT_EQ(inner.rfind_pdu<Tins::UDP>().sport(), 40000);
  // The quoted IP header checksum is right again after the rewrite.
  std::vector<uint8_t> header(quote.begin(), quote.begin() + 20);
  uint32_t sum = 0;
  for (size_t i = 0; i < header.size(); i += 2) {
    sum += uint32_t(header[i] << 8 | header[i + 1]);
  }
  while (sum > 0xffff) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  EXPECT_EQ(sum, 0xffffu);
}

TEST(TopologyNetworkTest, UniformMplsTunnelShowsLabelsAndQuotedTtl) {
  const Topology topology = Load("sim/topologies/mpls.yaml");
  const trace::TraceResult result = Trace(topology, Options("203.0.113.40"));
  EXPECT_THAT(Hops(result),
              ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                          "198.51.100.1 198.51.100.1 198.51.100.1",
                          "198.51.100.2 198.51.100.2 198.51.100.2",
                          "198.51.100.3 198.51.100.3 198.51.100.3",
                          "198.51.100.4 198.51.100.4 198.51.100.4",
                          "198.51.100.9 198.51.100.9 198.51.100.9",
                          "203.0.113.40 203.0.113.40 203.0.113.40"));
  // Hop 4 (p2): the probe entered the tunnel with TTL 2 and still has it.
  const trace::ProbeResult& p2 = result.hops[3].probes[0];
  EXPECT_EQ(p2.quoted_ttl, 2);
  ASSERT_NE(p2.extensions, nullptr);
  ASSERT_EQ(p2.extensions->objects.size(), 1u);
  EXPECT_THAT(p2.extensions->objects[0].mpls_labels,
              ElementsAre(crafter::MplsLabelEntry{24002, 0, true, 1}));
  // The LSRs' replies ride to the tunnel's end: all show its round trip.
  EXPECT_EQ(result.hops[2].probes[0].rtt, result.hops[4].probes[0].rtt);
}

TEST(TopologyNetworkTest, MplsExtensionAsLibtinsReadsIt) {
  crafter::ProbeSpec spec;
  spec.source = Ipv4Address::FromOctets(192, 0, 2, 100);
  spec.destination = Ipv4Address::FromOctets(203, 0, 113, 40);
  spec.ttl = 5;  // Expires at p3, which has two labels.
  const auto replies = SendOne(Load("sim/topologies/mpls.yaml"), spec);
  ASSERT_EQ(replies.size(), 1u);
  Tins::IP outer(replies[0].bytes.data(), uint32_t(replies[0].bytes.size()));
  const auto& icmp = outer.rfind_pdu<Tins::ICMP>();
  ASSERT_TRUE(icmp.has_extensions());
  const auto& extensions = icmp.extensions().extensions();
  ASSERT_EQ(extensions.size(), 1u);
  Tins::MPLS top(extensions.front());
  EXPECT_EQ(top.label(), 24003u);
  EXPECT_EQ(top.ttl(), 1);
}

TEST(TopologyNetworkTest, PipeMplsTunnelIsOneHop) {
  const auto hops =
      Hops(Trace(Load("sim/topologies/mpls.yaml"), Options("203.0.113.41")));
  EXPECT_THAT(hops, ElementsAre("192.0.2.1 192.0.2.1 192.0.2.1",
                                "198.51.100.1 198.51.100.1 198.51.100.1",
                                "198.51.100.9 198.51.100.9 198.51.100.9",
                                "203.0.113.41 203.0.113.41 203.0.113.41"));
}

TEST(TopologyNetworkTest, AsymmetricReturnLowersReplyTtl) {
  const Topology topology = Load("sim/topologies/asymmetric.yaml");
  const trace::TraceResult result = Trace(topology, Options("203.0.113.80"));
  // gw's reply crosses nothing: 64. a2's crosses b1, b2, b3 and gw: 60.
  EXPECT_EQ(result.hops[0].probes[0].reply_ttl, 64);
  EXPECT_EQ(result.hops[2].probes[0].reply_ttl, 60);
  // The target copies the probe's TTL: it needs 5 to cross 4 routers back,
  // so it first shows at hop 8 (TTL 8 arrives as 5), with TTL 1 left.
  EXPECT_EQ(Hops(result)[3], "* * *");
  EXPECT_EQ(result.hops.size(), 8u);
  EXPECT_EQ(result.hops[7].probes[0].reply_ttl, 1);
}

TEST(TopologyNetworkTest, DuplicatedAndReorderedRepliesAreCounted) {
  const Topology topology = Load("sim/topologies/asymmetric.yaml");
  trace::TraceOptions options = Options("203.0.113.80");
  options.num_queries = 10;
  // Wait the full 5 s, so that replies held back still count.
  options.wait_here = 0;
  options.wait_near = 0;
  const trace::TraceResult result = Trace(topology, options);
  // Duplicates arrive after their original and count as late.
  EXPECT_GT(result.counters.num_late, 0u);
  // a1 holds some replies back by 20 ms.
  const trace::Hop& a1 = result.hops[1];
  std::vector<int64_t> rtts;
  for (const auto& probe : a1.probes) {
    if (probe.from.has_value()) {
      rtts.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(probe.rtt)
              .count());
    }
  }
  EXPECT_THAT(rtts, ::testing::Contains(24600));
  EXPECT_THAT(rtts, ::testing::Contains(4600));
}

TEST(TopologyNetworkTest, SameTopologyAndSeedGiveTheSameBytesAndTimes) {
  const Topology topology = Load("sim/topologies/asymmetric.yaml");
  const auto run = [&] {
    TopologyNetwork network(topology, 3);
    std::vector<Delivery> replies;
    for (uint8_t ttl = 1; ttl <= 10; ++ttl) {
      crafter::ProbeSpec spec;
      spec.source = Ipv4Address::FromOctets(192, 0, 2, 100);
      spec.destination = Ipv4Address::FromOctets(203, 0, 113, 80);
      spec.ttl = ttl;
      spec.icmp_sequence = ttl;
      std::vector<uint8_t> probe(spec.packet_size);
      EXPECT_EQ(crafter::BuildProbe(spec, probe), probe.size());
      network.Send(probe, kSimulationEpoch, replies);
    }
    return replies;
  };
  const auto first = run();
  const auto second = run();
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].at, second[i].at);
    EXPECT_EQ(first[i].bytes, second[i].bytes);
  }
}

// Three routers that answer in three shapes, and a target that accepts
// every TCP port.
constexpr char kAnswerShapes[] = R"(name: answer-shapes
routers:
  - {id: linux, address: 198.51.100.1}
  - {id: old, address: 198.51.100.2, profile: rfc792}
  - id: tuned
    address: 198.51.100.3
    quote: rfc792
    reply_tos: 40
    reply_ttl: 128
links:
  - {between: [host, linux], latency: 1ms}
  - {between: [linux, old], latency: 1ms}
  - {between: [old, tuned], latency: 1ms}
  - {between: [tuned, 203.0.113.1], latency: 1ms, jitter: 500us}
targets:
  - {address: 203.0.113.1, route: [linux, old, tuned], tcp: syn-ack}
)";

// A 300-byte UDP probe with `ttl` sent into kAnswerShapes: the one reply,
// as libtins reads it.
Tins::IP AnswerToUdp(uint8_t ttl) {
  const std::vector<uint8_t> reply = OnlyReply(
      Load(kAnswerShapes), ProbeTo(ProbeMethod::kUdp, "203.0.113.1", ttl, 300));
  return reply.empty() ? Tins::IP()
                       : Tins::IP(reply.data(), uint32_t(reply.size()));
}

TEST(TopologyNetworkTest, LinuxProfileQuotesAllThatFitsIn576WithTos0xc0) {
  const Tins::IP reply = AnswerToUdp(1);
  EXPECT_EQ(reply.rfind_pdu<Tins::ICMP>().type(), Tins::ICMP::TIME_EXCEEDED);
  // RFC 1812 section 4.3.2.3: the whole 300-byte probe fits in 576.
  EXPECT_EQ(reply.tot_len(), 20 + 8 + 300);
  EXPECT_EQ(reply.tos(), 0xc0);
  EXPECT_EQ(reply.ttl(), 64);
}

TEST(TopologyNetworkTest, Rfc792ProfileQuotesTheHeaderAndEightBytes) {
  const Tins::IP reply = AnswerToUdp(2);
  EXPECT_EQ(reply.src_addr(), Tins::IPv4Address("198.51.100.2"));
  EXPECT_EQ(reply.rfind_pdu<Tins::ICMP>().type(), Tins::ICMP::TIME_EXCEEDED);
  // RFC 792: the internet header and the first 64 bits of the datagram.
  EXPECT_EQ(reply.tot_len(), 20 + 8 + 20 + 8);
  const auto& quote = reply.rfind_pdu<Tins::RawPDU>().payload();
  Tins::IP inner(quote.data(), uint32_t(quote.size()));
  EXPECT_EQ(inner.tot_len(), 300);
  EXPECT_EQ(inner.rfind_pdu<Tins::UDP>().dport(), 33434);
  EXPECT_EQ(reply.tos(), 0);
  // TTL 255, less one for linux on the way back.
  EXPECT_EQ(reply.ttl(), 254);
}

TEST(TopologyNetworkTest, QuoteReplyTosAndReplyTtlOverrideTheProfile) {
  const Tins::IP reply = AnswerToUdp(3);
  EXPECT_EQ(reply.src_addr(), Tins::IPv4Address("198.51.100.3"));
  EXPECT_EQ(reply.tot_len(), 20 + 8 + 20 + 8);
  EXPECT_EQ(reply.tos(), 40);
  // 128, less one each for old and linux on the way back.
  EXPECT_EQ(reply.ttl(), 126);
}

TEST(TopologyNetworkTest, TargetForcedToSynAckAnswersEveryTcpPort) {
  trace::TraceOptions options = Options("203.0.113.1", ProbeMethod::kTcp);
  for (int port : {25, 80, 4444}) {
    options.destination_port = static_cast<uint16_t>(port);
    const trace::TraceResult result = Trace(Load(kAnswerShapes), options);
    ASSERT_TRUE(result.reached) << "port " << port;
    ASSERT_EQ(result.hops.size(), 4u) << "port " << port;
    for (const trace::ProbeResult& probe : result.hops.back().probes) {
      EXPECT_EQ(probe.kind, crafter::ReplyKind::kTcpSynAck) << "port " << port;
    }
  }
}

TEST(TopologyNetworkTest, JitterStaysWithinItsBoundAndRepeatsPerSeed) {
  trace::TraceOptions options = Options("203.0.113.1");
  options.num_queries = 10;
  const auto rtts = [&](uint64_t seed) {
    std::vector<int64_t> micros;
    const trace::TraceResult result = Trace(Load(kAnswerShapes), options, seed);
    for (const trace::ProbeResult& probe : result.hops.back().probes) {
      micros.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(probe.rtt)
              .count());
    }
    return micros;
  };
  const std::vector<int64_t> first = rtts(5);
  ASSERT_EQ(first.size(), 10u);
  // Four 1 ms links each way; the last one's 500 us of jitter is drawn
  // once per crossing, so twice per round trip.
  for (int64_t rtt : first) {
    EXPECT_GE(rtt, 8000);
    EXPECT_LE(rtt, 9000);
  }
  EXPECT_GT(*std::max_element(first.begin(), first.end()),
            *std::min_element(first.begin(), first.end()));
  EXPECT_EQ(first, rtts(5));
  EXPECT_NE(first, rtts(6));
}

}  // namespace
}  // namespace hoplab::sim
