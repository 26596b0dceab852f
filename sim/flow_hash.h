// FlowHash: what a per-flow load balancer hashes to keep a flow on one
// path (equal-cost multipath, RFC 2992).

#ifndef HOPLAB_SIM_FLOW_HASH_H_
#define HOPLAB_SIM_FLOW_HASH_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace hoplab::sim {

// A well-spread hash of the flow `datagram` belongs to: source and
// destination addresses, protocol, and the 4 bytes after the IP header of
// `header_size` bytes (UDP and TCP ports; ICMP type, code and checksum),
// as routers hash for ECMP. `datagram` must hold at least a 20-byte IPv4
// header; the 4 bytes are left out when it ends before them.
uint64_t FlowHash(std::span<const uint8_t> datagram, size_t header_size);

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_FLOW_HASH_H_
