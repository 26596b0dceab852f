#include "sim/netlink.h"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "crafter/byte_cursor.h"

namespace hoplab::sim {
namespace {

// An IPv4 address as a netlink attribute carries it: 4 bytes in network
// order.
struct AddressBytes {
  uint8_t bytes[4];
};

AddressBytes ToBytes(crafter::Ipv4Address address) {
  AddressBytes out;
  crafter::StoreU32(out.bytes, 0, address.value());
  return out;
}

std::string Describe(crafter::Ipv4Address address, uint8_t prefix_length) {
  return address.ToString() + "/" + std::to_string(prefix_length);
}

}  // namespace

Result<std::unique_ptr<Netlink>> Netlink::Open() {
  mnl_socket* socket = mnl_socket_open(NETLINK_ROUTE);
  if (socket == nullptr) {
    return Error{std::string("cannot open a netlink socket: ") +
                 std::strerror(errno)};
  }
  if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    const int error = errno;
    mnl_socket_close(socket);
    return Error{std::string("cannot bind a netlink socket: ") +
                 std::strerror(error)};
  }
  return std::unique_ptr<Netlink>(
      new Netlink(socket, mnl_socket_get_portid(socket)));
}

Netlink::~Netlink() { mnl_socket_close(socket_); }

nlmsghdr* Netlink::StartRequest(uint16_t type, uint16_t flags) {
  nlmsghdr* message = mnl_nlmsg_put_header(buffer_);
  message->nlmsg_type = type;
  message->nlmsg_flags =
      static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  message->nlmsg_seq = ++sequence_;
  return message;
}

Status Netlink::Request(nlmsghdr* message, const std::string& what) {
  if (mnl_socket_sendto(socket_, message, message->nlmsg_len) < 0) {
    return Error{what + ": cannot send to netlink: " + std::strerror(errno)};
  }
  // The acknowledgement is an NLMSG_ERROR message, with error 0 on
  // success; mnl_cb_run turns a non-zero one into -1 and errno.
  const uint32_t sequence = message->nlmsg_seq;
  while (true) {
    const ssize_t size = mnl_socket_recvfrom(socket_, buffer_, sizeof(buffer_));
    if (size < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Error{what + ": no answer from netlink: " + std::strerror(errno)};
    }
    const int result = mnl_cb_run(buffer_, static_cast<size_t>(size), sequence,
                                  port_id_, nullptr, nullptr);
    if (result == MNL_CB_ERROR) {
      return Error{what + ": " + std::strerror(errno)};
    }
    if (result == MNL_CB_STOP) {
      return Status::Ok();
    }
  }
}

Result<uint32_t> Netlink::LinkIndex(const std::string& name) {
  const unsigned int index = if_nametoindex(name.c_str());
  if (index == 0) {
    return Error{"no interface " + name + ": " + std::strerror(errno)};
  }
  return static_cast<uint32_t>(index);
}

Status Netlink::SetLinkUp(uint32_t index) {
  nlmsghdr* message = StartRequest(RTM_NEWLINK, 0);
  auto* link = static_cast<ifinfomsg*>(
      mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  link->ifi_family = AF_UNSPEC;
  link->ifi_index = static_cast<int>(index);
  link->ifi_flags = IFF_UP;
  link->ifi_change = IFF_UP;
  return Request(message, "setting interface " + std::to_string(index) + " up");
}

Status Netlink::AddAddress(uint32_t index, crafter::Ipv4Address address,
                           uint8_t prefix_length) {
  nlmsghdr* message = StartRequest(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  auto* header = static_cast<ifaddrmsg*>(
      mnl_nlmsg_put_extra_header(message, sizeof(ifaddrmsg)));
  header->ifa_family = AF_INET;
  header->ifa_prefixlen = prefix_length;
  header->ifa_scope = RT_SCOPE_UNIVERSE;
  header->ifa_index = index;
  const AddressBytes bytes = ToBytes(address);
  mnl_attr_put(message, IFA_LOCAL, sizeof(bytes.bytes), bytes.bytes);
  mnl_attr_put(message, IFA_ADDRESS, sizeof(bytes.bytes), bytes.bytes);
  return Request(message, "adding address " + Describe(address, prefix_length) +
                              " to interface " + std::to_string(index));
}

Status Netlink::AddRoute(crafter::Ipv4Address destination,
                         uint8_t prefix_length, uint32_t index) {
  nlmsghdr* message = StartRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  auto* route =
      static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(message, sizeof(rtmsg)));
  route->rtm_family = AF_INET;
  route->rtm_dst_len = prefix_length;
  route->rtm_table = RT_TABLE_MAIN;
  route->rtm_protocol = RTPROT_STATIC;
  route->rtm_scope = RT_SCOPE_LINK;
  route->rtm_type = RTN_UNICAST;
  if (prefix_length > 0) {
    const AddressBytes bytes = ToBytes(destination);
    mnl_attr_put(message, RTA_DST, sizeof(bytes.bytes), bytes.bytes);
  }
  mnl_attr_put_u32(message, RTA_OIF, index);
  return Request(message, "adding route " +
                              Describe(destination, prefix_length) +
                              " through interface " + std::to_string(index));
}

}  // namespace hoplab::sim
