#include "crafter/probe_template.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace hoplab::crafter {
namespace {

const Ipv4Address kSource = Ipv4Address::FromOctets(10, 201, 0, 1);
const Ipv4Address kTarget = Ipv4Address::FromOctets(10, 201, 5, 2);

// One row of the sweep: a method, with or without Paris, at one size.
struct TemplateCase {
  std::string name;
  ProbeMethod method;
  bool paris;
  uint16_t packet_size;
};

void PrintTo(const TemplateCase& c, std::ostream* os) { *os << c.name; }

std::vector<TemplateCase> AllCases() {
  std::vector<TemplateCase> cases;
  // Smallest sizes each method allows (Paris needs 2 data bytes), an odd
  // size, traceroute's 60, TCP options and data, and a large datagram.
  const uint16_t sizes[] = {28, 30, 31, 40, 44, 60, 61, 84, 101, 1500};
  for (ProbeMethod method :
       {ProbeMethod::kIcmp, ProbeMethod::kUdp, ProbeMethod::kTcp}) {
    for (bool paris : {false, true}) {
      for (uint16_t size : sizes) {
        const uint16_t least = method == ProbeMethod::kTcp ? 40
                               : paris                     ? 30
                                                           : 28;
        if (size < least) {
          continue;
        }
        cases.push_back(TemplateCase{std::string(ProbeMethodName(method)) +
                                         (paris ? "_paris_" : "_") +
                                         std::to_string(size),
                                     method, paris, size});
      }
    }
  }
  return cases;
}

ProbeSpec BaseSpec(const TemplateCase& c) {
  ProbeSpec spec;
  spec.method = c.method;
  spec.source = kSource;
  spec.destination = kTarget;
  spec.tos = 0x28;
  spec.dont_fragment = true;
  spec.packet_size = c.packet_size;
  spec.icmp_id = 11177;
  spec.source_port = 50221;
  spec.destination_port = 33434;
  spec.tcp_sequence = 0x21aaccaa;
  if (c.paris) {
    spec.fixed_checksum = 0x1000;
  }
  return spec;
}

// A random variant, with the extremes of every field mixed in: all-zero
// and all-ones words are where ones' complement has two zeros.
ProbeVariant RandomVariant(std::mt19937& random, const TemplateCase& c) {
  std::uniform_int_distribution<uint32_t> any(0, 0xffffffff);
  const auto pick16 = [&]() -> uint16_t {
    switch (any(random) % 4) {
      case 0:
        return 0;
      case 1:
        return 0xffff;
      default:
        return static_cast<uint16_t>(any(random));
    }
  };
  ProbeVariant variant;
  variant.ttl = static_cast<uint8_t>(any(random));
  variant.ip_id = pick16();
  if (variant.ip_id == 0) {
    variant.ip_id = 1;
  }
  variant.icmp_sequence = pick16();
  variant.source_port = pick16();
  variant.destination_port = pick16();
  variant.tcp_sequence = (uint32_t{pick16()} << 16) | pick16();
  if (c.paris) {
    uint16_t wanted = pick16();
    if (wanted == 0 && c.method == ProbeMethod::kUdp) {
      wanted = 1;
    }
    variant.fixed_checksum = wanted;
  }
  return variant;
}

class ProbeTemplateSweep : public testing::TestWithParam<TemplateCase> {};

TEST_P(ProbeTemplateSweep, WritesTheBytesBuildProbeWritesForEveryVariant) {
  const TemplateCase& c = GetParam();
  const std::optional<ProbeTemplate> probes =
      ProbeTemplate::Create(BaseSpec(c));
  ASSERT_TRUE(probes.has_value());

  std::mt19937 random(1624 + c.packet_size);
  std::vector<uint8_t> patched(c.packet_size);
  std::vector<uint8_t> built(c.packet_size);
  for (int round = 0; round < 2000; ++round) {
    const ProbeVariant variant = RandomVariant(random, c);
    const ProbeSpec spec = probes->SpecFor(variant);
    ASSERT_EQ(probes->Build(variant, patched), c.packet_size);
    ASSERT_EQ(BuildProbe(spec, built), c.packet_size);
    ASSERT_EQ(patched, built)
        << "round " << round << " ttl " << int(variant.ttl) << " id "
        << variant.ip_id << " seq " << variant.icmp_sequence << " ports "
        << variant.source_port << ">" << variant.destination_port << " tcp seq "
        << variant.tcp_sequence;
  }
}

TEST_P(ProbeTemplateSweep, ReproducesItsOwnSpecExactly) {
  const ProbeSpec spec = BaseSpec(GetParam());
  const std::optional<ProbeTemplate> probes = ProbeTemplate::Create(spec);
  ASSERT_TRUE(probes.has_value());
  std::vector<uint8_t> patched(spec.packet_size);
  std::vector<uint8_t> built(spec.packet_size);
  ASSERT_EQ(probes->Build(ProbeVariant::Of(spec), patched), spec.packet_size);
  ASSERT_EQ(BuildProbe(spec, built), spec.packet_size);
  EXPECT_EQ(patched, built);
}

INSTANTIATE_TEST_SUITE_P(Methods, ProbeTemplateSweep,
                         testing::ValuesIn(AllCases()),
                         [](const testing::TestParamInfo<TemplateCase>& info) {
                           return info.param.name;
                         });

TEST(ProbeTemplateTest, RefusesASpecBuildProbeRefuses) {
  ProbeSpec spec;
  spec.method = ProbeMethod::kTcp;
  spec.packet_size = 39;
  EXPECT_FALSE(ProbeTemplate::Create(spec).has_value());
}

TEST(ProbeTemplateTest, RefusesASmallBufferAndAZeroIpId) {
  ProbeSpec spec;
  spec.destination = kTarget;
  const std::optional<ProbeTemplate> probes = ProbeTemplate::Create(spec);
  ASSERT_TRUE(probes.has_value());
  std::array<uint8_t, 59> small{};
  EXPECT_EQ(probes->Build(ProbeVariant::Of(spec), small), 0u);
  std::array<uint8_t, 60> out{};
  ProbeVariant variant = ProbeVariant::Of(spec);
  variant.ip_id = 0;
  EXPECT_EQ(probes->Build(variant, out), 0u);
}

TEST(ProbeTemplateTest, RefusesAFixedChecksumTheTemplateDoesNotHave) {
  ProbeSpec spec;
  spec.method = ProbeMethod::kUdp;
  spec.destination = kTarget;
  const std::optional<ProbeTemplate> classic = ProbeTemplate::Create(spec);
  ASSERT_TRUE(classic.has_value());
  std::array<uint8_t, 60> out{};
  ProbeVariant variant = ProbeVariant::Of(spec);
  variant.fixed_checksum = 0x1234;
  EXPECT_EQ(classic->Build(variant, out), 0u);

  spec.fixed_checksum = 0x1000;
  const std::optional<ProbeTemplate> paris = ProbeTemplate::Create(spec);
  ASSERT_TRUE(paris.has_value());
  variant.fixed_checksum.reset();
  EXPECT_EQ(paris->Build(variant, out), 0u);
  // RFC 768: 0 means "no checksum", so no UDP probe can be fixed to it.
  variant.fixed_checksum = 0;
  EXPECT_EQ(paris->Build(variant, out), 0u);
}

}  // namespace
}  // namespace hoplab::crafter
