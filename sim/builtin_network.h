// BuiltinNetwork: the simulated network a trace runs on when no other is
// named. It routes every IPv4 address: a home gateway, an access ISP, and a
// target-dependent run of transit routers, all Linux-like.

#ifndef HOPLAB_SIM_BUILTIN_NETWORK_H_
#define HOPLAB_SIM_BUILTIN_NETWORK_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "crafter/ipv4_address.h"
#include "sim/network.h"
#include "sim/random.h"
#include "sim/router.h"
#include "trace/name_resolver.h"

namespace hoplab::sim {

// One node on the way to a destination.
struct PathNode {
  crafter::Ipv4Address address;
  // Reverse name; empty for none.
  std::string name;
  // One-way latency of the link that reaches this node.
  trace::Duration latency{0};
  // When set, a per-flow load balancer before this hop sends some flows to
  // this second router instead (equal-cost multipath, RFC 2992).
  crafter::Ipv4Address ecmp_alternate;
};

class BuiltinNetwork final : public Network, public trace::NameResolver {
 public:
  // "builtin".
  static constexpr const char* kName = "builtin";

  // `seed` drives the per-reply jitter; the path itself depends only on the
  // destination.
  explicit BuiltinNetwork(uint64_t seed = 1);

  std::string Name() const override { return kName; }

  void Send(std::span<const uint8_t> datagram, trace::TimePoint sent_at,
            std::vector<Delivery>& replies) override;

  // The routers' names, and none for other addresses.
  std::optional<std::string> ReverseName(crafter::Ipv4Address address) override;

  // Whether the network routes `destination` at all: every unicast
  // address does; 0.0.0.0/8, multicast (224.0.0.0/4) and the reserved and
  // broadcast 240.0.0.0/4 do not (RFC 1122 §3.2.1.3, RFC 5771, RFC 1112).
  static bool Routes(crafter::Ipv4Address destination);

  // The routers between the tracing host and `destination`, in order,
  // followed by the destination itself. Between 5 and 11 routers; a
  // destination that is one of those routers ends the path there. The
  // first transit hop (hop 4) is a pair of routers behind a per-flow load
  // balancer. Loopback (127.0.0.0/8) and the host's own network
  // (192.0.2.0/24 beyond the gateway) are reached without a router.
  static std::vector<PathNode> PathTo(crafter::Ipv4Address destination);

 private:
  // Which of a balanced hop's routers the flow of `datagram` takes: a hash
  // of addresses, protocol, and the 4 bytes after the IP header (ports, or
  // ICMP type, code and checksum), as routers hash for ECMP.
  static bool TakesAlternate(std::span<const uint8_t> datagram,
                             size_t header_size);
  // Each node's IP id counter, started at a value derived from its address.
  uint16_t NextIpId(crafter::Ipv4Address node);
  // Schedules `reply` from the node at `hops` links away.
  void Schedule(std::vector<uint8_t> reply, trace::TimePoint sent_at,
                trace::Duration round_trip, std::vector<Delivery>& replies);

  // PathTo(destination), kept: a trace sends every probe to one
  // destination, and building the path (names and all) costs more than
  // the rest of a probe's trip.
  const std::vector<PathNode>& CachedPathTo(crafter::Ipv4Address destination);

  RouterProfile profile_;
  SeededRandom random_;
  std::optional<crafter::Ipv4Address> cached_destination_;
  std::vector<PathNode> cached_path_;
  std::unordered_map<uint32_t, uint16_t> ip_ids_;
  std::vector<uint8_t> in_flight_;
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_BUILTIN_NETWORK_H_
