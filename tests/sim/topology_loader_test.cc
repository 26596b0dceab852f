#include "sim/topology_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/replay/pcap_test_util.h"

namespace hoplab::sim {
namespace {

using crafter::Ipv4Address;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The smallest useful topology: host, one router, one target.
constexpr const char* kMinimal = R"(
name: minimal
seed: 7
routers:
  - id: gw
    address: 192.0.2.1
    reverse_name: gw.example.test
links:
  - between: [host, gw]
    latency: 1ms
  - between: [gw, 198.51.100.7]
    latency: 250us
    jitter: 10us
    loss: 0.25
    mtu: 1400
targets:
  - address: 198.51.100.7
    route: [gw]
)";

std::string ErrorOf(const std::string& text) {
  auto topology = ParseTopology(text, "x.yaml");
  return topology.ok() ? "(parsed)" : topology.error().message;
}

TEST(TopologyLoaderTest, ReadsRoutersLinksAndTargets) {
  auto topology = ParseTopology(kMinimal, "dir/minimal.yaml");
  ASSERT_TRUE(topology.ok()) << topology.error().message;
  EXPECT_EQ(topology->name, "minimal");
  EXPECT_EQ(topology->seed, 7u);
  EXPECT_EQ(topology->host, Ipv4Address::FromOctets(192, 0, 2, 100));
  ASSERT_EQ(topology->routers.size(), 1u);
  EXPECT_EQ(topology->routers[0].id, "gw");
  EXPECT_EQ(topology->routers[0].reverse_name, "gw.example.test");
  EXPECT_EQ(topology->routers[0].behaviour.profile.initial_ttl, 64);
  EXPECT_EQ(topology->routers[0].behaviour.profile.error_tos, 0xc0);
  ASSERT_EQ(topology->links.size(), 2u);
  const Link* last = topology->FindLink("198.51.100.7", "gw");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->latency, microseconds(250));
  EXPECT_EQ(last->jitter, microseconds(10));
  EXPECT_EQ(last->loss, 0.25);
  EXPECT_EQ(last->mtu, 1400u);
  const Target* target =
      topology->FindTarget(Ipv4Address::FromOctets(198, 51, 100, 7));
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->id, "198.51.100.7");
  ASSERT_EQ(target->route.size(), 1u);
  EXPECT_THAT(target->route[0].branches,
              ElementsAre(ElementsAre(std::string("gw"))));
}

TEST(TopologyLoaderTest, NamesTheTopologyAfterItsFileWithoutAName) {
  std::string text = kMinimal;
  text.erase(text.find("name: minimal"), 13);
  auto topology = ParseTopology(text, "sim/topologies/short-path.yaml");
  ASSERT_TRUE(topology.ok()) << topology.error().message;
  EXPECT_EQ(topology->name, "short-path");
}

