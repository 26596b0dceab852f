#include "trace/datagram_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crafter/icmp.h"
#include "crafter/probe.h"
#include "crafter/reply.h"
#include "gtest/gtest.h"

namespace hoplab::trace {
namespace {

using crafter::Ipv4Address;
using crafter::ProbeMethod;
using std::chrono::milliseconds;

constexpr Ipv4Address kLoopback = Ipv4Address::FromOctets(127, 0, 0, 1);
// Offset of the quoted datagram in an ICMP error with a 20-byte header.
constexpr size_t kQuoteOffset = 28;

// A UDP port on loopback that nothing is bound to right now: the kernel
// picks it for a socket that is then closed.
uint16_t FreeUdpPort() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(local);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&local), size) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &size) != 0) {
    ADD_FAILURE() << "could not find a free UDP port";
  }
  close(fd);
  return ntohs(local.sin_port);
}

std::vector<uint8_t> BuildUdpProbe(uint16_t source_port,
                                   uint16_t destination_port) {
  crafter::ProbeSpec spec;
  spec.method = ProbeMethod::kUdp;
  spec.source = kLoopback;
  spec.destination = kLoopback;
  spec.ttl = 64;
  spec.ip_id = 0x1234;
  spec.source_port = source_port;
  spec.destination_port = destination_port;
  std::vector<uint8_t> probe(crafter::kDefaultProbeSize);
  EXPECT_EQ(crafter::BuildProbe(spec, probe), probe.size());
  return probe;
}

LiveOptions LoopbackOptions() {
  LiveOptions options;
  options.source = kLoopback;
  return options;
}

TEST(DatagramTransportTest, SupportsUdpAndIcmpButNotTcp) {
  EXPECT_TRUE(DatagramTransport::Supports(ProbeMethod::kUdp));
  EXPECT_TRUE(DatagramTransport::Supports(ProbeMethod::kIcmp));
  EXPECT_FALSE(DatagramTransport::Supports(ProbeMethod::kTcp));
}

TEST(DatagramTransportTest, OpenForTcpFailsWithOneLine) {
  auto opened = DatagramTransport::Open(ProbeMethod::kTcp, LoopbackOptions());

  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().message, "no unprivileged path for tcp probes");
}

TEST(DatagramTransportTest, SendRejectsAProbeOfAnotherMethod) {
  auto opened = DatagramTransport::Open(ProbeMethod::kUdp, LoopbackOptions());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  crafter::ProbeSpec spec;
  spec.method = ProbeMethod::kTcp;
  spec.source = kLoopback;
  spec.destination = kLoopback;
  std::vector<uint8_t> probe(crafter::kDefaultProbeSize);
  ASSERT_EQ(crafter::BuildProbe(spec, probe), probe.size());

  auto sent = (*opened)->Send(probe);

  ASSERT_FALSE(sent.ok());
  EXPECT_NE(sent.error().message.find("expected a udp probe"),
            std::string::npos)
      << sent.error().message;
}

// Needs no privilege: an ordinary UDP socket to a closed port on
// loopback, which the kernel answers with Port Unreachable.
TEST(DatagramTransportTest, ClosedLoopbackPortComesBackAsRebuiltError) {
  auto opened = DatagramTransport::Open(ProbeMethod::kUdp, LoopbackOptions());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  const uint16_t source_port = FreeUdpPort();
  const uint16_t destination_port = FreeUdpPort();
  ASSERT_NE(source_port, destination_port);
  const std::vector<uint8_t> probe =
      BuildUdpProbe(source_port, destination_port);

  auto sent_at = (*opened)->Send(probe);
  ASSERT_TRUE(sent_at.ok()) << sent_at.error().message;
  auto received = (*opened)->Receive(*sent_at + milliseconds(2000));
  ASSERT_TRUE(received.ok()) << received.error().message;
  ASSERT_TRUE(received->has_value()) << "no error within 2 s";

  // The rebuilt datagram parses as the error the kernel reported, about
  // this probe, and quotes the probe as it was built.
  const std::span<const uint8_t> bytes = (*received)->bytes;
  auto reply = crafter::ParseReply(bytes);
  ASSERT_TRUE(reply.ok()) << reply.error().ToString();
  EXPECT_EQ(reply->kind, crafter::ReplyKind::kDestinationUnreachable);
  EXPECT_EQ(reply->icmp_code,
            static_cast<uint8_t>(crafter::UnreachableCode::kPort));
  EXPECT_EQ(reply->responder, kLoopback);
  EXPECT_EQ(reply->local, kLoopback);
  EXPECT_TRUE(reply->checksum_ok);
  EXPECT_EQ(reply->probe.source_port, source_port);
  EXPECT_EQ(reply->probe.destination_port, destination_port);
  EXPECT_EQ(bytes[4], 0) << "rebuilt datagrams carry IP id 0";
  EXPECT_EQ(bytes[5], 0) << "rebuilt datagrams carry IP id 0";
  ASSERT_EQ(bytes.size(), kQuoteOffset + probe.size());
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin() + kQuoteOffset, bytes.end()),
            probe);
  EXPECT_GE((*received)->at, *sent_at);
}

TEST(DatagramTransportTest, ReceiveBeforeAnyProbeWaitsOutTheDeadline) {
  auto opened = DatagramTransport::Open(ProbeMethod::kUdp, LoopbackOptions());
  ASSERT_TRUE(opened.ok()) << opened.error().message;

  auto received = (*opened)->Receive(SystemClock().Now() + milliseconds(20));

  ASSERT_TRUE(received.ok()) << received.error().message;
  EXPECT_FALSE(received->has_value());
}

}  // namespace
}  // namespace hoplab::trace
