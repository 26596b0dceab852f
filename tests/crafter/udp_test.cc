#include "crafter/udp.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "crafter/checksum.h"
#include "crafter/ipv4.h"

namespace hoplab::crafter {
namespace {

const Ipv4Address kTracer = Ipv4Address::FromOctets(192, 0, 2, 10);
const Ipv4Address kTarget = Ipv4Address::FromOctets(203, 0, 113, 5);

// cases/c21-udp-checksum-ffff.pcap, UDP part of the probe:
// 192.0.2.10.32563 > 203.0.113.5.33434: [udp sum ok] UDP, length 0
// Its checksum computes to zero and goes on the wire as 0xffff.
constexpr std::array<uint8_t, 8> kZeroSumProbe = {
    0x7f, 0x33, 0x82, 0x9a, 0x00, 0x08, 0xff, 0xff,  // ports length sum
};

TEST(UdpHeaderTest, ParsesEveryField) {
  Result<UdpHeader, ParseError> udp = ParseUdpHeader(kZeroSumProbe);
  ASSERT_TRUE(udp.ok()) << udp.error();
  EXPECT_EQ(udp->source_port, 32563);
  EXPECT_EQ(udp->destination_port, 33434);
  EXPECT_EQ(udp->length, 8);
  EXPECT_EQ(udp->checksum, 0xffff);
}

TEST(UdpHeaderTest, RoundTripsByteForByte) {
  Result<UdpHeader, ParseError> udp = ParseUdpHeader(kZeroSumProbe);
  ASSERT_TRUE(udp.ok()) << udp.error();
  std::array<uint8_t, 8> out = {};
  ASSERT_EQ(WriteUdpHeader(*udp, out), 8u);
  EXPECT_EQ(out, kZeroSumProbe);
}

TEST(UdpHeaderTest, FailsCleanlyOnEveryTruncation) {
  for (size_t size = 0; size < kUdpHeaderSize; ++size) {
    const std::span<const uint8_t> prefix(kZeroSumProbe.data(), size);
    Result<UdpHeader, ParseError> udp = ParseUdpHeader(prefix);
    ASSERT_FALSE(udp.ok()) << "prefix of " << size << " bytes";
    EXPECT_LE(udp.error().offset, size);
  }
}

TEST(UdpHeaderTest, RefusesToWriteIntoASmallBuffer) {
  std::array<uint8_t, 7> out = {};
  EXPECT_EQ(WriteUdpHeader(UdpHeader{}, out), 0u);
}

TEST(UdpHeaderTest, SendsAComputedZeroChecksumAsAllOnes) {
  std::array<uint8_t, 8> datagram = kZeroSumProbe;
  datagram[6] = 0x12;
  datagram[7] = 0x34;
  PatchUdpChecksum(kTracer, kTarget, datagram);
  EXPECT_EQ(datagram, kZeroSumProbe);
}

TEST(UdpHeaderTest, PatchesAChecksumThatVerifiesUnderThePseudoHeader) {
  // An odd-length datagram: 8-byte header and 5 data bytes.
  std::array<uint8_t, 13> datagram = {
      0xc4, 0x2d, 0x82, 0x9a, 0x00, 0x0d, 0x00, 0x00,  // ports length sum
      0x40, 0x41, 0x42, 0x43, 0x44,                    // data
  };
  PatchUdpChecksum(kTracer, kTarget, datagram);
  const uint64_t pseudo =
      Ipv4PseudoHeaderSum(kTracer, kTarget, IpProtocol::kUdp, 13);
  EXPECT_EQ(ChecksumFinish(ChecksumAccumulate(datagram, pseudo)), 0);
}

}  // namespace
}  // namespace hoplab::crafter
