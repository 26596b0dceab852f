#include "sim/builtin_network.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "crafter/byte_cursor.h"
#include "crafter/ipv4.h"
#include "sim/flow_hash.h"

namespace hoplab::sim {
namespace {

using crafter::Ipv4Address;
using std::chrono::microseconds;

// The first three hops are the same for every destination: the home
// gateway and the access provider. All addresses are RFC 5737
// documentation addresses; the names sit under .test (RFC 2606).
struct FixedHop {
  Ipv4Address address;
  const char* name;
  microseconds latency;
};
constexpr FixedHop kFixedHops[] = {
    {Ipv4Address::FromOctets(192, 0, 2, 1), "gw.home.hoplab.test",
     microseconds(250)},
    {Ipv4Address::FromOctets(198, 51, 100, 1), "bras1.access.hoplab.test",
     microseconds(3800)},
    {Ipv4Address::FromOctets(198, 51, 100, 9), "core1.access.hoplab.test",
     microseconds(600)},
};
// Delivery to the host's own addresses through the loopback device.
constexpr microseconds kLoopbackLatency(10);
// Transit routers take addresses from 203.0.113.0/24.
constexpr uint32_t kTransitPrefix = 0xcb007100;  // 203.0.113.0
constexpr int kMinTransitHops = 2;
constexpr int kTransitHopChoices = 7;  // 2..8 transit routers.

// The transit router's last octet, 1..254.
uint8_t TransitOctet(Ipv4Address address) {
  return static_cast<uint8_t>(address.value() & 0xff);
}

bool IsTransitAddress(Ipv4Address address) {
  const uint8_t octet = TransitOctet(address);
  return (address.value() & 0xffffff00) == kTransitPrefix && octet >= 1 &&
         octet <= 254;
}

std::string TransitName(Ipv4Address address) {
  const uint8_t octet = TransitOctet(address);
  return "ae" + std::to_string(octet % 4) + ".edge" + std::to_string(octet) +
         ".transit.hoplab.test";
}

}  // namespace

BuiltinNetwork::BuiltinNetwork(uint64_t seed) : random_(seed) {}

bool BuiltinNetwork::Routes(Ipv4Address destination) {
  return destination.IsUnicast();
}

std::vector<PathNode> BuiltinNetwork::PathTo(Ipv4Address destination) {
  // The host itself through loopback, and its neighbours on the LAN,
  // answer at the first hop.
  if ((destination.value() >> 24) == 127) {
    return {PathNode{destination, "", kLoopbackLatency, {}}};
  }
  if ((destination.value() & 0xffffff00) ==
          (kFixedHops[0].address.value() & 0xffffff00) &&
      destination != kFixedHops[0].address) {
    return {PathNode{destination, "", kFixedHops[0].latency, {}}};
  }
  std::vector<PathNode> path;
  for (const FixedHop& hop : kFixedHops) {
    path.push_back(PathNode{hop.address, hop.name, hop.latency, {}});
  }

  // Transit hops: the first two depend on the destination's /8, the next
  // two on its /16, the rest on its /24, so nearby destinations share the
  // start of their paths as they do on the internet.
  const uint32_t value = destination.value();
  const int num_transit =
      kMinTransitHops + int(SeededRandom::Mix(value >> 8) % kTransitHopChoices);
  for (int k = 0; k < num_transit; ++k) {
    const uint32_t region = k < 2   ? value >> 24
                            : k < 4 ? value >> 16
                                    : value >> 8;
    const uint64_t hash = SeededRandom::Mix((uint64_t{region} << 8) | k);
    uint32_t octet = 1 + uint32_t(hash % 254);
    // No address twice on one path: that would read as a routing loop.
    while (std::any_of(path.begin(), path.end(), [&](const PathNode& node) {
      return node.address.value() == (kTransitPrefix | octet);
    })) {
      octet = octet % 254 + 1;
    }
    const Ipv4Address address(kTransitPrefix | octet);
    path.push_back(PathNode{address,
                            TransitName(address),
                            microseconds(500 + (hash >> 16) % 6000),
                            {}});
  }
  // The first transit hop is balanced over two routers: the one chosen
  // above and its neighbour address.
  PathNode& balanced = path[std::size(kFixedHops)];
  const uint32_t first_octet = TransitOctet(balanced.address);
  balanced.ecmp_alternate =
      Ipv4Address(kTransitPrefix | (first_octet % 254 + 1));
  for (size_t i = std::size(kFixedHops) + 1; i < path.size(); ++i) {
    if (path[i].address == balanced.ecmp_alternate) {
      // Rare: the neighbour is also a later hop; balance to nothing then.
      balanced.ecmp_alternate = Ipv4Address();
    }
  }

  // A destination that is one of the routers ends the path there.
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i].address == destination ||
        path[i].ecmp_alternate == destination) {
      path[i].address = destination;
      path[i].ecmp_alternate = Ipv4Address();
      path.resize(i + 1);
      return path;
    }
  }
  path.push_back(
      PathNode{destination, "", microseconds(300 + (value & 0xff)), {}});
  return path;
}

