#include "crafter/icmp.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "crafter/checksum.h"

namespace hoplab::crafter {
namespace {

// captures/udp-butskoy.pcap, ICMP part of the Port Unreachable from
// 10.201.5.2: "ICMP 10.201.5.2 udp port 33449 unreachable, length 68",
// quote cut to the first 16 bytes here.
constexpr std::array<uint8_t, 24> kUnreachable = {
    0x03, 0x03, 0xcb, 0x85, 0x00, 0x00, 0x00, 0x00,  // type code sum unused
    0x45, 0x00, 0x00, 0x3c, 0xf9, 0x9d, 0x00, 0x00,  // quoted IP header ...
    0x01, 0x11, 0xa5, 0x7f, 0x0a, 0xc9, 0x00, 0x01,  // ... ttl proto sum src
};

// cases/c20-odd-length-checksum.pcap: Echo Reply, id 0x1234, seq 1,
// data "Payload" (odd length).
constexpr std::array<uint8_t, 15> kEchoReply = {
    0x00, 0x00, 0x50, 0x9b, 0x12, 0x34, 0x00, 0x01,  // type code sum id seq
    0x50, 0x61, 0x79, 0x6c, 0x6f, 0x61, 0x64,        // "Payload"
};

TEST(IcmpMessageTest, ParsesTheHeaderAndViewsTheBody) {
  Result<IcmpMessage, ParseError> icmp = ParseIcmpMessage(kUnreachable);
  ASSERT_TRUE(icmp.ok()) << icmp.error();
  EXPECT_EQ(icmp->type, IcmpType::kDestinationUnreachable);
  EXPECT_EQ(icmp->code, static_cast<uint8_t>(UnreachableCode::kPort));
  EXPECT_EQ(icmp->checksum, 0xcb85);
  EXPECT_EQ(icmp->rest_of_header, 0u);
  EXPECT_EQ(icmp->body.data(), kUnreachable.data() + 8);
  EXPECT_EQ(icmp->body.size(), 16u);
}

TEST(IcmpMessageTest, ParsesEchoIdentifierAndSequence) {
  Result<IcmpMessage, ParseError> icmp = ParseIcmpMessage(kEchoReply);
  ASSERT_TRUE(icmp.ok()) << icmp.error();
  EXPECT_EQ(icmp->type, IcmpType::kEchoReply);
  EXPECT_EQ(icmp->identifier(), 0x1234);
  EXPECT_EQ(icmp->sequence(), 1);
  EXPECT_EQ(icmp->body.size(), 7u);
}

TEST(IcmpMessageTest, ReadsNextHopMtuAndRfc4884Length) {
  const std::array<uint8_t, 8> header = {
      0x03, 0x04, 0x00, 0x00, 0x00, 0x11, 0x05, 0xdc,  // frag needed, MTU 1500
  };
  Result<IcmpMessage, ParseError> icmp = ParseIcmpMessage(header);
  ASSERT_TRUE(icmp.ok()) << icmp.error();
  EXPECT_EQ(icmp->next_hop_mtu(), 1500);
  EXPECT_EQ(icmp->original_datagram_words(), 0x11);
  EXPECT_TRUE(icmp->body.empty());
}

TEST(IcmpMessageTest, RoundTripsAnOddLengthEchoReplyWithItsChecksum) {
  Result<IcmpMessage, ParseError> icmp = ParseIcmpMessage(kEchoReply);
  ASSERT_TRUE(icmp.ok()) << icmp.error();
  std::array<uint8_t, 15> out = {};
  ASSERT_EQ(WriteIcmpMessage(*icmp, out), 15u);
  EXPECT_EQ(out, kEchoReply);
  EXPECT_TRUE(VerifyChecksum(out));
}

TEST(IcmpMessageTest, RoundTripsACapturedErrorWithItsChecksum) {
  // The full 68-byte ICMP message of the Port Unreachable above.
  const std::array<uint8_t, 68> captured = {
      0x03, 0x03, 0xcb, 0x85, 0x00, 0x00, 0x00, 0x00,  // type code sum unused
      0x45, 0x00, 0x00, 0x3c, 0xf9, 0x9d, 0x00, 0x00,  // quoted IP
      0x01, 0x11, 0xa5, 0x7f, 0x0a, 0xc9, 0x00, 0x01,  // quoted IP
      0x0a, 0xc9, 0x05, 0x02, 0x9e, 0xd2, 0x82, 0xa9,  // quoted dst, ports
      0x00, 0x28, 0x1a, 0xce, 0x40, 0x41, 0x42, 0x43,  // UDP len sum, data
      0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b,  // data
      0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53,  // data
      0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b,  // data
      0x5c, 0x5d, 0x5e, 0x5f,                          // data
  };
  Result<IcmpMessage, ParseError> icmp = ParseIcmpMessage(captured);
  ASSERT_TRUE(icmp.ok()) << icmp.error();
  std::array<uint8_t, 68> out = {};
  ASSERT_EQ(WriteIcmpMessage(*icmp, out), 68u);
  EXPECT_EQ(out, captured);
}

TEST(IcmpMessageTest, FailsCleanlyOnEveryTruncatedHeader) {
  for (size_t size = 0; size < kIcmpHeaderSize; ++size) {
    const std::span<const uint8_t> prefix(kEchoReply.data(), size);
    Result<IcmpMessage, ParseError> icmp = ParseIcmpMessage(prefix);
    ASSERT_FALSE(icmp.ok()) << "prefix of " << size << " bytes";
    EXPECT_STREQ(icmp.error().reason, "truncated ICMP header");
    EXPECT_LE(icmp.error().offset, size);
  }
}

TEST(IcmpMessageTest, RefusesToWriteIntoASmallBuffer) {
  Result<IcmpMessage, ParseError> icmp = ParseIcmpMessage(kEchoReply);
  ASSERT_TRUE(icmp.ok()) << icmp.error();
  std::array<uint8_t, 14> out = {};
  EXPECT_EQ(WriteIcmpMessage(*icmp, out), 0u);
}

TEST(IcmpMessageTest, PatchesTheChecksumOverTheWholeMessage) {
  std::array<uint8_t, 15> message = kEchoReply;
  message[2] = 0xde;
  message[3] = 0xad;
  PatchIcmpChecksum(message);
  EXPECT_EQ(message, kEchoReply);
}

TEST(IcmpMessageTest, NamesKnownAndUnknownTypes) {
  EXPECT_EQ(IcmpTypeName(11), "Time Exceeded");
  EXPECT_EQ(IcmpTypeName(3), "Destination Unreachable");
  EXPECT_EQ(IcmpTypeName(0), "Echo Reply");
  EXPECT_EQ(IcmpTypeName(8), "Echo Request");
  EXPECT_EQ(IcmpTypeName(42), "type 42");
}

}  // namespace
}  // namespace hoplab::crafter
