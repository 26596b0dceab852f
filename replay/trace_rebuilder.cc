#include "replay/trace_rebuilder.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "crafter/byte_cursor.h"
#include "crafter/icmp.h"
#include "crafter/ipv4.h"
#include "trace/reply_outcome.h"

namespace hoplab::replay {
namespace {

using crafter::ProbeMethod;
using crafter::ReplyKind;

bool MirrorsProbe(const crafter::Reply& reply) {
  return reply.kind == ReplyKind::kEchoReply ||
         reply.kind == ReplyKind::kTcpSynAck ||
         reply.kind == ReplyKind::kTcpReset;
}

// Whether the capture holds the whole datagram, so a checksum can verify.
bool IsComplete(std::span<const uint8_t> datagram) {
  return datagram.size() >= 4 &&
         crafter::LoadU16(datagram, crafter::kIpv4TotalLengthOffset) <=
             datagram.size();
}

// The lowest TTL an operating system gives its datagrams (32, Windows
// 95); a lone TTL below it is a traceroute's probe.
constexpr uint8_t kLowestInitialTtl = 32;

// Which probes are one trace: same source, destination and method, and for
// ICMP the same identifier (traceroute and mtr keep one per run).
std::tuple<ProbeMethod, uint32_t, uint32_t, uint16_t> GroupKey(
    const crafter::ProbeKey& key) {
  return {key.method, key.source.value(), key.destination.value(),
          key.method == ProbeMethod::kIcmp ? key.icmp_id : uint16_t{0}};
}

// The fields Answers compares in every case: method, source, and the ICMP
// identifier and sequence or the two ports, packed into one word. Probes
// with equal words are the only candidates for a reply with that word.
uint64_t CandidateKey(const crafter::ProbeKey& key) {
  const uint32_t fields =
      key.method == ProbeMethod::kIcmp
          ? uint32_t{key.icmp_id} << 16 | key.icmp_sequence
          : uint32_t{key.source_port} << 16 | key.destination_port;
  const uint64_t mixed = uint64_t{key.source.value()} << 32 | fields;
  return mixed ^ uint64_t(key.method) << 62;
}

}  // namespace

bool Answers(const crafter::CapturedProbe& probe, const crafter::Reply& reply) {
  const crafter::ProbeKey& mine = probe.key;
  const crafter::ProbeKey& quoted = reply.probe;
  if (mine.method != quoted.method || mine.source != quoted.source) {
    return false;
  }
  if (!MirrorsProbe(reply) && mine.destination != quoted.destination) {
    return false;
  }
  if (reply.quoted_later_fragment) {
    return probe.first_fragment && probe.ip_id == reply.quoted_ip_id;
  }
  switch (mine.method) {
    case ProbeMethod::kIcmp:
      return mine.icmp_id == quoted.icmp_id &&
             mine.icmp_sequence == quoted.icmp_sequence;
    case ProbeMethod::kUdp:
      return mine.source_port == quoted.source_port &&
             mine.destination_port == quoted.destination_port &&
             (mine.udp_checksum == quoted.udp_checksum ||
              probe.checksum.state != crafter::ProbeChecksumState::kCorrect ||
              reply.quote_truncated);
    case ProbeMethod::kTcp:
      if (mine.source_port != quoted.source_port ||
          mine.destination_port != quoted.destination_port) {
        return false;
      }
      return mine.tcp_sequence == quoted.tcp_sequence ||
             reply.quote_truncated ||
             (reply.kind == ReplyKind::kTcpReset &&
              (quoted.tcp_sequence == 0 ||
               quoted.tcp_sequence ==
                   mine.tcp_sequence + probe.tcp_payload_size));
  }
  return false;
}

std::string DescribeWrongChecksum(const WrongProbeChecksum& wrong) {
  char text[64];
  std::snprintf(text, sizeof(text), "wrong %s cksum %x (->%x)",
                std::string(crafter::ProbeMethodName(wrong.key.method)).c_str(),
                wrong.checksum.found, wrong.checksum.expected);
  return text;
}

std::optional<std::string> TraceRebuilder::Add(
    trace::TimePoint at, std::span<const uint8_t> datagram, uint64_t record) {
  ++counters_.num_datagrams;
  const auto header = crafter::ParseIpv4Header(datagram);
  if (!header.ok()) {
    ++num_other_added_;
    return "malformed IPv4 header: " + header.error().ToString();
  }
  if (header->total_length < header->header_size()) {
    ++num_other_added_;
    return "malformed IPv4 header: total length " +
           std::to_string(header->total_length) + " is less than the " +
           std::to_string(header->header_size()) + "-byte header at byte " +
           std::to_string(crafter::kIpv4TotalLengthOffset);
  }
  // A later fragment: where it ends tells the whole datagram's size.
  if (header->fragment_offset != 0) {
    ++num_other_added_;
    size_t& end =
        fragment_ends_[{header->source.value(), header->destination.value(),
                        static_cast<uint8_t>(header->protocol), header->id}];
    end =
        std::max<size_t>(end, size_t{header->fragment_offset} * 8 +
                                  header->total_length - header->header_size());
    return std::nullopt;
  }
  if (auto probe = crafter::ParseProbe(datagram); probe.ok()) {
    Probe& kept = probes_.emplace_back();
    kept.probe = *probe;
    kept.at = at;
    kept.protocol = header->protocol;
    if (probe->checksum.state == crafter::ProbeChecksumState::kWrong) {
      wrong_added_.push_back(
          WrongProbeChecksum{record, probe->key, probe->ttl, probe->checksum});
    }
    return std::nullopt;
  }
  auto reply = crafter::ParseReply(datagram);
  if (!reply.ok()) {
    ++num_other_added_;
    return std::nullopt;
  }
  // A reply cut short by the snap length cannot verify; it is used as far
  // as it goes. A complete one that does not verify is dropped.
  replies_.push_back(
      CapturedReply{*reply, at, !reply->checksum_ok && IsComplete(datagram)});
  return std::nullopt;
}

TraceRebuilder::HostSet TraceRebuilder::TracingHosts() const {
  // Per probe group: its first TTL, and whether it looks like a trace.
  struct Seen {
    uint8_t ttl = 0;
    bool trace = false;
  };
  std::map<decltype(GroupKey({})), Seen> groups;
  for (const Probe& probe : probes_) {
    const uint8_t ttl = probe.probe.ttl;
    const auto [it, added] =
        groups.emplace(GroupKey(probe.probe.key), Seen{ttl, false});
    it->second.trace =
        it->second.trace || it->second.ttl != ttl || ttl < kLowestInitialTtl;
  }
  HostSet sources;
  for (const auto& [key, seen] : groups) {
    if (seen.trace) {
      sources.insert(std::get<1>(key));
    }
  }
  // Routers send Time Exceeded to the host whose probes ran out of TTL.
  HostSet answered;
  for (const CapturedReply& captured : replies_) {
    const uint32_t local = captured.reply.local.value();
    if (captured.reply.kind == ReplyKind::kTimeExceeded &&
        sources.contains(local)) {
      answered.insert(local);
    }
  }
  return answered.empty() ? sources : answered;
}

void TraceRebuilder::SortByDirection(const HostSet& hosts) {
  // Whether one end of a packet is a tracing host and the other is not;
  // a packet between two tracing hosts (or a host and itself) keeps its
  // shape.
  const auto crosses = [&](crafter::Ipv4Address host,
                           crafter::Ipv4Address outside) {
    return hosts.contains(host.value()) && !hosts.contains(outside.value());
  };
  counters_.num_probes = 0;
  counters_.num_probe_checksum_wrong = 0;
  counters_.num_probe_checksum_offloaded = 0;
  counters_.num_replies = 0;
  counters_.num_other = num_other_added_;
  counters_.num_foreign = 0;
  counters_.num_bad_checksum = 0;
  for (Probe& probe : probes_) {
    const crafter::CapturedProbe& captured = probe.probe;
    probe.inbound = crosses(captured.key.destination, captured.key.source);
    if (probe.inbound) {
      // An Echo Request is foreign ICMP; a UDP datagram or a SYN is some
      // other program's traffic.
      ++(captured.key.method == ProbeMethod::kIcmp ? counters_.num_foreign
                                                   : counters_.num_other);
      continue;
    }
    ++counters_.num_probes;
    switch (captured.checksum.state) {
      case crafter::ProbeChecksumState::kWrong:
        ++counters_.num_probe_checksum_wrong;
        break;
      case crafter::ProbeChecksumState::kOffloaded:
        ++counters_.num_probe_checksum_offloaded;
        break;
      case crafter::ProbeChecksumState::kCorrect:
      case crafter::ProbeChecksumState::kUnverified:
        break;
    }
  }
  wrong_probe_checksums_.clear();
  for (const WrongProbeChecksum& wrong : wrong_added_) {
    if (!crosses(wrong.key.destination, wrong.key.source)) {
      wrong_probe_checksums_.push_back(wrong);
    }
  }
  for (CapturedReply& captured : replies_) {
    captured.outbound = crosses(captured.reply.responder, captured.reply.local);
    if (captured.outbound) {
      ++counters_.num_other;
      continue;
    }
    ++counters_.num_replies;
    if (captured.checksum_bad) {
      ++counters_.num_bad_checksum;
    }
  }
}

std::vector<TraceRebuilder::Probe*> TraceRebuilder::Candidates(
    const CapturedReply& captured, const CandidateIndex& index) {
  std::vector<Probe*> candidates;
  const auto consider = [&](Probe& probe) {
    if (probe.at > captured.at) {
      return false;
    }
    if (!probe.inbound && Answers(probe.probe, captured.reply)) {
      candidates.push_back(&probe);
    }
    return true;
  };
  // A later fragment's quote holds no ports or ICMP fields to look up by;
  // such replies are rare, and every probe is a candidate.
  if (captured.reply.quoted_later_fragment) {
    for (Probe& probe : probes_) {
      if (!consider(probe)) {
        break;
      }
    }
    return candidates;
  }
  const uint64_t key = CandidateKey(captured.reply.probe);
  for (auto it = std::lower_bound(index.begin(), index.end(),
                                  std::pair<uint64_t, size_t>(key, 0));
       it != index.end() && it->first == key; ++it) {
    if (!consider(probes_[it->second])) {
      break;
    }
  }
  return candidates;
}

void TraceRebuilder::Match(size_t reply_index, const CandidateIndex& index) {
  const CapturedReply& captured = replies_[reply_index];
  const crafter::Reply& reply = captured.reply;
  if (captured.outbound || captured.checksum_bad) {
    return;
  }
  const std::vector<Probe*> candidates = Candidates(captured, index);
  if (candidates.empty()) {
    if (reply.kind == ReplyKind::kTcpSynAck ||
        reply.kind == ReplyKind::kTcpReset) {
      ++counters_.num_unmatched;
    } else {
      --counters_.num_replies;
      ++counters_.num_foreign;
    }
    return;
  }
  // A partial key must name one probe; a guess could show a false hop.
  if ((reply.quoted_later_fragment || reply.quote_truncated) &&
      candidates.size() > 1) {
    ++counters_.num_unmatched;
    return;
  }
  // RFC 792: Time Exceeded code 1 comes from the destination that gave up
  // reassembling the probe; it names no hop.
  if (reply.kind == ReplyKind::kTimeExceeded &&
      reply.icmp_code == crafter::kTimeExceededReassembly) {
    ++counters_.num_reassembly_timeouts;
    candidates.back()->reassembly_timeout = reply_index;
    return;
  }
  // The latest probe sent before the reply that it answers: sequence
  // numbers and ports wrap, and a reused key belongs to the newer probe.
  // A probe that had a reply, in time or late, gets no second one.
  Probe* found = nullptr;
  for (Probe* probe : candidates) {
    if (!probe->replied) {
      found = probe;
    }
  }
  if (found == nullptr) {
    ++counters_.num_duplicate;
    return;
  }
  found->replied = true;
  if (options_.max_wait.has_value() &&
      captured.at - found->at > *options_.max_wait) {
    ++counters_.num_late;
    return;
  }
  found->reply = reply_index;
}

uint16_t TraceRebuilder::ReassembledSize(const Probe& kept) const {
  const crafter::CapturedProbe& probe = kept.probe;
  if (!probe.first_fragment) {
    return probe.total_length;
  }
  const auto it = fragment_ends_.find(
      {probe.key.source.value(), probe.key.destination.value(),
       static_cast<uint8_t>(kept.protocol), probe.ip_id});
  if (it == fragment_ends_.end()) {
    return probe.total_length;
  }
  const size_t size = probe.header_size + it->second;
  return static_cast<uint16_t>(
      std::clamp<size_t>(size, probe.total_length, 0xffff));
}

std::vector<std::vector<size_t>> TraceRebuilder::Group() const {
  std::map<decltype(GroupKey({})), size_t> index_of;
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < probes_.size(); ++i) {
    if (probes_[i].inbound) {
      continue;
    }
    const auto [it, added] =
        index_of.emplace(GroupKey(probes_[i].probe.key), groups.size());
    if (added) {
      groups.emplace_back();
    }
    groups[it->second].push_back(i);
  }

