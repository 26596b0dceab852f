#include "crafter/probe.h"

#include <gtest/gtest.h>
#include <tins/icmp.h>
#include <tins/ip.h>
#include <tins/rawpdu.h>
#include <tins/tcp.h>
#include <tins/udp.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "crafter/byte_cursor.h"
#include "crafter/checksum.h"
#include "crafter/icmp.h"
#include "crafter/udp.h"

namespace hoplab::crafter {
namespace {

const Ipv4Address kSource = Ipv4Address::FromOctets(10, 201, 0, 1);
const Ipv4Address kTarget = Ipv4Address::FromOctets(10, 201, 5, 2);

ProbeSpec SpecFor(ProbeMethod method, uint16_t packet_size) {
  ProbeSpec spec;
  spec.method = method;
  spec.source = kSource;
  spec.destination = kTarget;
  spec.ttl = 7;
  spec.tos = 0x28;
  spec.ip_id = 0xbeef;
  spec.dont_fragment = true;
  spec.packet_size = packet_size;
  spec.icmp_id = 11177;
  spec.icmp_sequence = 42;
  spec.source_port = 50221;
  spec.destination_port = 33434;
  spec.tcp_sequence = 0x21aaccaa;
  return spec;
}

// The spec of a 60-byte probe as Linux traceroute sends it: TOS 0, no DF.
ProbeSpec CapturedSpec(ProbeMethod method, uint8_t ttl, uint16_t ip_id) {
  ProbeSpec spec = SpecFor(method, 60);
  spec.ttl = ttl;
  spec.tos = 0;
  spec.ip_id = ip_id;
  spec.dont_fragment = false;
  return spec;
}

std::vector<uint8_t> Build(const ProbeSpec& spec) {
  std::vector<uint8_t> out(spec.packet_size);
  EXPECT_EQ(BuildProbe(spec, out), spec.packet_size);
  return out;
}

// libtins recomputes every checksum when it serializes; equal bytes mean
// our checksums (and every other field) agree with an independent
// implementation.
void ExpectLibtinsReserializesTheSameBytes(const std::vector<uint8_t>& bytes) {
  Tins::IP ip(bytes.data(), static_cast<uint32_t>(bytes.size()));
  const std::vector<uint8_t> again = ip.serialize();
  EXPECT_EQ(again, bytes);
}

void ExpectIpFields(const Tins::IP& ip, const ProbeSpec& spec,
                    uint8_t protocol) {
  EXPECT_EQ(ip.version(), 4);
  EXPECT_EQ(ip.head_len(), 5);
  EXPECT_EQ(ip.tos(), spec.tos);
  EXPECT_EQ(ip.tot_len(), spec.packet_size);
  EXPECT_EQ(ip.id(), spec.ip_id);
  EXPECT_EQ(ip.flags(), Tins::IP::DONT_FRAGMENT);
  EXPECT_EQ(ip.fragment_offset(), 0);
  EXPECT_EQ(ip.ttl(), spec.ttl);
  EXPECT_EQ(ip.protocol(), protocol);
  EXPECT_EQ(ip.src_addr(), Tins::IPv4Address(spec.source.ToString()));
  EXPECT_EQ(ip.dst_addr(), Tins::IPv4Address(spec.destination.ToString()));
}

// Byte i of `payload` is `first` + i.
void ExpectCountingPayload(const Tins::PDU& pdu, size_t size, uint8_t first) {
  const Tins::RawPDU* raw = pdu.find_pdu<Tins::RawPDU>();
  if (size == 0) {
    EXPECT_EQ(raw, nullptr);
    return;
  }
  ASSERT_NE(raw, nullptr);
  const Tins::RawPDU::payload_type& payload = raw->payload();
  ASSERT_EQ(payload.size(), size);
  for (size_t i = 0; i < size; ++i) {
    ASSERT_EQ(payload[i], static_cast<uint8_t>(first + i)) << "byte " << i;
  }
}

class IcmpProbeTest : public testing::TestWithParam<uint16_t> {};

TEST_P(IcmpProbeTest, WritesEveryFieldLibtinsReads) {
  const ProbeSpec spec = SpecFor(ProbeMethod::kIcmp, GetParam());
  const std::vector<uint8_t> bytes = Build(spec);
  Tins::IP ip(bytes.data(), static_cast<uint32_t>(bytes.size()));
  ExpectIpFields(ip, spec, 1);
  const Tins::ICMP& icmp = ip.rfind_pdu<Tins::ICMP>();
  EXPECT_EQ(icmp.type(), Tins::ICMP::ECHO_REQUEST);
  EXPECT_EQ(icmp.code(), 0);
  EXPECT_EQ(icmp.id(), spec.icmp_id);
  EXPECT_EQ(icmp.sequence(), spec.icmp_sequence);
  ExpectCountingPayload(ip, spec.packet_size - 28u, 0x48);
  ExpectLibtinsReserializesTheSameBytes(bytes);
}

INSTANTIATE_TEST_SUITE_P(Sizes, IcmpProbeTest,
                         testing::Values(28, 29, 60, 61, 128, 1500));

class UdpProbeTest : public testing::TestWithParam<uint16_t> {};

TEST_P(UdpProbeTest, WritesEveryFieldLibtinsReads) {
  const ProbeSpec spec = SpecFor(ProbeMethod::kUdp, GetParam());
  const std::vector<uint8_t> bytes = Build(spec);
  Tins::IP ip(bytes.data(), static_cast<uint32_t>(bytes.size()));
  ExpectIpFields(ip, spec, 17);
  const Tins::UDP& udp = ip.rfind_pdu<Tins::UDP>();
  EXPECT_EQ(udp.sport(), spec.source_port);
  EXPECT_EQ(udp.dport(), spec.destination_port);
  EXPECT_EQ(udp.length(), spec.packet_size - 20u);
  EXPECT_NE(udp.checksum(), 0);
  ExpectCountingPayload(ip, spec.packet_size - 28u, 0x40);
  ExpectLibtinsReserializesTheSameBytes(bytes);
}

INSTANTIATE_TEST_SUITE_P(Sizes, UdpProbeTest,
                         testing::Values(28, 29, 60, 61, 128, 1500));

struct TcpCase {
  std::string name;
  uint16_t packet_size;
  size_t header_size;
  bool linux_options;
};

void PrintTo(const TcpCase& test, std::ostream* os) { *os << test.name; }

class TcpProbeTest : public testing::TestWithParam<TcpCase> {};

TEST_P(TcpProbeTest, WritesEveryFieldLibtinsReads) {
  const TcpCase& test = GetParam();
  const ProbeSpec spec = SpecFor(ProbeMethod::kTcp, test.packet_size);
  const std::vector<uint8_t> bytes = Build(spec);
  Tins::IP ip(bytes.data(), static_cast<uint32_t>(bytes.size()));
  ExpectIpFields(ip, spec, 6);
  const Tins::TCP& tcp = ip.rfind_pdu<Tins::TCP>();
  EXPECT_EQ(tcp.sport(), spec.source_port);
  EXPECT_EQ(tcp.dport(), spec.destination_port);
  EXPECT_EQ(tcp.seq(), spec.tcp_sequence);
  EXPECT_EQ(tcp.ack_seq(), 0u);
  EXPECT_EQ(tcp.flags(), Tins::TCP::SYN);
  EXPECT_EQ(tcp.window(), 5840);
  EXPECT_EQ(tcp.data_offset() * 4u, test.header_size);
  if (test.header_size > 20) {
    EXPECT_EQ(tcp.mss(), 1460);
  }
  if (test.linux_options) {
    EXPECT_TRUE(tcp.has_sack_permitted());
    EXPECT_EQ(tcp.winscale(), 2);
    EXPECT_EQ(tcp.timestamp(), std::make_pair(0u, 0u));
  }
  ExpectCountingPayload(ip, spec.packet_size - 20u - test.header_size, 0x40);
  ExpectLibtinsReserializesTheSameBytes(bytes);
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, TcpProbeTest,
    testing::Values(TcpCase{"Bare40", 40, 20, false},
                    TcpCase{"MssOnly44", 44, 24, false},
                    TcpCase{"MssAndNops56", 56, 36, false},
                    TcpCase{"Linux60", 60, 40, true},
                    TcpCase{"LinuxPlusOneByteOfData61", 61, 40, true},
                    TcpCase{"LinuxAndNops80", 80, 60, true},
                    TcpCase{"FullOptionsAndData100", 100, 60, true}),
    [](const testing::TestParamInfo<TcpCase>& info) {
      return info.param.name;
    });

TEST(BuildProbeTest, MatchesACapturedLinuxIcmpProbeByteForByte) {
  // captures/icmp-butskoy.pcap, traceroute -I, first probe:
  // IP (tos 0x0, ttl 1, id 64150, offset 0, flags [none], proto ICMP (1),
  //     length 60) 10.201.0.1 > 10.201.5.2: ICMP echo request, id 11177,
  //     seq 1, length 40
  const std::array<uint8_t, 60> captured = {
      0x45, 0x00, 0x00, 0x3c, 0xfa, 0x96, 0x00, 0x00,  // IP ver .. frag
      0x01, 0x01, 0xa4, 0x96, 0x0a, 0xc9, 0x00, 0x01,  // IP ttl .. src
      0x0a, 0xc9, 0x05, 0x02, 0x08, 0x00, 0x56, 0xd0,  // IP dst, ICMP type ..
      0x2b, 0xa9, 0x00, 0x01, 0x48, 0x49, 0x4a, 0x4b,  // id seq, data
      0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53,  // data
      0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b,  // data
      0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63,  // data
      0x64, 0x65, 0x66, 0x67,                          // data
  };
  ProbeSpec spec = CapturedSpec(ProbeMethod::kIcmp, 1, 64150);
  spec.icmp_id = 11177;
  spec.icmp_sequence = 1;
  std::array<uint8_t, 60> out = {};
  ASSERT_EQ(BuildProbe(spec, out), 60u);
  EXPECT_EQ(out, captured);
}

TEST(BuildProbeTest, MatchesACapturedLinuxUdpProbeButForTheChecksum) {
  // captures/udp-butskoy.pcap, first probe:
  // IP (tos 0x0, ttl 1, id 23791, offset 0, flags [none], proto UDP (17),
  //     length 60) 10.201.0.1.50221 > 10.201.5.2.33434: UDP, length 32
  // The capture was taken before checksum offload: its UDP checksum field
  // holds the pseudo-header sum 0x1ace, not the checksum on the wire.
  std::array<uint8_t, 60> captured = {
      0x45, 0x00, 0x00, 0x3c, 0x5c, 0xef, 0x00, 0x00,  // IP ver .. frag
      0x01, 0x11, 0x42, 0x2e, 0x0a, 0xc9, 0x00, 0x01,  // IP ttl .. src
      0x0a, 0xc9, 0x05, 0x02, 0xc4, 0x2d, 0x82, 0x9a,  // IP dst, UDP ports
      0x00, 0x28, 0x1a, 0xce, 0x40, 0x41, 0x42, 0x43,  // UDP len sum, data
      0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b,  // data
      0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53,  // data
      0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b,  // data
      0x5c, 0x5d, 0x5e, 0x5f,                          // data
  };
  ProbeSpec spec = CapturedSpec(ProbeMethod::kUdp, 1, 23791);
  spec.source_port = 50221;
  spec.destination_port = 33434;
  std::array<uint8_t, 60> out = {};
  ASSERT_EQ(BuildProbe(spec, out), 60u);
  captured[26] = out[26];
  captured[27] = out[27];
  EXPECT_EQ(out, captured);
}

TEST(BuildProbeTest, MatchesACapturedLinuxTcpSynButForTimestampAndChecksum) {
  // captures/tcp-rst-butskoy.pcap, TTL 6 probe:
  // IP (tos 0x0, ttl 6, id 3805, offset 0, flags [none], proto TCP (6),
  //     length 60) 10.201.0.1.45711 > 10.201.5.2.80: Flags [S], cksum
  //     0xab3a (correct), seq 564841642, win 5840, options [mss 1460,
  //     sackOK,TS val 1525575491 ecr 0,nop,wscale 2], length 0
  std::array<uint8_t, 60> captured = {
      0x45, 0x00, 0x00, 0x3c, 0x0e, 0xdd, 0x00, 0x00,  // IP ver .. frag
      0x06, 0x06, 0x8b, 0x4b, 0x0a, 0xc9, 0x00, 0x01,  // IP ttl .. src
      0x0a, 0xc9, 0x05, 0x02, 0xb2, 0x8f, 0x00, 0x50,  // IP dst, TCP ports
      0x21, 0xaa, 0xcc, 0xaa, 0x00, 0x00, 0x00, 0x00,  // seq, ack
      0xa0, 0x02, 0x16, 0xd0, 0xab, 0x3a, 0x00, 0x00,  // offset flags win sum
      0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,  // MSS, SACK ok, TS
      0x5a, 0xee, 0x6f, 0x43, 0x00, 0x00, 0x00, 0x00,  // TS val, TS ecr
      0x01, 0x03, 0x03, 0x02,                          // NOP, wscale 2
  };
  ProbeSpec spec = CapturedSpec(ProbeMethod::kTcp, 6, 3805);
  spec.source_port = 45711;
  spec.destination_port = 80;
  spec.tcp_sequence = 564841642;
  std::array<uint8_t, 60> out = {};
  ASSERT_EQ(BuildProbe(spec, out), 60u);
  // TSval is the sender's clock; hoplab sends 0, so the checksum differs.
  for (size_t i : {36, 37, 48, 49, 50, 51}) {
    captured[i] = out[i];
  }
  EXPECT_EQ(out, captured);
}

TEST(BuildProbeTest, WritesNoMoreThanThePacketSize) {
  for (ProbeMethod method :
       {ProbeMethod::kIcmp, ProbeMethod::kUdp, ProbeMethod::kTcp}) {
    std::array<uint8_t, 100> out;
    out.fill(0xee);
    ASSERT_EQ(BuildProbe(SpecFor(method, 61), out), 61u);
    for (size_t i = 61; i < out.size(); ++i) {
      ASSERT_EQ(out[i], 0xee) << ProbeMethodName(method) << " byte " << i;
    }
  }
}

TEST(BuildProbeTest, RefusesAZeroIpId) {
  ProbeSpec spec = SpecFor(ProbeMethod::kUdp, 60);
  spec.ip_id = 0;
  std::array<uint8_t, 60> out = {};
  EXPECT_EQ(BuildProbe(spec, out), 0u);
}

TEST(BuildProbeTest, RefusesASizeBelowTheHeaders) {
  std::array<uint8_t, 60> out = {};
  EXPECT_EQ(BuildProbe(SpecFor(ProbeMethod::kIcmp, 27), out), 0u);
  EXPECT_EQ(BuildProbe(SpecFor(ProbeMethod::kUdp, 27), out), 0u);
  EXPECT_EQ(BuildProbe(SpecFor(ProbeMethod::kTcp, 39), out), 0u);
}

TEST(BuildProbeTest, RefusesABufferSmallerThanThePacketSize) {
  std::array<uint8_t, 59> out = {};
  EXPECT_EQ(BuildProbe(SpecFor(ProbeMethod::kIcmp, 60), out), 0u);
}

TEST(BuildProbeTest, NamesEveryMethod) {
  EXPECT_EQ(ProbeMethodName(ProbeMethod::kIcmp), "icmp");
  EXPECT_EQ(ProbeMethodName(ProbeMethod::kUdp), "udp");
  EXPECT_EQ(ProbeMethodName(ProbeMethod::kTcp), "tcp");
}

// Paris probes: the checksum stays put while the sequence (ICMP) or the
// port-independent probe number (UDP) changes, and libtins, recomputing
// every checksum, still writes the same bytes.
TEST(BuildProbeTest, KeepsAFixedIcmpChecksumAcrossSequenceNumbers) {
  for (int sequence : {0, 1, 2, 1000, 65535}) {
    ProbeSpec spec = SpecFor(ProbeMethod::kIcmp, 60);
    spec.icmp_sequence = static_cast<uint16_t>(sequence);
    spec.fixed_checksum = 0x1234;
    const std::vector<uint8_t> bytes = Build(spec);
    EXPECT_EQ(LoadU16(bytes, 20 + kIcmpChecksumOffset), 0x1234)
        << "sequence " << sequence;
    EXPECT_TRUE(VerifyChecksum(std::span(bytes).subspan(20)));
    ExpectLibtinsReserializesTheSameBytes(bytes);
  }
}

TEST(BuildProbeTest, SetsTheUdpChecksumItIsAsked) {
  for (int wanted : {1, 0x8000, 0x8001, 0xfffe, 0xffff}) {
    ProbeSpec spec = SpecFor(ProbeMethod::kUdp, 60);
    spec.fixed_checksum = static_cast<uint16_t>(wanted);
    const std::vector<uint8_t> bytes = Build(spec);
    EXPECT_EQ(LoadU16(bytes, 20 + kUdpChecksumOffset), wanted)
        << "wanted " << wanted;
    ExpectLibtinsReserializesTheSameBytes(bytes);
  }
}

TEST(BuildProbeTest, RefusesAFixedChecksumWithoutRoomToAdjust) {
  ProbeSpec spec = SpecFor(ProbeMethod::kUdp, 29);
  spec.fixed_checksum = 0x8000;
  std::array<uint8_t, 64> out{};
  EXPECT_EQ(BuildProbe(spec, out), 0u);
  spec.packet_size = 30;
  EXPECT_EQ(BuildProbe(spec, out), 30u);
  spec.fixed_checksum = 0;
  EXPECT_EQ(BuildProbe(spec, out), 0u);
}

}  // namespace
}  // namespace hoplab::crafter
