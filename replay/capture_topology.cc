#include "replay/capture_topology.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "crafter/ipv4.h"
#include "sim/sim_transport.h"
#include "sim/topology_network.h"
#include "sim/virtual_clock.h"
#include "trace/annotation.h"
#include "trace/engine.h"

namespace hoplab::replay {
namespace {

using crafter::Ipv4Address;
using crafter::ProbeMethod;
using crafter::ReplyKind;

constexpr int64_t kUnknown = std::numeric_limits<int64_t>::max();
// A responder's extra wait below this is left out of the file: it stays
// far inside the 1 ms the round trips are compared with.
constexpr int64_t kLeastReplyDelayNs = 50000;
// A rate limit bucket that refills no token within a trace: the longest
// duration a topology file takes.
constexpr trace::Duration kNoRefill = std::chrono::hours(1);
// RFC 792: Destination Unreachable code 3, port unreachable.
constexpr uint8_t kPortUnreachable = 3;

// What answered a probe at its hop.
enum class Role : uint8_t {
  kTimeExceeded,  // A router on the path: Time Exceeded.
  kReject,        // Destination Unreachable from a router.
  // Destination Unreachable from a router at a hop before the last: the
  // probes with more TTL went on, so the router forwards them and sends
  // that instead of Time Exceeded (its ttl_expired).
  kExpiryReject,
  kDestination,  // The destination's own answer.
};

struct NodeKey {
  Role role = Role::kTimeExceeded;
  uint32_t address = 0;
  uint8_t code = 0;
  uint16_t mtu = 0;
  auto operator<=>(const NodeKey&) const = default;
};

// One router of a stage (or the target): what the capture saw of it.
struct Node {
  NodeKey key;
  std::vector<int64_t> rtts_ns;
  // The TTL of each reply as it arrived.
  std::vector<uint8_t> reply_ttls;
  int num_answered = 0;
  int num_unanswered = 0;
  // The engine's index of each probe that reached it, and whether it
  // answered.
  std::vector<std::pair<size_t, bool>> turns;
  std::vector<uint32_t> labels;
  bool other_extensions = false;
  std::string id;
  int64_t cumulative_ns = 0;
  // Index of the router in Topology::routers.
  size_t router = 0;
};

// One TTL of the route.
struct StageModel {
  uint8_t ttl = 0;
  std::vector<Node> nodes;
  // The per-packet branches: indices into nodes, one per turn.
  std::vector<size_t> branches;
};

Role RoleOf(const trace::ProbeResult& probe, ProbeMethod method) {
  switch (probe.kind) {
    case ReplyKind::kTimeExceeded:
      return Role::kTimeExceeded;
    case ReplyKind::kDestinationUnreachable:
      return method == ProbeMethod::kUdp && probe.icmp_code == kPortUnreachable
                 ? Role::kDestination
                 : Role::kReject;
    default:
      return Role::kDestination;
  }
}

uint8_t ProtocolOf(ProbeMethod method) {
  switch (method) {
    case ProbeMethod::kIcmp:
      return uint8_t(crafter::IpProtocol::kIcmp);
    case ProbeMethod::kUdp:
      return uint8_t(crafter::IpProtocol::kUdp);
    case ProbeMethod::kTcp:
      return uint8_t(crafter::IpProtocol::kTcp);
  }
  return 0;
}

NodeKey KeyOf(const trace::ProbeResult& probe, ProbeMethod method) {
  NodeKey key;
  key.role = RoleOf(probe, method);
  key.address = probe.from->value();
  if (key.role == Role::kReject) {
    key.code = probe.icmp_code;
    key.mtu = probe.next_hop_mtu;
  }
  return key;
}

int64_t Median(std::vector<int64_t> values) {
  if (values.empty()) {
    return kUnknown;
  }
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle]
                                : (values[middle - 1] + values[middle]) / 2;
}

void Count(Node& node, const trace::ProbeResult& probe) {
  ++node.num_answered;
  node.rtts_ns.push_back(probe.rtt.count());
  node.reply_ttls.push_back(probe.reply_ttl);
  if (probe.extensions == nullptr) {
    return;
  }
  for (const crafter::IcmpExtensionObject& object : probe.extensions->objects) {
    if (!object.mpls_labels.empty() && node.labels.empty()) {
      for (const crafter::MplsLabelEntry& entry : object.mpls_labels) {
        node.labels.push_back(entry.label);
      }
    } else if (object.mpls_labels.empty()) {
      node.other_extensions = true;
    }
  }
}

// How a node that answered some of its probes does that: when it answered
// the first ones and none after (an ICMP rate limit's empty bucket, when
// what it sends is an ICMP error), a bucket of that many that does not
// refill within the trace; otherwise it answers each probe with the
// fraction it answered, and the seed decides which.
void SetPartialAnswers(const Node& node, bool icmp_errors,
                       sim::NodeBehaviour& behaviour) {
  if (node.num_answered == 0 || node.num_unanswered == 0) {
    return;
  }
  std::vector<std::pair<size_t, bool>> turns = node.turns;
  std::sort(turns.begin(), turns.end());
  const bool first_ones = std::is_partitioned(
      turns.begin(), turns.end(), [](const auto& turn) { return turn.second; });
  if (icmp_errors && first_ones) {
    behaviour.rate_limit =
        sim::RateLimit{kNoRefill, uint32_t(node.num_answered)};
    return;
  }
  const double fraction =
      double(node.num_answered) / (node.num_answered + node.num_unanswered);
  behaviour.reply_probability = std::round(fraction * 1000) / 1000;
}

// " <MPLS:L=16,E=0,S=1,T=1>" per extension object (another class as
// " <CLASS/C-TYPE>"), as `hoplab trace -e` shows them.
std::string ExtensionsShown(const trace::ProbeResult& probe) {
  std::string out;
  if (probe.extensions == nullptr) {
    return out;
  }
  for (const crafter::IcmpExtensionObject& object : probe.extensions->objects) {
    if (object.mpls_labels.empty()) {
      out += " <" + std::to_string(object.class_num) + "/" +
             std::to_string(object.c_type) + ">";
      continue;
    }
    std::string entries;
    for (const crafter::MplsLabelEntry& entry : object.mpls_labels) {
      entries += (entries.empty() ? "" : "/") +
                 ("L=" + std::to_string(entry.label) +
                  ",E=" + std::to_string(entry.traffic_class) +
                  ",S=" + std::to_string(entry.bottom_of_stack ? 1 : 0) +
                  ",T=" + std::to_string(entry.ttl));
    }
    out += " <MPLS:" + entries + ">";
  }
  return out;
}

// Probe `index` of a stage's `slots` answered by node `second` (or by
// nobody): the shortest list of turns, probe k taking turn k modulo its
// length, that gives every answered probe its node. The engine's index of
// each probe is unique, so a list as long as the highest index plus one
// always fits.
std::vector<size_t> ShortestTurns(
    const std::vector<std::pair<size_t, std::optional<size_t>>>& slots) {
  for (size_t period = 1;; ++period) {
    std::vector<std::optional<size_t>> turns(period);
    bool fits = true;
    for (const auto& [index, node] : slots) {
      if (!node.has_value()) {
        continue;
      }
      std::optional<size_t>& turn = turns[index % period];
      fits = fits && (!turn.has_value() || *turn == *node);
      turn = node;
    }
    if (fits) {
      std::vector<size_t> branches;
      for (const std::optional<size_t>& turn : turns) {
        branches.push_back(turn.value_or(0));
      }
      return branches;
    }
  }
}

std::string TtlList(const std::vector<uint8_t>& ttls) {
  std::string out;
  for (uint8_t ttl : ttls) {
    out += (out.empty() ? "" : ", ") + std::to_string(ttl);
  }
  return out;
}

// Builds the topology step by step; each step reads the trace and the
// stages the steps before it filled.
class Builder {
 public:
  Builder(const RebuiltTrace& trace, const std::string& name)
      : trace_(trace), hops_(trace.result.hops) {
    out_.topology.name = name;
    out_.topology.host = trace.source;
    used_.insert(trace.source.value());
    used_.insert(trace.destination.value());
    for (const trace::Hop& hop : hops_) {
      for (const trace::ProbeResult& probe : hop.probes) {
        if (probe.from.has_value()) {
          captured_.insert(probe.from->value());
        }
      }
    }
  }

