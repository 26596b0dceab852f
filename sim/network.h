// Network: a simulated network that takes a datagram from the tracing host
// and schedules what comes back.

#ifndef HOPLAB_SIM_NETWORK_H_
#define HOPLAB_SIM_NETWORK_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "trace/clock.h"

namespace hoplab::sim {

// A datagram the network delivers back to the tracing host at `at`.
struct Delivery {
  trace::TimePoint at;
  std::vector<uint8_t> bytes;
};

class Network {
 public:
  virtual ~Network() = default;

  // What the network calls itself in a trace's header line.
  virtual std::string Name() const = 0;

  // The tracing host sends `datagram` at `sent_at`. Appends to `replies`
  // whatever the network sends back because of it (nothing, one reply, or
  // several), each with its arrival time, which is never before `sent_at`.
  // Malformed datagrams are dropped, as a router drops them.
  virtual void Send(std::span<const uint8_t> datagram, trace::TimePoint sent_at,
                    std::vector<Delivery>& replies) = 0;
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_NETWORK_H_
