// SerializeTopology against the loader: what it writes loads, and loads
// back into the same network.

#include "sim/topology_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "crafter/probe.h"
#include "sim/sim_transport.h"
#include "sim/topology_loader.h"
#include "sim/topology_network.h"
#include "sim/virtual_clock.h"
#include "trace/engine.h"

namespace hoplab::sim {
namespace {

using crafter::ProbeMethod;
using ::testing::HasSubstr;

// Every hop of a trace to `target` by `method`, responders, codes and
// round trips to the nanosecond, one string per hop.
std::vector<std::string> TraceText(const Topology& topology,
                                   crafter::Ipv4Address target,
                                   ProbeMethod method) {
  trace::TraceOptions options;
  options.method = method;
  options.source = topology.host;
  options.destination = target;
  options.max_ttl = 32;
  options.source_port = 40000;
  options.destination_port = method == ProbeMethod::kTcp ? 80 : 33434;
  options.icmp_id = 0x4242;
  TopologyNetwork network(topology, topology.seed);
  VirtualClock clock;
  SimTransport transport(network, clock);
  trace::Engine engine(transport, clock, options);
  auto result = engine.Run();
  EXPECT_TRUE(result.ok());
  std::vector<std::string> hops;
  const std::vector<trace::Hop> none;
  for (const trace::Hop& hop : result.ok() ? result->hops : none) {
    std::string line;
    for (const trace::ProbeResult& probe : hop.probes) {
      line += probe.from.has_value()
                  ? probe.from->ToString() + "/" +
                        std::to_string(probe.icmp_code) + "/" +
                        std::to_string(probe.rtt.count()) + " "
                  : "* ";
    }
    hops.push_back(line);
  }
  return hops;
}

Topology Parse(const std::string& text, const std::string& file) {
  auto topology = ParseTopology(text, file);
  EXPECT_TRUE(topology.ok()) << topology.error().message << "\n" << text;
  return topology.ok() ? *topology : Topology{};
}

TEST(TopologyWriterTest, EveryExampleTopologyReloadsToTheSameNetwork) {
  int num_files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator("sim/topologies")) {
    const std::string path = entry.path().string();
    auto loaded = LoadTopologyFile(path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const std::string text = SerializeTopology(*loaded);
    const Topology reloaded = Parse(text, path);
    // Written again, the reloaded topology gives the same text ...
    EXPECT_EQ(SerializeTopology(reloaded), text) << path;
    EXPECT_EQ(reloaded.name, loaded->name);
    // ... and the same traces, round trips to the nanosecond.
    for (const Target& target : loaded->targets) {
      for (ProbeMethod method :
           {ProbeMethod::kIcmp, ProbeMethod::kUdp, ProbeMethod::kTcp}) {
        EXPECT_EQ(TraceText(reloaded, target.address, method),
                  TraceText(*loaded, target.address, method))
            << path << " to " << target.address.ToString();
      }
    }
    ++num_files;
  }
  EXPECT_GE(num_files, 7);
}

// Every key the format has, away from its default, survives the trip.
TEST(TopologyWriterTest, WritesEveryKeyAwayFromItsDefault) {
  const std::string source = R"(
name: "every key: all"
description: a "quoted" description
seed: 77
host: 192.0.2.50
routers:
  - {id: gw, address: 192.0.2.1, reverse_name: gw.example.test,
     interfaces: {host: 192.0.2.2}, reply_from: primary, profile: rfc792,
     silent: false, reply_probability: 0.25, rate_limit: linux,
     duplicate: 0.5, duplicate_delay: 3us, reorder: 0.125,
     reorder_delay: 1.5ms, reply_delay: 17ns,
     ttl_expired: {reply: unreachable, code: admin}}
  - {id: lsr, address: 198.51.100.1, reply_from: 198.51.100.99,
     mpls: {labels: [16, 17], ttl_propagation: pipe, icmp_extensions: false},
     rate_limit: {interval: 250ms, burst: 3}, reply_ttl: 200, reply_tos: 0}
  - {id: fw, address: 198.51.100.2, silent: true,
     firewall: {action: drop, code: frag-needed, mtu: 1400,
                protocols: [icmp, tcp], stage: routing}}
  - {id: nat, address: 198.51.100.3,
     nat: {address: 198.51.100.33, port_offset: 7, rewrite_quote: false},
     ttl_expired: {reply: unreachable, code: frag-needed, mtu: 9000}}
links:
  - {between: [host, gw], latency: 1ms, jitter: 40us, loss: 0.01, mtu: 1500}
  - {between: [gw, lsr], latency: 2ms}
  - {between: [gw, nat]}
  - {between: [lsr, fw]}
  - {between: [nat, fw]}
  - {between: [fw, t1]}
  - {between: [fw, 203.0.113.9]}
targets:
  - address: 203.0.113.1
    id: t1
    reverse_name: t1.example.test
    reply_from: 203.0.113.2
    route: [gw, {balance: per-flow, branches: [lsr, nat]}, fw]
    icmp: silent
    udp: silent
    tcp: rst
    reply_ttl: copy
    open_tcp_ports: [25]
    return_route: [fw, nat, gw]
  - {address: 203.0.113.9, route: [gw, {balance: per-packet,
     branches: [[lsr, fw], [nat, fw]]}], tcp: syn-ack, quote: rfc792}
)";
  const Topology topology = Parse(source, "every.yaml");
  const std::string text = SerializeTopology(topology, "first\n\nthird");
  EXPECT_EQ(text.substr(0, 23), "# first\n#\n# third\nname:");
  EXPECT_EQ(SerializeTopology(Parse(text, "again.yaml"), "first\n\nthird"),
            text);
  for (const char* key :
       {"name: \"every key: all\"",
        "description: \"a \\\"quoted\\\"",
        "seed: 77",
        "interfaces: {host: 192.0.2.2}",
        "reply_from: primary",
        "reply_ttl: 255, reply_tos: 0, quote: rfc792",
        "reply_probability: 0.25",
        "rate_limit: linux",
        "duplicate_delay: 3us",
        "reorder_delay: 1.5ms",
        "reply_delay: 17ns, ttl_expired: {reply: unreachable, code: 13}}",
        "ttl_propagation: pipe",
        "icmp_extensions: false",
        "rate_limit: {interval: 250ms, burst: 3}",
        "{action: drop, code: 4, mtu: 1400, protocols: [icmp, tcp], stage: "
        "routing}",
        "rewrite_quote: false",
        "ttl_expired: {reply: unreachable, code: 4, mtu: 9000}",
        "jitter: 40us, loss: 0.01, mtu: 1500",
        "route: [gw, {balance: per-flow, branches: [lsr, nat]}, fw]",
        "branches: [[lsr, fw], [nat, fw]]",
        "reply_ttl: copy",
        "open_tcp_ports: [25]",
        "return_route: [fw, nat, gw]",
        "tcp: rst",
        "tcp: syn-ack",
        "icmp: silent",
        "udp: silent"}) {
    EXPECT_THAT(text, HasSubstr(key)) << text;
  }
}

TEST(TopologyWriterTest, WritesDurationsInTheLargestUnitWithExactDecimals) {
  struct Case {
    int64_t nanoseconds;
    const char* text;
  };
  for (const Case& c :
       {Case{0, "0"}, Case{17, "17ns"}, Case{1000, "1us"}, Case{1500, "1.5us"},
        Case{999999, "999.999us"}, Case{3356500, "3.3565ms"},
        Case{1000001, "1.000001ms"}, Case{2000000000, "2s"},
        Case{3600000000000, "3600s"}, Case{1500000000, "1.5s"}}) {
    EXPECT_EQ(FormatDuration(trace::Duration(c.nanoseconds)), c.text);
  }
}

}  // namespace
}  // namespace hoplab::sim