  CaptureTopology Build() {
    ChooseOptions();
    PlaceDestination();
    BuildStages();
    PlaceRoundTrips();
    WriteTopology();
    ChooseSeed();
    Verify();
    return std::move(out_);
  }

 private:
  void Warn(std::string text) { out_.warnings.push_back(std::move(text)); }

  size_t Queries() const { return size_t(out_.options.num_queries); }

  // The engine's index of probe `q` of hop `ttl`: TTL-major.
  size_t ProbeIndex(uint8_t ttl, size_t q) const {
    return (ttl - out_.options.first_ttl) * Queries() + q;
  }

  const trace::Hop* HopAt(uint8_t ttl) const {
    for (const trace::Hop& hop : hops_) {
      if (hop.ttl == ttl) {
        return &hop;
      }
    }
    return nullptr;
  }

  void ChooseOptions();
  void PlaceDestination();
  void PlaceUnansweredDestination();
  void BuildStages();
  void CountLastHop();
  void FillStage(StageModel& stage, const trace::Hop& hop);
  void PlaceRoundTrips();
  Ipv4Address Placeholder();
  void SetReplyTtl(const Node& node, uint8_t ttl, sim::RouterProfile& profile);
  void AddRouter(Node& node, uint8_t stage_ttl);
  void WriteTopology();
  void WriteDestination(sim::Target& target);
  void ChooseSeed();
  void Verify();

