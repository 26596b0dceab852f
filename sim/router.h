// What a Linux router or host does with a datagram addressed through or to
// it: forward it with the TTL decremented, or answer it.

#ifndef HOPLAB_SIM_ROUTER_H_
#define HOPLAB_SIM_ROUTER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "crafter/icmp_error.h"
#include "crafter/ipv4_address.h"

namespace hoplab::sim {

// RFC 792: an error quotes the IP header and 8 data bytes; the outer
// headers are another 28 bytes (20 IP, 8 ICMP).
inline constexpr size_t kRfc792ErrorSize =
    20 + 8 + 20 + crafter::kMinQuotedDataSize;

// How a node's replies look. The defaults are Linux's, as seen in
// captures/icmp-butskoy.pcap: ICMP errors with TOS 0xc0 (RFC 1812
// §4.3.2.5: precedence 6, internetwork control) and TTL 64, quoting as much
// as fits in 576 bytes (RFC 1812 §4.3.2.3).
struct RouterProfile {
  uint8_t initial_ttl = 64;
  uint8_t error_tos = 0xc0;
  size_t max_error_size = crafter::kRfc1812MaxErrorSize;
  // A destination host answers TCP SYNs to these ports with SYN-ACK and to
  // any other with RST-ACK.
  std::vector<uint16_t> open_tcp_ports = {22, 80, 443};
};

// Forwards `datagram` in place: when its TTL is above 1, decrements it and
// patches the header checksum incrementally (RFC 1812 §5.3.1, RFC 1624)
// and returns true. Returns false, leaving the bytes as they are, when the
// TTL is 0 or 1: the datagram expires here (RFC 1812 §5.3.1) and the
// router quotes it as it arrived, as Linux does. `datagram` must hold at
// least an IPv4 header.
bool DecrementTtl(std::span<uint8_t> datagram);

// The Time Exceeded in Transit that a router at `router` sends for the
// expiring `datagram`, with `extensions` (an RFC 4884 structure from
// crafter::SerializeIcmpExtensions, after a 128-byte quote) when given.
// Empty when `datagram` is not a parseable IPv4 datagram.
std::vector<uint8_t> BuildTimeExceeded(
    const RouterProfile& profile, crafter::Ipv4Address router, uint16_t ip_id,
    std::span<const uint8_t> datagram,
    std::span<const uint8_t> extensions = {});

// The Destination Unreachable with `code` that `from` sends for
// `datagram`; `next_hop_mtu` goes into Fragmentation Needed (code 4, RFC
// 1191). Empty when `datagram` is not a parseable IPv4 datagram.
std::vector<uint8_t> BuildUnreachable(const RouterProfile& profile,
                                      crafter::Ipv4Address from, uint16_t ip_id,
                                      uint8_t code, uint16_t next_hop_mtu,
                                      std::span<const uint8_t> datagram);

// What the destination host `host` answers to `datagram`: an Echo Reply to
// an Echo Request, Port Unreachable to UDP, SYN-ACK or RST-ACK to a TCP SYN
// (by `profile.open_tcp_ports`). Empty when the host stays silent
// (anything else).
std::vector<uint8_t> BuildHostAnswer(const RouterProfile& profile,
                                     crafter::Ipv4Address host, uint16_t ip_id,
                                     std::span<const uint8_t> datagram);

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_ROUTER_H_
