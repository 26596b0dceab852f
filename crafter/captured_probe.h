// CapturedProbe and ParseProbe: a probe as a capture shows it, read back
// into the key its replies will quote, whichever tool built it.

#ifndef HOPLAB_CRAFTER_CAPTURED_PROBE_H_
#define HOPLAB_CRAFTER_CAPTURED_PROBE_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>

#include "crafter/parse_error.h"
#include "crafter/reply.h"
#include "crafter/result.h"

namespace hoplab::crafter {

// What a captured probe's ICMP, UDP or TCP checksum field shows.
enum class ProbeChecksumState : uint8_t {
  // The capture holds too little to check it: the snap length cut the
  // probe short, or it is the first fragment of a larger datagram, whose
  // checksum covers bytes of the later fragments.
  kUnverified,
  // The field verifies (RFC 1071 §1). RFC 768: a UDP field of zero says no
  // checksum was computed, which is valid too.
  kCorrect,
  // The field does not verify but holds what a sending host leaves for its
  // NIC to finish (checksum offload): zero, or the folded sum of the
  // pseudo-header alone (Linux's CHECKSUM_PARTIAL; ICMP has no
  // pseudo-header, so its partial sum is zero). The capture saw the probe
  // before the NIC; the wire carried `expected`.
  kOffloaded,
  // The field does not verify and is no offload artefact: the probe left
  // with a wrong checksum, and its destination drops it.
  kWrong,
};

// "unverified", "correct", "unverified (offloaded)", "wrong".
const char* ProbeChecksumStateName(ProbeChecksumState state);

struct ProbeChecksum {
  ProbeChecksumState state = ProbeChecksumState::kUnverified;
  // The field as captured.
  uint16_t found = 0;
  // The value that verifies, computed with the field taken as zero (a UDP
  // result of zero as 0xffff, RFC 768); zero when kUnverified.
  uint16_t expected = 0;

  bool operator==(const ProbeChecksum&) const = default;
};

std::ostream& operator<<(std::ostream& os, const ProbeChecksum& checksum);

struct CapturedProbe {
  // The fields a reply quotes or mirrors, as ParseReply recovers them into
  // Reply::probe, so that a reply answers this probe when the two keys are
  // equal.
  ProbeKey key;
  uint8_t ttl = 0;
  // IPv4 Total Length: the probe's size as traceroute prints it.
  uint16_t total_length = 0;
  // The ICMP, UDP or TCP checksum. A probe captured on the sending host
  // before the NIC filled its checksum (offload) has a quoted copy that
  // carries the real one.
  ProbeChecksum checksum;
  // TCP: bytes of data after the SYN's header. A RST answering a SYN with
  // data acknowledges them too (RFC 9293 §3.10.7.1).
  uint32_t tcp_payload_size = 0;
  // IPv4 identification: what names a fragmented probe in a quote of one
  // of its later fragments.
  uint16_t ip_id = 0;
  // The first fragment of a larger probe (More Fragments set, offset 0):
  // it holds the transport header, but its checksum covers bytes in later
  // fragments and cannot verify here.
  bool first_fragment = false;
  // IPv4 header size (IHL * 4).
  uint16_t header_size = 0;
};

// Parses one IPv4 datagram (link layer removed) as a traceroute probe: an
// ICMP Echo Request, a UDP datagram, or a TCP segment with SYN and without
// ACK. Bytes past Total Length are ignored; a datagram cut short by the
// snap length is read as far as the key's fields go (its checksum then
// kUnverified), and so is the first fragment of a fragmented probe. Judges
// the checksum of a whole probe as ProbeChecksumState says. Fails, with
// the reason and the offset within `datagram`, on later fragments, other
// protocols and ICMP types, TCP segments that are not a bare SYN, and
// headers that end early. Never throws or allocates.
Result<CapturedProbe, ParseError> ParseProbe(std::span<const uint8_t> datagram);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_CAPTURED_PROBE_H_
