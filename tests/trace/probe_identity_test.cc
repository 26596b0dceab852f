#include "trace/probe_identity.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "crafter/byte_cursor.h"
#include "crafter/icmp_error.h"
#include "crafter/probe.h"
#include "crafter/probe_template.h"
#include "crafter/reply.h"

namespace hoplab::trace {
namespace {

using crafter::Ipv4Address;
using crafter::ProbeMethod;

constexpr Ipv4Address kSource = Ipv4Address::FromOctets(192, 0, 2, 100);
constexpr Ipv4Address kTarget = Ipv4Address::FromOctets(198, 51, 100, 7);
constexpr Ipv4Address kRouter = Ipv4Address::FromOctets(203, 0, 113, 9);

TraceOptions OptionsFor(ProbeMethod method, bool paris) {
  TraceOptions options;
  options.method = method;
  options.paris = paris;
  options.source = kSource;
  options.destination = kTarget;
  options.icmp_id = 0x2ba9;
  options.first_sequence = 65000;  // Wraps within the trace.
  options.source_port = 40000;
  options.destination_port =
      method == ProbeMethod::kTcp ? kDefaultTcpPort : kDefaultUdpPort;
  options.tcp_sequence = 0xfffffff0;  // Wraps within the trace.
  return options;
}

// The probe `index` as the network sees it, and the key a router's Time
// Exceeded quoting only RFC 792's 8 bytes gives back.
crafter::ProbeKey QuotedKey(const ProbeIdentity& identity, size_t index,
                            std::vector<uint8_t>& probe_bytes) {
  const crafter::ProbeSpec spec = identity.SpecFor(index, 5, 77);
  probe_bytes.assign(spec.packet_size, 0);
  EXPECT_EQ(crafter::BuildProbe(spec, probe_bytes), spec.packet_size);
  crafter::IcmpErrorSpec error;
  error.source = kRouter;
  error.destination = kSource;
  error.ip_id = 1;
  error.max_error_size = 20 + 8 + 20 + crafter::kMinQuotedDataSize;
  error.offending = probe_bytes;
  std::array<uint8_t, 128> out{};
  const size_t size = crafter::BuildIcmpError(error, out);
  auto reply = crafter::ParseReply(std::span(out.data(), size));
  EXPECT_TRUE(reply.ok());
  return reply.ok() ? reply->probe : crafter::ProbeKey{};
}

// The first 4 bytes past the IP header: what per-flow balancers hash.
uint32_t FlowBytes(const std::vector<uint8_t>& probe) {
  return crafter::LoadU32(probe, 20);
}

class ProbeIdentityTest
    : public testing::TestWithParam<std::tuple<ProbeMethod, bool>> {};

TEST_P(ProbeIdentityTest, RecoversEveryProbeFromAnEightByteQuote) {
  const auto [method, paris] = GetParam();
  const ProbeIdentity identity(OptionsFor(method, paris));
  std::vector<uint8_t> bytes;
  for (size_t index : {0, 1, 2, 15, 89, 300, 2549}) {
    EXPECT_EQ(identity.IndexOf(QuotedKey(identity, index, bytes)), index)
        << "probe " << index;
  }
}

TEST_P(ProbeIdentityTest, ParisKeepsOneFlowAndClassicDoesNot) {
  const auto [method, paris] = GetParam();
  const ProbeIdentity identity(OptionsFor(method, paris));
  std::set<uint32_t> flows;
  std::vector<uint8_t> bytes;
  for (size_t index = 0; index < 30; ++index) {
    QuotedKey(identity, index, bytes);
    flows.insert(FlowBytes(bytes));
  }
  EXPECT_EQ(flows.size(), paris ? 1u : 30u);
}

TEST_P(ProbeIdentityTest, IgnoresKeysOfOtherTraces) {
  const auto [method, paris] = GetParam();
  const ProbeIdentity identity(OptionsFor(method, paris));
  std::vector<uint8_t> bytes;
  crafter::ProbeKey key = QuotedKey(identity, 3, bytes);

  crafter::ProbeKey other_destination = key;
  other_destination.destination = kRouter;
  EXPECT_EQ(identity.IndexOf(other_destination), std::nullopt);
  crafter::ProbeKey other_method = key;
  other_method.method =
      method == ProbeMethod::kIcmp ? ProbeMethod::kUdp : ProbeMethod::kIcmp;
  EXPECT_EQ(identity.IndexOf(other_method), std::nullopt);
  crafter::ProbeKey other_program = key;
  if (method == ProbeMethod::kIcmp) {
    other_program.icmp_id ^= 1;
  } else if (method == ProbeMethod::kUdp) {
    other_program.source_port ^= 1;
  } else {
    other_program.destination_port ^= 1;
  }
  EXPECT_EQ(identity.IndexOf(other_program), std::nullopt);
}

// A classic trace whose counted port starts `room` ports below 65536.
TraceOptions NearTheTop(ProbeMethod method, uint16_t room) {
  TraceOptions options = OptionsFor(method, false);
  const auto base = static_cast<uint16_t>(65536 - room);
  if (method == ProbeMethod::kUdp) {
    options.destination_port = base;
  } else {
    options.source_port = base;
  }
  return options;
}

uint16_t CountedPort(const crafter::ProbeSpec& spec) {
  return spec.method == ProbeMethod::kUdp ? spec.destination_port
                                          : spec.source_port;
}

// Classic UDP (destination port) and TCP (source port) probes.
class ProbeIdentityRangeTest : public testing::TestWithParam<ProbeMethod> {};

TEST_P(ProbeIdentityRangeTest, CountsPortsUpTo65535AndRoundAgainNeverZero) {
  // Step: a report's later cycle, whose first number lies past several
  // rounds of the 120 ports 65416..65535.
  TraceOptions options = NearTheTop(GetParam(), 120);
  options.first_probe_number = 1000;
  const ProbeIdentity identity(options);
  ASSERT_EQ(identity.NumDistinct(), 120u);

  // Step: 120 probes take each port once, 65535 and 65416 included.
  std::set<uint16_t> ports;
  std::vector<uint8_t> bytes;
  for (size_t index = 0; index < 120; ++index) {
    const uint16_t port = CountedPort(identity.SpecFor(index, 5, 77));
    ASSERT_GE(port, 65416) << "probe " << index;
    ports.insert(port);
    ASSERT_EQ(identity.IndexOf(QuotedKey(identity, index, bytes)), index)
        << "probe " << index << ", port " << port;
  }
  EXPECT_EQ(ports.size(), 120u);
  // Number 1000 is 40 past the 8th round: port 65456; 65535 follows 79
  // probes later, then 65416.
  EXPECT_EQ(CountedPort(identity.SpecFor(0, 5, 77)), 65456);
  EXPECT_EQ(CountedPort(identity.SpecFor(79, 5, 77)), 65535);
  EXPECT_EQ(CountedPort(identity.SpecFor(80, 5, 77)), 65416);
  // Probe 120 looks like probe 0 again.
  EXPECT_EQ(CountedPort(identity.SpecFor(120, 5, 77)), 65456);
}

TEST_P(ProbeIdentityRangeTest, AnOnlyPortRoundTrips) {
  TraceOptions options = NearTheTop(GetParam(), 1);
  options.first_probe_number = 77;
  const ProbeIdentity identity(options);
  std::vector<uint8_t> bytes;
  EXPECT_EQ(CountedPort(identity.SpecFor(0, 5, 77)), 65535);
  EXPECT_EQ(CountedPort(identity.SpecFor(1, 5, 77)), 65535);
  EXPECT_EQ(identity.IndexOf(QuotedKey(identity, 0, bytes)), 0u);
}

TEST_P(ProbeIdentityRangeTest, IgnoresPortsBelowTheTracesFirst) {
  const ProbeIdentity identity(NearTheTop(GetParam(), 120));
  std::vector<uint8_t> bytes;
  crafter::ProbeKey key = QuotedKey(identity, 0, bytes);
  for (const uint16_t port : {uint16_t{0}, uint16_t{1}, uint16_t{65415}}) {
    (GetParam() == ProbeMethod::kUdp ? key.destination_port : key.source_port) =
        port;
    EXPECT_EQ(identity.IndexOf(key), std::nullopt) << "port " << port;
  }
}

INSTANTIATE_TEST_SUITE_P(CountedPorts, ProbeIdentityRangeTest,
                         testing::Values(ProbeMethod::kUdp, ProbeMethod::kTcp),
                         [](const auto& info) {
                           return std::string(
                               crafter::ProbeMethodName(info.param));
                         });

TEST(ProbeIdentityParisRangeTest, UdpChecksumsComeRoundWithoutZero) {
  TraceOptions options = OptionsFor(ProbeMethod::kUdp, true);
  const ProbeIdentity identity(options);
  const size_t num_checksums = 0x10000 - ProbeIdentity::kParisFirstChecksum;
  ASSERT_EQ(identity.NumDistinct(), num_checksums);
  std::vector<uint8_t> bytes;
  // Numbers num_checksums - 2 .. num_checksums + 1: 0xfffe, 0xffff, then
  // the first checksum again, every one buildable and recovered.
  options.first_probe_number = static_cast<uint32_t>(num_checksums - 2);
  const ProbeIdentity late(options);
  const uint16_t expected[] = {0xfffe, 0xffff,
                               ProbeIdentity::kParisFirstChecksum,
                               ProbeIdentity::kParisFirstChecksum + 1};
  for (size_t index = 0; index < 4; ++index) {
    EXPECT_EQ(late.SpecFor(index, 5, 77).fixed_checksum, expected[index]);
    EXPECT_EQ(late.IndexOf(QuotedKey(late, index, bytes)), index)
        << "probe " << index;
  }
}

TEST(ProbeIpIdTest, CountsThroughEveryNonZeroIdAndBack) {
  for (const uint16_t first : {uint16_t{0}, uint16_t{1}, uint16_t{1000},
                               uint16_t{65534}, uint16_t{65535}}) {
    SCOPED_TRACE(first);
    std::vector<bool> seen(65536, false);
    for (size_t number = 0; number < 65535; ++number) {
      const uint16_t id = ProbeIdentity::IpIdFor(first, number);
      ASSERT_NE(id, 0) << "number " << number;
      ASSERT_FALSE(seen[id]) << "id " << id << " given twice";
      seen[id] = true;
      ASSERT_EQ(ProbeIdentity::NumberOfIpId(first, id), number);
    }
    // Probe 65535 starts the cycle again.
    EXPECT_EQ(ProbeIdentity::IpIdFor(first, 65535),
              ProbeIdentity::IpIdFor(first, 0));
    EXPECT_EQ(ProbeIdentity::NumberOfIpId(first, 0), std::nullopt);
  }
  // Below the wrap an id is simply first + number.
  EXPECT_EQ(ProbeIdentity::IpIdFor(1000, 7), 1007);
  // Across it, 0 is skipped.
  EXPECT_EQ(ProbeIdentity::IpIdFor(65534, 1), 65535);
  EXPECT_EQ(ProbeIdentity::IpIdFor(65534, 2), 1);
  EXPECT_EQ(ProbeIdentity::IpIdFor(65534, 3), 2);
}

// The engine patches every probe from a template made of probe 0
// (crafter::ProbeTemplate); each must be the probe SpecFor describes, byte
// for byte, across the wrap of sequence numbers, ports and TCP sequence.
TEST_P(ProbeIdentityTest, TemplateWritesEveryProbeAsBuildProbeDoes) {
  const auto [method, paris] = GetParam();
  const ProbeIdentity identity(OptionsFor(method, paris));
  const auto probes = crafter::ProbeTemplate::Create(identity.SpecFor(0, 1, 1));
  ASSERT_TRUE(probes.has_value());
  std::vector<uint8_t> patched(probes->spec().packet_size);
  std::vector<uint8_t> built(probes->spec().packet_size);
  for (size_t index = 0; index < 1200; ++index) {
    const crafter::ProbeSpec spec =
        identity.SpecFor(index, static_cast<uint8_t>(1 + index / 3 % 255),
                         static_cast<uint16_t>(index * 7919 % 65535 + 1));
    ASSERT_EQ(probes->Build(crafter::ProbeVariant::Of(spec), patched),
              spec.packet_size)
        << "probe " << index;
    ASSERT_EQ(crafter::BuildProbe(spec, built), spec.packet_size);
    ASSERT_EQ(patched, built) << "probe " << index;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Methods, ProbeIdentityTest,
    testing::Combine(testing::Values(ProbeMethod::kIcmp, ProbeMethod::kUdp,
                                     ProbeMethod::kTcp),
                     testing::Bool()),
    [](const auto& info) {
      return std::string(crafter::ProbeMethodName(std::get<0>(info.param))) +
             (std::get<1>(info.param) ? "Paris" : "Classic");
    });

}  // namespace
}  // namespace hoplab::trace