  const RebuiltTrace& trace_;
  const std::vector<trace::Hop>& hops_;
  CaptureTopology out_;
  std::set<uint32_t> used_;
  std::set<uint32_t> captured_;
  uint32_t next_placeholder_ = 1;
  std::vector<StageModel> stages_;
  // The TTL the destination answers at: after the last stage.
  Node destination_;
  bool destination_answered_ = false;
  bool destination_silent_ = false;
  ReplyKind destination_kind_ = ReplyKind::kEchoReply;
  // The last stage's single router rejects the hop after it (its
  // firewall, after the TTL check).
  std::optional<NodeKey> forward_reject_;
  uint8_t num_stages_ = 0;
};

void Builder::ChooseOptions() {
  trace::TraceOptions& options = out_.options;
  options.method = trace_.method;
  options.source = trace_.source;
  options.destination = trace_.destination;
  options.first_ttl = hops_.front().ttl;
  options.max_ttl = std::max(trace_.max_ttl, hops_.back().ttl);
  size_t queries = 1;
  for (const trace::Hop& hop : hops_) {
    queries = std::max(queries, hop.probes.size());
  }
  if (queries > size_t(trace::kMaxNumQueries)) {
    Warn("a hop holds " + std::to_string(queries) +
         " probes; hoplab trace sends at most " +
         std::to_string(trace::kMaxNumQueries) +
         " a hop (-q), so the probes after the 10th of each hop are not "
         "reproduced");
    queries = size_t(trace::kMaxNumQueries);
  }
  options.num_queries = int(queries);
  for (const trace::Hop& hop : hops_) {
    if (hop.probes.size() < queries) {
      Warn("hop " + std::to_string(hop.ttl) + " holds " +
           std::to_string(hop.probes.size()) + " of " +
           std::to_string(queries) +
           " probes (the capture lacks the others); the simulated trace "
           "sends " +
           std::to_string(queries) + ", its first ones match");
    }
  }
  options.paris = trace_.fixed_ports;
  // The capture holds the probes its tool sent; hoplab's re-asking of
  // rate-limited hops would send others and answer stars the capture
  // keeps.
  options.limit_retries = 0;
  if (trace_.method != ProbeMethod::kIcmp && trace_.destination_port != 0) {
    options.destination_port = trace_.destination_port;
  } else if (trace_.method == ProbeMethod::kTcp) {
    options.destination_port = trace::kDefaultTcpPort;
  }
  // TCP probes count up from source port 1 here; classic UDP probes from
  // the captured first port, which may lie too close to 65535.
  if (const std::string problem = trace::CheckPortRoom(options, 1);
      options.method == ProbeMethod::kUdp && !problem.empty()) {
    Warn(
        "the captured probes' ports cannot be counted up as hoplab trace "
        "does (" +
        problem + "); the simulated trace starts at port " +
        std::to_string(trace::kDefaultUdpPort));
    options.destination_port = trace::kDefaultUdpPort;
  }
  options.packet_size = trace_.packet_size;
  if (const std::string problem = trace::ValidateTraceOptions(options);
      !problem.empty()) {
    Warn("the captured probes are " + std::to_string(trace_.packet_size) +
         " bytes, which hoplab trace cannot send (" + problem +
         "); the simulated trace sends " +
         std::to_string(crafter::kDefaultProbeSize));
    options.packet_size = crafter::kDefaultProbeSize;
  }
}

// Where the route ends: the destination's hop, a rejecting router, or
// the last hop probed.
void Builder::PlaceDestination() {
  const trace::Hop& last = hops_.back();
  const ProbeMethod method = trace_.method;
  std::set<NodeKey> answers;
  for (const trace::ProbeResult& probe : last.probes) {
    if (probe.from.has_value()) {
      answers.insert(KeyOf(probe, method));
    }
  }
  const bool reached = std::any_of(
      answers.begin(), answers.end(),
      [](const NodeKey& key) { return key.role == Role::kDestination; });
  if (reached) {
    num_stages_ = uint8_t(last.ttl - 1);
    destination_answered_ = true;
    return;
  }
  const bool rejected =
      std::any_of(answers.begin(), answers.end(),
                  [](const NodeKey& key) { return key.role == Role::kReject; });
  const trace::Hop* before =
      last.ttl > 1 ? HopAt(uint8_t(last.ttl - 1)) : nullptr;
  if (rejected && answers.size() == 1 && before != nullptr) {
    // Step: one rejecting address that answered the hop before alone is
    // that router's firewall.
    std::set<uint32_t> earlier;
    for (const trace::ProbeResult& probe : before->probes) {
      if (probe.from.has_value()) {
        earlier.insert(probe.from->value());
      }
    }
    const NodeKey reject = *answers.begin();
    if (earlier.size() == 1 && *earlier.begin() == reject.address) {
      forward_reject_ = reject;
      num_stages_ = uint8_t(last.ttl - 1);
      return;
    }
  }
  num_stages_ = last.ttl;
  if (!rejected) {
    PlaceUnansweredDestination();
  }
}

// The destination that never answered: silent to the method at the first
// of the hops nothing answered at the end, or past the last hop.
void Builder::PlaceUnansweredDestination() {
  const ProbeMethod method = trace_.method;
  uint8_t first_silent = 0;
  for (auto hop = hops_.rbegin(); hop != hops_.rend(); ++hop) {
    const bool silent = std::none_of(
        hop->probes.begin(), hop->probes.end(),
        [](const trace::ProbeResult& probe) { return probe.from.has_value(); });
    if (!silent) {
      break;
    }
    first_silent = hop->ttl;
  }
  if (first_silent != 0) {
    num_stages_ = uint8_t(first_silent - 1);
    destination_silent_ = true;
    Warn("nothing answered from hop " + std::to_string(first_silent) +
         " on: the destination stands at hop " + std::to_string(first_silent) +
         " and is silent to " + std::string(crafter::ProbeMethodName(method)) +
         " (the capture cannot tell it from routers that never answer)");
    return;
  }
  Warn("the destination never answered in the capture: it stands after hop " +
       std::to_string(num_stages_) +
       " and answers as a default target does; trace with -m " +
       std::to_string(num_stages_) + " to stop where the capture stops");
}

void Builder::BuildStages() {
  std::vector<uint8_t> unprobed;
  for (uint8_t ttl = 1; ttl <= num_stages_ && ttl != 0; ++ttl) {
    StageModel& stage = stages_.emplace_back();
    stage.ttl = ttl;
    const trace::Hop* hop = HopAt(ttl);
    if (hop == nullptr) {
      unprobed.push_back(ttl);
    } else {
      FillStage(stage, *hop);
    }
    if (stage.nodes.empty()) {
      // Nothing answered here: a silent router.
      stage.nodes.emplace_back();
      stage.branches = {0};
    }
  }
  if (!unprobed.empty()) {
    Warn("the capture holds no probe at TTL " + TtlList(unprobed) +
         ": silent placeholder routers stand there");
  }
  CountLastHop();
}

// The destination's answers, or the hop the firewall rejects.
void Builder::CountLastHop() {
  const trace::Hop& last = hops_.back();
  std::vector<uint8_t> ignored;
  for (size_t q = 0; q < last.probes.size() && q < Queries(); ++q) {
    const trace::ProbeResult& probe = last.probes[q];
    Node* node = nullptr;
    if (destination_answered_ || destination_silent_) {
      node = &destination_;
    } else if (forward_reject_.has_value()) {
      node = &stages_.back().nodes.front();
    } else {
      continue;
    }
    if (!probe.from.has_value()) {
      ++node->num_unanswered;
      node->turns.emplace_back(ProbeIndex(last.ttl, q), false);
      continue;
    }
    const NodeKey key = KeyOf(probe, trace_.method);
    if (node == &destination_ && key.role != Role::kDestination) {
      ignored.push_back(last.ttl);
      continue;
    }
    if (node == &destination_ && destination_.num_answered == 0) {
      destination_.key = key;
      destination_kind_ = probe.kind;
    } else if (node == &destination_ && !(destination_.key == key)) {
      Warn("the destination answered hop " + std::to_string(last.ttl) +
           " in more than one way (or from more than one address); the "
           "topology answers as its first answer did");
    }
    Count(*node, probe);
    node->turns.emplace_back(ProbeIndex(last.ttl, q), true);
  }
  if (!ignored.empty()) {
    Warn("hop " + std::to_string(last.ttl) +
         " mixes the destination's answers with routers' ones, which a "
         "topology cannot give at one TTL; the destination answers those "
         "probes too");
  }
}

void Builder::FillStage(StageModel& stage, const trace::Hop& hop) {
  // Step: the responders of this hop and which probe each answered.
  const bool last = &hop == &hops_.back();
  std::vector<std::pair<size_t, std::optional<size_t>>> slots;
  for (size_t q = 0; q < hop.probes.size() && q < Queries(); ++q) {
    const trace::ProbeResult& probe = hop.probes[q];
    std::optional<size_t> node_index;
    if (probe.from.has_value()) {
      NodeKey key = KeyOf(probe, trace_.method);
      if (key.role == Role::kReject && !last) {
        key.role = Role::kExpiryReject;
      }
      if (key.role == Role::kDestination) {
        Warn("hop " + std::to_string(hop.ttl) +
             " has the destination's answer, which ends a trace, before "
             "its last hop; it shows as *");
      } else {
        auto found =
            std::find_if(stage.nodes.begin(), stage.nodes.end(),
                         [&](const Node& node) { return node.key == key; });
        if (found == stage.nodes.end()) {
          stage.nodes.emplace_back().key = key;
          found = stage.nodes.end() - 1;
        }
        Count(*found, probe);
        found->turns.emplace_back(ProbeIndex(hop.ttl, q), true);
        node_index = size_t(found - stage.nodes.begin());
      }
    }
    slots.emplace_back(ProbeIndex(hop.ttl, q), node_index);
  }
  if (stage.nodes.empty()) {
    return;
  }

  stage.branches = ShortestTurns(slots);
  // Step: a probe nobody answered went to its turn's router, which did
  // not answer it.
  const size_t period = stage.branches.size();
  for (const auto& [index, node] : slots) {
    if (!node.has_value()) {
      Node& node = stage.nodes[stage.branches[index % period]];
      ++node.num_unanswered;
      node.turns.emplace_back(index, false);
    }
  }
}

// Link latencies and reply delays: each responder's round trip is the
// median of its captured ones.
void Builder::PlaceRoundTrips() {
  // Step: the lowest half round trip at or after each stage, so that a
  // later responder that answered faster keeps latencies from going
  // negative.
  std::vector<int64_t> floor_after(stages_.size() + 1, kUnknown);
  floor_after.back() = Median(destination_.rtts_ns) == kUnknown
                           ? kUnknown
                           : Median(destination_.rtts_ns) / 2;
  for (size_t s = stages_.size(); s-- > 0;) {
    floor_after[s] = floor_after[s + 1];
    for (const Node& node : stages_[s].nodes) {
      const int64_t median = Median(node.rtts_ns);
      if (median != kUnknown) {
        floor_after[s] = std::min(floor_after[s], median / 2);
      }
    }
  }
  int64_t before = 0;
  for (size_t s = 0; s < stages_.size(); ++s) {
    int64_t highest = before;
    for (Node& node : stages_[s].nodes) {
      const int64_t median = Median(node.rtts_ns);
      node.cumulative_ns = median == kUnknown
                               ? before
                               : std::min(median / 2, floor_after[s + 1]);
      node.cumulative_ns = std::max(node.cumulative_ns, before);
      highest = std::max(highest, node.cumulative_ns);
    }
    before = highest;
  }
  const int64_t median = Median(destination_.rtts_ns);
  destination_.cumulative_ns =
      median == kUnknown ? before : std::max(before, median / 2);
}

Ipv4Address Builder::Placeholder() {
  while (used_.count(next_placeholder_) != 0 ||
         captured_.count(next_placeholder_) != 0) {
    ++next_placeholder_;
  }
  used_.insert(next_placeholder_);
  return Ipv4Address(next_placeholder_++);
}

// A reply crosses the routers between its sender and the host, each
// taking one from its TTL: the sender's initial TTL is the most common
// captured one plus those routers (Linux's 64 needs no key).
void Builder::SetReplyTtl(const Node& node, uint8_t ttl,
                          sim::RouterProfile& profile) {
  std::map<uint8_t, int> counts;
  for (uint8_t reply_ttl : node.reply_ttls) {
    ++counts[reply_ttl];
  }
  const auto most = std::max_element(
      counts.begin(), counts.end(),
      [](const auto& a, const auto& b) { return a.second < b.second; });
  // A reply can arrive with TTL 0 only from a broken sender; such a
  // capture keeps the profile's TTL.
  if (most == counts.end() || most->first == 0) {
    return;
  }
  const int initial = most->first + ttl - 1;
  if (initial > 255) {
    Warn("hop " + std::to_string(ttl) + " (" +
         Ipv4Address(node.key.address).ToString() +
         "): its replies arrived with TTL " + std::to_string(most->first) +
         ", more than 255 less the " + std::to_string(ttl - 1) +
         " routers the simulated reply crosses back (an asymmetric path)");
    return;
  }
  profile.initial_ttl = uint8_t(initial);
}

void Builder::AddRouter(Node& node, uint8_t stage_ttl) {
  sim::Router& router = out_.topology.routers.emplace_back();
  node.router = out_.topology.routers.size() - 1;
  router.id = node.id;
  const bool answers = node.num_answered > 0;
  if (answers && used_.insert(node.key.address).second) {
    router.address = Ipv4Address(node.key.address);
  } else {
    router.address = Placeholder();
    if (answers) {
      router.reply_source = sim::ReplySource::kFixed;
      router.reply_from = Ipv4Address(node.key.address);
    }
  }
  router.behaviour.silent = !answers;
  SetPartialAnswers(node, true, router.behaviour);
  SetReplyTtl(node, stage_ttl, router.behaviour.profile);
  const int64_t delay = Median(node.rtts_ns) == kUnknown
                            ? 0
                            : Median(node.rtts_ns) - 2 * node.cumulative_ns;
  if (delay >= kLeastReplyDelayNs) {
    router.behaviour.reply_delay = trace::Duration(delay);
  }
  if (node.key.role == Role::kReject) {
    sim::Firewall& firewall = router.firewall.emplace();
    firewall.code = node.key.code;
    firewall.next_hop_mtu = node.key.mtu;
    firewall.before_ttl = true;
  } else if (node.key.role == Role::kExpiryReject) {
    router.expiry_unreachable =
        sim::ExpiryUnreachable{node.key.code, node.key.mtu};
  }
  if (!node.labels.empty()) {
    router.mpls.emplace().labels = node.labels;
  }
  if (node.other_extensions) {
    Warn("hop " + node.id.substr(1) + " (" +
         Ipv4Address(node.key.address).ToString() +
         ") sent ICMP extensions other than MPLS label stacks (RFC 5837 "
         "interface information), which a topology cannot give");
  }
}

void Builder::WriteTopology() {
  sim::Topology& topology = out_.topology;
  sim::Target& target = topology.targets.emplace_back();
  target.address = trace_.destination;
  target.id = target.address.ToString();

  // Step: routers, stage by stage, and their links to the stage before.
  std::vector<const Node*> previous;
  const auto link = [&](const std::string& id, int64_t cumulative) {
    if (previous.empty()) {
      topology.links.push_back(
          sim::Link{sim::kHostNodeId, id, trace::Duration(cumulative)});
    }
    for (const Node* before : previous) {
      topology.links.push_back(sim::Link{
          before->id, id, trace::Duration(cumulative - before->cumulative_ns)});
    }
  };
  for (StageModel& stage : stages_) {
    sim::Stage& route = target.route.emplace_back();
    route.balance = sim::Balance::kPerPacket;
    for (size_t i = 0; i < stage.nodes.size(); ++i) {
      Node& node = stage.nodes[i];
      node.id = "r" + std::to_string(stage.ttl);
      if (stage.nodes.size() > 1) {
        node.id +=
            i < 26 ? std::string(1, char('a' + i)) : "-" + std::to_string(i);
      }
      AddRouter(node, stage.ttl);
      link(node.id, node.cumulative_ns);
    }
    for (size_t branch : stage.branches) {
      route.branches.push_back({stage.nodes[branch].id});
    }
    previous.clear();
    for (const Node& node : stage.nodes) {
      previous.push_back(&node);
    }
  }
  link(target.id, destination_.cumulative_ns);
  if (forward_reject_.has_value()) {
    sim::Firewall& firewall =
        topology.routers[stages_.back().nodes.front().router]
            .firewall.emplace();
    firewall.code = forward_reject_->code;
    firewall.next_hop_mtu = forward_reject_->mtu;
  }
  // The capture shows what the firewall does to this method only.
  for (sim::Router& router : topology.routers) {
    if (router.firewall.has_value()) {
      router.firewall->protocols = {ProtocolOf(trace_.method)};
    }
  }
  WriteDestination(target);
}

// How the destination answers.
void Builder::WriteDestination(sim::Target& target) {
  if (destination_answered_) {
    const Ipv4Address from(destination_.key.address);
    if (from != trace_.destination) {
      target.reply_from = from;
    }
    if (trace_.method == ProbeMethod::kTcp) {
      target.tcp = destination_kind_ == ReplyKind::kTcpSynAck
                       ? sim::TcpAnswer::kSynAck
                       : sim::TcpAnswer::kReset;
    }
    // Port Unreachable is an ICMP error, which a rate limit holds back.
    SetReplyTtl(destination_, uint8_t(num_stages_ + 1),
                target.behaviour.profile);
    SetPartialAnswers(destination_, trace_.method == ProbeMethod::kUdp,
                      target.behaviour);
    const int64_t delay =
        Median(destination_.rtts_ns) - 2 * destination_.cumulative_ns;
    if (delay >= kLeastReplyDelayNs) {
      target.behaviour.reply_delay = trace::Duration(delay);
    }
  } else if (destination_silent_) {
    target.icmp = sim::IcmpAnswer::kSilent;
    target.udp = sim::UdpAnswer::kSilent;
    target.tcp = sim::TcpAnswer::kSilent;
  }
}

void Builder::ChooseSeed() {
  const auto partial = [](const sim::NodeBehaviour& behaviour) {
    return behaviour.reply_probability < 1;
  };
  const sim::Topology& topology = out_.topology;
  const bool any = std::any_of(topology.routers.begin(), topology.routers.end(),
                               [&](const sim::Router& router) {
                                 return partial(router.behaviour);
                               }) ||
                   partial(topology.targets.front().behaviour);
  if (!any) {
    return;
  }
  // Step: the first seed whose draws leave the same probes unanswered.
  const auto same_stars = [&](const std::vector<trace::Hop>& simulated) {
    for (const trace::Hop& hop : hops_) {
      const auto found = std::find_if(
          simulated.begin(), simulated.end(),
          [&](const trace::Hop& other) { return other.ttl == hop.ttl; });
      if (found == simulated.end()) {
        return false;
      }
      for (size_t q = 0; q < hop.probes.size() && q < found->probes.size();
           ++q) {
        if (hop.probes[q].from.has_value() !=
            found->probes[q].from.has_value()) {
          return false;
        }
      }
    }
    return true;
  };
  for (uint64_t seed = 1; seed <= kMaxSeedsTried; ++seed) {
    if (same_stars(RunOnTopology(topology, seed, out_.options).hops)) {
      out_.topology.seed = seed;
      return;
    }
  }
  Warn("no seed from 1 to " + std::to_string(kMaxSeedsTried) +
       " leaves exactly the probes unanswered that the capture shows "
       "unanswered; the routers answer with the captured fractions");
}

void Builder::Verify() {
  const trace::TraceResult simulated =
      RunOnTopology(out_.topology, out_.topology.seed, out_.options);
  if (const auto difference = FirstDifference(hops_, simulated.hops)) {
    Warn("the simulated trace differs from the capture: " + *difference);
  }
  // Step: each responder's median round trip, hop by hop.
  std::map<std::pair<uint8_t, uint32_t>, std::vector<int64_t>> captured;
  std::map<std::pair<uint8_t, uint32_t>, std::vector<int64_t>> got;
  const auto collect = [](const std::vector<trace::Hop>& hops, auto& into) {
    for (const trace::Hop& hop : hops) {
      for (const trace::ProbeResult& probe : hop.probes) {
        if (probe.from.has_value()) {
          into[{hop.ttl, probe.from->value()}].push_back(probe.rtt.count());
        }
      }
    }
  };
  collect(hops_, captured);
  collect(simulated.hops, got);
  for (const auto& [where, rtts] : captured) {
    const auto found = got.find(where);
    if (found == got.end()) {
      continue;
    }
    const int64_t want = Median(rtts);
    const int64_t have = Median(found->second);
    if (std::llabs(want - have) > 1000000) {
      char text[160];
      std::snprintf(text, sizeof(text),
                    "hop %u (%s): the simulated median round trip is %.3f ms, "
                    "the captured %.3f ms",
                    unsigned(where.first),
                    Ipv4Address(where.second).ToString().c_str(),
                    double(have) / 1e6, double(want) / 1e6);
      Warn(text);
    }
  }
}

}  // namespace

