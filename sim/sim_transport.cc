#include "sim/sim_transport.h"

#include <algorithm>
#include <utility>

namespace hoplab::sim {

bool SimTransport::LaterFirst(const Pending& a, const Pending& b) {
  if (a.delivery.at != b.delivery.at) {
    return a.delivery.at > b.delivery.at;
  }
  return a.order > b.order;
}

Result<trace::TimePoint> SimTransport::Send(std::span<const uint8_t> datagram) {
  const trace::TimePoint now = clock_.Now();
  scratch_.clear();
  network_.Send(datagram, now, scratch_);
  for (Delivery& delivery : scratch_) {
    pending_.push_back(Pending{std::move(delivery), next_order_++});
    std::push_heap(pending_.begin(), pending_.end(), LaterFirst);
  }
  return now;
}

Result<std::optional<trace::ReceivedDatagram>> SimTransport::Receive(
    trace::TimePoint deadline) {
  if (pending_.empty() || pending_.front().delivery.at > deadline) {
    clock_.AdvanceTo(deadline);
    return std::optional<trace::ReceivedDatagram>();
  }
  std::pop_heap(pending_.begin(), pending_.end(), LaterFirst);
  current_ = std::move(pending_.back().delivery.bytes);
  const trace::TimePoint at = pending_.back().delivery.at;
  pending_.pop_back();
  clock_.AdvanceTo(at);
  return std::optional<trace::ReceivedDatagram>(
      trace::ReceivedDatagram{current_, at});
}

}  // namespace hoplab::sim