std::optional<std::string> BuiltinNetwork::ReverseName(Ipv4Address address) {
  for (const FixedHop& hop : kFixedHops) {
    if (hop.address == address) {
      return std::string(hop.name);
    }
  }
  if (IsTransitAddress(address)) {
    return TransitName(address);
  }
  return std::nullopt;
}

void BuiltinNetwork::Send(std::span<const uint8_t> datagram,
                          trace::TimePoint sent_at,
                          std::vector<Delivery>& replies) {
  auto header = crafter::ParseIpv4Header(datagram);
  if (!header.ok() || header->total_length < header->header_size() ||
      header->total_length > datagram.size()) {
    return;
  }
  in_flight_.assign(datagram.begin(), datagram.begin() + header->total_length);
  // A datagram to the host's own address goes through loopback.
  std::vector<PathNode> to_self;
  if (header->destination == header->source) {
    to_self.push_back(PathNode{header->destination, "", kLoopbackLatency, {}});
  }
  const std::vector<PathNode>& path =
      to_self.empty() ? CachedPathTo(header->destination) : to_self;

  // Each router decrements the TTL; the one where it expires answers. The
  // last node is the destination host, which answers whatever the TTL.
  trace::Duration one_way{0};
  const bool alternate = TakesAlternate(in_flight_, header->header_size());
  for (size_t i = 0; i < path.size(); ++i) {
    // The node's address and latency only: copying the node would copy
    // its name.
    const PathNode& node = path[i];
    Ipv4Address address = node.address;
    trace::Duration latency = node.latency;
    if (alternate && !node.ecmp_alternate.IsUnspecified()) {
      address = node.ecmp_alternate;
      latency += microseconds(300);
    }
    one_way += latency;
    const bool is_destination = i + 1 == path.size();
    std::vector<uint8_t> reply;
    if (is_destination) {
      reply = BuildHostAnswer(profile_, address, NextIpId(address), in_flight_);
    } else if (!DecrementTtl(in_flight_)) {
      reply =
          BuildTimeExceeded(profile_, address, NextIpId(address), in_flight_);
    } else {
      continue;
    }
    if (!reply.empty()) {
      // The reply crosses i routers on its way back, each taking one TTL.
      for (size_t hop = 0; hop < i; ++hop) {
        if (!DecrementTtl(reply)) {
          return;
        }
      }
      Schedule(std::move(reply), sent_at, 2 * one_way, replies);
    }
    return;
  }
}

const std::vector<PathNode>& BuiltinNetwork::CachedPathTo(
    Ipv4Address destination) {
  if (cached_destination_ != destination) {
    cached_path_ = PathTo(destination);
    cached_destination_ = destination;
  }
  return cached_path_;
}

bool BuiltinNetwork::TakesAlternate(std::span<const uint8_t> datagram,
                                    size_t header_size) {
  return (FlowHash(datagram, header_size) & 1) != 0;
}

uint16_t BuiltinNetwork::NextIpId(Ipv4Address node) {
  auto [it, inserted] = ip_ids_.try_emplace(
      node.value(), uint16_t(SeededRandom::Mix(node.value())));
  return ++it->second;
}

void BuiltinNetwork::Schedule(std::vector<uint8_t> reply,
                              trace::TimePoint sent_at,
                              trace::Duration round_trip,
                              std::vector<Delivery>& replies) {
  // Up to 40 microseconds of queueing and ICMP generation on the way.
  const trace::Duration jitter = microseconds(random_.Below(40));
  replies.push_back(Delivery{sent_at + round_trip + jitter, std::move(reply)});
}

}  // namespace hoplab::sim
