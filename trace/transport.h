// Transport: how probes leave and replies arrive. The engine sees only this
// interface, so one engine runs live, simulated, or over a capture.

#ifndef HOPLAB_TRACE_TRANSPORT_H_
#define HOPLAB_TRACE_TRANSPORT_H_

#include <cstdint>
#include <optional>
#include <span>

#include "crafter/result.h"
#include "trace/clock.h"

namespace hoplab::trace {

struct ReceivedDatagram {
  // One IPv4 datagram, link layer removed. Valid until the next call on the
  // transport that returned it.
  std::span<const uint8_t> bytes;
  // When it arrived: the kernel's receive timestamp, the virtual clock, or
  // the capture's record time.
  TimePoint at;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Sends one complete IPv4 datagram, as crafter::BuildProbe wrote it; the
  // transport must not change a byte. Returns when it left (as close to the
  // wire as the transport can tell), or an error that ends the trace.
  virtual Result<TimePoint> Send(std::span<const uint8_t> datagram) = 0;

  // Waits for the next datagram until `deadline`. Returns it, nullopt once
  // the deadline has passed with nothing received, or an error that ends the
  // trace. May return datagrams that are not replies to this trace.
  virtual Result<std::optional<ReceivedDatagram>> Receive(
      TimePoint deadline) = 0;
};

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_TRANSPORT_H_
