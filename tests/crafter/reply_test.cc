#include "crafter/reply.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "crafter/byte_cursor.h"
#include "crafter/icmp_error.h"
#include "crafter/icmp_extension.h"
#include "crafter/ipv4.h"
#include "tests/crafter/captured_replies.h"

namespace hoplab::crafter {
namespace {

using captured::kAdminProhibited;
using captured::kEchoReply;
using captured::kNetUnreachable;
using captured::kPortUnreachable;
using captured::kTcpRstAck;
using captured::kTcpRstNoAckPadded;
using captured::kTcpSynAck;
using captured::kTimeExceededQuotingEcho;
using captured::kTimeExceededQuotingSyn;

const Ipv4Address kSource = Ipv4Address::FromOctets(10, 201, 0, 1);
const Ipv4Address kTarget = Ipv4Address::FromOctets(10, 201, 5, 2);

// Copies `bytes` to the heap, so that AddressSanitizer flags any read past
// the end.
std::vector<uint8_t> Copy(std::span<const uint8_t> bytes) {
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

// The captured probes carry the unfinished checksum that checksum offload
// leaves in a capture taken on the sender (the pseudo-header sum).
ProbeKey UdpKey(Ipv4Address destination, uint16_t source_port,
                uint16_t destination_port, uint16_t checksum) {
  ProbeKey key;
  key.method = ProbeMethod::kUdp;
  key.source = kSource;
  key.destination = destination;
  key.source_port = source_port;
  key.destination_port = destination_port;
  key.udp_checksum = checksum;
  return key;
}

ProbeKey IcmpKey(uint16_t id, uint16_t sequence) {
  ProbeKey key;
  key.source = kSource;
  key.destination = kTarget;
  key.icmp_id = id;
  key.icmp_sequence = sequence;
  return key;
}

ProbeKey TcpKey(Ipv4Address source, Ipv4Address destination,
                uint16_t source_port, uint16_t destination_port,
                uint32_t sequence) {
  ProbeKey key;
  key.method = ProbeMethod::kTcp;
  key.source = source;
  key.destination = destination;
  key.source_port = source_port;
  key.destination_port = destination_port;
  key.tcp_sequence = sequence;
  return key;
}

// Returns `datagram` with `options` added to its IPv4 header: IHL and
// Total Length grow, the header checksum is recomputed.
std::vector<uint8_t> WithIpOptions(std::span<const uint8_t> datagram,
                                   std::span<const uint8_t> options) {
  Result<Ipv4Header, ParseError> header = ParseIpv4Header(datagram);
  EXPECT_TRUE(header.ok());
  header->options = options;
  header->total_length =
      static_cast<uint16_t>(header->total_length + options.size());
  std::vector<uint8_t> out(datagram.size() + options.size());
  const size_t size = WriteIpv4Header(*header, out);
  EXPECT_EQ(size, 20 + options.size());
  std::copy(datagram.begin() + 20, datagram.end(), out.begin() + size);
  return out;
}

// Record Route with one empty slot, then End of Options List (RFC 791).
constexpr std::array<uint8_t, 8> kRecordRoute = {
    0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,  // RR type len ptr, slot
};

TEST(ParseReplyTest, ParsesTimeExceededQuotingAnEchoRequest) {
  Result<Reply, ParseError> reply = ParseReply(kTimeExceededQuotingEcho);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, ReplyKind::kTimeExceeded);
  EXPECT_EQ(reply->icmp_type, 11);
  EXPECT_EQ(reply->icmp_code, 0);
  EXPECT_EQ(reply->responder, Ipv4Address::FromOctets(10, 201, 0, 2));
  EXPECT_EQ(reply->local, kSource);
  EXPECT_EQ(reply->reply_ttl, 64);
  EXPECT_EQ(reply->probe, IcmpKey(11177, 1));
  EXPECT_EQ(reply->quoted_ttl, 1);
  EXPECT_EQ(reply->quote_size, 60u);
  EXPECT_EQ(reply->next_hop_mtu, 0);
  EXPECT_TRUE(reply->checksum_ok);
}

TEST(ParseReplyTest, ParsesTimeExceededQuotingATcpSyn) {
  Result<Reply, ParseError> reply = ParseReply(kTimeExceededQuotingSyn);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, ReplyKind::kTimeExceeded);
  EXPECT_EQ(reply->probe, TcpKey(kSource, kTarget, 40109, 80, 689332155));
  EXPECT_EQ(reply->quoted_ttl, 1);
  EXPECT_TRUE(reply->checksum_ok);
}

TEST(ParseReplyTest, ParsesAnEchoReplyAsTheProbeItMirrors) {
  Result<Reply, ParseError> reply = ParseReply(kEchoReply);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, ReplyKind::kEchoReply);
  EXPECT_EQ(reply->icmp_type, 0);
  EXPECT_EQ(reply->responder, kTarget);
  EXPECT_EQ(reply->local, kSource);
  EXPECT_EQ(reply->reply_ttl, 59);
  EXPECT_EQ(reply->probe, IcmpKey(11752, 16));
  EXPECT_EQ(reply->quoted_ttl, 0);
  EXPECT_EQ(reply->quote_size, 0u);
  EXPECT_TRUE(reply->checksum_ok);
}

