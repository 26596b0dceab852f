#include "crafter/icmp_error.h"

#include <gtest/gtest.h>
#include <tins/icmp.h>
#include <tins/ip.h>
#include <tins/rawpdu.h>
#include <tins/udp.h>

#include <array>
#include <cstdint>
#include <vector>

#include "crafter/checksum.h"
#include "crafter/icmp_extension.h"
#include "crafter/probe.h"
#include "tests/crafter/captured_replies.h"

namespace hoplab::crafter {
namespace {

using captured::kEchoReply;
using captured::kPortUnreachable;

const Ipv4Address kSource = Ipv4Address::FromOctets(10, 201, 0, 1);
const Ipv4Address kTarget = Ipv4Address::FromOctets(10, 201, 5, 2);
const Ipv4Address kRouter = Ipv4Address::FromOctets(10, 201, 0, 2);

std::vector<uint8_t> UdpProbe(uint16_t packet_size) {
  ProbeSpec spec;
  spec.method = ProbeMethod::kUdp;
  spec.source = kSource;
  spec.destination = kTarget;
  spec.packet_size = packet_size;
  spec.source_port = 40000;
  spec.destination_port = 33434;
  std::vector<uint8_t> probe(packet_size);
  EXPECT_EQ(BuildProbe(spec, probe), packet_size);
  return probe;
}

std::vector<uint8_t> EchoRequest(uint16_t packet_size, uint16_t id,
                                 uint16_t sequence) {
  ProbeSpec spec;
  spec.source = kSource;
  spec.destination = kTarget;
  spec.packet_size = packet_size;
  spec.icmp_id = id;
  spec.icmp_sequence = sequence;
  std::vector<uint8_t> request(packet_size);
  EXPECT_EQ(BuildProbe(spec, request), packet_size);
  return request;
}

IcmpErrorSpec TimeExceededFor(std::span<const uint8_t> offending) {
  IcmpErrorSpec spec;
  spec.source = kRouter;
  spec.destination = kSource;
  spec.tos = 0xc0;
  spec.ip_id = 17765;
  spec.offending = offending;
  return spec;
}

std::vector<uint8_t> Build(const IcmpErrorSpec& spec) {
  std::vector<uint8_t> out(1600);
  out.resize(BuildIcmpError(spec, out));
  return out;
}

TEST(BuildIcmpErrorTest, ReproducesACapturedPortUnreachableByteForByte) {
  IcmpErrorSpec spec;
  spec.source = kTarget;
  spec.destination = kSource;
  spec.ttl = 59;  // 64 as sent, 5 routers on the way back.
  spec.tos = 0xc0;
  spec.ip_id = 3206;
  spec.type = IcmpType::kDestinationUnreachable;
  spec.code = static_cast<uint8_t>(UnreachableCode::kPort);
  spec.offending = std::span(kPortUnreachable).subspan(28);
  EXPECT_EQ(Build(spec), std::vector<uint8_t>(kPortUnreachable.begin(),
                                              kPortUnreachable.end()));
}

TEST(BuildIcmpErrorTest, WritesATimeExceededThatLibtinsDissects) {
  const std::vector<uint8_t> probe = UdpProbe(60);
  const std::vector<uint8_t> bytes = Build(TimeExceededFor(probe));
  ASSERT_EQ(bytes.size(), 20u + 8 + 60);

  Tins::IP ip(bytes.data(), static_cast<uint32_t>(bytes.size()));
  EXPECT_EQ(ip.src_addr(), Tins::IPv4Address("10.201.0.2"));
  EXPECT_EQ(ip.dst_addr(), Tins::IPv4Address("10.201.0.1"));
  EXPECT_EQ(ip.tos(), 0xc0);
  EXPECT_EQ(ip.ttl(), 64);
  EXPECT_EQ(ip.id(), 17765);
  EXPECT_EQ(ip.tot_len(), 88);
  EXPECT_EQ(ip.protocol(), 1);
  const Tins::ICMP& icmp = ip.rfind_pdu<Tins::ICMP>();
  EXPECT_EQ(icmp.type(), Tins::ICMP::TIME_EXCEEDED);
  EXPECT_EQ(icmp.code(), 0);
  // libtins recomputes both checksums when it serializes.
  EXPECT_EQ(ip.serialize(), bytes);
  // The quote is the probe, unchanged.
  EXPECT_TRUE(std::equal(probe.begin(), probe.end(), bytes.begin() + 28));
}

TEST(BuildIcmpErrorTest, QuotesUpTo576BytesLikeRfc1812) {
  const std::vector<uint8_t> probe = UdpProbe(1500);
  const std::vector<uint8_t> bytes = Build(TimeExceededFor(probe));
  ASSERT_EQ(bytes.size(), kRfc1812MaxErrorSize);
  EXPECT_TRUE(VerifyChecksum(std::span(bytes).subspan(20)));
  EXPECT_TRUE(std::equal(bytes.begin() + 28, bytes.end(), probe.begin()));
}

TEST(BuildIcmpErrorTest, PadsTheQuoteTo128BytesBeforeExtensions) {
  const std::vector<MplsLabelEntry> stack = {{24001, 0, true, 1}};
  const std::vector<IcmpExtensionObject> objects = {
      MplsLabelStackObject(stack)};
  const std::vector<uint8_t> extensions = SerializeIcmpExtensions(objects);
  for (const uint16_t probe_size : {uint16_t{60}, uint16_t{1500}}) {
    SCOPED_TRACE(probe_size);
    const std::vector<uint8_t> probe = UdpProbe(probe_size);
    IcmpErrorSpec spec = TimeExceededFor(probe);
    spec.extensions = extensions;
    const std::vector<uint8_t> bytes = Build(spec);

    // 20 IP + 8 ICMP + 128 quote + 12 extension; length 32 words at byte 5.
    ASSERT_EQ(bytes.size(), 20u + 8u + 128u + 12u);
    EXPECT_EQ(bytes[20 + 5], 32);
    EXPECT_TRUE(VerifyChecksum(std::span(bytes).subspan(20)));
    const size_t quoted = std::min<size_t>(probe_size, 128);
    EXPECT_TRUE(std::equal(bytes.begin() + 28,
                           bytes.begin() + 28 + ptrdiff_t(quoted),
                           probe.begin()));
    EXPECT_TRUE(std::all_of(bytes.begin() + 28 + ptrdiff_t(quoted),
                            bytes.begin() + 156,
                            [](uint8_t b) { return b == 0; }));
    EXPECT_TRUE(
        std::equal(bytes.begin() + 156, bytes.end(), extensions.begin()));
  }
}

TEST(BuildIcmpErrorTest, QuotesTheHeaderAndEightBytesLikeRfc792) {
  const std::vector<uint8_t> probe = UdpProbe(1500);
  IcmpErrorSpec spec = TimeExceededFor(probe);
  spec.max_error_size = 20 + 8 + 20 + kMinQuotedDataSize;
  const std::vector<uint8_t> bytes = Build(spec);
  ASSERT_EQ(bytes.size(), 56u);

  Tins::IP ip(bytes.data(), static_cast<uint32_t>(bytes.size()));
  EXPECT_EQ(ip.serialize(), bytes);
  EXPECT_TRUE(std::equal(bytes.begin() + 28, bytes.end(), probe.begin()));
}

TEST(BuildIcmpErrorTest, NeverQuotesLessThanTheHeaderAndEightBytes) {
  const std::vector<uint8_t> probe = UdpProbe(100);
  IcmpErrorSpec spec = TimeExceededFor(probe);
  spec.max_error_size = 10;
  EXPECT_EQ(Build(spec).size(), 56u);
}

TEST(BuildIcmpErrorTest, QuotesADatagramShorterThanHeaderPlusEightWhole) {
  // An IPv4 header and 4 bytes of data.
  std::vector<uint8_t> datagram = UdpProbe(28);
  datagram.resize(24);
  datagram[3] = 24;
  IcmpErrorSpec spec = TimeExceededFor(datagram);
  spec.max_error_size = 0;
  EXPECT_EQ(Build(spec).size(), 28u + 24);
}

TEST(BuildIcmpErrorTest, LeavesLinkPaddingOutOfTheQuote) {
  std::vector<uint8_t> padded = UdpProbe(40);
  padded.insert(padded.end(), 20, 0x00);
  EXPECT_EQ(Build(TimeExceededFor(padded)).size(), 28u + 40);
}

TEST(BuildIcmpErrorTest, CarriesTheNextHopMtuOfFragmentationNeeded) {
  const std::vector<uint8_t> probe = UdpProbe(1500);
  IcmpErrorSpec spec = TimeExceededFor(probe);
  spec.type = IcmpType::kDestinationUnreachable;
  spec.code = static_cast<uint8_t>(UnreachableCode::kFragmentationNeeded);
  spec.next_hop_mtu = 1400;
  const std::vector<uint8_t> bytes = Build(spec);

  Tins::IP ip(bytes.data(), static_cast<uint32_t>(bytes.size()));
  const Tins::ICMP& icmp = ip.rfind_pdu<Tins::ICMP>();
  EXPECT_EQ(icmp.type(), Tins::ICMP::DEST_UNREACHABLE);
  EXPECT_EQ(icmp.code(), 4);
  EXPECT_EQ(icmp.mtu(), 1400);
  // libtins would fill in the RFC 4884 length on serializing; check the
  // checksum directly instead.
  EXPECT_TRUE(VerifyChecksum(std::span(bytes).subspan(20)));
}

TEST(BuildIcmpErrorTest, RefusesASmallBufferOrAnUnparseableDatagram) {
  const std::vector<uint8_t> probe = UdpProbe(60);
  std::array<uint8_t, 87> small;
  EXPECT_EQ(BuildIcmpError(TimeExceededFor(probe), small), 0u);
  std::array<uint8_t, 576> out;
  EXPECT_EQ(BuildIcmpError(TimeExceededFor(std::span(probe).first(19)), out),
            0u);
  std::vector<uint8_t> not_ipv4 = probe;
  not_ipv4[0] = 0x65;
  EXPECT_EQ(BuildIcmpError(TimeExceededFor(not_ipv4), out), 0u);
}

TEST(BuildEchoReplyTest, ReproducesACapturedEchoReplyByteForByte) {
  const std::vector<uint8_t> request =
      EchoRequest(kDefaultProbeSize, 11752, 16);

  std::array<uint8_t, 100> out;
  // TTL 64 as sent, 5 routers on the way back.
  const size_t size = BuildEchoReply(request, 59, 9126, out);
  ASSERT_EQ(size, kEchoReply.size());
  EXPECT_TRUE(std::equal(kEchoReply.begin(), kEchoReply.end(), out.begin()));
}

TEST(BuildEchoReplyTest, WritesAnOddLengthReplyThatLibtinsDissects) {
  const std::vector<uint8_t> request = EchoRequest(35, 0x1234, 1);

  std::vector<uint8_t> bytes(35);
  ASSERT_EQ(BuildEchoReply(request, 64, 77, bytes), 35u);
  Tins::IP ip(bytes.data(), static_cast<uint32_t>(bytes.size()));
  EXPECT_EQ(ip.src_addr(), Tins::IPv4Address("10.201.5.2"));
  EXPECT_EQ(ip.dst_addr(), Tins::IPv4Address("10.201.0.1"));
  EXPECT_EQ(ip.id(), 77);
  const Tins::ICMP& icmp = ip.rfind_pdu<Tins::ICMP>();
  EXPECT_EQ(icmp.type(), Tins::ICMP::ECHO_REPLY);
  EXPECT_EQ(icmp.id(), 0x1234);
  EXPECT_EQ(icmp.sequence(), 1);
  EXPECT_EQ(ip.serialize(), bytes);
}

TEST(BuildEchoReplyTest, RefusesAnythingButAnEchoRequest) {
  std::array<uint8_t, 100> out;
  EXPECT_EQ(BuildEchoReply(kEchoReply, 64, 1, out), 0u);
  EXPECT_EQ(BuildEchoReply(kPortUnreachable, 64, 1, out), 0u);
  EXPECT_EQ(BuildEchoReply(UdpProbe(60), 64, 1, out), 0u);
  EXPECT_EQ(BuildEchoReply({}, 64, 1, out), 0u);
}

TEST(BuildEchoReplyTest, RefusesATruncatedRequestOrASmallBuffer) {
  const std::vector<uint8_t> request = EchoRequest(kDefaultProbeSize, 1, 1);
  std::array<uint8_t, 100> out;
  EXPECT_EQ(BuildEchoReply(std::span(request).first(59), 64, 1, out), 0u);
  EXPECT_EQ(BuildEchoReply(request, 64, 1, std::span(out).first(59)), 0u);
  EXPECT_EQ(BuildEchoReply(request, 64, 1, out), 60u);
}

}  // namespace
}  // namespace hoplab::crafter