TEST(TopologyLoaderTest, ReadsDiamondsProfilesAndPathologies) {
  auto topology = ParseTopology(R"(
routers:
  - {id: a, address: 192.0.2.1, profile: rfc792, rate_limit: linux}
  - {id: b1, address: 192.0.2.2, silent: true, return_route: [a]}
  - {id: b2, address: 192.0.2.3, reply_probability: 0.5}
  - id: c
    address: 192.0.2.4
    reply_from: primary
    interfaces: {b1: 198.51.100.1}
    rate_limit: {interval: 100ms, burst: 2}
    mpls: {labels: [24001, 16], ttl_propagation: pipe}
    firewall: {action: reject, code: frag-needed, mtu: 1280, protocols: [udp]}
    nat: {address: 203.0.113.9, port_offset: 100}
    duplicate: 0.5
    reorder: 1
    reorder_delay: 2s
links:
  - {between: [host, a]}
  - {between: [a, b1]}
  - {between: [a, b2]}
  - {between: [b1, c]}
  - {between: [b2, c]}
  - {between: [c, t]}
targets:
  - id: t
    address: 203.0.113.7
    route: [a, {balance: per-packet, branches: [b1, [b2]]}, c]
    reply_ttl: copy
    reply_from: 203.0.113.8
    tcp: rst
    udp: silent
)",
                                "x.yaml");
  ASSERT_TRUE(topology.ok()) << topology.error().message;
  const Router& a = topology->routers[0];
  EXPECT_EQ(a.behaviour.profile.initial_ttl, 255);
  EXPECT_EQ(a.behaviour.profile.error_tos, 0);
  EXPECT_EQ(a.behaviour.profile.max_error_size, 56u);
  ASSERT_TRUE(a.behaviour.rate_limit.has_value());
  EXPECT_EQ(a.behaviour.rate_limit->interval, milliseconds(1000));
  EXPECT_EQ(a.behaviour.rate_limit->burst, 6u);
  EXPECT_TRUE(topology->routers[1].behaviour.silent);
  EXPECT_THAT(*topology->routers[1].behaviour.return_route,
              ElementsAre(std::string("a")));
  EXPECT_EQ(topology->routers[2].behaviour.reply_probability, 0.5);
  const Router& c = topology->routers[3];
  EXPECT_EQ(c.reply_source, ReplySource::kPrimary);
  EXPECT_EQ(c.interfaces.at("b1"), Ipv4Address::FromOctets(198, 51, 100, 1));
  EXPECT_EQ(c.behaviour.rate_limit->interval, milliseconds(100));
  EXPECT_EQ(c.behaviour.rate_limit->burst, 2u);
  EXPECT_THAT(c.mpls->labels, ElementsAre(24001u, 16u));
  EXPECT_EQ(c.mpls->ttl_propagation, TtlPropagation::kPipe);
  EXPECT_EQ(c.firewall->code, 4);
  EXPECT_EQ(c.firewall->next_hop_mtu, 1280);
  EXPECT_THAT(c.firewall->protocols, ElementsAre(17));
  EXPECT_EQ(c.nat->address, Ipv4Address::FromOctets(203, 0, 113, 9));
  EXPECT_EQ(c.nat->port_offset, 100);
  EXPECT_TRUE(c.nat->rewrite_quote);
  EXPECT_EQ(c.behaviour.shaping.duplicate, 0.5);
  EXPECT_EQ(c.behaviour.shaping.reorder_delay, std::chrono::seconds(2));
  const Target& t = topology->targets[0];
  EXPECT_TRUE(t.copy_probe_ttl);
  EXPECT_EQ(t.reply_from, Ipv4Address::FromOctets(203, 0, 113, 8));
  EXPECT_EQ(t.tcp, TcpAnswer::kReset);
  EXPECT_EQ(t.udp, UdpAnswer::kSilent);
  ASSERT_EQ(t.route.size(), 3u);
  EXPECT_EQ(t.route[1].balance, Balance::kPerPacket);
  EXPECT_EQ(t.route[1].branches.size(), 2u);
}

TEST(TopologyLoaderTest, ReadsWhatARouterSendsWhenATtlExpiresThere) {
  auto topology = ParseTopology(R"(
routers:
  - {id: a, address: 192.0.2.1}
  - {id: b, address: 192.0.2.2, ttl_expired: {reply: time-exceeded}}
  - id: c
    address: 192.0.2.3
    ttl_expired: {reply: unreachable, code: frag-needed, mtu: 9000}
  - {id: d, address: 192.0.2.4, ttl_expired: {reply: unreachable, code: 13}}
  - {id: e, address: 192.0.2.5, ttl_expired: {reply: unreachable, code: 4}}
links:
  - {between: [host, a]}
  - {between: [a, b]}
  - {between: [b, c]}
  - {between: [c, d]}
  - {between: [d, e]}
  - {between: [e, 203.0.113.7]}
targets:
  - {address: 203.0.113.7, route: [a, b, c, d, e]}
)",
                                "x.yaml");
  ASSERT_TRUE(topology.ok()) << topology.error().message;
  // Time Exceeded, by default or said outright.
  EXPECT_FALSE(topology->routers[0].expiry_unreachable.has_value());
  EXPECT_FALSE(topology->routers[1].expiry_unreachable.has_value());
  const auto& c = topology->routers[2].expiry_unreachable;
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->code, 4);
  EXPECT_EQ(c->next_hop_mtu, 9000);
  const auto& d = topology->routers[3].expiry_unreachable;
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->code, 13);
  EXPECT_EQ(d->next_hop_mtu, 0);
  // Fragmentation Needed without an MTU, as before RFC 1191.
  const auto& e = topology->routers[4].expiry_unreachable;
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, 4);
  EXPECT_EQ(e->next_hop_mtu, 0);
}

