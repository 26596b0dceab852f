// Topology: a simulated network as a topology file describes it (README,
// "Topology files"): the tracing host, routers, the links between them,
// and the targets with the route to each. Plain values; TopologyLoader
// fills them from YAML and TopologyNetwork runs them.

#ifndef HOPLAB_SIM_TOPOLOGY_H_
#define HOPLAB_SIM_TOPOLOGY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crafter/ipv4_address.h"
#include "sim/router.h"
#include "trace/clock.h"

namespace hoplab::sim {

// The node id links and routes use for the tracing host.
inline constexpr const char* kHostNodeId = "host";

// A link between two nodes (router ids or kHostNodeId). Links carry
// traffic both ways with the same properties.
struct Link {
  std::string a;
  std::string b;
  // One-way latency, and the most a crossing may add to it, drawn
  // uniformly from the seeded random source.
  trace::Duration latency{0};
  trace::Duration jitter{0};
  // Probability in [0, 1] that a datagram crossing the link is lost.
  double loss = 0;
  // Largest datagram the link carries; 0 for no limit. A router sends
  // Fragmentation Needed for a larger datagram with DF set (RFC 1191).
  uint32_t mtu = 0;
};

// ICMP rate limiting as Linux does it per destination host
// (net/ipv4/icmp.c icmpv4_xrlim_allow, net/ipv4/inetpeer.c
// inet_peer_xrlim_allow): a bucket holding up to `burst` tokens, refilled
// with one token per `interval`; each ICMP error takes one. Linux's
// defaults are net.ipv4.icmp_ratelimit = 1000 ms and XRLIM_BURST_FACTOR =
// 6; a bucket starts full.
struct RateLimit {
  trace::Duration interval{std::chrono::milliseconds(1000)};
  uint32_t burst = 6;
};

// Reply pathologies a node applies to what it sends.
struct ReplyShaping {
  // Probability that a reply arrives twice; the copy `duplicate_delay`
  // after the first.
  double duplicate = 0;
  trace::Duration duplicate_delay{std::chrono::microseconds(100)};
  // Probability that a reply is held back by `reorder_delay`, so that
  // replies sent after it overtake it.
  double reorder = 0;
  trace::Duration reorder_delay{std::chrono::milliseconds(50)};
};

// What every answering node (router or target) shares.
struct NodeBehaviour {
  // TTL, TOS and quote size of what the node sends (RouterProfile; Linux's
  // unless the file says otherwise).
  RouterProfile profile;
  // Never answers at all (forwarding is unaffected).
  bool silent = false;
  // Probability in [0, 1] that the node answers a given probe.
  double reply_probability = 1;
  std::optional<RateLimit> rate_limit;
  ReplyShaping shaping;
  // How long the node takes to answer (its slow path building an ICMP
  // error, or a busy host): added to the time of every reply it sends, so
  // a hop may answer later than a hop behind it, as captures show.
  trace::Duration reply_delay{0};
  // The routers a reply crosses back to the host, nearest first; when
  // unset, the reverse of the way the probe came (symmetric routing).
  std::optional<std::vector<std::string>> return_route;
};

// Where a router's Time Exceeded and Destination Unreachable come from.
enum class ReplySource : uint8_t {
  // The address of the interface the probe arrived on (Linux, and RFC
  // 1812 §4.3.2.4's usual practice), falling back to `address`.
  kIngress,
  // The router's `address`, whatever the interface.
  kPrimary,
  // A configured address (`reply_from`).
  kFixed,
};

// MPLS label switching at a router inside a tunnel (RFC 3031, RFC 3032).
enum class TtlPropagation : uint8_t {
  // RFC 3443 §3.1 uniform model: the ingress copies the IP TTL into the
  // label, each LSR decrements it and answers when it expires, quoting the
  // IP header as it entered the tunnel.
  kUniform,
  // RFC 3443 §3.3 pipe model: the label TTL starts at 255, so the tunnel's
  // routers never see a probe expire and the tunnel shows as one hop.
  kPipe,
};

struct Mpls {
  // The label stack as received by this router, top first (RFC 3032).
  std::vector<uint32_t> labels;
  TtlPropagation ttl_propagation = TtlPropagation::kUniform;
  // Whether Time Exceeded carries the RFC 4884 extension with the RFC 4950
  // label stack object.
  bool icmp_extensions = true;
};

// A firewall at a router, applied to datagrams it would forward: after the
// TTL check, as Linux's FORWARD chain runs after ip_forward's TTL check,
// or with `before_ttl` before it, as a router answers that has no route to
// the destination (Linux: ip_route_input fails in ip_rcv_finish, and
// ip_error sends Destination Unreachable, before ip_forward looks at the
// TTL), so that even a probe expiring there gets the rejection.
struct Firewall {
  // Reject with Destination Unreachable `code`, or drop silently.
  bool reject = true;
  uint8_t code = 13;  // Communication administratively prohibited.
  // Fragmentation Needed (code 4) only: the next-hop MTU (RFC 1191).
  uint16_t next_hop_mtu = 0;
  // Probe protocols it applies to (ICMP 1, TCP 6, UDP 17); empty for all.
  std::vector<uint8_t> protocols;
  bool before_ttl = false;
};

// What a router sends instead of Time Exceeded for a datagram whose TTL
// expires at it. RFC 1812 §5.3.1 asks for Time Exceeded; some routers and
// middleboxes answer expiring probes with a Destination Unreachable
// instead (cases/c11-bogus-frag-needed.pcap: Fragmentation Needed naming
// MTU 9000 for a 60-byte probe), while forwarding datagrams with TTL left
// as any router does.
struct ExpiryUnreachable {
  // The Destination Unreachable code (RFC 792, RFC 1812 §5.2.7.1).
  uint8_t code = 0;
  // Fragmentation Needed (code 4) only: the next-hop MTU (RFC 1191 §4);
  // 0 as routers older than RFC 1191 send it.
  uint16_t next_hop_mtu = 0;
};

// Source NAT at a router (RFC 3022 NAPT): datagrams from the host leave
// with `address` as source and the port (or ICMP identifier) moved by
// `port_offset`; what comes back is translated back, including the header
// an ICMP error quotes (RFC 5508 §4.2), unless `rewrite_quote` is false.
struct Nat {
  crafter::Ipv4Address address;
  uint16_t port_offset = 0;
  bool rewrite_quote = true;
};

struct Router {
  std::string id;
  crafter::Ipv4Address address;
  std::string reverse_name;
  // The router's address on the link to each neighbour (node id).
  std::map<std::string, crafter::Ipv4Address> interfaces;
  ReplySource reply_source = ReplySource::kIngress;
  crafter::Ipv4Address reply_from;
  NodeBehaviour behaviour;
  std::optional<Mpls> mpls;
  std::optional<Firewall> firewall;
  std::optional<Nat> nat;
  // The `ttl_expired` key: unset for Time Exceeded (RFC 1812 §5.3.1).
  // A uniform MPLS tunnel's expiring label TTL still gets Time Exceeded.
  std::optional<ExpiryUnreachable> expiry_unreachable;
};

// Load balancing between the branches of a stage of a route.
enum class Balance : uint8_t {
  // Per flow (RFC 2992): a hash of addresses, protocol and the 4 bytes
  // after the IP header picks the branch.
  kPerFlow,
  // Per packet: branches in turn, round robin.
  kPerPacket,
};

// One step of a route: a single router, or a diamond of branches (each a
// run of router ids, possibly of different lengths) rejoining after it.
struct Stage {
  Balance balance = Balance::kPerFlow;
  std::vector<std::vector<std::string>> branches;
};

// How a target answers each probe method.
enum class IcmpAnswer : uint8_t { kEchoReply, kSilent };
enum class UdpAnswer : uint8_t { kPortUnreachable, kSilent };
enum class TcpAnswer : uint8_t { kByPort, kSynAck, kReset, kSilent };

struct Target {
  // The node id links name it by: the file's `id`, else the address as
  // text.
  std::string id;
  crafter::Ipv4Address address;
  std::string reverse_name;
  // Where the answer comes from; unspecified for `address`.
  crafter::Ipv4Address reply_from;
  // The reply's TTL starts at the probe's TTL as it arrived, as some
  // broken stacks do, instead of the profile's initial TTL.
  bool copy_probe_ttl = false;
  std::vector<Stage> route;
  NodeBehaviour behaviour;
  IcmpAnswer icmp = IcmpAnswer::kEchoReply;
  UdpAnswer udp = UdpAnswer::kPortUnreachable;
  TcpAnswer tcp = TcpAnswer::kByPort;
};

struct Topology {
  // The file's `name`, else its file name without directory and suffix.
  std::string name;
  std::string description;
  uint64_t seed = 1;
  crafter::Ipv4Address host = crafter::Ipv4Address::FromOctets(192, 0, 2, 100);
  std::vector<Router> routers;
  std::vector<Link> links;
  std::vector<Target> targets;

  // Lookups; nullptr when absent. Pointers stay valid while the topology
  // is not modified.
  const Router* FindRouter(const std::string& id) const;
  const Link* FindLink(const std::string& a, const std::string& b) const;
  const Target* FindTarget(crafter::Ipv4Address address) const;
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_TOPOLOGY_H_
