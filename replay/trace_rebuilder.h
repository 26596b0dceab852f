// TraceRebuilder: the traces a capture holds, rebuilt from the probes and
// replies in it, whichever tool sent them.

#ifndef HOPLAB_REPLAY_TRACE_REBUILDER_H_
#define HOPLAB_REPLAY_TRACE_REBUILDER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "crafter/captured_probe.h"
#include "crafter/ipv4.h"
#include "crafter/ipv4_address.h"
#include "crafter/reply.h"
#include "trace/clock.h"
#include "trace/hop.h"

namespace hoplab::replay {

// One trace found in a capture.
// A destination gave up reassembling a fragmented probe (Time Exceeded
// code 1). It names no hop (RFC 792): the probe stays unanswered.
struct ReassemblyTimeout {
  crafter::Ipv4Address from;
  uint8_t probe_ttl = 0;
};

struct RebuiltTrace {
  crafter::ProbeMethod method = crafter::ProbeMethod::kIcmp;
  crafter::Ipv4Address source;
  crafter::Ipv4Address destination;
  // IPv4 Total Length of the trace's first probe.
  uint16_t packet_size = 0;
  // The highest TTL probed, past where the trace stopped too.
  uint8_t max_ttl = 0;
  // UDP and TCP: the first probe's destination port, and whether every
  // probe kept the first one's ports (one flow, as Paris traceroute and
  // `traceroute -U` send).
  uint16_t destination_port = 0;
  bool fixed_ports = false;
  // Hops in TTL order, only TTLs the capture holds probes for, each hop's
  // probes in the order they were sent; the trace stops after the first
  // hop with a reply other than Time Exceeded, as traceroute(8) does.
  // counters: num_sent is the trace's probes, num_received the replies
  // matched to them.
  trace::TraceResult result;
  // Reassembly timeouts for the trace's probes, in the order of the hops.
  std::vector<ReassemblyTimeout> reassembly_timeouts;
};

struct RebuildOptions {
  // How long a probe waits for its reply, as traceroute's -w MAX: a reply
  // that comes later leaves the probe unanswered and counts as late. No
  // limit when unset: a capture shows every reply its tool got.
  std::optional<trace::Duration> max_wait;
};

// What did not become part of a trace, counted over the whole capture.
// Every count but num_datagrams is set by TraceRebuilder::Rebuild.
struct RebuildCounters {
  uint64_t num_datagrams = 0;
  // Probes the tracing host sent (TraceRebuilder::Rebuild says which
  // host that is), and among them those whose checksum field is wrong or
  // left to the NIC (crafter::ProbeChecksumState).
  uint64_t num_probes = 0;
  uint64_t num_probe_checksum_wrong = 0;
  uint64_t num_probe_checksum_offloaded = 0;
  // Replies that arrived at the tracing host (ICMP errors, Echo Replies,
  // SYN-ACKs and RSTs) naming a probe of the capture, and complete ones
  // whose checksum failed.
  uint64_t num_replies = 0;
  // IPv4 that is neither a probe nor a reply: other programs' traffic
  // (a UDP datagram or SYN that arrives at the tracing host among it),
  // later fragments, and what the tracing host sends that cannot be a
  // probe (its Echo Replies, its RSTs).
  uint64_t num_other = 0;
  // Ignored as foreign ICMP: ICMP that arrived for no probe of the
  // capture. An ICMP reply whose quoted or mirrored key equals no captured
  // probe (another program's ping, a port unreachable for another
  // program's datagram), and an Echo Request addressed to the tracing
  // host, which is never a probe of its traces and never a response.
  // Counted apart from num_replies.
  uint64_t num_foreign = 0;
  // A TCP reply whose key equals no captured probe, and a reply whose
  // partial key (Reply::quoted_later_fragment, quote_truncated) fits more
  // than one probe.
  uint64_t num_unmatched = 0;
  // A reply to a probe already answered (a duplicate: the network or the
  // capture delivered it twice).
  uint64_t num_duplicate = 0;
  // A reply after RebuildOptions::max_wait.
  uint64_t num_late = 0;
  // Time Exceeded code 1 for a captured probe (ReassemblyTimeout).
  uint64_t num_reassembly_timeouts = 0;
  // A complete reply whose ICMP or TCP checksum did not verify; dropped
  // as the engine drops it.
  uint64_t num_bad_checksum = 0;
};

// A probe of the tracing host whose checksum is wrong
// (crafter::ProbeChecksumState::kWrong): the capture record that holds
// it, as the caller of TraceRebuilder::Add numbered it, and the field
// found against the one that verifies.
struct WrongProbeChecksum {
  uint64_t record = 0;
  crafter::ProbeKey key;
  uint8_t ttl = 0;
  crafter::ProbeChecksum checksum;
};

// "wrong icmp cksum ac37 (->489b)", as tcpdump -v says it.
std::string DescribeWrongChecksum(const WrongProbeChecksum& wrong);

class TraceRebuilder {
 public:
  explicit TraceRebuilder(RebuildOptions options = {}) : options_(options) {}

  // Takes one IPv4 datagram (link layer removed) captured at `at`, from
  // capture record `record` (named in wrong_probe_checksums()). Probes
  // are what crafter::ParseProbe reads, replies what crafter::ParseReply
  // reads; anything else is counted. Copies what it keeps, not the bytes.
  // Returns what is wrong with a datagram whose IPv4 header is malformed
  // (it is neither probe nor reply), else nullopt.
  std::optional<std::string> Add(trace::TimePoint at,
                                 std::span<const uint8_t> datagram,
                                 uint64_t record = 0);

