// Netlink: the rtnetlink requests that set up the simulator's TUN device
// (RFC 3549; Linux rtnetlink(7)), sent through libmnl. It configures the
// network namespace the calling thread is in, and nothing else.

#ifndef HOPLAB_SIM_NETLINK_H_
#define HOPLAB_SIM_NETLINK_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "crafter/ipv4_address.h"
#include "crafter/result.h"

struct mnl_socket;
struct nlmsghdr;

namespace hoplab::sim {

class Netlink {
 public:
  // Opens and binds a NETLINK_ROUTE socket. Fails with the reason when
  // the kernel refuses one.
  static Result<std::unique_ptr<Netlink>> Open();

  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;
  ~Netlink();

  // The index of interface `name`; fails when there is none.
  Result<uint32_t> LinkIndex(const std::string& name);

  // Sets interface `index` administratively up (RTM_NEWLINK, IFF_UP).
  Status SetLinkUp(uint32_t index);

  // Adds `address`/`prefix_length` to interface `index` (RTM_NEWADDR),
  // which also adds the route to its subnet. Fails when the address is
  // there already.
  Status AddAddress(uint32_t index, crafter::Ipv4Address address,
                    uint8_t prefix_length);

  // Adds a route to `destination`/`prefix_length` through interface
  // `index`, on link (RTM_NEWROUTE, scope link, main table). A prefix
  // length of 0 is the default route. Fails when the route exists.
  Status AddRoute(crafter::Ipv4Address destination, uint8_t prefix_length,
                  uint32_t index);

 private:
  Netlink(mnl_socket* socket, uint32_t port_id)
      : socket_(socket), port_id_(port_id) {}

  // Sends the request in `message` with NLM_F_ACK and waits for the
  // kernel's acknowledgement; `what` names the request in the error.
  Status Request(nlmsghdr* message, const std::string& what);
  // Starts a request of `type` with `flags` (plus NLM_F_REQUEST and
  // NLM_F_ACK) in `buffer_`.
  nlmsghdr* StartRequest(uint16_t type, uint16_t flags);

  mnl_socket* socket_;
  uint32_t port_id_;
  uint32_t sequence_ = 0;
  // One request or one acknowledgement at a time (MNL_SOCKET_BUFFER_SIZE
  // is at most 8 KiB).
  alignas(4) uint8_t buffer_[8192];
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_NETLINK_H_