  // A trace probes several TTLs, or a router answered it, or its one TTL
  // is lower than any system starts datagrams with (a ping leaves with
  // 64, 128 or 255; traceroute and mtr stop at 30 by default).
  std::erase_if(groups, [&](const std::vector<size_t>& group) {
    std::set<uint8_t> ttls;
    for (size_t i : group) {
      ttls.insert(probes_[i].probe.ttl);
      if (probes_[i].reply.has_value() &&
          replies_[*probes_[i].reply].reply.kind == ReplyKind::kTimeExceeded) {
        return false;
      }
    }
    return ttls.size() < 2 && *ttls.begin() >= kLowestInitialTtl;
  });
  return groups;
}

RebuiltTrace TraceRebuilder::Build(const std::vector<size_t>& group) const {
  const Probe& first_kept = probes_[group.front()];
  const crafter::CapturedProbe& first = first_kept.probe;
  RebuiltTrace rebuilt;
  rebuilt.method = first.key.method;
  rebuilt.source = first.key.source;
  rebuilt.destination = first.key.destination;
  rebuilt.packet_size = ReassembledSize(first_kept);
  rebuilt.destination_port = first.key.destination_port;
  rebuilt.fixed_ports =
      first.key.method != ProbeMethod::kIcmp && group.size() > 1 &&
      std::all_of(group.begin(), group.end(), [&](size_t i) {
        return probes_[i].probe.key.source_port == first.key.source_port &&
               probes_[i].probe.key.destination_port ==
                   first.key.destination_port;
      });

  // Hops in TTL order; within a hop, probes stay in the order sent.
  std::vector<size_t> order = group;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return probes_[a].probe.ttl < probes_[b].probe.ttl;
  });
  trace::TraceResult& result = rebuilt.result;
  bool ended = false;
  for (size_t i : order) {
    const Probe& probe = probes_[i];
    rebuilt.max_ttl = std::max(rebuilt.max_ttl, probe.probe.ttl);
    if (result.hops.empty() || result.hops.back().ttl != probe.probe.ttl) {
      if (ended) {
        continue;
      }
      result.hops.push_back(trace::Hop{probe.probe.ttl, {}});
    }
    trace::ProbeResult out;
    out.ttl = probe.probe.ttl;
    out.sent_at = probe.at;
    ++result.counters.num_sent;
    if (probe.reassembly_timeout.has_value()) {
      ++result.counters.num_reassembly_timeouts;
      rebuilt.reassembly_timeouts.push_back(
          ReassemblyTimeout{replies_[*probe.reassembly_timeout].reply.responder,
                            probe.probe.ttl});
    }
    if (probe.reply.has_value()) {
      const CapturedReply& captured = replies_[*probe.reply];
      const crafter::Reply& reply = captured.reply;
      ++result.counters.num_received;
      trace::RecordAnswer(reply, captured.at, &out);
      // traceroute(8) stops after the hop where the destination answered
      // or a router refused to forward.
      ended = ended || trace::EndsTrace(reply);
      result.reached =
          result.reached || trace::FromDestination(reply, rebuilt.destination);
    }
    result.hops.back().probes.push_back(out);
  }
  return rebuilt;
}