  // First tells which packets the tracing host sent: the direction of a
  // packet decides whether it can be a probe or a reply. The tracing
  // hosts are the sources of probe groups (below) that probe two TTLs or
  // one below any initial TTL; when such a host also received a Time
  // Exceeded, only hosts that did are taken, so that another host tracing
  // towards this one stays foreign. A probe-shaped packet (an Echo
  // Request, a UDP datagram, a SYN) from elsewhere to a tracing host is
  // never a probe (RebuildCounters::num_foreign, num_other); a
  // reply-shaped packet from a tracing host to elsewhere (its Echo Reply,
  // its RST) is its own traffic, never a reply. Then matches every reply, in
  // time order, to the captured probe whose own fields equal the key the reply
  // quotes or mirrors, and groups probes into traces: one per source,
  // destination, method (and ICMP identifier), so that mtr's repeated cycles
  // make one trace. A group is a trace when it probes at least two TTLs or a
  // router answered it with Time Exceeded; a lone ping is not. Traces come in
  // the order of their first probe.
  std::vector<RebuiltTrace> Rebuild();

  const RebuildCounters& counters() const { return counters_; }

  // The tracing host's probes whose checksum is wrong, in the order they
  // were added; set by Rebuild.
  const std::vector<WrongProbeChecksum>& wrong_probe_checksums() const {
    return wrong_probe_checksums_;
  }

 private:
  struct Probe {
    crafter::CapturedProbe probe;
    trace::TimePoint at;
    // Index in replies_ of the reply matched to it, if any.
    std::optional<size_t> reply;
    // Whether a reply came for it, in time or late.
    bool replied = false;
    // Index in replies_ of a reassembly timeout for it, if any.
    std::optional<size_t> reassembly_timeout;
    crafter::IpProtocol protocol = crafter::IpProtocol::kIcmp;
    // Sent to the tracing host, not by it: foreign, no probe (Rebuild).
    bool inbound = false;
  };
  // Source, destination, protocol and IP id: one fragmented datagram.
  using FragmentKey = std::tuple<uint32_t, uint32_t, uint8_t, uint16_t>;
  struct CapturedReply {
    crafter::Reply reply;
    trace::TimePoint at;
    // A complete reply whose checksum did not verify.
    bool checksum_bad = false;
    // Sent by the tracing host, not to it: no reply (Rebuild).
    bool outbound = false;
  };
  // IPv4 addresses (as integers) of the tracing hosts.
  using HostSet = std::set<uint32_t>;

  // Probe indices by the fields every match compares (a key packed into a
  // word), sorted by key and, within one key, in time order: a flat array
  // of 16 bytes a probe, where a hash map of vectors took about 100.
  using CandidateIndex = std::vector<std::pair<uint64_t, size_t>>;

  HostSet TracingHosts() const;
  // Sets Probe::inbound, CapturedReply::outbound and the counters that
  // depend on them.
  void SortByDirection(const HostSet& hosts);
  void Match(size_t reply_index, const CandidateIndex& index);
  std::vector<std::vector<size_t>> Group() const;
  RebuiltTrace Build(const std::vector<size_t>& group) const;

  // The probes Match may credit `reply` to: sent before it, and answered
  // by its key.
  std::vector<Probe*> Candidates(const CapturedReply& captured,
                                 const CandidateIndex& index);
  // The whole probe's IPv4 size, its later fragments included.
  uint16_t ReassembledSize(const Probe& probe) const;

  RebuildOptions options_;
  // TODO(#6): every probe and reply of the capture stays here until
  // Rebuild, about 200 bytes a Time Exceeded and its probe (340 MB peak
  // for bench/make_capture's million, where tcpdump streams in 7 MB).
  // Matching each reply as it is added, against the probes before it,
  // would keep only the probes of traces still open and the replies that
  // matched; it waits on knowing which probes count before the capture
  // is read to its end.
  std::vector<Probe> probes_;
  std::vector<CapturedReply> replies_;
  // Where the later fragments of each fragmented datagram end (offset and
  // data size), for the whole probe's size.
  std::map<FragmentKey, size_t> fragment_ends_;
  RebuildCounters counters_;
  // What Add counted as neither probe nor reply.
  uint64_t num_other_added_ = 0;
  // Every probe with a wrong checksum, inbound or not, as Add saw them.
  std::vector<WrongProbeChecksum> wrong_added_;
  std::vector<WrongProbeChecksum> wrong_probe_checksums_;
};

// Whether `reply` answers `probe`: the key the reply carries equals the
// probe's own, except where the reply cannot carry a field or the capture
// does not show the one that crossed the wire:
// - an Echo Reply, SYN-ACK or RST may come from another address of the
//   destination host, so its source is not compared;
// - a UDP probe captured before the NIC filled its checksum (offload)
//   shows another checksum than the one quoted, so the checksum is
//   compared only where the captured one is correct;
// - a RST without ACK carries no sequence number (tcp_sequence 0), and one
//   answering a SYN with data acknowledges the data too (RFC 9293
//   §3.10.7.1);
// - a quote of a later fragment names the probe by IP id alone, and a
//   quote cut after the ports by its ports (Reply::quoted_later_fragment,
//   quote_truncated).
bool Answers(const crafter::CapturedProbe& probe, const crafter::Reply& reply);

}  // namespace hoplab::replay

#endif  // HOPLAB_REPLAY_TRACE_REBUILDER_H_
