#include "trace/live_transport.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crafter/probe.h"
#include "crafter/reply.h"
#include "gtest/gtest.h"

namespace hoplab::trace {
namespace {

using crafter::Ipv4Address;
using std::chrono::milliseconds;

constexpr Ipv4Address kLoopback = Ipv4Address::FromOctets(127, 0, 0, 1);

// ICMP Echo Request 127.0.0.1 > 127.0.0.1, id 0x686c ("hl"), seq 1, TTL 64.
// A whole datagram as the crafter writes it, checksums included.
constexpr std::array<uint8_t, 28> kEchoToLoopback = {
    0x45, 0x00, 0x00, 0x1c, 0x48, 0x50, 0x00, 0x00,  // v4 ihl 5, len 28, id
    0x40, 0x01, 0x34, 0x8f, 0x7f, 0x00, 0x00, 0x01,  // ttl 64 icmp, cksum, src
    0x7f, 0x00, 0x00, 0x01,                          // dst
    0x08, 0x00, 0x8f, 0x92, 0x68, 0x6c, 0x00, 0x01,  // echo, cksum, id, seq
};

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// Removes CAP_NET_RAW from this process's effective, permitted and
// inheritable sets. Returns false when capget/capset fail.
bool DropCapNetRaw() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  if (syscall(SYS_capget, &header, data.data()) != 0) {
    return false;
  }
  const uint32_t bit = uint32_t{1} << CAP_NET_RAW;
  data[0].effective &= ~bit;
  data[0].permitted &= ~bit;
  data[0].inheritable &= ~bit;
  return syscall(SYS_capset, &header, data.data()) == 0;
}

// Runs LiveTransport::Open in a child without CAP_NET_RAW and returns the
// error message it gave ("<opened>" when it succeeded).
std::string OpenMessageWithoutCapNetRaw() {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) {
    return "pipe failed";
  }
  pid_t child = fork();
  if (child == 0) {
    close(pipe_fds[0]);
    std::string message = "capset failed";
    if (DropCapNetRaw()) {
      auto transport = LiveTransport::Open(LiveOptions());
      message = transport.ok() ? "<opened>" : transport.error().message;
    }
    ssize_t written = write(pipe_fds[1], message.data(), message.size());
    _exit(written == static_cast<ssize_t>(message.size()) ? 0 : 1);
  }
  close(pipe_fds[1]);

