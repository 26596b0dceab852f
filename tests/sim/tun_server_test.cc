// TunServer over a socketpair, which carries one datagram per read and
// write as a TUN device does, so the serving loop runs without privilege.

#include "sim/tun_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "crafter/ipv4_address.h"
#include "crafter/probe.h"
#include "sim/builtin_network.h"
#include "sim/virtual_clock.h"
#include "sim/wall_clock_mapping.h"

namespace hoplab::sim {
namespace {

using crafter::Ipv4Address;
using std::chrono::milliseconds;

// Hop 1 of the built-in network is 250 µs away: 500 µs there and back,
// which a time scale of 20 stretches to 10 ms.
constexpr double kTimeScale = 20.0;
constexpr auto kScaledRoundTrip = milliseconds(10);

std::vector<uint8_t> IcmpProbe(uint8_t ttl) {
  crafter::ProbeSpec spec;
  spec.source = Ipv4Address::FromOctets(192, 0, 2, 100);
  spec.destination = Ipv4Address::FromOctets(198, 51, 100, 7);
  spec.ttl = ttl;
  spec.icmp_id = 0x4242;
  spec.icmp_sequence = ttl;
  std::vector<uint8_t> out(crafter::kDefaultProbeSize);
  out.resize(crafter::BuildProbe(spec, out));
  return out;
}

// The far end of a socketpair the server serves on, and the server's
// thread, stopped through an eventfd at the end of the test.
class ServedPair {
 public:
  explicit ServedPair(Network& network) {
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fds_), 0);
    stop_fd_ = eventfd(0, EFD_NONBLOCK);
    server_ = std::make_unique<TunServer>(
        network, fds_[0],
        WallClockMapping(std::chrono::steady_clock::now(), kSimulationEpoch,
                         kTimeScale));
    thread_ = std::thread([this] { status_ = server_->Run(stop_fd_); });
  }

  ~ServedPair() { Stop(); }

  // Stops the server and waits for it.
  void Stop() {
    if (thread_.joinable()) {
      const uint64_t one = 1;
      EXPECT_EQ(write(stop_fd_, &one, sizeof(one)), 8);
      thread_.join();
      close(stop_fd_);
      close(fds_[0]);
      close(fds_[1]);
    }
  }

  void Send(const std::vector<uint8_t>& datagram) {
    ASSERT_EQ(write(fds_[1], datagram.data(), datagram.size()),
              static_cast<ssize_t>(datagram.size()));
  }

  // The next datagram the server writes, or empty after `timeout`.
  std::vector<uint8_t> Receive(milliseconds timeout) {
    pollfd fd{fds_[1], POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(timeout.count())) != 1) {
      return {};
    }
    std::vector<uint8_t> out(65535);
    const ssize_t size = read(fds_[1], out.data(), out.size());
    out.resize(size < 0 ? 0 : static_cast<size_t>(size));
    return out;
  }

  const TunServer& server() const { return *server_; }
  const Status& status() const { return status_; }

 private:
  int fds_[2] = {-1, -1};
  int stop_fd_ = -1;
  std::unique_ptr<TunServer> server_;
  std::thread thread_;
  Status status_;
};

TEST(TunServerTest, AnswersWithTheNetworksReplyAfterTheScaledRoundTrip) {
  BuiltinNetwork served(/*seed=*/7);
  ServedPair pair(served);
  const std::vector<uint8_t> probe = IcmpProbe(/*ttl=*/1);

  const auto sent = std::chrono::steady_clock::now();
  pair.Send(probe);
  const std::vector<uint8_t> reply = pair.Receive(milliseconds(2000));
  const auto waited = std::chrono::steady_clock::now() - sent;

  // The same bytes as the network gives in process for the same probe.
  BuiltinNetwork in_process(/*seed=*/7);
  std::vector<Delivery> expected;
  in_process.Send(probe, kSimulationEpoch, expected);
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(reply, expected[0].bytes);
  EXPECT_GE(waited, kScaledRoundTrip);
  pair.Stop();
  EXPECT_TRUE(pair.status().ok()) << pair.status().message();
  EXPECT_EQ(pair.server().counters().num_received, 1u);
  EXPECT_EQ(pair.server().counters().num_replies_written, 1u);
}

TEST(TunServerTest, WritesRepliesInDeliveryOrderNotArrivalOrder) {
  BuiltinNetwork served(/*seed=*/1);
  ServedPair pair(served);

  // Hop 3 answers later than hop 1, though its probe went first.
  pair.Send(IcmpProbe(/*ttl=*/3));
  pair.Send(IcmpProbe(/*ttl=*/1));
  const std::vector<uint8_t> first = pair.Receive(milliseconds(2000));
  const std::vector<uint8_t> second = pair.Receive(milliseconds(2000));

  ASSERT_GE(first.size(), 20u);
  ASSERT_GE(second.size(), 20u);
  // Outer source addresses: 192.0.2.1 (hop 1), then 198.51.100.9 (hop 3).
  EXPECT_EQ(Ipv4Address::FromOctets(first[12], first[13], first[14], first[15]),
            Ipv4Address::FromOctets(192, 0, 2, 1));
  EXPECT_EQ(
      Ipv4Address::FromOctets(second[12], second[13], second[14], second[15]),
      Ipv4Address::FromOctets(198, 51, 100, 9));
}

TEST(TunServerTest, DropsWhatTheNetworkDoesNotAnswer) {
  BuiltinNetwork served(/*seed=*/1);
  ServedPair pair(served);

  pair.Send({0x60, 0x00, 0x00, 0x00});  // The start of an IPv6 header.

  EXPECT_TRUE(pair.Receive(milliseconds(100)).empty());
  pair.Stop();
  EXPECT_EQ(pair.server().counters().num_received, 1u);
  EXPECT_EQ(pair.server().counters().num_replies_written, 0u);
}

TEST(TunServerTest, ReturnsOnceTheStopDescriptorIsReadable) {
  BuiltinNetwork served(/*seed=*/1);
  ServedPair pair(served);
  pair.Send(IcmpProbe(/*ttl=*/9));  // A reply is still due when it stops.

  pair.Stop();

  EXPECT_TRUE(pair.status().ok()) << pair.status().message();
  EXPECT_EQ(pair.server().counters().num_replies_written, 0u);
}

TEST(WallClockMappingTest, ScalesVirtualDurationsIntoWallDurations) {
  const WallTime wall_start{std::chrono::seconds(100)};
  const WallClockMapping clock(wall_start, kSimulationEpoch, 10.0);

  EXPECT_EQ(clock.ToWall(kSimulationEpoch + milliseconds(3)),
            wall_start + milliseconds(30));
  EXPECT_EQ(clock.ToVirtual(wall_start + milliseconds(30)),
            kSimulationEpoch + milliseconds(3));
}

TEST(WallClockMappingTest, MapsTimesBeforeTheStartToTheStart) {
  const WallTime wall_start{std::chrono::seconds(100)};
  const WallClockMapping clock(wall_start, kSimulationEpoch, 1.0);

  EXPECT_EQ(clock.ToVirtual(wall_start - milliseconds(5)), kSimulationEpoch);
  EXPECT_EQ(clock.ToWall(kSimulationEpoch - milliseconds(5)), wall_start);
}

}  // namespace
}  // namespace hoplab::sim