TEST(ParseReplyTest, ParsesNetUnreachableQuotingUdp) {
  Result<Reply, ParseError> reply = ParseReply(kNetUnreachable);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, ReplyKind::kDestinationUnreachable);
  EXPECT_EQ(reply->icmp_code, static_cast<uint8_t>(UnreachableCode::kNet));
  EXPECT_EQ(reply->responder, Ipv4Address::FromOctets(10, 201, 0, 2));
  EXPECT_EQ(reply->probe, UdpKey(Ipv4Address::FromOctets(10, 201, 99, 1), 46876,
                                 33434, 0x78cd));
  EXPECT_EQ(reply->quote_size, 60u);
  EXPECT_TRUE(reply->checksum_ok);
}

TEST(ParseReplyTest, ParsesAdministrativelyProhibitedQuotingUdp) {
  Result<Reply, ParseError> reply = ParseReply(kAdminProhibited);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, ReplyKind::kDestinationUnreachable);
  EXPECT_EQ(reply->icmp_code,
            static_cast<uint8_t>(UnreachableCode::kCommunicationProhibited));
  EXPECT_EQ(reply->responder, Ipv4Address::FromOctets(10, 201, 3, 2));
  EXPECT_EQ(reply->reply_ttl, 61);
  EXPECT_EQ(reply->probe, UdpKey(kTarget, 38839, 33446, 0x1ace));
  EXPECT_TRUE(reply->checksum_ok);
}

TEST(ParseReplyTest, ParsesPortUnreachableFromTheTarget) {
  Result<Reply, ParseError> reply = ParseReply(kPortUnreachable);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, ReplyKind::kDestinationUnreachable);
  EXPECT_EQ(reply->icmp_code, static_cast<uint8_t>(UnreachableCode::kPort));
  EXPECT_EQ(reply->responder, kTarget);
  EXPECT_EQ(reply->probe, UdpKey(kTarget, 40658, 33449, 0x1ace));
  EXPECT_EQ(reply->quoted_ttl, 1);
  EXPECT_TRUE(reply->checksum_ok);
}

TEST(ParseReplyTest, RecoversTheSynSequenceFromARstAck) {
  Result<Reply, ParseError> reply = ParseReply(kTcpRstAck);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, ReplyKind::kTcpReset);
  EXPECT_EQ(reply->icmp_type, 0);
  EXPECT_EQ(reply->responder, kTarget);
  EXPECT_EQ(reply->local, kSource);
  EXPECT_EQ(reply->reply_ttl, 59);
  EXPECT_EQ(reply->probe, TcpKey(kSource, kTarget, 45711, 80, 564841642));
  EXPECT_TRUE(reply->checksum_ok);
}

TEST(ParseReplyTest, RecoversTheSynSequenceFromASynAck) {
  Result<Reply, ParseError> reply = ParseReply(kTcpSynAck);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, ReplyKind::kTcpSynAck);
  EXPECT_EQ(reply->probe, TcpKey(Ipv4Address::FromOctets(192, 0, 2, 10),
                                 Ipv4Address::FromOctets(203, 0, 113, 5), 40009,
                                 443, 0x11223344));
  EXPECT_TRUE(reply->checksum_ok);
}

