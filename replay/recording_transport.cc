#include "replay/recording_transport.h"

#include <utility>

namespace hoplab::replay {

RecordingTransport::~RecordingTransport() { (void)Flush(); }

Result<trace::TimePoint> RecordingTransport::Send(
    std::span<const uint8_t> datagram) {
  auto sent_at = inner_.Send(datagram);
  if (sent_at.ok()) {
    held_.push_back(HeldProbe{
        *sent_at, std::vector<uint8_t>(datagram.begin(), datagram.end())});
  }
  return sent_at;
}

Result<std::optional<trace::ReceivedDatagram>> RecordingTransport::Receive(
    trace::TimePoint deadline) {
  auto received = inner_.Receive(deadline);
  if (!received.ok()) {
    return received;
  }
  if (!received->has_value()) {
    if (Status written = WriteHeldUntil(deadline); !written.ok()) {
      return Error{written.message()};
    }
    return received;
  }
  const trace::ReceivedDatagram& datagram = **received;
  if (Status written = WriteHeldUntil(datagram.at); !written.ok()) {
    return Error{written.message()};
  }
  if (Status written = writer_.Write(datagram.bytes, datagram.at);
      !written.ok()) {
    return Error{written.message()};
  }
  return received;
}

Status RecordingTransport::Flush() {
  return WriteHeldUntil(trace::TimePoint::max());
}

Status RecordingTransport::WriteHeldUntil(trace::TimePoint until) {
  while (!held_.empty() && held_.front().at <= until) {
    if (Status written = writer_.Write(held_.front().bytes, held_.front().at);
        !written.ok()) {
      return written;
    }
    held_.pop_front();
  }
  return Status::Ok();
}

}  // namespace hoplab::replay
