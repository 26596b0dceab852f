#include "sim/router.h"

#include <gtest/gtest.h>
#include <tins/icmp.h>
#include <tins/ip.h>
#include <tins/rawpdu.h>
#include <tins/tcp.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "crafter/checksum.h"
#include "crafter/ipv4.h"
#include "crafter/probe.h"
#include "crafter/reply.h"
#include "sim/random.h"

namespace hoplab::sim {
namespace {

using crafter::Ipv4Address;
using crafter::ProbeMethod;

const Ipv4Address kHost = Ipv4Address::FromOctets(192, 0, 2, 100);
const Ipv4Address kRouter = Ipv4Address::FromOctets(198, 51, 100, 1);
const Ipv4Address kTarget = Ipv4Address::FromOctets(203, 0, 113, 50);

// The TTL byte and the header checksum field, the only bytes a forwarding
// router may change.
constexpr size_t kTtlOffset = 8;

std::vector<uint8_t> Probe(ProbeMethod method, uint8_t ttl,
                           uint16_t packet_size = crafter::kDefaultProbeSize) {
  crafter::ProbeSpec spec;
  spec.method = method;
  spec.source = kHost;
  spec.destination = kTarget;
  spec.ttl = ttl;
  spec.ip_id = 0x4d2e;
  spec.packet_size = packet_size;
  spec.icmp_id = 0x1f2f;
  spec.icmp_sequence = 7;
  spec.source_port = 40000;
  spec.destination_port = 33434;
  std::vector<uint8_t> out(packet_size);
  EXPECT_EQ(crafter::BuildProbe(spec, out), packet_size);
  return out;
}

// A bare IPv4 header with `options`, its fields drawn from `random`.
std::vector<uint8_t> RandomHeader(SeededRandom& random, uint8_t ttl,
                                  const std::vector<uint8_t>& options) {
  crafter::Ipv4Header header;
  header.tos = static_cast<uint8_t>(random.Next());
  header.id = static_cast<uint16_t>(random.Next());
  header.dont_fragment = random.Below(2) == 1;
  header.ttl = ttl;
  header.protocol = static_cast<crafter::IpProtocol>(random.Next());
  header.source = Ipv4Address(static_cast<uint32_t>(random.Next()));
  header.destination = Ipv4Address(static_cast<uint32_t>(random.Next()));
  header.options = options;
  header.total_length = static_cast<uint16_t>(20 + options.size());
  std::vector<uint8_t> out(20 + options.size());
  EXPECT_EQ(crafter::WriteIpv4Header(header, out), out.size());
  return out;
}

std::span<const uint8_t> HeaderOf(const std::vector<uint8_t>& datagram) {
  return std::span<const uint8_t>(datagram).first(size_t{datagram[0] & 0x0fu} *
                                                  4);
}

std::vector<uint8_t> Payload(const Tins::PDU& pdu) {
  const Tins::RawPDU* raw = pdu.find_pdu<Tins::RawPDU>();
  return raw == nullptr ? std::vector<uint8_t>() : raw->payload();
}

// An ICMP error as a Linux router or host sends it (TOS 0xc0, TTL 64),
// addressed back to the probing host, dissected by libtins.
void ExpectLinuxIcmpError(const std::vector<uint8_t>& error,
                          const std::string& from, uint16_t ip_id,
                          Tins::ICMP::Flags type, uint8_t code,
                          const std::vector<uint8_t>& quote) {
  ASSERT_FALSE(error.empty());
  const Tins::IP ip(error.data(), static_cast<uint32_t>(error.size()));
  EXPECT_EQ(ip.src_addr(), Tins::IPv4Address(from));
  EXPECT_EQ(ip.dst_addr(), Tins::IPv4Address("192.0.2.100"));
  EXPECT_EQ(ip.tos(), 0xc0);
  EXPECT_EQ(ip.ttl(), 64);
  EXPECT_EQ(ip.id(), ip_id);
  EXPECT_EQ(ip.protocol(), 1);
  EXPECT_EQ(ip.tot_len(), error.size());
  EXPECT_TRUE(crafter::VerifyChecksum(HeaderOf(error)));
  const Tins::ICMP* icmp = ip.find_pdu<Tins::ICMP>();
  ASSERT_NE(icmp, nullptr);
  EXPECT_EQ(icmp->type(), type);
  EXPECT_EQ(icmp->code(), code);
  EXPECT_TRUE(crafter::VerifyChecksum(std::span(error).subspan(20)));
  EXPECT_EQ(Payload(*icmp), quote);
}

struct OptionsCase {
  std::string name;
  std::vector<uint8_t> options;
};

void PrintTo(const OptionsCase& c, std::ostream* os) { *os << c.name; }

class DecrementTtlHeaderTest : public testing::TestWithParam<OptionsCase> {};

TEST_P(DecrementTtlHeaderTest, LowersTtlByOneAndKeepsTheHeaderChecksumValid) {
  SeededRandom random(0x5eed);
  for (int ttl = 2; ttl <= 255; ++ttl) {
    for (int round = 0; round < 8; ++round) {
      const std::vector<uint8_t> before =
          RandomHeader(random, static_cast<uint8_t>(ttl), GetParam().options);
      ASSERT_TRUE(crafter::VerifyChecksum(before));
      std::vector<uint8_t> after = before;

      ASSERT_TRUE(DecrementTtl(after)) << "ttl " << ttl;

      EXPECT_EQ(after[kTtlOffset], ttl - 1);
      EXPECT_TRUE(crafter::VerifyChecksum(after)) << "ttl " << ttl;
      for (size_t i = 0; i < after.size(); ++i) {
        if (i != kTtlOffset && i != crafter::kIpv4ChecksumOffset &&
            i != crafter::kIpv4ChecksumOffset + 1) {
          EXPECT_EQ(after[i], before[i]) << "byte " << i << ", ttl " << ttl;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Headers, DecrementTtlHeaderTest,
    testing::Values(
        OptionsCase{"NoOptions", {}},
        // Four NOPs.
        OptionsCase{"FourByteNops", {0x01, 0x01, 0x01, 0x00}},
        // Record Route with room for one address, then End of Options.
        OptionsCase{"RecordRoute",
                    {0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00}},
        // The largest header: 40 bytes of Timestamp option space.
        OptionsCase{
            "FortyByteOptions",
            std::vector<uint8_t>{
                0x44, 0x28, 0x05, 0x00, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
                0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
                0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
                0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d}}),
    [](const testing::TestParamInfo<OptionsCase>& info) {
      return info.param.name;
    });

TEST(DecrementTtlProbeTest, KeepsEveryProbeMethodsHeaderValid) {
  for (ProbeMethod method :
       {ProbeMethod::kIcmp, ProbeMethod::kUdp, ProbeMethod::kTcp}) {
    std::vector<uint8_t> probe = Probe(method, 30);

    ASSERT_TRUE(DecrementTtl(probe));

    EXPECT_EQ(probe[kTtlOffset], 29);
    EXPECT_TRUE(crafter::VerifyChecksum(HeaderOf(probe)))
        << crafter::ProbeMethodName(method);
  }
}

TEST(DecrementTtlTest, LeavesAnExpiringDatagramAsItArrived) {
  for (uint8_t ttl : {uint8_t{1}, uint8_t{0}}) {
    const std::vector<uint8_t> before = Probe(ProbeMethod::kIcmp, ttl);
    std::vector<uint8_t> after = before;

    EXPECT_FALSE(DecrementTtl(after)) << "ttl " << int{ttl};

    EXPECT_EQ(after, before) << "ttl " << int{ttl};
  }
}

TEST(BuildTimeExceededTest, QuotesTheDatagramAsItArrivedFromTheRouter) {
  const std::vector<uint8_t> probe = Probe(ProbeMethod::kIcmp, 1);

  const std::vector<uint8_t> error =
      BuildTimeExceeded(RouterProfile{}, kRouter, 0x0abc, probe);

  ExpectLinuxIcmpError(error, "198.51.100.1", 0x0abc, Tins::ICMP::TIME_EXCEEDED,
                       0, probe);
}

TEST(BuildTimeExceededTest, CutsTheQuoteSoTheErrorFitsIn576Bytes) {
  const std::vector<uint8_t> probe = Probe(ProbeMethod::kUdp, 1, 1500);

  const std::vector<uint8_t> error =
      BuildTimeExceeded(RouterProfile{}, kRouter, 1, probe);

  ASSERT_EQ(error.size(), 576u);
  const Tins::IP ip(error.data(), static_cast<uint32_t>(error.size()));
  const Tins::ICMP* icmp = ip.find_pdu<Tins::ICMP>();
  ASSERT_NE(icmp, nullptr);
  const std::vector<uint8_t> expected(probe.begin(), probe.begin() + 548);
  EXPECT_EQ(Payload(*icmp), expected);
  EXPECT_TRUE(crafter::VerifyChecksum(std::span(error).subspan(20)));
}

TEST(BuildTimeExceededTest, FollowsTheProfilesTtlAndTos) {
  RouterProfile profile;
  profile.initial_ttl = 255;
  profile.error_tos = 0;

  const std::vector<uint8_t> error =
      BuildTimeExceeded(profile, kRouter, 1, Probe(ProbeMethod::kIcmp, 1));

  ASSERT_FALSE(error.empty());
  const Tins::IP ip(error.data(), static_cast<uint32_t>(error.size()));
  EXPECT_EQ(ip.ttl(), 255);
  EXPECT_EQ(ip.tos(), 0);
}

TEST(BuildTimeExceededTest, AnswersNothingForBytesThatAreNotIpv4) {
  const std::vector<uint8_t> garbage(40, 0x55);

  EXPECT_TRUE(BuildTimeExceeded(RouterProfile{}, kRouter, 1, garbage).empty());
}

TEST(BuildHostAnswerTest, AnswersEchoRequestWithEchoReplyCopyingIdSeqAndData) {
  const std::vector<uint8_t> probe = Probe(ProbeMethod::kIcmp, 5);

  const std::vector<uint8_t> reply =
      BuildHostAnswer(RouterProfile{}, kTarget, 0x2222, probe);

  ASSERT_EQ(reply.size(), probe.size());
  const Tins::IP ip(reply.data(), static_cast<uint32_t>(reply.size()));
  EXPECT_EQ(ip.src_addr(), Tins::IPv4Address("203.0.113.50"));
  EXPECT_EQ(ip.dst_addr(), Tins::IPv4Address("192.0.2.100"));
  EXPECT_EQ(ip.ttl(), 64);
  EXPECT_EQ(ip.id(), 0x2222);
  EXPECT_TRUE(crafter::VerifyChecksum(HeaderOf(reply)));
  const Tins::ICMP* icmp = ip.find_pdu<Tins::ICMP>();
  ASSERT_NE(icmp, nullptr);
  EXPECT_EQ(icmp->type(), Tins::ICMP::ECHO_REPLY);
  EXPECT_EQ(icmp->code(), 0);
  EXPECT_EQ(icmp->id(), 0x1f2f);
  EXPECT_EQ(icmp->sequence(), 7);
  EXPECT_TRUE(crafter::VerifyChecksum(std::span(reply).subspan(20)));
  const std::vector<uint8_t> request_data(probe.begin() + 28, probe.end());
  EXPECT_EQ(Payload(*icmp), request_data);
}

TEST(BuildHostAnswerTest, AnswersUdpWithPortUnreachableQuotingTheDatagram) {
  const std::vector<uint8_t> probe = Probe(ProbeMethod::kUdp, 3);

  const std::vector<uint8_t> reply =
      BuildHostAnswer(RouterProfile{}, kTarget, 0x3333, probe);

  ExpectLinuxIcmpError(reply, "203.0.113.50", 0x3333,
                       Tins::ICMP::DEST_UNREACHABLE, 3, probe);
}

TEST(BuildHostAnswerTest, AnswersASynToAClosedPortWithResetAck) {
  const std::vector<uint8_t> answer =
      BuildHostAnswer(RouterProfile{}, kTarget, 1, Probe(ProbeMethod::kTcp, 3));

  auto reply = crafter::ParseReply(answer);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, crafter::ReplyKind::kTcpReset);
  EXPECT_EQ(reply->responder, kTarget);
  EXPECT_EQ(reply->probe.source_port, 40000);
  EXPECT_EQ(reply->probe.destination_port, 33434);
  EXPECT_TRUE(reply->checksum_ok);
}

TEST(BuildHostAnswerTest, AnswersASynToAListeningPortWithSynAck) {
  RouterProfile profile;
  profile.open_tcp_ports = {33434};
  const std::vector<uint8_t> answer =
      BuildHostAnswer(profile, kTarget, 1, Probe(ProbeMethod::kTcp, 3));

  auto reply = crafter::ParseReply(answer);
  ASSERT_TRUE(reply.ok()) << reply.error();
  EXPECT_EQ(reply->kind, crafter::ReplyKind::kTcpSynAck);
  EXPECT_EQ(reply->reply_ttl, 64);
  EXPECT_TRUE(reply->checksum_ok);
  Tins::IP dissected(answer.data(), static_cast<uint32_t>(answer.size()));
  const Tins::TCP& tcp = dissected.rfind_pdu<Tins::TCP>();
  EXPECT_EQ(tcp.flags(), Tins::TCP::SYN | Tins::TCP::ACK);
  EXPECT_EQ(tcp.mss(), 1460);
}

TEST(BuildHostAnswerTest, StaysSilentForBytesThatAreNotIpv4) {
  EXPECT_TRUE(BuildHostAnswer(RouterProfile{}, kTarget, 1,
                              std::vector<uint8_t>(40, 0x55))
                  .empty());
}

}  // namespace
}  // namespace hoplab::sim