trace::TraceResult RunOnTopology(const sim::Topology& topology, uint64_t seed,
                                 const trace::TraceOptions& options) {
  sim::TopologyNetwork network(topology, seed);
  sim::VirtualClock clock;
  sim::SimTransport transport(network, clock);
  trace::Engine engine(transport, clock, options);
  auto result = engine.Run();
  return result.ok() ? *result : engine.partial_result();
}

std::optional<std::string> FirstDifference(
    const std::vector<trace::Hop>& captured,
    const std::vector<trace::Hop>& simulated) {
  const auto show = [](const trace::ProbeResult& probe) {
    if (!probe.from.has_value()) {
      return std::string("*");
    }
    const std::string mark = trace::Annotation(probe);
    return probe.from->ToString() + ExtensionsShown(probe) +
           (mark.empty() ? "" : " " + mark);
  };
  if (captured.size() != simulated.size()) {
    return std::to_string(simulated.size()) + " hops where the capture has " +
           std::to_string(captured.size());
  }
  for (size_t h = 0; h < captured.size(); ++h) {
    const trace::Hop& want = captured[h];
    const trace::Hop& got = simulated[h];
    const std::string where = "hop " + std::to_string(want.ttl);
    if (want.ttl != got.ttl) {
      return where + " is hop " + std::to_string(got.ttl) + " simulated";
    }
    if (got.probes.size() < want.probes.size()) {
      return where + " has " + std::to_string(got.probes.size()) +
             " probes, the capture " + std::to_string(want.probes.size());
    }
    for (size_t q = 0; q < want.probes.size(); ++q) {
      if (show(want.probes[q]) != show(got.probes[q])) {
        return where + " probe " + std::to_string(q + 1) + ": " +
               show(got.probes[q]) + " where the capture has " +
               show(want.probes[q]);
      }
    }
  }
  return std::nullopt;
}

CaptureTopology BuildCaptureTopology(const RebuiltTrace& trace,
                                     const std::string& name) {
  return Builder(trace, name).Build();
}

}  // namespace hoplab::replay
