#include "trace/engine.h"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "crafter/check.h"
#include "crafter/icmp.h"

namespace hoplab::trace {
namespace {

using crafter::ReplyKind;

// Sizes of the headers a probe of each method carries.
constexpr uint16_t kIcmpProbeMinSize = 28;
constexpr uint16_t kUdpProbeMinSize = 28;
constexpr uint16_t kTcpProbeMinSize = 40;
// traceroute(8) accepts packet lengths up to 65000.
constexpr uint16_t kMaxProbeSize = 65000;

uint16_t MinProbeSize(crafter::ProbeMethod method) {
  switch (method) {
    case crafter::ProbeMethod::kIcmp:
      return kIcmpProbeMinSize;
    case crafter::ProbeMethod::kUdp:
      return kUdpProbeMinSize;
    case crafter::ProbeMethod::kTcp:
      return kTcpProbeMinSize;
  }
  return kTcpProbeMinSize;
}

// Whether `reply` ends the trace at its hop, as traceroute(8) ends it: the
// destination answered, or something refused to forward further.
bool IsFinal(const crafter::Reply& reply) {
  return reply.kind != ReplyKind::kTimeExceeded;
}

// Whether `reply` came from the destination host itself.
bool ReachedDestination(const crafter::Reply& reply,
                        crafter::Ipv4Address destination) {
  switch (reply.kind) {
    case ReplyKind::kEchoReply:
    case ReplyKind::kTcpSynAck:
    case ReplyKind::kTcpReset:
      return true;
    case ReplyKind::kDestinationUnreachable:
      return reply.icmp_code ==
                 static_cast<uint8_t>(crafter::UnreachableCode::kPort) ||
             reply.responder == destination;
    case ReplyKind::kTimeExceeded:
      return false;
  }
  return false;
}

}  // namespace

std::string ValidateTraceOptions(const TraceOptions& options) {
  if (options.first_ttl < 1) {
    return "first TTL (-f) must be 1..255, got 0";
  }
  if (options.max_ttl < 1) {
    return "max TTL (-m) must be 1..255, got 0";
  }
  if (options.first_ttl > options.max_ttl) {
    return "first TTL (-f) " + std::to_string(options.first_ttl) +
           " exceeds max TTL (-m) " + std::to_string(options.max_ttl);
  }
  if (options.num_queries < 1 || options.num_queries > kMaxNumQueries) {
    return "probes per hop (-q) must be 1..10, got " +
           std::to_string(options.num_queries);
  }
  if (options.max_in_flight < 1) {
    return "probes in flight (-N) must be at least 1, got " +
           std::to_string(options.max_in_flight);
  }
  if (options.wait <= Duration::zero()) {
    return "wait (-w) must be more than 0 seconds";
  }
  const uint16_t min_size = MinProbeSize(options.method);
  if (options.packet_size < min_size || options.packet_size > kMaxProbeSize) {
    return "packet length must be " + std::to_string(min_size) + "..65000 " +
           "for " + std::string(crafter::ProbeMethodName(options.method)) +
           " probes, got " + std::to_string(options.packet_size);
  }
  if (options.destination.IsUnspecified()) {
    return "the destination must not be 0.0.0.0";
  }
  return "";
}

Engine::Engine(Transport& transport, const Clock& clock, TraceOptions options)
    : transport_(transport), clock_(clock), options_(std::move(options)) {
  HOPLAB_CHECK(ValidateTraceOptions(options_).empty());
  const size_t num_hops = size_t{options_.max_ttl} - options_.first_ttl + 1;
  end_ = num_hops * static_cast<size_t>(options_.num_queries);
  probes_.resize(end_);
  states_.assign(end_, ProbeState::kUnsent);
  buffer_.resize(options_.packet_size);
  result_.hops.reserve(num_hops);
}

uint8_t Engine::TtlOf(size_t index) const {
  return static_cast<uint8_t>(options_.first_ttl +
                              index / size_t(options_.num_queries));
}

Result<TraceResult> Engine::Run() {
  while (!AllDone()) {
    // Step 1: keep up to -N probes in flight, in TTL order.
    while (next_to_send_ < end_ &&
           num_in_flight_ < size_t(options_.max_in_flight)) {
      if (Status sent = SendProbe(next_to_send_); !sent.ok()) {
        return Error{sent.message()};
      }
      ++next_to_send_;
    }

    // Step 2: wait for a reply until the oldest probe in flight expires.
    auto received = transport_.Receive(NextDeadline());
    if (!received.ok()) {
      return received.error();
    }
    if (received->has_value()) {
      HandleDatagram(**received);
    }
    ExpireProbes(clock_.Now());
    FlushCompletedHops();
  }
  FlushCompletedHops();
  return result_;
}

Status Engine::SendProbe(size_t index) {
  crafter::ProbeSpec spec;
  spec.method = options_.method;
  spec.source = options_.source;
  spec.destination = options_.destination;
  spec.ttl = TtlOf(index);
  spec.tos = options_.tos;
  spec.ip_id = static_cast<uint16_t>(options_.first_ip_id + index);
  if (spec.ip_id == 0) {
    spec.ip_id = 1;
  }
  spec.packet_size = options_.packet_size;
  spec.icmp_id = options_.icmp_id;
  spec.icmp_sequence = static_cast<uint16_t>(options_.first_sequence + index);
  const size_t size = crafter::BuildProbe(spec, buffer_);
  HOPLAB_CHECK(size == options_.packet_size);

  auto sent_at = transport_.Send(std::span(buffer_.data(), size));
  if (!sent_at.ok()) {
    return sent_at.error();
  }
  probes_[index].ttl = spec.ttl;
  probes_[index].sent_at = *sent_at;
  states_[index] = ProbeState::kInFlight;
  ++num_in_flight_;
  num_sent_ = std::max(num_sent_, index + 1);
  ++result_.counters.num_sent;
  return Status::Ok();
}

void Engine::HandleDatagram(const ReceivedDatagram& datagram) {
  TraceCounters& counters = result_.counters;
  ++counters.num_received;
  auto reply = crafter::ParseReply(datagram.bytes);
  if (!reply.ok()) {
    ++counters.num_not_replies;
    return;
  }
  if (!reply->checksum_ok) {
    ++counters.num_bad_checksum;
    return;
  }
  const ptrdiff_t index = MatchProbe(*reply);
  if (index < 0) {
    ++counters.num_unmatched;
    return;
  }
  if (states_[size_t(index)] != ProbeState::kInFlight) {
    ++counters.num_late;
    return;
  }
  RecordReply(size_t(index), *reply, datagram.at);
}

ptrdiff_t Engine::MatchProbe(const crafter::Reply& reply) const {
  const crafter::ProbeKey& key = reply.probe;
  if (key.method != options_.method) {
    return -1;
  }
  // An Echo Reply may come from another address of the destination host;
  // an error quotes the destination the probe was sent to.
  if (reply.kind != ReplyKind::kEchoReply &&
      key.destination != options_.destination) {
    return -1;
  }
  switch (options_.method) {
    case crafter::ProbeMethod::kIcmp: {
      if (key.icmp_id != options_.icmp_id) {
        return -1;
      }
      // Sequence numbers wrap at 2^16; the unsigned difference does too.
      const size_t index =
          uint16_t(key.icmp_sequence - options_.first_sequence);
      return index < num_sent_ ? ptrdiff_t(index) : -1;
    }
    case crafter::ProbeMethod::kUdp:
    case crafter::ProbeMethod::kTcp:
      // TODO(#3): match UDP ports and checksum, TCP ports and sequence.
      return -1;
  }
  return -1;
}

void Engine::RecordReply(size_t index, const crafter::Reply& reply,
                         TimePoint at) {
  ProbeResult& probe = probes_[index];
  probe.from = reply.responder;
  probe.rtt = std::max(Duration::zero(), at - probe.sent_at);
  probe.kind = reply.kind;
  probe.icmp_type = reply.icmp_type;
  probe.icmp_code = reply.icmp_code;
  probe.next_hop_mtu = reply.next_hop_mtu;
  probe.reply_ttl = reply.reply_ttl;
  states_[index] = ProbeState::kAnswered;
  --num_in_flight_;

  if (index < end_ && ReachedDestination(reply, options_.destination)) {
    result_.reached = true;
  }
  if (!IsFinal(reply)) {
    return;
  }
  // The trace ends with this hop; probes sent beyond it are abandoned.
  const size_t queries = size_t(options_.num_queries);
  const size_t hop_end = (index / queries + 1) * queries;
  if (hop_end >= end_) {
    return;
  }
  for (size_t i = hop_end; i < next_to_send_; ++i) {
    if (states_[i] == ProbeState::kInFlight) {
      states_[i] = ProbeState::kLost;
      --num_in_flight_;
    }
  }
  end_ = hop_end;
  next_to_send_ = std::min(next_to_send_, end_);
}

void Engine::ExpireProbes(TimePoint now) {
  for (size_t i = oldest_pending_; i < next_to_send_; ++i) {
    if (states_[i] == ProbeState::kInFlight &&
        probes_[i].sent_at + options_.wait <= now) {
      states_[i] = ProbeState::kLost;
      --num_in_flight_;
    }
  }
  while (oldest_pending_ < end_ &&
         (states_[oldest_pending_] == ProbeState::kAnswered ||
          states_[oldest_pending_] == ProbeState::kLost)) {
    ++oldest_pending_;
  }
}

TimePoint Engine::NextDeadline() const {
  for (size_t i = oldest_pending_; i < next_to_send_; ++i) {
    if (states_[i] == ProbeState::kInFlight) {
      return probes_[i].sent_at + options_.wait;
    }
  }
  return clock_.Now();
}

bool Engine::AllDone() const { return oldest_pending_ >= end_; }

void Engine::FlushCompletedHops() {
  const size_t queries = size_t(options_.num_queries);
  while (true) {
    const size_t hop_end = (result_.hops.size() + 1) * queries;
    if (hop_end > end_ || hop_end > oldest_pending_) {
      return;
    }
    Hop hop;
    hop.ttl = TtlOf(hop_end - queries);
    hop.probes.assign(probes_.begin() + ptrdiff_t(hop_end - queries),
                      probes_.begin() + ptrdiff_t(hop_end));
    result_.hops.push_back(std::move(hop));
    if (on_hop_) {
      on_hop_(result_.hops.back());
    }
  }
}

}  // namespace hoplab::trace
