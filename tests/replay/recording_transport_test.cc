#include "replay/recording_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crafter/probe.h"
#include "sim/builtin_network.h"
#include "sim/sim_transport.h"
#include "sim/virtual_clock.h"
#include "tests/replay/pcap_test_util.h"

namespace hoplab::replay {
namespace {

using crafter::Ipv4Address;
using std::chrono::milliseconds;
using testing::HasSubstr;
using testing_util::ReadPcap;
using testing_util::ScopedTempDir;

std::vector<uint8_t> EchoProbe(uint8_t ttl, uint16_t sequence) {
  crafter::ProbeSpec spec;
  spec.source = Ipv4Address::FromOctets(192, 0, 2, 100);
  spec.destination = Ipv4Address::FromOctets(198, 51, 100, 7);
  spec.ttl = ttl;
  spec.ip_id = sequence;
  spec.icmp_id = 0x0101;
  spec.icmp_sequence = sequence;
  std::vector<uint8_t> out(spec.packet_size);
  EXPECT_EQ(crafter::BuildProbe(spec, out), out.size());
  return out;
}

// One datagram that crossed the transport, as the test saw it.
struct Crossing {
  std::vector<uint8_t> bytes;
  trace::TimePoint at;
};

class RecordingTransportTest : public testing::Test {
 protected:
  void SetUp() override {
    auto opened = PcapWriter::Open(path_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    writer_ = std::move(opened).value();
    recording_ = std::make_unique<RecordingTransport>(inner_, *writer_);
  }

  // Sends through the recording transport and notes what was sent.
  void Send(std::vector<uint8_t> datagram) {
    auto sent = recording_->Send(datagram);
    ASSERT_TRUE(sent.ok()) << sent.error().message;
    EXPECT_EQ(*sent, clock_.Now());
    crossings_.push_back(Crossing{std::move(datagram), *sent});
  }

  // Receives until `deadline` and notes every datagram.
  void ReceiveUntil(trace::TimePoint deadline) {
    for (;;) {
      auto received = recording_->Receive(deadline);
      ASSERT_TRUE(received.ok()) << received.error().message;
      if (!received->has_value()) {
        return;
      }
      const trace::ReceivedDatagram& datagram = **received;
      crossings_.push_back(Crossing{
          std::vector<uint8_t>(datagram.bytes.begin(), datagram.bytes.end()),
          datagram.at});
    }
  }

  ScopedTempDir dir_;
  const std::string path_ = dir_.File("recorded.pcap");
  sim::BuiltinNetwork network_;
  sim::VirtualClock clock_;
  sim::SimTransport inner_{network_, clock_};
  std::unique_ptr<PcapWriter> writer_;
  std::unique_ptr<RecordingTransport> recording_;
  std::vector<Crossing> crossings_;
};

TEST_F(RecordingTransportTest, RecordsEverythingSentAndReceivedInOrder) {
  // Three probes 1 ms apart and their replies; then two probes, the first
  // one's reply (16 ms away), a third probe, and the last two replies.
  Send(EchoProbe(1, 1));
  clock_.AdvanceTo(clock_.Now() + milliseconds(1));
  Send(EchoProbe(2, 2));
  clock_.AdvanceTo(clock_.Now() + milliseconds(1));
  Send(EchoProbe(30, 3));
  ReceiveUntil(clock_.Now() + milliseconds(500));
  Send(EchoProbe(4, 4));
  Send(EchoProbe(5, 5));
  ReceiveUntil(clock_.Now() + milliseconds(20));
  Send(EchoProbe(6, 6));
  ReceiveUntil(clock_.Now() + milliseconds(500));
  ASSERT_EQ(crossings_.size(), 12u);
  ASSERT_TRUE(recording_->Flush().ok());
  ASSERT_TRUE(writer_->Close().ok());
  // The file lists them in time order: probe 1's reply (0.5 ms) before
  // probes 2 and 3, although it was read after them.
  std::stable_sort(
      crossings_.begin(), crossings_.end(),
      [](const Crossing& a, const Crossing& b) { return a.at < b.at; });

  auto read = ReadPcap(path_);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->records.size(), crossings_.size());
  for (size_t i = 0; i < crossings_.size(); ++i) {
    EXPECT_EQ(read->records[i].bytes, crossings_[i].bytes) << "record " << i;
    EXPECT_EQ(read->records[i].at, crossings_[i].at) << "record " << i;
  }
}

TEST_F(RecordingTransportTest, RecordsNothingWhenNothingArrives) {
  auto received = recording_->Receive(clock_.Now() + milliseconds(100));

  ASSERT_TRUE(received.ok());
  EXPECT_FALSE(received->has_value());
  EXPECT_EQ(writer_->num_records(), 0u);
}

TEST_F(RecordingTransportTest, FailsTheFlushWhenTheFileCannotBeWritten) {
  ASSERT_TRUE(writer_->Close().ok());
  ASSERT_TRUE(recording_->Send(EchoProbe(1, 1)).ok());

  Status flushed = recording_->Flush();

  ASSERT_FALSE(flushed.ok());
  EXPECT_THAT(flushed.message(), HasSubstr(path_));
}

// A reply timestamped while a burst of probes was still leaving is read
// after the burst; the file still lists everything in time order.
TEST_F(RecordingTransportTest, WritesAReplyBeforeProbesSentAfterIt) {
  Send(EchoProbe(1, 1));
  clock_.AdvanceTo(clock_.Now() + milliseconds(40));
  Send(EchoProbe(30, 2));
  ReceiveUntil(clock_.Now() + milliseconds(500));
  ASSERT_TRUE(recording_->Flush().ok());
  ASSERT_TRUE(writer_->Close().ok());

  auto read = ReadPcap(path_);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_GE(read->records.size(), 3u);
  for (size_t i = 1; i < read->records.size(); ++i) {
    EXPECT_LE(read->records[i - 1].at, read->records[i].at) << "record " << i;
  }
}

TEST_F(RecordingTransportTest, FailsTheReceiveWhenTheFileCannotBeWritten) {
  Send(EchoProbe(1, 1));
  ASSERT_TRUE(writer_->Close().ok());

  auto received = recording_->Receive(clock_.Now() + milliseconds(100));

  ASSERT_FALSE(received.ok());
  EXPECT_THAT(received.error().message, HasSubstr(path_));
}

}  // namespace
}  // namespace hoplab::replay