TEST(ParseReplyTest, ParsesABareRstWithoutASequenceAndIgnoresPadding) {
  Result<Reply, ParseError> reply = ParseReply(kTcpRstNoAckPadded);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, ReplyKind::kTcpReset);
  // Without ACK the RST carries nothing of the SYN's sequence number.
  EXPECT_EQ(reply->probe,
            TcpKey(Ipv4Address::FromOctets(192, 0, 2, 10),
                   Ipv4Address::FromOctets(203, 0, 113, 5), 40009, 443, 0));
  EXPECT_TRUE(reply->checksum_ok);
}

TEST(ParseReplyTest, IgnoresLinkPaddingAfterTotalLength) {
  for (std::span<const uint8_t> valid :
       {std::span<const uint8_t>(kEchoReply),
        std::span<const uint8_t>(kPortUnreachable),
        std::span<const uint8_t>(kTcpRstAck)}) {
    std::vector<uint8_t> padded = Copy(valid);
    padded.insert(padded.end(), {0x55, 0x55, 0x55, 0x55, 0xab, 0xcf});
    Result<Reply, ParseError> reply = ParseReply(padded);
    ASSERT_TRUE(reply.ok()) << reply.error();
    EXPECT_TRUE(reply->checksum_ok);
    EXPECT_EQ(reply->probe, ParseReply(valid)->probe);
    EXPECT_EQ(reply->quote_size, ParseReply(valid)->quote_size);
  }
}

struct ValidReply {
  std::string name;
  std::span<const uint8_t> bytes;
  // The shortest prefix that still holds every field the probe key needs:
  // up to 8 quoted bytes for ICMP errors, the TCP header for TCP.
  size_t needed_size;
  // The shortest prefix that identifies the probe at all: the quoted ports
  // (4 bytes) for ICMP errors quoting UDP or TCP, else needed_size.
  size_t ports_size;
};

class ReplyTruncationTest : public testing::TestWithParam<ValidReply> {};

void PrintTo(const ValidReply& valid, std::ostream* os) { *os << valid.name; }

