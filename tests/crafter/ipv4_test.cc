#include "crafter/ipv4.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "crafter/checksum.h"

namespace hoplab::crafter {
namespace {

// captures/icmp-butskoy.pcap, the first probe:
// IP (tos 0x0, ttl 1, id 64150, offset 0, flags [none], proto ICMP (1),
//     length 60) 10.201.0.1 > 10.201.5.2
constexpr std::array<uint8_t, 20> kProbeHeader = {
    0x45, 0x00, 0x00, 0x3c, 0xfa, 0x96, 0x00, 0x00,  // ver/ihl tos len id frag
    0x01, 0x01, 0xa4, 0x96, 0x0a, 0xc9, 0x00, 0x01,  // ttl proto sum src
    0x0a, 0xc9, 0x05, 0x02,                          // dst
};

// A hand-built header with IHL 7: Record Route (RFC 791 §3.1, type 7,
// length 7, pointer 4, one empty slot) and an End of Options List byte.
// DF set, TOS 0xb8.
constexpr std::array<uint8_t, 28> kHeaderWithOptions = {
    0x47, 0xb8, 0x00, 0x30, 0x12, 0x34, 0x40, 0x00,  // ver/ihl tos len id frag
    0x40, 0x11, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x0a,  // ttl proto sum src
    0xcb, 0x00, 0x71, 0x05, 0x07, 0x07, 0x04, 0x00,  // dst, RR type len ptr
    0x00, 0x00, 0x00, 0x00,                          // RR slot 4 .. EOL
};

TEST(Ipv4HeaderTest, ParsesEveryFieldOfACapturedProbe) {
  Result<Ipv4Header, ParseError> header = ParseIpv4Header(kProbeHeader);
  ASSERT_TRUE(header.ok()) << header.error();
  EXPECT_EQ(header->ihl, 5);
  EXPECT_EQ(header->header_size(), 20u);
  EXPECT_EQ(header->tos, 0);
  EXPECT_EQ(header->total_length, 60);
  EXPECT_EQ(header->id, 64150);
  EXPECT_FALSE(header->dont_fragment);
  EXPECT_FALSE(header->more_fragments);
  EXPECT_EQ(header->fragment_offset, 0);
  EXPECT_EQ(header->ttl, 1);
  EXPECT_EQ(header->protocol, IpProtocol::kIcmp);
  EXPECT_EQ(header->checksum, 0xa496);
  EXPECT_EQ(header->source, Ipv4Address::FromOctets(10, 201, 0, 1));
  EXPECT_EQ(header->destination, Ipv4Address::FromOctets(10, 201, 5, 2));
  EXPECT_TRUE(header->options.empty());
  EXPECT_TRUE(VerifyChecksum(kProbeHeader));
}

TEST(Ipv4HeaderTest, RoundTripsACapturedProbeByteForByte) {
  Result<Ipv4Header, ParseError> header = ParseIpv4Header(kProbeHeader);
  ASSERT_TRUE(header.ok()) << header.error();
  std::array<uint8_t, 20> out = {};
  ASSERT_EQ(WriteIpv4Header(*header, out), 20u);
  EXPECT_EQ(out, kProbeHeader);
}

TEST(Ipv4HeaderTest, RoundTripsOptionsWithIhlAboveFive) {
  Result<Ipv4Header, ParseError> header = ParseIpv4Header(kHeaderWithOptions);
  ASSERT_TRUE(header.ok()) << header.error();
  EXPECT_EQ(header->ihl, 7);
  EXPECT_EQ(header->options.size(), 8u);
  EXPECT_EQ(header->options.data(), kHeaderWithOptions.data() + 20);
  EXPECT_TRUE(header->dont_fragment);
  EXPECT_EQ(header->tos, 0xb8);
  EXPECT_EQ(header->protocol, IpProtocol::kUdp);

  std::array<uint8_t, 28> out = {};
  ASSERT_EQ(WriteIpv4Header(*header, out), 28u);
  EXPECT_TRUE(VerifyChecksum(out));
  // The source vector carries a zero checksum; everything else matches.
  out[10] = 0;
  out[11] = 0;
  EXPECT_EQ(out, kHeaderWithOptions);
}

TEST(Ipv4HeaderTest, WritesFragmentFields) {
  Ipv4Header header;
  header.more_fragments = true;
  header.fragment_offset = 185;
  std::array<uint8_t, 20> out = {};
  ASSERT_EQ(WriteIpv4Header(header, out), 20u);
  Result<Ipv4Header, ParseError> parsed = ParseIpv4Header(out);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_TRUE(parsed->more_fragments);
  EXPECT_FALSE(parsed->dont_fragment);
  EXPECT_EQ(parsed->fragment_offset, 185);
}

TEST(Ipv4HeaderTest, FailsCleanlyOnEveryTruncation) {
  for (size_t size = 0; size < kHeaderWithOptions.size(); ++size) {
    const std::span<const uint8_t> prefix(kHeaderWithOptions.data(), size);
    Result<Ipv4Header, ParseError> header = ParseIpv4Header(prefix);
    ASSERT_FALSE(header.ok()) << "prefix of " << size << " bytes";
    EXPECT_LE(header.error().offset, size);
  }
}

TEST(Ipv4HeaderTest, RejectsAVersionOtherThanFour) {
  std::array<uint8_t, 20> bytes = kProbeHeader;
  bytes[0] = 0x65;
  Result<Ipv4Header, ParseError> header = ParseIpv4Header(bytes);
  ASSERT_FALSE(header.ok());
  EXPECT_STREQ(header.error().reason, "IP version is not 4");
  EXPECT_EQ(header.error().offset, 0u);
}

TEST(Ipv4HeaderTest, RejectsAnIhlBelowFive) {
  std::array<uint8_t, 20> bytes = kProbeHeader;
  bytes[0] = 0x44;
  Result<Ipv4Header, ParseError> header = ParseIpv4Header(bytes);
  ASSERT_FALSE(header.ok());
  EXPECT_STREQ(header.error().reason, "IPv4 IHL is below 5");
}

TEST(Ipv4HeaderTest, RejectsOptionsThatRunPastTheEnd) {
  std::array<uint8_t, 20> bytes = kProbeHeader;
  bytes[0] = 0x46;
  Result<Ipv4Header, ParseError> header = ParseIpv4Header(bytes);
  ASSERT_FALSE(header.ok());
  EXPECT_STREQ(header.error().reason, "IPv4 options run past the end");
  EXPECT_EQ(header.error().offset, 20u);
}

TEST(Ipv4HeaderTest, RefusesToWriteBadOptionsOrIntoASmallBuffer) {
  const std::array<uint8_t, 44> options = {};
  Ipv4Header header;
  std::array<uint8_t, 64> out = {};
  header.options = std::span(options).first(3);
  EXPECT_EQ(WriteIpv4Header(header, out), 0u);
  header.options = std::span(options).first(44);
  EXPECT_EQ(WriteIpv4Header(header, out), 0u);
  header.options = std::span(options).first(40);
  EXPECT_EQ(WriteIpv4Header(header, std::span(out).first(59)), 0u);
  EXPECT_EQ(WriteIpv4Header(header, out), 60u);
  EXPECT_EQ(out[0], 0x4f);
}

TEST(Ipv4HeaderTest, SumsThePseudoHeader) {
  // cases/c21-udp-checksum-ffff.pcap: the pseudo-header words
  // c000 020a | cb00 7105 | 0011 | 0008 of a UDP datagram of 8 bytes.
  const uint64_t sum = Ipv4PseudoHeaderSum(
      Ipv4Address::FromOctets(192, 0, 2, 10),
      Ipv4Address::FromOctets(203, 0, 113, 5), IpProtocol::kUdp, 8);
  const uint64_t expected =
      0xc000u + 0x020au + 0xcb00u + 0x7105u + 0x0011u + 0x0008u;
  EXPECT_EQ(ChecksumFinish(sum), ChecksumFinish(expected));
}

}  // namespace
}  // namespace hoplab::crafter
