// TunServer: serves a simulated network in real time through a descriptor
// that carries one IPv4 datagram per read and write, such as a TUN device.
// Every datagram read is sent into the network at the virtual time it was
// read; every reply is written when its virtual delivery time comes on the
// wall clock (WallClockMapping).

#ifndef HOPLAB_SIM_TUN_SERVER_H_
#define HOPLAB_SIM_TUN_SERVER_H_

#include <cstdint>
#include <vector>

#include "crafter/result.h"
#include "sim/delivery_queue.h"
#include "sim/network.h"
#include "sim/wall_clock_mapping.h"

namespace hoplab::sim {

struct TunServerCounters {
  uint64_t num_received = 0;
  uint64_t num_replies_written = 0;
  // Replies the descriptor refused (write(2) failed); each is dropped, as
  // a full queue drops a packet.
  uint64_t num_write_errors = 0;
};

class TunServer {
 public:
  // `network` must outlive the server. `datagram_fd` is non-blocking and
  // stays the caller's to close.
  TunServer(Network& network, int datagram_fd, WallClockMapping clock)
      : network_(network), fd_(datagram_fd), clock_(clock) {}

  // Serves until `stop_fd` becomes readable (a signalfd, an eventfd, a
  // pipe), then returns with replies still scheduled left unwritten. Fails
  // when reading `datagram_fd` or waiting fails; the message names the
  // call.
  Status Run(int stop_fd);

  const TunServerCounters& counters() const { return counters_; }

 private:
  // Reads every datagram waiting on the descriptor into the network.
  Status ReadAll();
  // Writes every reply whose wall time has come.
  void WriteDue();

  Network& network_;
  int fd_;
  WallClockMapping clock_;
  DeliveryQueue pending_;
  TunServerCounters counters_;
  std::vector<Delivery> scratch_;
  std::vector<uint8_t> buffer_ = std::vector<uint8_t>(65535);
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_TUN_SERVER_H_
