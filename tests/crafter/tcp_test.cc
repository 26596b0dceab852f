#include "crafter/tcp.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace hoplab::crafter {
namespace {

const Ipv4Address kSource = Ipv4Address::FromOctets(10, 201, 0, 1);
const Ipv4Address kTarget = Ipv4Address::FromOctets(10, 201, 5, 2);

// captures/tcp-rst-butskoy.pcap, TCP part of the TTL 6 probe:
// 10.201.0.1.45711 > 10.201.5.2.80: Flags [S], cksum 0xab3a (correct),
// seq 564841642, win 5840, options [mss 1460,sackOK,TS val 1525575491
// ecr 0,nop,wscale 2], length 0
constexpr std::array<uint8_t, 40> kSyn = {
    0xb2, 0x8f, 0x00, 0x50, 0x21, 0xaa, 0xcc, 0xaa,  // ports, seq
    0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0x16, 0xd0,  // ack, offset flags win
    0xab, 0x3a, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,  // sum urg, MSS 1460
    0x04, 0x02, 0x08, 0x0a, 0x5a, 0xee, 0x6f, 0x43,  // SACK ok, TS val
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x02,  // TS ecr, NOP, wscale 2
};

// The target's answer: 10.201.5.2.80 > 10.201.0.1.45711: Flags [R.],
// cksum 0xf406 (correct), seq 0, ack 564841643, win 0, length 0
constexpr std::array<uint8_t, 20> kRstAck = {
    0x00, 0x50, 0xb2, 0x8f, 0x00, 0x00, 0x00, 0x00,  // ports, seq
    0x21, 0xaa, 0xcc, 0xab, 0x50, 0x14, 0x00, 0x00,  // ack, offset flags win
    0xf4, 0x06, 0x00, 0x00,                          // sum urg
};

TEST(TcpHeaderTest, ParsesACapturedSynWithOptions) {
  Result<TcpHeader, ParseError> tcp = ParseTcpHeader(kSyn);
  ASSERT_TRUE(tcp.ok()) << tcp.error();
  EXPECT_EQ(tcp->source_port, 45711);
  EXPECT_EQ(tcp->destination_port, 80);
  EXPECT_EQ(tcp->sequence, 564841642u);
  EXPECT_EQ(tcp->acknowledgment, 0u);
  EXPECT_EQ(tcp->data_offset, 10);
  EXPECT_EQ(tcp->flags, kTcpSyn);
  EXPECT_EQ(tcp->window, 5840);
  EXPECT_EQ(tcp->checksum, 0xab3a);
  EXPECT_EQ(tcp->urgent_pointer, 0);
  EXPECT_EQ(tcp->options.size(), 20u);
  EXPECT_EQ(tcp->options.data(), kSyn.data() + 20);
}

TEST(TcpHeaderTest, ParsesACapturedRstAck) {
  Result<TcpHeader, ParseError> tcp = ParseTcpHeader(kRstAck);
  ASSERT_TRUE(tcp.ok()) << tcp.error();
  EXPECT_TRUE(tcp->has(kTcpRst));
  EXPECT_TRUE(tcp->has(kTcpAck));
  EXPECT_FALSE(tcp->has(kTcpSyn));
  EXPECT_EQ(tcp->acknowledgment, 564841643u);
  EXPECT_TRUE(tcp->options.empty());
}

TEST(TcpHeaderTest, RoundTripsByteForByte) {
  for (std::span<const uint8_t> segment :
       {std::span<const uint8_t>(kSyn), std::span<const uint8_t>(kRstAck)}) {
    Result<TcpHeader, ParseError> tcp = ParseTcpHeader(segment);
    ASSERT_TRUE(tcp.ok()) << tcp.error();
    std::array<uint8_t, 60> out = {};
    ASSERT_EQ(WriteTcpHeader(*tcp, out), segment.size());
    EXPECT_TRUE(std::equal(segment.begin(), segment.end(), out.begin()));
  }
}

TEST(TcpHeaderTest, FailsCleanlyOnEveryTruncation) {
  for (size_t size = 0; size < kSyn.size(); ++size) {
    const std::span<const uint8_t> prefix(kSyn.data(), size);
    Result<TcpHeader, ParseError> tcp = ParseTcpHeader(prefix);
    ASSERT_FALSE(tcp.ok()) << "prefix of " << size << " bytes";
    EXPECT_LE(tcp.error().offset, size);
  }
}

TEST(TcpHeaderTest, RejectsADataOffsetBelowFive) {
  std::array<uint8_t, 20> bytes = kRstAck;
  bytes[12] = 0x40;
  Result<TcpHeader, ParseError> tcp = ParseTcpHeader(bytes);
  ASSERT_FALSE(tcp.ok());
  EXPECT_STREQ(tcp.error().reason, "TCP data offset is below 5");
  EXPECT_EQ(tcp.error().offset, 12u);
}

TEST(TcpHeaderTest, RefusesToWriteBadOptionsOrIntoASmallBuffer) {
  const std::array<uint8_t, 44> options = {};
  TcpHeader header;
  std::array<uint8_t, 60> out = {};
  header.options = std::span(options).first(2);
  EXPECT_EQ(WriteTcpHeader(header, out), 0u);
  header.options = std::span(options).first(44);
  EXPECT_EQ(WriteTcpHeader(header, out), 0u);
  header.options = std::span(options).first(40);
  EXPECT_EQ(WriteTcpHeader(header, std::span(out).first(59)), 0u);
  EXPECT_EQ(WriteTcpHeader(header, out), 60u);
  EXPECT_EQ(out[12], 0xf0);
}

TEST(TcpHeaderTest, PatchesTheChecksumTcpdumpCallsCorrect) {
  std::array<uint8_t, 40> segment = kSyn;
  segment[16] = 0;
  segment[17] = 0;
  PatchTcpChecksum(kSource, kTarget, segment);
  EXPECT_EQ(segment, kSyn);
  EXPECT_TRUE(VerifyTcpChecksum(kSource, kTarget, kSyn));
  EXPECT_TRUE(VerifyTcpChecksum(kTarget, kSource, kRstAck));
}

TEST(TcpHeaderTest, DetectsAWrongChecksumOrWrongAddresses) {
  std::array<uint8_t, 20> segment = kRstAck;
  segment[17] ^= 0x01;
  EXPECT_FALSE(VerifyTcpChecksum(kTarget, kSource, segment));
  EXPECT_FALSE(VerifyTcpChecksum(kTarget, kTarget, kRstAck));
  EXPECT_FALSE(VerifyTcpChecksum(kTarget, kSource, {}));
}

}  // namespace
}  // namespace hoplab::crafter