std::vector<RebuiltTrace> TraceRebuilder::Rebuild() {
  // Captures are nearly always in time order already; checking is cheaper
  // than a merge sort that moves every record.
  const auto by_time = [](const auto& a, const auto& b) { return a.at < b.at; };
  if (!std::is_sorted(probes_.begin(), probes_.end(), by_time)) {
    std::stable_sort(probes_.begin(), probes_.end(), by_time);
  }
  if (!std::is_sorted(replies_.begin(), replies_.end(), by_time)) {
    std::stable_sort(replies_.begin(), replies_.end(), by_time);
  }
  for (Probe& probe : probes_) {
    probe.reply.reset();
    probe.replied = false;
    probe.reassembly_timeout.reset();
  }
  SortByDirection(TracingHosts());
  counters_.num_unmatched = 0;
  counters_.num_duplicate = 0;
  counters_.num_late = 0;
  counters_.num_reassembly_timeouts = 0;
  // Probes by the fields a reply must share with them, each bucket in
  // time order, so matching does not scan every probe per reply.
  CandidateIndex candidates;
  candidates.reserve(probes_.size());
  for (size_t i = 0; i < probes_.size(); ++i) {
    if (!probes_[i].inbound) {
      candidates.emplace_back(CandidateKey(probes_[i].probe.key), i);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  for (size_t i = 0; i < replies_.size(); ++i) {
    Match(i, candidates);
  }
  std::vector<RebuiltTrace> traces;
  for (const std::vector<size_t>& group : Group()) {
    traces.push_back(Build(group));
  }
  return traces;
}

}  // namespace hoplab::replay
