// TopologyNetwork: runs a Topology as a simulated Network: probes cross
// the links of the route to their target, routers forward or answer, and
// replies cross the way back, all on virtual time from one seeded random
// source.

#ifndef HOPLAB_SIM_TOPOLOGY_NETWORK_H_
#define HOPLAB_SIM_TOPOLOGY_NETWORK_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/network.h"
#include "sim/random.h"
#include "sim/topology.h"
#include "trace/name_resolver.h"

namespace hoplab::sim {

class TopologyNetwork final : public Network, public trace::NameResolver {
 public:
  // Runs `topology` (copied) with `seed`, which drives every draw: jitter,
  // loss, partial answering, per-flow hashing, duplication and reordering.
  TopologyNetwork(Topology topology, uint64_t seed);

  // "topology NAME".
  std::string Name() const override;

  // Routes `datagram` from the tracing host towards its destination along
  // that target's route. Datagrams to addresses that are not targets, and
  // malformed ones, are dropped.
  void Send(std::span<const uint8_t> datagram, trace::TimePoint sent_at,
            std::vector<Delivery>& replies) override;

  // The reverse name of a router (any of its addresses) or target.
  std::optional<std::string> ReverseName(crafter::Ipv4Address address) override;

  const Topology& topology() const { return topology_; }

 private:
  // A node on the way: a router, or the target at the end.
  struct Step {
    const Router* router = nullptr;
    const Target* target = nullptr;
    // Node index: routers first, then targets, then the host.
    size_t node = 0;
    const NodeBehaviour& behaviour() const {
      return router ? router->behaviour : target->behaviour;
    }
  };
  // What a node sends back, and from where on the path it starts.
  struct Answer {
    std::vector<uint8_t> bytes;
    size_t position = 0;  // Index of the responder in the path.
    bool is_icmp_error = false;
    // Extra one-way time before the reply starts back (an LSR's reply
    // rides the tunnel to its end first, RFC 3032 §2.3.2).
    trace::Duration detour{0};
  };

  // The concrete path of this datagram: one branch per stage.
  void ChoosePath(const Target& target, size_t target_index);
  // Crosses the link between nodes `a` and `b`: false when the datagram is
  // lost; else adds the link's latency and jitter to `elapsed`.
  bool Cross(size_t a, size_t b, trace::Duration& elapsed);
  // Walks the path forward; returns the answer, if any node gives one.
  std::optional<Answer> Forward();
  // What `router` sends for the datagram in flight expiring at it, having
  // come from node `previous`: Time Exceeded, or its `ttl_expired`
  // Destination Unreachable.
  std::vector<uint8_t> ExpiryAnswer(const Router& router, size_t previous);
  std::vector<uint8_t> TargetAnswer(const Target& target, uint8_t arrived_ttl);
  // Whether `firewall` applies to the datagram in flight (its protocol).
  bool Filters(const Firewall& firewall) const;
  // Whether the node at `position` answers at `at` (silence, partial
  // answering and the ICMP rate limit).
  bool Answers(size_t position, bool is_icmp_error, trace::TimePoint at);
  // Carries `answer` back to the host and schedules it.
  void Return(Answer answer, std::vector<Delivery>& replies);
  crafter::Ipv4Address ReplySourceOf(const Router& router,
                                     size_t previous) const;
  const std::string& IdOf(size_t node) const;
  Step StepOf(size_t node) const;
  uint16_t NextIpId(crafter::Ipv4Address node);
  bool Draw(double probability);

  Topology topology_;
  uint64_t seed_;
  size_t host_node_ = 0;
  // Each target's stages and branches as node indices.
  std::vector<std::vector<std::vector<std::vector<size_t>>>> routes_;
  // Each node's return route (node indices, nearest first), if set.
  std::vector<std::optional<std::vector<size_t>>> return_routes_;
  // Links by the pair of node indices (smaller index in the high half).
  std::unordered_map<uint64_t, const Link*> links_;
  SeededRandom random_;
  std::unordered_map<uint32_t, std::string> names_;
  std::unordered_map<uint32_t, uint16_t> ip_ids_;
  // Per-packet balancers' turns, by target index and stage.
  std::unordered_map<uint64_t, uint64_t> turns_;
  // ICMP rate limit buckets by node id: tokens (in nanoseconds of credit)
  // and when they were last topped up.
  struct Bucket {
    trace::Duration credit{0};
    trace::TimePoint last{};
    bool started = false;
  };
  std::unordered_map<std::string, Bucket> buckets_;
  // Scratch for one Send.
  trace::TimePoint sent_at_{};
  crafter::Ipv4Address probe_source_;
  std::vector<uint8_t> in_flight_;
  std::vector<Step> path_;
  // When the probe reached each step of path_, from sent_at_.
  std::vector<trace::Duration> arrivals_;
  // The NAT the probe went out through, if any.
  const Router* nat_router_ = nullptr;
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_TOPOLOGY_NETWORK_H_