// A capture cut short (snaplen) parses when it still holds what the probe
// key needs, but its checksum cannot verify; a quote cut after the ports
// (cases/c18-truncated-quote-caplen.pcap) parses with the ports alone and
// says so; anything shorter fails.
TEST_P(ReplyTruncationTest, FailsCleanlyOrParsesWithoutChecksumOnEveryPrefix) {
  const ValidReply& valid = GetParam();
  const Result<Reply, ParseError> whole = ParseReply(valid.bytes);
  ASSERT_TRUE(whole.ok()) << whole.error();
  ProbeKey ports_only = whole->probe;
  ports_only.udp_checksum = 0;
  ports_only.tcp_sequence = 0;
  for (size_t size = 0; size < valid.bytes.size(); ++size) {
    const std::vector<uint8_t> prefix = Copy(valid.bytes.first(size));
    Result<Reply, ParseError> reply = ParseReply(prefix);
    if (size < valid.ports_size) {
      ASSERT_FALSE(reply.ok()) << "prefix of " << size << " bytes";
      EXPECT_LE(reply.error().offset, size) << reply.error();
      continue;
    }
    ASSERT_TRUE(reply.ok()) << "prefix of " << size << " bytes";
    EXPECT_FALSE(reply->checksum_ok) << "prefix of " << size << " bytes";
    if (size < valid.needed_size) {
      EXPECT_TRUE(reply->quote_truncated) << "prefix of " << size;
      EXPECT_EQ(reply->probe, ports_only) << "prefix of " << size;
    } else {
      EXPECT_FALSE(reply->quote_truncated) << "prefix of " << size;
      EXPECT_EQ(reply->probe, whole->probe) << "prefix of " << size;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Captured, ReplyTruncationTest,
    testing::Values(
        ValidReply{"TimeExceededQuotingEcho", kTimeExceededQuotingEcho, 56, 56},
        ValidReply{"TimeExceededQuotingSyn", kTimeExceededQuotingSyn, 56, 52},
        ValidReply{"EchoReply", kEchoReply, 28, 28},
        ValidReply{"NetUnreachable", kNetUnreachable, 56, 52},
        ValidReply{"AdminProhibited", kAdminProhibited, 56, 52},
        ValidReply{"PortUnreachable", kPortUnreachable, 56, 52},
        ValidReply{"TcpRstAck", kTcpRstAck, 40, 40},
        ValidReply{"TcpSynAck", kTcpSynAck, 60, 60},
        ValidReply{"TcpRstNoAck", std::span(kTcpRstNoAckPadded).first(40), 40,
                   40}),
    [](const testing::TestParamInfo<ValidReply>& info) {
      return info.param.name;
    });

TEST(ParseReplyTest, ReportsABadIcmpChecksumWithoutFailing) {
  std::vector<uint8_t> bytes = Copy(kPortUnreachable);
  bytes[70] ^= 0x01;
  Result<Reply, ParseError> reply = ParseReply(bytes);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_FALSE(reply->checksum_ok);
  EXPECT_EQ(reply->probe, UdpKey(kTarget, 40658, 33449, 0x1ace));
}

TEST(ParseReplyTest, ReportsABadTcpChecksumWithoutFailing) {
  std::vector<uint8_t> bytes = Copy(kTcpRstAck);
  bytes[36] ^= 0x80;
  Result<Reply, ParseError> reply = ParseReply(bytes);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_FALSE(reply->checksum_ok);
}

TEST(ParseReplyTest, LocatesTheQuoteThroughIhlInOuterAndQuotedHeaders) {
  // The captured probe, quoted with options, in an error whose own header
  // carries options too.
  const std::vector<uint8_t> probe = WithIpOptions(
      std::span(kTimeExceededQuotingEcho).subspan(28), kRecordRoute);
  IcmpErrorSpec spec;
  spec.source = Ipv4Address::FromOctets(10, 201, 0, 2);
  spec.destination = kSource;
  spec.offending = probe;
  std::array<uint8_t, 576> error;
  const size_t size = BuildIcmpError(spec, error);
  ASSERT_EQ(size, 20u + 8 + 68);
  const std::vector<uint8_t> bytes =
      WithIpOptions(std::span(error).first(size), kRecordRoute);

  Result<Reply, ParseError> reply = ParseReply(bytes);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, ReplyKind::kTimeExceeded);
  EXPECT_EQ(reply->probe, IcmpKey(11177, 1));
  EXPECT_EQ(reply->quote_size, 68u);
  EXPECT_TRUE(reply->checksum_ok);
}

TEST(ParseReplyTest, AcceptsAMinimalQuoteBehindAQuotedIhlAboveFive) {
  const std::vector<uint8_t> probe = WithIpOptions(
      std::span(kTimeExceededQuotingEcho).subspan(28), kRecordRoute);
  IcmpErrorSpec spec;
  spec.destination = kSource;
  spec.max_error_size = 0;
  spec.offending = probe;
  std::array<uint8_t, 576> error;
  const size_t size = BuildIcmpError(spec, error);
  ASSERT_EQ(size, 20u + 8 + 28 + 8);

  Result<Reply, ParseError> reply = ParseReply(std::span(error).first(size));
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->probe, IcmpKey(11177, 1));
  EXPECT_EQ(reply->quote_size, 36u);
}

TEST(ParseReplyTest, ReadsTheNextHopMtuOfFragmentationNeeded) {
  IcmpErrorSpec spec;
  spec.source = Ipv4Address::FromOctets(10, 201, 2, 2);
  spec.destination = kSource;
  spec.type = IcmpType::kDestinationUnreachable;
  spec.code = static_cast<uint8_t>(UnreachableCode::kFragmentationNeeded);
  spec.next_hop_mtu = 1400;
  spec.offending = std::span(kPortUnreachable).subspan(28);
  std::array<uint8_t, 576> error;
  const size_t size = BuildIcmpError(spec, error);
  ASSERT_NE(size, 0u);

  Result<Reply, ParseError> reply = ParseReply(std::span(error).first(size));
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, ReplyKind::kDestinationUnreachable);
  EXPECT_EQ(reply->icmp_code, 4);
  EXPECT_EQ(reply->next_hop_mtu, 1400);
  EXPECT_EQ(reply->probe, UdpKey(kTarget, 40658, 33449, 0x1ace));
}

