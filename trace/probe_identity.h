// ProbeIdentity: which fields tell a trace's probes apart, per method, and
// how a reply's quoted fields lead back to the probe they came from.

#ifndef HOPLAB_TRACE_PROBE_IDENTITY_H_
#define HOPLAB_TRACE_PROBE_IDENTITY_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "crafter/probe.h"
#include "crafter/reply.h"
#include "trace/trace_options.h"

namespace hoplab::trace {

// Probe number n (first_probe_number + k for probe k = 0, 1, ... of one
// engine, TTL-major) carries:
//
//   method  classic (traceroute(8))            Paris (one flow)
//   ICMP    id fixed, sequence first + n       id fixed, sequence first + n,
//                                              checksum fixed
//   UDP     source port fixed,                 both ports fixed,
//           destination port base + n          checksum kParisFirstChecksum + n
//   TCP     destination port fixed,            both ports fixed,
//           source port base + n               sequence number base + n
//
// Each varying field counts through its own range and starts over at the
// bottom of it: a port from its base up to 65535 (port 0 is never sent:
// RFC 768 and RFC 9293 give it no meaning as a destination, and stacks
// drop it as a source), a Paris UDP checksum from kParisFirstChecksum up to
// 0xffff, an ICMP sequence through all 2^16 values, a TCP sequence number
// through all 2^32. mtr(8) likewise cycles its probe ports within one
// range. Numbers n and n + NumDistinct() therefore look alike on the wire;
// ValidateTraceOptions keeps one trace's probes, and two cycles' of a
// report, within NumDistinct().
//
// Classic probes differ in what per-flow load balancers hash (RFC 2992:
// addresses, protocol, and the first 4 bytes past the IP header, which for
// ICMP are type, code and checksum), so successive probes may take
// different paths. Paris probes (Augustin et al., "Avoiding traceroute
// anomalies with Paris traceroute", IMC 2006) keep those fields constant
// and differ only where balancers do not look. Every field used lies within
// the first 8 bytes past the quoted IP header, which RFC 792 guarantees an
// ICMP error quotes.
class ProbeIdentity {
 public:
  // Paris UDP checksums start here, away from 0, which means "no
  // checksum" (RFC 768).
  static constexpr uint16_t kParisFirstChecksum = 0x1000;

  explicit ProbeIdentity(const TraceOptions& options);

  // How many probe numbers in a row carry distinct values in the field
  // that tells probes apart: 65536 - base for a classic UDP or TCP port,
  // 0x10000 - kParisFirstChecksum for Paris UDP, 2^16 for ICMP, 2^32 for
  // Paris TCP.
  size_t NumDistinct() const { return num_distinct_; }

  // The IP id of probe number `number` when probe 0 carries `first_ip_id`:
  // ids count on through 1..65535 and skip 0, which some stacks treat as
  // "unset" (a `first_ip_id` of 0 stands for 65535).
  static uint16_t IpIdFor(uint16_t first_ip_id, size_t number);
  // The number, modulo 65535, of the probe that carries `ip_id`, or
  // nullopt for 0, which no probe carries. The caller checks the number
  // against how many probes it sent.
  static std::optional<size_t> NumberOfIpId(uint16_t first_ip_id,
                                            uint16_t ip_id);

  // The probe with index `index` and the given TTL and IP id. Its varying
  // field stays within the range above for every index (never port 0,
  // never a UDP checksum of 0).
  crafter::ProbeSpec SpecFor(size_t index, uint8_t ttl, uint16_t ip_id) const;

  // The index of the probe `key` describes, if it is one of this trace's:
  // its method, destination and fixed fields agree and its varying field
  // lies in the trace's range. Indices are recovered modulo NumDistinct();
  // the caller checks the index against how many probes it sent.
  //
  // Inline over FindIndex: a std::optional returned from a call is put
  // together in memory a byte at a time and read back whole (GCC 12), a
  // store-forwarding stall longer than the rest of the match.
  std::optional<size_t> IndexOf(const crafter::ProbeKey& key) const {
    size_t index = 0;
    return FindIndex(key, &index) ? std::optional<size_t>(index) : std::nullopt;
  }

 private:
  // IndexOf's search: true, with the index in `*index`, when `key` is one
  // of this trace's probes.
  bool FindIndex(const crafter::ProbeKey& key, size_t* index) const;

  // The constant ICMP checksum of Paris ICMP probes: derived from the
  // identifier, never 0 or 0xffff.
  uint16_t ParisIcmpChecksum() const;

  TraceOptions options_;
  size_t num_distinct_;
  // first_probe_number's place in the range: first_probe_number modulo
  // num_distinct_.
  size_t first_offset_;
};

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_PROBE_IDENTITY_H_
