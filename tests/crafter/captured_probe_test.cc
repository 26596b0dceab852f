// ParseProbe's checksum verdict: every probe kind, odd and even lengths,
// and every form a captured checksum field takes (correct, wrong, left to
// the NIC, unverifiable). The captures of cases c20, c21 and c23 are
// checked at the case level in tests/replay/problem_cases_test.cc.

#include "crafter/captured_probe.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "crafter/byte_cursor.h"
#include "crafter/checksum.h"
#include "crafter/icmp.h"
#include "crafter/ipv4.h"
#include "crafter/probe.h"
#include "crafter/tcp.h"
#include "crafter/udp.h"

namespace hoplab::crafter {
namespace {

constexpr size_t kIpv4HeaderSize = 20;

struct Shape {
  const char* name;
  ProbeMethod method;
  uint16_t packet_size;
};

// Every method at even and odd transport lengths: ICMP and UDP at their
// least size (28), one byte more, the default and one past it; TCP at
// its least (40), with an odd number of data bytes (41, 63), and the
// default.
const Shape kShapes[] = {
    {"icmp-28", ProbeMethod::kIcmp, 28}, {"icmp-29", ProbeMethod::kIcmp, 29},
    {"icmp-60", ProbeMethod::kIcmp, 60}, {"icmp-61", ProbeMethod::kIcmp, 61},
    {"udp-28", ProbeMethod::kUdp, 28},   {"udp-29", ProbeMethod::kUdp, 29},
    {"udp-60", ProbeMethod::kUdp, 60},   {"udp-61", ProbeMethod::kUdp, 61},
    {"tcp-40", ProbeMethod::kTcp, 40},   {"tcp-41", ProbeMethod::kTcp, 41},
    {"tcp-60", ProbeMethod::kTcp, 60},   {"tcp-63", ProbeMethod::kTcp, 63},
};

ProbeSpec SpecOf(const Shape& shape) {
  ProbeSpec spec;
  spec.method = shape.method;
  spec.source = *Ipv4Address::Parse("192.0.2.10");
  spec.destination = *Ipv4Address::Parse("203.0.113.5");
  spec.ttl = 4;
  spec.packet_size = shape.packet_size;
  spec.icmp_id = 0x1234;
  spec.icmp_sequence = 7;
  spec.source_port = 43823;
  spec.destination_port = 33434;
  spec.tcp_sequence = 0x11223344;
  return spec;
}

std::vector<uint8_t> Build(const ProbeSpec& spec) {
  std::vector<uint8_t> out(spec.packet_size);
  EXPECT_EQ(BuildProbe(spec, out), out.size());
  return out;
}

size_t ChecksumOffset(ProbeMethod method) {
  switch (method) {
    case ProbeMethod::kIcmp:
      return kIpv4HeaderSize + kIcmpChecksumOffset;
    case ProbeMethod::kUdp:
      return kIpv4HeaderSize + kUdpChecksumOffset;
    case ProbeMethod::kTcp:
      return kIpv4HeaderSize + kTcpChecksumOffset;
  }
  return 0;
}

// The checksum field a host leaves for its NIC to finish: the folded
// pseudo-header sum (ICMP has none, so zero).
uint16_t PartialSum(const ProbeSpec& spec) {
  if (spec.method == ProbeMethod::kIcmp) {
    return 0;
  }
  const IpProtocol protocol =
      spec.method == ProbeMethod::kUdp ? IpProtocol::kUdp : IpProtocol::kTcp;
  const auto length = static_cast<uint16_t>(spec.packet_size - 20);
  return static_cast<uint16_t>(~ChecksumFinish(
      Ipv4PseudoHeaderSum(spec.source, spec.destination, protocol, length)));
}

// One probe of `shape` as built, with where its checksum field lies and
// the value the builder put there.
struct BuiltProbe {
  ProbeSpec spec;
  std::vector<uint8_t> datagram;
  size_t offset = 0;
  uint16_t sent = 0;
};

BuiltProbe BuildShape(const Shape& shape) {
  BuiltProbe built;
  built.spec = SpecOf(shape);
  built.datagram = Build(built.spec);
  built.offset = ChecksumOffset(shape.method);
  built.sent = LoadU16(built.datagram, built.offset);
  return built;
}

ProbeChecksum ChecksumWith(std::vector<uint8_t> datagram, size_t offset,
                           uint16_t field) {
  StoreU16(datagram, offset, field);
  auto probe = ParseProbe(datagram);
  EXPECT_TRUE(probe.ok()) << probe.error();
  return probe.ok() ? probe->checksum : ProbeChecksum{};
}

TEST(CapturedProbeTest, EveryProbeKindAndLengthAsBuiltIsCorrect) {
  for (const Shape& shape : kShapes) {
    SCOPED_TRACE(shape.name);
    const BuiltProbe built = BuildShape(shape);
    const uint16_t sent = built.sent;
    auto probe = ParseProbe(built.datagram);
    ASSERT_TRUE(probe.ok()) << probe.error();
    EXPECT_EQ(probe->checksum,
              (ProbeChecksum{ProbeChecksumState::kCorrect, sent, sent}));
  }
}

TEST(CapturedProbeTest, AWrongFieldIsWrongWithTheValueThatVerifies) {
  for (const Shape& shape : kShapes) {
    SCOPED_TRACE(shape.name);
    const auto [spec, datagram, offset, sent] = BuildShape(shape);
    // One bit off, the bytes swapped (a byte-order slip), and a field
    // that sums an odd last byte as the low half of its word instead of
    // the high one (c20's 0xac37 for 0x489b).
    std::vector<uint16_t> wrong = {
        static_cast<uint16_t>(sent ^ 0x0100),
        static_cast<uint16_t>(sent << 8 | sent >> 8)};
    if (shape.packet_size % 2 == 1) {
      // The others' sum is the field's complement; the buggy one takes
      // last << 8 out (adds its complement) and puts `last` in.
      const uint64_t last = datagram.back();
      const uint64_t others = uint64_t{0xffff} - sent;
      wrong.push_back(ChecksumFinish(others + (0xffff - (last << 8)) + last));
    }
    for (uint16_t field : wrong) {
      if (field == sent || field == 0 || field == PartialSum(spec) ||
          (field == 0xffff && sent == 0) || (field == 0 && sent == 0xffff)) {
        continue;  // Not a wrong value for this probe.
      }
      SCOPED_TRACE(field);
      EXPECT_EQ(ChecksumWith(datagram, offset, field),
                (ProbeChecksum{ProbeChecksumState::kWrong, field, sent}));
    }
  }
}

TEST(CapturedProbeTest, C20OddLengthWrongValuesAreWrongNotOffloaded) {
  // c20: an Echo Request of 15 ICMP bytes, payload "Payload".
  const std::vector<uint8_t> datagram = {
      0x45, 0x00, 0x00, 0x23, 0x20, 0x11, 0x00, 0x00,  // IPv4, length 35
      0x04, 0x01, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x0a,  // TTL 4, ICMP, src
      0xcb, 0x00, 0x71, 0x05,                          // dst 203.0.113.5
      0x08, 0x00, 0x48, 0x9b, 0x12, 0x34, 0x00, 0x01,  // echo, sum, id, seq
      0x50, 0x61, 0x79, 0x6c, 0x6f, 0x61, 0x64,        // "Payload"
  };
  const size_t offset = kIpv4HeaderSize + kIcmpChecksumOffset;
  EXPECT_EQ(ChecksumWith(datagram, offset, 0x489b),
            (ProbeChecksum{ProbeChecksumState::kCorrect, 0x489b, 0x489b}));
  // The last byte as the low half, and the last byte left out.
  EXPECT_EQ(ChecksumWith(datagram, offset, 0xac37),
            (ProbeChecksum{ProbeChecksumState::kWrong, 0xac37, 0x489b}));
  EXPECT_EQ(ChecksumWith(datagram, offset, 0xac9b),
            (ProbeChecksum{ProbeChecksumState::kWrong, 0xac9b, 0x489b}));
  // Each piece of 8 + "Pay" + "load" padded on its own.
  EXPECT_EQ(ChecksumWith(datagram, offset, 0x4e95),
            (ProbeChecksum{ProbeChecksumState::kWrong, 0x4e95, 0x489b}));
}

TEST(CapturedProbeTest, AFieldLeftToTheNicIsOffloadedExceptUdpZero) {
  for (const Shape& shape : kShapes) {
    SCOPED_TRACE(shape.name);
    const auto [spec, datagram, offset, sent] = BuildShape(shape);
    // RFC 768: a zero UDP field says no checksum was computed.
    EXPECT_EQ(ChecksumWith(datagram, offset, 0),
              (ProbeChecksum{shape.method == ProbeMethod::kUdp
                                 ? ProbeChecksumState::kCorrect
                                 : ProbeChecksumState::kOffloaded,
                             0, sent}));
    const uint16_t partial = PartialSum(spec);
    EXPECT_EQ(ChecksumWith(datagram, offset, partial).state,
              shape.method == ProbeMethod::kUdp && partial == 0
                  ? ProbeChecksumState::kCorrect
                  : ProbeChecksumState::kOffloaded);
    EXPECT_EQ(ChecksumWith(datagram, offset, partial).expected, sent);
  }
}

TEST(CapturedProbeTest, AUdpSumOfZeroIsSentAsAllOnesAndIsCorrect) {
  // c21: 192.0.2.10:32563 -> 203.0.113.5:33434, no payload; the sum of
  // pseudo-header and header is 0xffff, so the checksum computes to zero.
  ProbeSpec spec = SpecOf({"udp-28", ProbeMethod::kUdp, 28});
  spec.ttl = 3;
  spec.source_port = 32563;
  spec.destination_port = 33434;
  const std::vector<uint8_t> datagram = Build(spec);
  const size_t offset = kIpv4HeaderSize + kUdpChecksumOffset;
  ASSERT_EQ(LoadU16(datagram, offset), 0xffff);
  EXPECT_EQ(ChecksumWith(datagram, offset, 0xffff),
            (ProbeChecksum{ProbeChecksumState::kCorrect, 0xffff, 0xffff}));
  // Sent as zero it claims no checksum, which is valid too.
  EXPECT_EQ(ChecksumWith(datagram, offset, 0x0000),
            (ProbeChecksum{ProbeChecksumState::kCorrect, 0x0000, 0xffff}));
  EXPECT_EQ(ChecksumWith(datagram, offset, 0xfffe).state,
            ProbeChecksumState::kWrong);
}

TEST(CapturedProbeTest, AnIcmpSumOfZeroIsCorrectNotOffloaded) {
  // c21: Echo Request id 0xf7ff seq 0, no payload: 0x0800 + 0xf7ff sums
  // to 0xffff, so the right checksum is 0x0000.
  ProbeSpec spec = SpecOf({"icmp-28", ProbeMethod::kIcmp, 28});
  spec.icmp_id = 0xf7ff;
  spec.icmp_sequence = 0;
  const std::vector<uint8_t> datagram = Build(spec);
  const size_t offset = kIpv4HeaderSize + kIcmpChecksumOffset;
  ASSERT_EQ(LoadU16(datagram, offset), 0x0000);
  EXPECT_EQ(ChecksumWith(datagram, offset, 0x0000),
            (ProbeChecksum{ProbeChecksumState::kCorrect, 0x0000, 0x0000}));
  // Ones' complement has two zeros; RFC 1071's check accepts both.
  EXPECT_EQ(ChecksumWith(datagram, offset, 0xffff).state,
            ProbeChecksumState::kCorrect);
}

TEST(CapturedProbeTest, ACutOrFragmentedProbeIsUnverifiedNeverWrong) {
  for (const Shape& shape : kShapes) {
    SCOPED_TRACE(shape.name);
    std::vector<uint8_t> datagram = Build(SpecOf(shape));
    // Every prefix the parser accepts (cut by the snap length).
    for (size_t size = 0; size < datagram.size(); ++size) {
      auto probe = ParseProbe(std::span(datagram).first(size));
      if (probe.ok()) {
        EXPECT_EQ(probe->checksum.state, ProbeChecksumState::kUnverified)
            << "prefix " << size;
      }
    }
    // More Fragments set: the checksum covers bytes not here.
    datagram[kIpv4FragmentOffset] |= 0x20;
    auto probe = ParseProbe(datagram);
    ASSERT_TRUE(probe.ok()) << probe.error();
    EXPECT_EQ(probe->checksum.state, ProbeChecksumState::kUnverified);
  }
}

TEST(CapturedProbeTest, PrintsTheVerdictWithBothValues) {
  EXPECT_EQ(::testing::PrintToString(
                ProbeChecksum{ProbeChecksumState::kWrong, 0xac37, 0x489b}),
            "wrong 0xac37 (expected 0x489b)");
  EXPECT_EQ(::testing::PrintToString(
                ProbeChecksum{ProbeChecksumState::kOffloaded, 0, 0x3536}),
            "unverified (offloaded) 0x0000 (expected 0x3536)");
}

}  // namespace
}  // namespace hoplab::crafter
