#include "replay/recording_transport.h"

namespace hoplab::replay {

Result<trace::TimePoint> RecordingTransport::Send(
    std::span<const uint8_t> datagram) {
  auto sent_at = inner_.Send(datagram);
  if (!sent_at.ok()) {
    return sent_at;
  }
  if (Status written = writer_.Write(datagram, *sent_at); !written.ok()) {
    return Error{written.message()};
  }
  return sent_at;
}

Result<std::optional<trace::ReceivedDatagram>> RecordingTransport::Receive(
    trace::TimePoint deadline) {
  auto received = inner_.Receive(deadline);
  if (!received.ok() || !received->has_value()) {
    return received;
  }
  const trace::ReceivedDatagram& datagram = **received;
  if (Status written = writer_.Write(datagram.bytes, datagram.at);
      !written.ok()) {
    return Error{written.message()};
  }
  return received;
}

}  // namespace hoplab::replay