// Each case: a change to kMinimal and the error it must give.
struct BadFileCase {
  const char* name;
  const char* find;
  const char* replace;
  const char* error;
};

class TopologyLoaderErrorTest : public ::testing::TestWithParam<BadFileCase> {};

TEST_P(TopologyLoaderErrorTest, NamesFileLineAndKey) {
  std::string text = kMinimal;
  const size_t at = text.find(GetParam().find);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string(GetParam().find).size(), GetParam().replace);
  EXPECT_EQ(ErrorOf(text), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    BadFiles, TopologyLoaderErrorTest,
    ::testing::Values(
        BadFileCase{"BadDuration", "latency: 1ms", "latency: fast",
                    "topology x.yaml, line 10, key links[0].latency: "
                    "expected a duration like 3ms (ns, us, ms or s, at most "
                    "an hour), got 'fast'"},
        BadFileCase{"UnknownKey", "reverse_name:", "reverse_nmae:",
                    "topology x.yaml, line 7, key routers[0].reverse_nmae: "
                    "unknown key (expected one of id, address, reverse_name, "
                    "interfaces, reply_from, mpls, firewall, nat, "
                    "ttl_expired, profile, "
                    "reply_ttl, reply_tos, quote, silent, reply_probability, "
                    "rate_limit, duplicate, duplicate_delay, reorder, "
                    "reorder_delay, return_route, reply_delay)"},
        BadFileCase{"KeyGivenTwice", "latency: 1ms",
                    "latency: 1ms\n    latency: 2ms",
                    "topology x.yaml, line 11, key links[0].latency: key "
                    "given twice"},
        BadFileCase{"BadAddress", "address: 192.0.2.1", "address: 192.0.2",
                    "topology x.yaml, line 6, key routers[0].address: "
                    "expected an IPv4 address like 192.0.2.1, got "
                    "'192.0.2'"},
        BadFileCase{"MissingId", "- id: gw\n    address", "- address",
                    "topology x.yaml, line 5, key routers[0].id: missing"},
        BadFileCase{"BadLoss", "loss: 0.25", "loss: 2",
                    "topology x.yaml, line 14, key links[1].loss: expected a "
                    "probability from 0 to 1 like 0.25, got '2'"},
        BadFileCase{"UnknownRouter", "route: [gw]", "route: [gw2]",
                    "topology x.yaml, line 18, key targets[0].route: no node "
                    "has the id 'gw2'"},
        BadFileCase{"NoLink", "between: [host, gw]", "between: [host, x]",
                    "topology x.yaml, line 9, key links[0].between: no node "
                    "has the id 'x'"},
        BadFileCase{"TakenAddress", "address: 198.51.100.7",
                    "address: 192.0.2.1",
                    "topology x.yaml, line 17, key targets[0].address: "
                    "192.0.2.1 is taken by another node"},
        BadFileCase{"TtlExpiredBadReply", "reverse_name: gw.example.test",
                    "ttl_expired: {reply: echo}",
                    "topology x.yaml, line 7, key routers[0].ttl_expired."
                    "reply: expected one of time-exceeded, unreachable, got "
                    "'echo'"},
        BadFileCase{"TtlExpiredUnknownKey", "reverse_name: gw.example.test",
                    "ttl_expired: {reply: unreachable, code: 4, mut: 9000}",
                    "topology x.yaml, line 7, key routers[0].ttl_expired.mut: "
                    "unknown key (expected one of reply, code, mtu)"},
        BadFileCase{"TtlExpiredMissingCode", "reverse_name: gw.example.test",
                    "ttl_expired: {reply: unreachable}",
                    "topology x.yaml, line 7, key routers[0].ttl_expired."
                    "code: missing (reply: unreachable needs a Destination "
                    "Unreachable code)"},
        BadFileCase{"TtlExpiredBadCode", "reverse_name: gw.example.test",
                    "ttl_expired: {reply: unreachable, code: frag}",
                    "topology x.yaml, line 7, key routers[0].ttl_expired."
                    "code: expected a code 0..255 or one of net, host, "
                    "protocol, port, frag-needed, source-route, "
                    "net-prohibited, host-prohibited, admin, "
                    "host-precedence, precedence-cutoff, got 'frag'"},
        BadFileCase{"TtlExpiredCodeWithoutUnreachable",
                    "reverse_name: gw.example.test",
                    "ttl_expired: {reply: time-exceeded, code: 4}",
                    "topology x.yaml, line 7, key routers[0].ttl_expired."
                    "code: expected only with reply: unreachable"},
        BadFileCase{"TtlExpiredMtuWithAnotherCode",
                    "reverse_name: gw.example.test",
                    "ttl_expired: {reply: unreachable, code: admin, mtu: 1400}",
                    "topology x.yaml, line 7, key routers[0].ttl_expired.mtu: "
                    "expected only with code frag-needed (4)"},
        BadFileCase{"TtlExpiredMtuTooBig", "reverse_name: gw.example.test",
                    "ttl_expired: {reply: unreachable, code: 4, mtu: 65536}",
                    "topology x.yaml, line 7, key routers[0].ttl_expired.mtu: "
                    "expected a whole number from 0 to 65535, got '65536'"},
        BadFileCase{"SyntaxError", "route: [gw]", "route: [gw",
                    "topology x.yaml, line 19, column 1: end of sequence "
                    "flow not found"},
        BadFileCase{"NewlineInReverseName", "reverse_name: gw.example.test",
                    "reverse_name: \"gw\\nexample\"",
                    "topology x.yaml, line 7, key routers[0].reverse_name: "
                    "expected a name without control characters, got "
                    "'gw\\nexample'"},
        BadFileCase{"TabInTargetReverseName", "route: [gw]",
                    "route: [gw]\n    reverse_name: \"t\\tx\"",
                    "topology x.yaml, line 19, key targets[0].reverse_name: "
                    "expected a name without control characters, got "
                    "'t\\tx'"},
        BadFileCase{"NulInId", "- id: gw", "- id: \"g\\0w\"",
                    "topology x.yaml, line 5, key routers[0].id: expected a "
                    "name without control characters, got 'g\\0w'"},
        BadFileCase{"MulticastTarget", "- address: 198.51.100.7",
                    "- address: 224.0.0.5",
                    "topology x.yaml, line 17, key targets[0].address: "
                    "expected a unicast address, got '224.0.0.5' (0.0.0.0/8, "
                    "multicast 224.0.0.0/4 and the reserved and broadcast "
                    "240.0.0.0/4 are not)"},
        BadFileCase{"BroadcastRouter", "address: 192.0.2.1",
                    "address: 255.255.255.255",
                    "topology x.yaml, line 6, key routers[0].address: "
                    "expected a unicast address, got '255.255.255.255' "
                    "(multicast 224.0.0.0/4, the reserved and broadcast "
                    "240.0.0.0/4 and 0.0.0.0 are not; 0.0.0.1 to "
                    "0.255.255.255 name placeholders)"},
        BadFileCase{"ThisNetworkHost", "seed: 7", "seed: 7\nhost: 0.0.0.0",
                    "topology x.yaml, line 4, key host: expected a unicast "
                    "address, got '0.0.0.0' (0.0.0.0/8, multicast "
                    "224.0.0.0/4 and the reserved and broadcast 240.0.0.0/4 "
                    "are not)"},
        BadFileCase{"EscapeInName", "name: minimal", "name: \"a\\x1bb\"",
                    "topology x.yaml, line 2, key name: expected a name "
                    "without control characters, got 'a\\x1bb'"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(TopologyLoaderTest, SaysWhenTheFileCannotBeRead) {
  auto topology = LoadTopologyFile("/nonexistent/x.yaml");
  ASSERT_FALSE(topology.ok());
  EXPECT_EQ(topology.error().message,
            "topology /nonexistent/x.yaml: cannot be read: No such file or "
            "directory");
}

// What cannot be a topology is refused by what it is, before it is read:
// /dev/zero would never end.
TEST(TopologyLoaderTest, RefusesADirectoryADeviceAndAFileOverTheLimit) {
  testing_util::ScopedTempDir dir;
  auto directory = LoadTopologyFile(dir.path().string());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message,
            "topology " + dir.path().string() +
                ": is a directory, not a topology file");

  auto device = LoadTopologyFile("/dev/zero");
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().message,
            "topology /dev/zero: is a device, not a topology file");

  // A valid topology padded with comment lines past the limit.
  const std::string big = dir.File("big.yaml");
  {
    std::ofstream out(big);
    out << kMinimal;
    const std::string comment = "#" + std::string(1023, 'x') + "\n";
    for (uint64_t size = 0; size <= kMaxTopologyFileSize;
         size += comment.size()) {
      out << comment;
    }
  }
  auto too_big = LoadTopologyFile(big);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().message,
            "topology " + big +
                ": larger than 4 MiB, more than any topology file holds");
}

