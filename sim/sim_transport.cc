#include "sim/sim_transport.h"

#include <utility>

namespace hoplab::sim {

Result<trace::TimePoint> SimTransport::Send(std::span<const uint8_t> datagram) {
  const trace::TimePoint now = clock_.Now();
  scratch_.clear();
  network_.Send(datagram, now, scratch_);
  for (Delivery& delivery : scratch_) {
    pending_.Push(std::move(delivery));
  }
  return now;
}

Result<std::optional<trace::ReceivedDatagram>> SimTransport::Receive(
    trace::TimePoint deadline) {
  if (pending_.empty() || pending_.Top().at > deadline) {
    clock_.AdvanceTo(deadline);
    return std::optional<trace::ReceivedDatagram>();
  }
  Delivery next = pending_.Pop();
  current_ = std::move(next.bytes);
  const trace::TimePoint at = next.at;
  clock_.AdvanceTo(at);
  return std::optional<trace::ReceivedDatagram>(
      trace::ReceivedDatagram{current_, at});
}

}  // namespace hoplab::sim