TEST(ParseReplyTest, RejectsOurOwnEchoRequest) {
  ProbeSpec spec;
  spec.source = kSource;
  spec.destination = kTarget;
  std::array<uint8_t, kDefaultProbeSize> probe;
  ASSERT_EQ(BuildProbe(spec, probe), probe.size());
  Result<Reply, ParseError> reply = ParseReply(probe);
  ASSERT_FALSE(reply.ok());
  EXPECT_STREQ(reply.error().reason,
               "ICMP Echo Request is a probe, not a reply");
  EXPECT_EQ(reply.error().offset, 20u);
}

TEST(ParseReplyTest, RejectsOurOwnTcpSyn) {
  ProbeSpec spec;
  spec.method = ProbeMethod::kTcp;
  std::array<uint8_t, kDefaultProbeSize> probe;
  ASSERT_EQ(BuildProbe(spec, probe), probe.size());
  Result<Reply, ParseError> reply = ParseReply(probe);
  ASSERT_FALSE(reply.ok());
  EXPECT_STREQ(reply.error().reason, "TCP segment is neither SYN+ACK nor RST");
  EXPECT_EQ(reply.error().offset, 33u);
}

TEST(ParseReplyTest, RejectsAUdpDatagram) {
  ProbeSpec spec;
  spec.method = ProbeMethod::kUdp;
  std::array<uint8_t, kDefaultProbeSize> probe;
  ASSERT_EQ(BuildProbe(spec, probe), probe.size());
  Result<Reply, ParseError> reply = ParseReply(probe);
  ASSERT_FALSE(reply.ok());
  EXPECT_STREQ(reply.error().reason, "IPv4 protocol is not ICMP or TCP");
  EXPECT_EQ(reply.error().offset, 9u);
}

TEST(ParseReplyTest, RejectsATotalLengthBelowTheHeader) {
  // cases/c21-ip-total-length-8.pcap: Total Length 8 counts no IP header.
  std::vector<uint8_t> bytes = Copy(kEchoReply);
  bytes[2] = 0x00;
  bytes[3] = 0x08;
  Result<Reply, ParseError> reply = ParseReply(bytes);
  ASSERT_FALSE(reply.ok());
  EXPECT_STREQ(reply.error().reason,
               "IPv4 total length is less than the header");
  EXPECT_EQ(reply.error().offset, 2u);
}

TEST(ParseReplyTest, RejectsAnOuterFragment) {
  std::vector<uint8_t> bytes = Copy(kPortUnreachable);
  bytes[6] = 0x20;  // More Fragments.
  Result<Reply, ParseError> reply = ParseReply(bytes);
  ASSERT_FALSE(reply.ok());
  EXPECT_STREQ(reply.error().reason, "IPv4 datagram is a fragment");
  EXPECT_EQ(reply.error().offset, 6u);
}

// cases/c05-quote-nonfirst-fragment.pcap: the 8 bytes after a later
// fragment's header are not ports. At every fragment offset the reply
// names the probe by addresses, protocol and IP id alone.
TEST(ParseReplyTest, ReadsNoPortsFromAQuoteOfALaterFragment) {
  const Result<Reply, ParseError> first = ParseReply(kPortUnreachable);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->quoted_later_fragment);
  for (uint16_t offset = 1; offset < 0x2000; ++offset) {
    std::vector<uint8_t> bytes = Copy(kPortUnreachable);
    StoreU16(bytes, 34, offset);  // Quoted flags 0, fragment offset.
    Result<Reply, ParseError> reply = ParseReply(bytes);
    ASSERT_TRUE(reply.ok()) << "offset " << offset << ": " << reply.error();
    EXPECT_TRUE(reply->quoted_later_fragment);
    EXPECT_EQ(reply->probe.method, ProbeMethod::kUdp);
    EXPECT_EQ(reply->probe.source, first->probe.source);
    EXPECT_EQ(reply->probe.destination, first->probe.destination);
    EXPECT_EQ(reply->probe.source_port, 0u) << "offset " << offset;
    EXPECT_EQ(reply->probe.destination_port, 0u) << "offset " << offset;
    EXPECT_EQ(reply->probe.udp_checksum, 0u) << "offset " << offset;
    EXPECT_EQ(reply->quoted_ip_id, first->quoted_ip_id);
  }
}

