// SimTransport: the Transport that hands probes to a simulated Network and
// delivers its replies in time order on a virtual clock.

#ifndef HOPLAB_SIM_SIM_TRANSPORT_H_
#define HOPLAB_SIM_SIM_TRANSPORT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sim/delivery_queue.h"
#include "sim/network.h"
#include "sim/virtual_clock.h"
#include "trace/transport.h"

namespace hoplab::sim {

class SimTransport final : public trace::Transport {
 public:
  // `network` and `clock` must outlive the transport.
  SimTransport(Network& network, VirtualClock& clock)
      : network_(network), clock_(clock) {}

  // Sends at the clock's current time. Never fails.
  Result<trace::TimePoint> Send(std::span<const uint8_t> datagram) override;

  // Advances the clock to the next scheduled reply if it is due by
  // `deadline` and returns it; otherwise advances the clock to `deadline`
  // and returns nullopt. Replies due at the same instant come in the order
  // the network scheduled them.
  Result<std::optional<trace::ReceivedDatagram>> Receive(
      trace::TimePoint deadline) override;

 private:
  Network& network_;
  VirtualClock& clock_;
  DeliveryQueue pending_;
  std::vector<Delivery> scratch_;
  // The datagram last returned by Receive; what its span views.
  std::vector<uint8_t> current_;
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_SIM_TRANSPORT_H_