  std::string message;
  char chunk[256];
  ssize_t size;
  while ((size = read(pipe_fds[0], chunk, sizeof(chunk))) > 0) {
    message.append(chunk, static_cast<size_t>(size));
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  return message;
}

TEST(PickSourceAddressTest, PicksLoopbackForLoopback) {
  auto source = PickSourceAddress(kLoopback);

  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ(*source, kLoopback);
}

TEST(LiveTransportTest, OpenWithoutCapNetRawFailsWithTheOneLineHint) {
  std::string message = OpenMessageWithoutCapNetRaw();

  EXPECT_EQ(message, kLiveNeedsPrivilegeMessage);
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

// Tests that open raw sockets: skipped without CAP_NET_RAW, except in CI,
// where the suite runs as root and a skip would hide a broken transport.
class PrivilegedLiveTransportTest : public testing::Test {
 protected:
  void SetUp() override {
    auto opened = LiveTransport::Open(LiveOptions());
    if (!opened.ok()) {
      if (InCi()) {
        FAIL() << "CI=true but raw sockets fail: " << opened.error().message;
      }
      GTEST_SKIP() << "needs CAP_NET_RAW: " << opened.error().message;
    }
    transport_ = std::move(*opened);
  }

  std::unique_ptr<LiveTransport> transport_;
};

TEST_F(PrivilegedLiveTransportTest, EchoToLoopbackComesBackWithKernelTime) {
  auto sent_at = transport_->Send(kEchoToLoopback);
  ASSERT_TRUE(sent_at.ok()) << sent_at.error().message;

  // Other ICMP on the host's loopback may arrive too; wait for the reply
  // to this echo (type 0, same id and sequence).
  TimePoint deadline = *sent_at + milliseconds(2000);
  std::optional<std::vector<uint8_t>> reply;
  TimePoint received_at;
  while (!reply.has_value()) {
    auto received = transport_->Receive(deadline);
    ASSERT_TRUE(received.ok()) << received.error().message;
    ASSERT_TRUE(received->has_value()) << "no echo reply within 2 s";
    std::span<const uint8_t> bytes = (*received)->bytes;
    if (bytes.size() == kEchoToLoopback.size() && bytes[20] == 0 &&
        std::equal(bytes.begin() + 24, bytes.end(),
                   kEchoToLoopback.begin() + 24)) {
      reply.emplace(bytes.begin(), bytes.end());
      received_at = (*received)->at;
    }
  }

  // The whole datagram, IPv4 header first, with a kernel time after the
  // send time and not in the future.
  EXPECT_EQ((*reply)[0], 0x45);
  EXPECT_EQ((*reply)[9], 1) << "protocol";
  EXPECT_GE(received_at, *sent_at);
  EXPECT_LE(received_at, SystemClock().Now());
}

// A SYN to a loopback port nothing listens on draws the kernel's RST,
// which the raw TCP receive socket hands out whole.
TEST_F(PrivilegedLiveTransportTest, SynToClosedLoopbackPortDrawsReset) {
  constexpr uint16_t kSourcePort = 47001;
  crafter::ProbeSpec spec;
  spec.method = crafter::ProbeMethod::kTcp;
  spec.source = kLoopback;
  spec.destination = kLoopback;
  spec.ttl = 64;
  spec.source_port = kSourcePort;
  // Port 1 (tcpmux) is not served on any machine this suite runs on.
  spec.destination_port = 1;
  spec.tcp_sequence = 0x686c0001;
  std::array<uint8_t, crafter::kDefaultProbeSize> syn{};
  ASSERT_EQ(crafter::BuildProbe(spec, syn), syn.size());

  auto sent_at = transport_->Send(syn);
  ASSERT_TRUE(sent_at.ok()) << sent_at.error().message;

  // Other replies may arrive on the host's loopback; wait for this RST.
  TimePoint deadline = *sent_at + milliseconds(2000);
  for (;;) {
    auto received = transport_->Receive(deadline);
    ASSERT_TRUE(received.ok()) << received.error().message;
    ASSERT_TRUE(received->has_value()) << "no RST within 2 s";
    auto reply = crafter::ParseReply((*received)->bytes);
    if (reply.ok() && reply->kind == crafter::ReplyKind::kTcpReset &&
        reply->probe.source_port == kSourcePort) {
      EXPECT_EQ(reply->probe.destination_port, 1);
      EXPECT_EQ(reply->probe.tcp_sequence, spec.tcp_sequence);
      EXPECT_GE((*received)->at, *sent_at);
      return;
    }
  }
}

TEST_F(PrivilegedLiveTransportTest, SendRejectsBytesThatAreNotIpv4) {
  constexpr std::array<uint8_t, 8> kIcmpOnly = {0x08, 0x00, 0xf7, 0xff,
                                                0x00, 0x00, 0x00, 0x00};

  auto sent_at = transport_->Send(kIcmpOnly);

  ASSERT_FALSE(sent_at.ok());
  EXPECT_NE(sent_at.error().message.find("IPv4 header"), std::string::npos)
      << sent_at.error().message;
}

TEST_F(PrivilegedLiveTransportTest, ReceiveReturnsNothingOncePastDeadline) {
  // Drain whatever is queued, then a deadline in the past yields nullopt.
  TimePoint past = SystemClock().Now() - milliseconds(1);
  for (int i = 0; i < 1000; ++i) {
    auto received = transport_->Receive(past);
    ASSERT_TRUE(received.ok()) << received.error().message;
    if (!received->has_value()) {
      return;
    }
  }
  FAIL() << "Receive kept returning datagrams after the deadline";
}

}  // namespace
}  // namespace hoplab::trace