// A quote cut short inside a complete datagram breaks RFC 792; only a
// capture's snap length may cut it, and never before the ports.
TEST(ParseReplyTest, AcceptsAQuoteCutAfterThePortsOnlyWhenTheCaptureCutIt) {
  for (size_t cut = 48; cut < 56; ++cut) {
    std::vector<uint8_t> bytes = Copy(std::span(kPortUnreachable).first(cut));
    Result<Reply, ParseError> captured = ParseReply(bytes);
    EXPECT_EQ(captured.ok(), cut >= 52) << "cut at " << cut;
    StoreU16(bytes, 2, static_cast<uint16_t>(cut));  // Total Length agrees.
    Result<Reply, ParseError> complete = ParseReply(bytes);
    ASSERT_FALSE(complete.ok()) << "cut at " << cut;
    EXPECT_LE(complete.error().offset, cut);
  }
}

TEST(ParseReplyTest, RejectsAQuoteOfAProtocolNoProbeUses) {
  std::vector<uint8_t> bytes = Copy(kPortUnreachable);
  bytes[37] = 47;  // GRE.
  Result<Reply, ParseError> reply = ParseReply(bytes);
  ASSERT_FALSE(reply.ok());
  EXPECT_STREQ(reply.error().reason, "quoted protocol is not ICMP, UDP or TCP");
  EXPECT_EQ(reply.error().offset, 37u);
}

TEST(ParseReplyTest, RejectsAQuotedIcmpMessageOtherThanAnEchoRequest) {
  std::vector<uint8_t> bytes = Copy(kTimeExceededQuotingEcho);
  bytes[48] = 0x00;  // The quoted message is an Echo Reply.
  Result<Reply, ParseError> reply = ParseReply(bytes);
  ASSERT_FALSE(reply.ok());
  EXPECT_STREQ(reply.error().reason,
               "quoted ICMP message is not an Echo Request");
  EXPECT_EQ(reply.error().offset, 48u);
}

TEST(ParseReplyTest, RejectsIcmpTypesThatAnswerNoProbe) {
  std::vector<uint8_t> bytes = Copy(kPortUnreachable);
  bytes[20] = static_cast<uint8_t>(IcmpType::kRedirect);
  Result<Reply, ParseError> reply = ParseReply(bytes);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().offset, 20u);
}

TEST(ParseReplyTest, RejectsAQuoteShorterThanItsIhlPlusEightBytes) {
  // The outer Total Length cuts the quote 1 byte short of the UDP header.
  std::vector<uint8_t> bytes = Copy(std::span(kPortUnreachable).first(55));
  bytes[3] = 55;
  Result<Reply, ParseError> reply = ParseReply(bytes);
  ASSERT_FALSE(reply.ok());
  EXPECT_STREQ(reply.error().reason,
               "ICMP quote ends before 8 bytes of quoted data");
  EXPECT_EQ(reply.error().offset, 55u);
}

// A Time Exceeded from 10.201.0.2 for an echo probe (id 11177, seq 1) of
// `probe_size` bytes, with `extensions` after its padded quote.
std::vector<uint8_t> TimeExceededWithExtensions(
    uint16_t probe_size, std::span<const uint8_t> extensions,
    uint8_t code = kTimeExceededInTransit) {
  ProbeSpec probe;
  probe.source = kSource;
  probe.destination = kTarget;
  probe.packet_size = probe_size;
  probe.ttl = 1;
  probe.icmp_id = 11177;
  probe.icmp_sequence = 1;
  std::vector<uint8_t> sent(probe_size);
  EXPECT_EQ(BuildProbe(probe, sent), probe_size);
  IcmpErrorSpec error;
  error.source = Ipv4Address::FromOctets(10, 201, 0, 2);
  error.destination = kSource;
  error.code = code;
  error.offending = sent;
  error.extensions = extensions;
  std::vector<uint8_t> out(1600);
  out.resize(BuildIcmpError(error, out));
  return out;
}

