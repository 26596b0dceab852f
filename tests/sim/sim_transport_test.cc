#include "sim/sim_transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/network.h"
#include "sim/virtual_clock.h"

namespace hoplab::sim {
namespace {

using std::chrono::milliseconds;

// A network that answers every datagram with a fixed list of replies: one
// byte (the reply's tag) each, due a fixed delay after the send.
class ScriptedNetwork final : public Network {
 public:
  struct Answer {
    trace::Duration delay;
    uint8_t tag;
  };

  std::string Name() const override { return "scripted"; }

  void Send(std::span<const uint8_t> datagram, trace::TimePoint sent_at,
            std::vector<Delivery>& replies) override {
    sent_.emplace_back(datagram.begin(), datagram.end());
    sent_at_.push_back(sent_at);
    for (const Answer& answer : answers_) {
      replies.push_back(Delivery{sent_at + answer.delay, {answer.tag}});
    }
  }

  std::vector<Answer> answers_;
  std::vector<std::vector<uint8_t>> sent_;
  std::vector<trace::TimePoint> sent_at_;
};

// One datagram as Receive returned it, copied out of the transport.
struct Received {
  uint8_t tag;
  trace::TimePoint at;
};

class SimTransportTest : public testing::Test {
 protected:
  // Receives until nothing is due by `deadline`.
  std::vector<Received> ReceiveAll(trace::TimePoint deadline) {
    std::vector<Received> out;
    for (;;) {
      auto received = transport_.Receive(deadline);
      EXPECT_TRUE(received.ok());
      if (!received.ok() || !received->has_value()) {
        return out;
      }
      EXPECT_EQ((*received)->bytes.size(), 1u);
      out.push_back(Received{(*received)->bytes[0], (*received)->at});
      EXPECT_EQ(clock_.Now(), (*received)->at);
    }
  }

  void SendOne(uint8_t byte) {
    const std::vector<uint8_t> datagram = {byte};
    auto sent = transport_.Send(datagram);
    ASSERT_TRUE(sent.ok());
    EXPECT_EQ(*sent, clock_.Now());
  }

  const trace::TimePoint t0_ = kSimulationEpoch;
  ScriptedNetwork network_;
  VirtualClock clock_;
  SimTransport transport_{network_, clock_};
};

TEST_F(SimTransportTest, HandsTheDatagramToTheNetworkAtTheClocksTime) {
  clock_.AdvanceTo(t0_ + milliseconds(3));

  SendOne(0x45);

  ASSERT_EQ(network_.sent_.size(), 1u);
  EXPECT_EQ(network_.sent_[0], std::vector<uint8_t>{0x45});
  EXPECT_EQ(network_.sent_at_[0], t0_ + milliseconds(3));
}

TEST_F(SimTransportTest, DeliversRepliesInTimeOrderWhateverTheSchedulingOrder) {
  network_.answers_ = {
      {milliseconds(30), 3}, {milliseconds(10), 1}, {milliseconds(20), 2}};

  SendOne(0);
  const std::vector<Received> received = ReceiveAll(t0_ + milliseconds(100));

  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[0].tag, 1);
  EXPECT_EQ(received[0].at, t0_ + milliseconds(10));
  EXPECT_EQ(received[1].tag, 2);
  EXPECT_EQ(received[1].at, t0_ + milliseconds(20));
  EXPECT_EQ(received[2].tag, 3);
  EXPECT_EQ(received[2].at, t0_ + milliseconds(30));
}

TEST_F(SimTransportTest, DeliversRepliesOfTwoSendsInterleavedByTime) {
  network_.answers_ = {{milliseconds(10), 1}};
  SendOne(0);
  network_.answers_ = {{milliseconds(5), 2}};
  SendOne(0);

  const std::vector<Received> received = ReceiveAll(t0_ + milliseconds(100));

  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].tag, 2);
  EXPECT_EQ(received[1].tag, 1);
}

TEST_F(SimTransportTest, DeliversRepliesDueAtTheSameInstantInSchedulingOrder) {
  network_.answers_ = {{milliseconds(7), 1},
                       {milliseconds(7), 2},
                       {milliseconds(7), 3},
                       {milliseconds(7), 4}};
  SendOne(0);
  network_.answers_ = {{milliseconds(7), 5}, {milliseconds(7), 6}};
  SendOne(0);

  const std::vector<Received> received = ReceiveAll(t0_ + milliseconds(100));

  ASSERT_EQ(received.size(), 6u);
  for (size_t i = 0; i < received.size(); ++i) {
    EXPECT_EQ(received[i].tag, i + 1) << "reply " << i;
    EXPECT_EQ(received[i].at, t0_ + milliseconds(7)) << "reply " << i;
  }
}

TEST_F(SimTransportTest, WaitsUntilTheDeadlineWhenNothingIsDue) {
  network_.answers_ = {{milliseconds(50), 1}};
  SendOne(0);

  auto early = transport_.Receive(t0_ + milliseconds(20));

  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->has_value());
  EXPECT_EQ(clock_.Now(), t0_ + milliseconds(20));

  auto due = transport_.Receive(t0_ + milliseconds(100));

  ASSERT_TRUE(due.ok());
  ASSERT_TRUE(due->has_value());
  EXPECT_EQ((*due)->at, t0_ + milliseconds(50));
  EXPECT_EQ(clock_.Now(), t0_ + milliseconds(50));
}

TEST_F(SimTransportTest, WaitsUntilTheDeadlineWhenNothingWasSent) {
  auto received = transport_.Receive(t0_ + milliseconds(5));

  ASSERT_TRUE(received.ok());
  EXPECT_FALSE(received->has_value());
  EXPECT_EQ(clock_.Now(), t0_ + milliseconds(5));
}

TEST_F(SimTransportTest, DeliversAReplyDueExactlyAtTheDeadline) {
  network_.answers_ = {{milliseconds(20), 1}};
  SendOne(0);

  auto received = transport_.Receive(t0_ + milliseconds(20));

  ASSERT_TRUE(received.ok());
  ASSERT_TRUE(received->has_value());
  EXPECT_EQ((*received)->at, t0_ + milliseconds(20));
}

TEST_F(SimTransportTest, NeverMovesTheClockBackwards) {
  network_.answers_ = {{milliseconds(10), 1}};
  SendOne(0);
  clock_.AdvanceTo(t0_ + milliseconds(40));

  // A deadline in the past leaves the clock where it is.
  auto nothing = transport_.Receive(t0_ + milliseconds(5));
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value());
  EXPECT_EQ(clock_.Now(), t0_ + milliseconds(40));

  // A reply that fell due while the clock moved on keeps its own time; the
  // clock stays.
  auto late = transport_.Receive(t0_ + milliseconds(60));
  ASSERT_TRUE(late.ok());
  ASSERT_TRUE(late->has_value());
  EXPECT_EQ((*late)->at, t0_ + milliseconds(10));
  EXPECT_EQ(clock_.Now(), t0_ + milliseconds(40));
}

}  // namespace
}  // namespace hoplab::sim
