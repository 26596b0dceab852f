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

// Probe k of a trace (k = 0, 1, ...; TTL-major) carries:
//
//   method  classic (traceroute(8))            Paris (one flow)
//   ICMP    id fixed, sequence first + k       id fixed, sequence first + k,
//                                              checksum fixed
//   UDP     source port fixed,                 both ports fixed,
//           destination port base + k          checksum kParisFirstChecksum + k
//   TCP     destination port fixed,            both ports fixed,
//           source port base + k               sequence number base + k
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

  explicit ProbeIdentity(const TraceOptions& options) : options_(options) {}

  // The IP id of probe number `number` when probe 0 carries `first_ip_id`:
  // ids count on through 1..65535 and skip 0, which some stacks treat as
  // "unset" (a `first_ip_id` of 0 stands for 65535).
  static uint16_t IpIdFor(uint16_t first_ip_id, size_t number);
  // The number, modulo 65535, of the probe that carries `ip_id`, or
  // nullopt for 0, which no probe carries. The caller checks the number
  // against how many probes it sent.
  static std::optional<size_t> NumberOfIpId(uint16_t first_ip_id,
                                            uint16_t ip_id);

  // The probe with index `index` and the given TTL and IP id.
  crafter::ProbeSpec SpecFor(size_t index, uint8_t ttl, uint16_t ip_id) const;

  // The index of the probe `key` describes, if it is one of this trace's:
  // its method, destination, and fixed fields agree. Indices are recovered
  // modulo 2^16 (2^32 for TCP sequence numbers); the caller checks the
  // index against how many probes it sent.
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
};

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_PROBE_IDENTITY_H_