TEST(ParseReplyTest, CarriesTheLabelStackAfterThePaddedQuote) {
  const std::vector<MplsLabelEntry> stack = {{24001, 0, true, 1}};
  const std::vector<IcmpExtensionObject> objects = {
      MplsLabelStackObject(stack)};
  const auto bytes =
      TimeExceededWithExtensions(60, SerializeIcmpExtensions(objects));

  auto reply = ParseReply(Copy(bytes));
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_TRUE(reply->checksum_ok);
  EXPECT_EQ(reply->probe, IcmpKey(11177, 1));
  EXPECT_EQ(reply->quote_size, 128u);
  ASSERT_NE(reply->extensions, nullptr);
  EXPECT_EQ(reply->extensions->objects, objects);
  EXPECT_FALSE(reply->extension_checksum_bad);
}

TEST(ParseReplyTest, KeepsTheReplyButDropsAnExtensionWithABadChecksum) {
  const std::vector<MplsLabelEntry> stack = {{24001, 0, true, 1}};
  const std::vector<IcmpExtensionObject> objects = {
      MplsLabelStackObject(stack)};
  std::vector<uint8_t> extensions = SerializeIcmpExtensions(objects);
  extensions[3] ^= 0x10;
  const auto bytes = TimeExceededWithExtensions(60, extensions);

  auto reply = ParseReply(Copy(bytes));
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->probe, IcmpKey(11177, 1));
  EXPECT_EQ(reply->extensions, nullptr);
  EXPECT_TRUE(reply->extension_checksum_bad);
}

TEST(ParseReplyTest, ReadsNoExtensionInAReassemblyTimeout) {
  const std::vector<MplsLabelEntry> stack = {{24001, 0, true, 1}};
  const std::vector<IcmpExtensionObject> objects = {
      MplsLabelStackObject(stack)};
  const auto bytes = TimeExceededWithExtensions(
      60, SerializeIcmpExtensions(objects), kTimeExceededReassembly);

  auto reply = ParseReply(Copy(bytes));
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->icmp_code, kTimeExceededReassembly);
  EXPECT_EQ(reply->extensions, nullptr);
  EXPECT_EQ(reply->quote_size, 128u + 12u);
}

TEST(ParseReplyTest, ExtensionsSurviveEveryTruncationWithoutOverreading) {
  const std::vector<MplsLabelEntry> stack = {{16, 1, false, 9},
                                             {24001, 0, true, 1}};
  const std::vector<IcmpExtensionObject> objects = {
      MplsLabelStackObject(stack)};
  const auto bytes =
      TimeExceededWithExtensions(200, SerializeIcmpExtensions(objects));
  for (size_t size = 0; size < bytes.size(); ++size) {
    SCOPED_TRACE(size);
    // A capture cut short: Total Length promises more than is there.
    auto reply = ParseReply(Copy(std::span(bytes).first(size)));
    if (reply.ok()) {
      EXPECT_FALSE(reply->checksum_ok);
      EXPECT_FALSE(reply->extensions != nullptr &&
                   reply->extensions->objects.size() > 1);
    }
  }
}

TEST(ProbeKeyTest, PrintsDecodedFields) {
  std::ostringstream icmp;
  icmp << IcmpKey(11177, 1);
  EXPECT_EQ(icmp.str(), "icmp 10.201.0.1 > 10.201.5.2 id 11177 seq 1");
  std::ostringstream udp;
  udp << UdpKey(kTarget, 40658, 33449, 0x1ace);
  EXPECT_EQ(udp.str(),
            "udp 10.201.0.1:40658 > 10.201.5.2:33449 checksum 0x1ace");
  std::ostringstream tcp;
  tcp << TcpKey(kSource, kTarget, 45711, 80, 7);
  EXPECT_EQ(tcp.str(), "tcp 10.201.0.1:45711 > 10.201.5.2:80 seq 7");
}

TEST(ParseErrorTest, PrintsReasonAndOffset) {
  std::ostringstream os;
  os << ParseError{"truncated ICMP header", 24};
  EXPECT_EQ(os.str(), "truncated ICMP header at byte 24");
}

}  // namespace
}  // namespace hoplab::crafter
