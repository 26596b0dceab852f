// Address and port rewriting as a NAT does it (RFC 3022 NAPT), on whole
// IPv4 datagrams in place, checksums kept right by incremental update
// (RFC 1624).

#ifndef HOPLAB_SIM_NAT_H_
#define HOPLAB_SIM_NAT_H_

#include <cstdint>
#include <span>

#include "crafter/ipv4_address.h"
#include "sim/topology.h"

namespace hoplab::sim {

// Sets the source address of `datagram` to `address`, updating the IP
// header checksum and the UDP or TCP checksum that covers it through the
// pseudo-header. `datagram` must hold a whole, parseable IPv4 datagram;
// returns false (leaving it untouched) otherwise.
bool RewriteSource(std::span<uint8_t> datagram, crafter::Ipv4Address address);

// A datagram leaving through `nat`: source address to `nat.address`, the
// UDP or TCP source port or the ICMP Echo identifier moved up by
// `nat.port_offset`. Returns false for datagrams it cannot parse, which it
// leaves untouched.
bool TranslateOutbound(std::span<uint8_t> datagram, const Nat& nat);

// A datagram coming back through `nat` to `host`: when it is addressed to
// `nat.address`, the destination becomes `host` and the port (Echo
// identifier, TCP destination port) moves back down. An ICMP error's
// quoted header is translated back too (source address, port or
// identifier, and its checksums: RFC 5508 §4.2, as Linux's conntrack
// does) when `nat.rewrite_quote` is set. Returns false, leaving the
// datagram untouched, when it is not addressed to the NAT or cannot be
// parsed.
bool TranslateInbound(std::span<uint8_t> datagram, const Nat& nat,
                      crafter::Ipv4Address host);

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_NAT_H_