// A FIFO has no size: it is read up to the limit, and one within it
// loads as the file would.
TEST(TopologyLoaderTest, ReadsAFifoUpToTheLimit) {
  testing_util::ScopedTempDir dir;
  const std::string fifo = dir.File("fifo");
  for (const bool over : {false, true}) {
    SCOPED_TRACE(over);
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    std::string text = kMinimal;
    if (over) {
      text += std::string(kMaxTopologyFileSize, '#');
    }
    std::thread writer([&] { std::ofstream(fifo) << text; });
    auto topology = LoadTopologyFile(fifo);
    writer.join();
    std::filesystem::remove(fifo);
    if (over) {
      ASSERT_FALSE(topology.ok());
      EXPECT_THAT(topology.error().message, HasSubstr("larger than 4 MiB"));
    } else {
      ASSERT_TRUE(topology.ok()) << topology.error().message;
      EXPECT_EQ(topology->name, "minimal");
    }
  }
}

// yaml-cpp stops deep nesting with an exception it calls "bad file"; the
// message says what is wrong and where.
TEST(TopologyLoaderTest, SaysWhereNestingIsTooDeep) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THAT(ErrorOf(deep),
              testing::MatchesRegex("topology x\\.yaml, line 1, column [0-9]+: "
                                    "nested too deep for yaml-cpp .*"));
}

// Whatever the file holds, a message carries no raw control byte: a file
// of NUL bytes, and control bytes in a key and in an id.
TEST(TopologyLoaderTest, EscapesControlBytesInEveryMessage) {
  const std::string nuls(64, '\0');
  EXPECT_EQ(ErrorOf(nuls),
            "topology x.yaml, line 1, column 3: unknown escape character: "
            "\\0");
  std::string text = kMinimal;
  text.replace(text.find("seed:"), 5,
               "se\x01"
               "ed:");
  EXPECT_THAT(ErrorOf(text),
              HasSubstr("key se\\x01ed: unknown key (expected one of"));
  text = kMinimal;
  text.replace(text.find("route: [gw]"), 11, "route: [\"g\\x7f\"]");
  EXPECT_THAT(ErrorOf(text), HasSubstr("no node has the id 'g\\x7f'"));
  for (const std::string& message :
       {ErrorOf(nuls), ErrorOf(text), ErrorOf(std::string(9, '\t'))}) {
    for (const char c : message) {
      EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
          << message;
    }
  }
}

}  // namespace
}  // namespace hoplab::sim
