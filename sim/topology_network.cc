#include "sim/topology_network.h"

#include <algorithm>
#include <utility>

#include "crafter/icmp.h"
#include "crafter/icmp_extension.h"
#include "crafter/ipv4.h"
#include "sim/flow_hash.h"
#include "sim/nat.h"
#include "sim/router.h"

namespace hoplab::sim {
namespace {

using crafter::IpProtocol;
using crafter::Ipv4Address;

// Offset of the TTL within the IPv4 header (RFC 791).
constexpr size_t kTtlOffset = 8;
// RFC 3032 §2.4.3 (pipe model, RFC 3443 §3.3): the ingress sets the label
// TTL to 255, so the tunnel's routers never see it expire.
constexpr uint8_t kPipeLabelTtl = 255;

uint64_t LinkKey(size_t a, size_t b) {
  return (uint64_t{std::min(a, b)} << 32) | std::max(a, b);
}

}  // namespace

TopologyNetwork::TopologyNetwork(Topology topology, uint64_t seed)
    : topology_(std::move(topology)), seed_(seed), random_(seed) {
  // Step: number the nodes and index the links by them.
  std::unordered_map<std::string, size_t> index;
  for (const Router& router : topology_.routers) {
    index.emplace(router.id, index.size());
  }
  for (const Target& target : topology_.targets) {
    index.emplace(target.id, index.size());
  }
  host_node_ = index.size();
  index.emplace(kHostNodeId, host_node_);
  for (const Link& link : topology_.links) {
    links_[LinkKey(index.at(link.a), index.at(link.b))] = &link;
  }

  // Step: routes and return routes as node indices.
  for (const Target& target : topology_.targets) {
    auto& stages = routes_.emplace_back();
    for (const Stage& stage : target.route) {
      auto& branches = stages.emplace_back();
      for (const auto& branch : stage.branches) {
        auto& nodes = branches.emplace_back();
        for (const std::string& id : branch) {
          nodes.push_back(index.at(id));
        }
      }
    }
  }
  const auto add_return_route = [&](const NodeBehaviour& behaviour) {
    auto& route = return_routes_.emplace_back();
    if (behaviour.return_route.has_value()) {
      route.emplace();
      for (const std::string& id : *behaviour.return_route) {
        route->push_back(index.at(id));
      }
    }
  };
  for (const Router& router : topology_.routers) {
    add_return_route(router.behaviour);
  }
  for (const Target& target : topology_.targets) {
    add_return_route(target.behaviour);
  }

  // Step: reverse names for every address a node answers from.
  const auto name = [&](Ipv4Address address, const std::string& reverse) {
    if (!reverse.empty() && !address.IsUnspecified()) {
      names_.emplace(address.value(), reverse);
    }
  };
  for (const Router& router : topology_.routers) {
    name(router.address, router.reverse_name);
    name(router.reply_from, router.reverse_name);
    for (const auto& [neighbour, address] : router.interfaces) {
      name(address, router.reverse_name);
    }
  }
  for (const Target& target : topology_.targets) {
    name(target.address, target.reverse_name);
    name(target.reply_from, target.reverse_name);
  }
}

std::string TopologyNetwork::Name() const {
  return "topology " + topology_.name;
}

std::optional<std::string> TopologyNetwork::ReverseName(Ipv4Address address) {
  auto found = names_.find(address.value());
  if (found == names_.end()) {
    return std::nullopt;
  }
  return found->second;
}

const std::string& TopologyNetwork::IdOf(size_t node) const {
  static const std::string kHost = kHostNodeId;
  if (node < topology_.routers.size()) {
    return topology_.routers[node].id;
  }
  if (node == host_node_) {
    return kHost;
  }
  return topology_.targets[node - topology_.routers.size()].id;
}

TopologyNetwork::Step TopologyNetwork::StepOf(size_t node) const {
  Step step;
  step.node = node;
  if (node < topology_.routers.size()) {
    step.router = &topology_.routers[node];
  } else {
    step.target = &topology_.targets[node - topology_.routers.size()];
  }
  return step;
}

void TopologyNetwork::Send(std::span<const uint8_t> datagram,
                           trace::TimePoint sent_at,
                           std::vector<Delivery>& replies) {
  auto header = crafter::ParseIpv4Header(datagram);
  if (!header.ok() || header->total_length < header->header_size() ||
      header->total_length > datagram.size()) {
    return;
  }
  const auto target = std::find_if(
      topology_.targets.begin(), topology_.targets.end(),
      [&](const Target& t) { return t.address == header->destination; });
  if (target == topology_.targets.end()) {
    return;
  }
  in_flight_.assign(datagram.begin(), datagram.begin() + header->total_length);
  sent_at_ = sent_at;
  probe_source_ = header->source;
  nat_router_ = nullptr;
  ChoosePath(*target, size_t(target - topology_.targets.begin()));
  std::optional<Answer> answer = Forward();
  if (answer.has_value() && !answer->bytes.empty()) {
    Return(std::move(*answer), replies);
  }
}

void TopologyNetwork::ChoosePath(const Target& target, size_t target_index) {
  path_.clear();
  const auto& stages = routes_[target_index];
  const size_t header_size = size_t{in_flight_[0] & 0x0fu} * 4;
  for (size_t s = 0; s < stages.size(); ++s) {
    const auto& branches = stages[s];
    size_t choice = 0;
    if (branches.size() > 1 && target.route[s].balance == Balance::kPerFlow) {
      // Each balancer hashes with its own key, as routers seed their hash.
      choice = SeededRandom::Mix(FlowHash(in_flight_, header_size) ^
                                 SeededRandom::Mix(seed_ + s)) %
               branches.size();
    } else if (branches.size() > 1) {
      choice = turns_[(uint64_t{target_index} << 16) | s]++ % branches.size();
    }
    for (size_t node : branches[choice]) {
      path_.push_back(StepOf(node));
    }
  }
  path_.push_back(StepOf(topology_.routers.size() + target_index));
  arrivals_.assign(path_.size(), trace::Duration(0));
}

bool TopologyNetwork::Draw(double probability) {
  if (probability <= 0) {
    return false;
  }
  if (probability >= 1) {
    return true;
  }
  // 2^53 steps: every probability a double holds below 1.
  constexpr uint64_t kSteps = uint64_t{1} << 53;
  return double(random_.Below(kSteps)) < probability * double(kSteps);
}

bool TopologyNetwork::Cross(size_t a, size_t b, trace::Duration& elapsed) {
  const Link* link = links_.at(LinkKey(a, b));
  if (Draw(link->loss)) {
    return false;
  }
  elapsed += link->latency;
  if (link->jitter.count() > 0) {
    elapsed += trace::Duration(
        int64_t(random_.Below(uint64_t(link->jitter.count()) + 1)));
  }
  return true;
}

Ipv4Address TopologyNetwork::ReplySourceOf(const Router& router,
                                           size_t previous) const {
  switch (router.reply_source) {
    case ReplySource::kIngress: {
      auto found = router.interfaces.find(IdOf(previous));
      return found == router.interfaces.end() ? router.address : found->second;
    }
    case ReplySource::kPrimary:
      return router.address;
    case ReplySource::kFixed:
      return router.reply_from;
  }
  return router.address;
}

std::optional<TopologyNetwork::Answer> TopologyNetwork::Forward() {
  trace::Duration elapsed{0};
  size_t previous = host_node_;
  const Mpls* tunnel = nullptr;
  uint8_t label_ttl = 0;
  const auto answer = [&](size_t position, std::vector<uint8_t> bytes,
                          bool is_icmp_error) -> std::optional<Answer> {
    if (!Answers(position, is_icmp_error, sent_at_ + arrivals_[position])) {
      return std::nullopt;
    }
    return Answer{std::move(bytes), position, is_icmp_error, {}};
  };
  for (size_t i = 0; i < path_.size(); ++i) {
    const Step& step = path_[i];
    // Step: the router before the link checks its MTU (RFC 1191); the
    // host's own link is not checked.
    const Link* link = links_.at(LinkKey(previous, step.node));
    if (i > 0 && link->mtu != 0 && in_flight_.size() > link->mtu &&
        (in_flight_[6] & 0x40) != 0) {
      const Router& router = *path_[i - 1].router;
      return answer(
          i - 1,
          BuildUnreachable(
              router.behaviour.profile,
              ReplySourceOf(router, i > 1 ? path_[i - 2].node : host_node_),
              NextIpId(router.address),
              uint8_t(crafter::UnreachableCode::kFragmentationNeeded),
              uint16_t(link->mtu), in_flight_),
          true);
    }
    if (!Cross(previous, step.node, elapsed)) {
      return std::nullopt;
    }
    arrivals_[i] = elapsed;

    // Step: leaving a tunnel, the uniform model copies the label TTL back
    // into the IP header (RFC 3443 §3.1).
    const Router* router = step.router;
    if (tunnel != nullptr && (router == nullptr || !router->mpls)) {
      if (tunnel->ttl_propagation == TtlPropagation::kUniform) {
        while (in_flight_[kTtlOffset] > label_ttl && DecrementTtl(in_flight_)) {
        }
      }
      tunnel = nullptr;
    }
    if (step.target != nullptr) {
      const bool is_udp = in_flight_[9] == uint8_t(IpProtocol::kUdp);
      return answer(i, TargetAnswer(*step.target, in_flight_[kTtlOffset]),
                    is_udp);
    }

    // Step: a label switching router decrements the label TTL only.
    if (router->mpls.has_value()) {
      if (tunnel == nullptr) {
        tunnel = &*router->mpls;
        label_ttl = tunnel->ttl_propagation == TtlPropagation::kUniform
                        ? in_flight_[kTtlOffset]
                        : kPipeLabelTtl;
      }
      if (label_ttl <= 1) {
        std::vector<uint8_t> extensions;
        if (router->mpls->icmp_extensions) {
          // RFC 4950 §7: the label stack as it arrived, top first.
          std::vector<crafter::MplsLabelEntry> entries;
          for (size_t k = 0; k < router->mpls->labels.size(); ++k) {
            entries.push_back({router->mpls->labels[k], 0,
                               k + 1 == router->mpls->labels.size(),
                               label_ttl});
          }
          const crafter::IcmpExtensionObject object =
              crafter::MplsLabelStackObject(entries);
          extensions = crafter::SerializeIcmpExtensions({&object, 1});
        }
        std::optional<Answer> reply = answer(
            i,
            BuildTimeExceeded(
                router->behaviour.profile, ReplySourceOf(*router, previous),
                NextIpId(router->address), in_flight_, extensions),
            true);
        if (reply.has_value()) {
          // RFC 3032 §2.3.2: the error rides the tunnel to its end first.
          for (size_t k = i + 1; k < path_.size(); ++k) {
            reply->detour +=
                links_.at(LinkKey(path_[k - 1].node, path_[k].node))->latency;
            if (path_[k].router == nullptr || !path_[k].router->mpls) {
              break;
            }
          }
        }
        return reply;
      }
      --label_ttl;
      previous = step.node;
      continue;
    }

    // Step: the firewall, before or after the TTL check (Firewall).
    const Firewall* firewall =
        router->firewall.has_value() && Filters(*router->firewall)
            ? &*router->firewall
            : nullptr;
    const auto reject = [&]() -> std::optional<Answer> {
      if (!firewall->reject) {
        return std::nullopt;
      }
      return answer(i,
                    BuildUnreachable(router->behaviour.profile,
                                     ReplySourceOf(*router, previous),
                                     NextIpId(router->address), firewall->code,
                                     firewall->next_hop_mtu, in_flight_),
                    true);
    };
    if (firewall != nullptr && firewall->before_ttl) {
      return reject();
    }
    if (!DecrementTtl(in_flight_)) {
      return answer(i, ExpiryAnswer(*router, previous), true);
    }
    if (firewall != nullptr) {
      return reject();
    }
    if (router->nat.has_value()) {
      TranslateOutbound(in_flight_, *router->nat);
      nat_router_ = router;
    }
    previous = step.node;
  }
  return std::nullopt;
}

std::vector<uint8_t> TopologyNetwork::ExpiryAnswer(const Router& router,
                                                   size_t previous) {
  const Ipv4Address from = ReplySourceOf(router, previous);
  if (!router.expiry_unreachable.has_value()) {
    return BuildTimeExceeded(router.behaviour.profile, from,
                             NextIpId(router.address), in_flight_);
  }
  // The router's `ttl_expired`: a Destination Unreachable quoting the
  // datagram as it arrived, as Time Exceeded would (ExpiryUnreachable).
  const ExpiryUnreachable& reply = *router.expiry_unreachable;
  return BuildUnreachable(router.behaviour.profile, from,
                          NextIpId(router.address), reply.code,
                          reply.next_hop_mtu, in_flight_);
}

std::vector<uint8_t> TopologyNetwork::TargetAnswer(const Target& target,
                                                   uint8_t arrived_ttl) {
  RouterProfile profile = target.behaviour.profile;
  if (target.copy_probe_ttl) {
    profile.initial_ttl = arrived_ttl;
  }
  const size_t header_size = size_t{in_flight_[0] & 0x0fu} * 4;
  switch (static_cast<IpProtocol>(in_flight_[9])) {
    case IpProtocol::kIcmp:
      if (target.icmp == IcmpAnswer::kSilent) {
        return {};
      }
      break;
    case IpProtocol::kUdp:
      if (target.udp == UdpAnswer::kSilent) {
        return {};
      }
      break;
    case IpProtocol::kTcp:
      if (target.tcp == TcpAnswer::kSilent) {
        return {};
      }
      if (target.tcp == TcpAnswer::kReset) {
        profile.open_tcp_ports.clear();
      } else if (target.tcp == TcpAnswer::kSynAck &&
                 in_flight_.size() >= header_size + 4) {
        // The destination port, whatever it is, listens.
        profile.open_tcp_ports = {uint16_t((in_flight_[header_size + 2] << 8) |
                                           in_flight_[header_size + 3])};
      }
      break;
  }
  std::vector<uint8_t> reply = BuildHostAnswer(
      profile, target.address, NextIpId(target.address), in_flight_);
  if (!reply.empty() && !target.reply_from.IsUnspecified()) {
    RewriteSource(reply, target.reply_from);
  }
  return reply;
}

bool TopologyNetwork::Filters(const Firewall& firewall) const {
  return firewall.protocols.empty() ||
         std::find(firewall.protocols.begin(), firewall.protocols.end(),
                   in_flight_[9]) != firewall.protocols.end();
}

bool TopologyNetwork::Answers(size_t position, bool is_icmp_error,
                              trace::TimePoint at) {
  const Step& step = path_[position];
  const NodeBehaviour& behaviour = step.behaviour();
  if (behaviour.silent) {
    return false;
  }
  if (behaviour.reply_probability < 1 && !Draw(behaviour.reply_probability)) {
    return false;
  }
  if (!is_icmp_error || !behaviour.rate_limit.has_value()) {
    return true;
  }
  // inet_peer_xrlim_allow: credit grows with the time since the last
  // check, up to burst * interval; an error costs one interval.
  const RateLimit& limit = *behaviour.rate_limit;
  const trace::Duration capacity = limit.interval * limit.burst;
  Bucket& bucket = buckets_[IdOf(step.node)];
  if (!bucket.started) {
    bucket = Bucket{capacity, at, true};
  } else if (at > bucket.last) {
    bucket.credit = std::min(capacity, bucket.credit + (at - bucket.last));
    bucket.last = at;
  }
  if (bucket.credit < limit.interval) {
    return false;
  }
  bucket.credit -= limit.interval;
  return true;
}

void TopologyNetwork::Return(Answer answer, std::vector<Delivery>& replies) {
  // Step: the way back, nearest router first, then the host.
  const Step& responder = path_[answer.position];
  std::vector<size_t> way = {responder.node};
  const auto& configured = return_routes_[responder.node];
  if (configured.has_value()) {
    way.insert(way.end(), configured->begin(), configured->end());
  } else {
    for (size_t k = answer.position; k-- > 0;) {
      way.push_back(path_[k].node);
    }
  }
  way.push_back(host_node_);

  trace::Duration back = 2 * answer.detour;
  for (size_t k = 0; k + 1 < way.size(); ++k) {
    if (k > 0) {
      // Each router on the way back forwards the reply like any datagram.
      if (!DecrementTtl(answer.bytes)) {
        return;
      }
      if (way[k] < topology_.routers.size() &&
          topology_.routers[way[k]].nat.has_value()) {
        TranslateInbound(answer.bytes, *topology_.routers[way[k]].nat,
                         probe_source_);
      }
    }
    if (!Cross(way[k], way[k + 1], back)) {
      return;
    }
  }
  // A reply still addressed elsewhere (a NAT it did not cross) is not the
  // host's.
  auto header = crafter::ParseIpv4Header(answer.bytes);
  if (!header.ok() || header->destination != probe_source_) {
    return;
  }

  // Step: reordering holds a reply back; duplication sends it twice.
  const ReplyShaping& shaping = responder.behaviour().shaping;
  trace::TimePoint at = sent_at_ + arrivals_[answer.position] + back +
                        responder.behaviour().reply_delay;
  if (Draw(shaping.reorder)) {
    at += shaping.reorder_delay;
  }
  const bool duplicate = Draw(shaping.duplicate);
  if (duplicate) {
    replies.push_back(Delivery{at + shaping.duplicate_delay, answer.bytes});
  }
  replies.push_back(Delivery{at, std::move(answer.bytes)});
}

uint16_t TopologyNetwork::NextIpId(Ipv4Address node) {
  auto [it, inserted] = ip_ids_.try_emplace(
      node.value(), uint16_t(SeededRandom::Mix(node.value() ^ seed_)));
  return ++it->second;
}

}  // namespace hoplab::sim
