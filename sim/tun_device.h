// TunDevice: a Linux TUN device (Documentation/networking/tuntap.rst),
// through which the simulator receives the datagrams the kernel routes to
// it and hands back its replies as if they arrived on a wire.

#ifndef HOPLAB_SIM_TUN_DEVICE_H_
#define HOPLAB_SIM_TUN_DEVICE_H_

#include <memory>
#include <string>
#include <utility>

#include "crafter/result.h"

namespace hoplab::sim {

// The one line that says why a TUN device cannot be had, and what would
// give one.
inline constexpr const char* kTunNeedsPrivilegeMessage =
    "a TUN device needs /dev/net/tun and CAP_NET_ADMIN in its network "
    "namespace: run as root, or under `unshare -rn`";

class TunDevice {
 public:
  // Opens /dev/net/tun and creates the TUN device `name` (at most 15
  // characters) in the calling thread's network namespace: IP datagrams
  // without a packet-information header (IFF_TUN | IFF_NO_PI), read and
  // written through a non-blocking descriptor. The device is down and has
  // no address. Fails with one line naming the cause: the device file
  // missing or refused, or a name that is taken or invalid.
  static Result<std::unique_ptr<TunDevice>> Create(const std::string& name);

  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;
  // Closes the descriptor, and with it the kernel removes the device, its
  // addresses and its routes (the device is not persistent).
  ~TunDevice();

  // Each read(2) returns one datagram the kernel sent out of the device;
  // each write(2) of one datagram makes the kernel receive it.
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

 private:
  TunDevice(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

  int fd_;
  std::string name_;
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_TUN_DEVICE_H_
