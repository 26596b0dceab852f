// ProbeSpec and BuildProbe: one traceroute probe, from its description to
// the exact bytes of the IPv4 datagram that goes on the wire.

#ifndef HOPLAB_CRAFTER_PROBE_H_
#define HOPLAB_CRAFTER_PROBE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "crafter/ipv4_address.h"

namespace hoplab::crafter {

enum class ProbeMethod : uint8_t {
  kIcmp,  // ICMP Echo Request (traceroute -I).
  kUdp,   // UDP datagram to a high port (traceroute -U).
  kTcp,   // TCP SYN (traceroute -T).
};

// "icmp", "udp", "tcp".
std::string_view ProbeMethodName(ProbeMethod method);

// Linux traceroute's default probe: 60 bytes of IPv4 datagram.
inline constexpr uint16_t kDefaultProbeSize = 60;

struct ProbeSpec {
  ProbeMethod method = ProbeMethod::kIcmp;
  Ipv4Address source;
  Ipv4Address destination;
  uint8_t ttl = 1;
  uint8_t tos = 0;
  // The crafter writes the IP id itself so the kernel leaves it alone
  // (raw(7): a zero id is filled in by the kernel). Must not be zero.
  uint16_t ip_id = 1;
  bool dont_fragment = false;
  // Total length of the IPv4 datagram, headers included. At least the
  // headers' size: 28 for ICMP and UDP, 40 for TCP.
  uint16_t packet_size = kDefaultProbeSize;

  // ICMP: Echo identifier and sequence number.
  uint16_t icmp_id = 0;
  uint16_t icmp_sequence = 0;
  // UDP and TCP ports.
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  // TCP sequence number of the SYN.
  uint32_t tcp_sequence = 0;

  // Paris traceroute (Augustin et al., IMC 2006): when set, the ICMP or UDP
  // checksum comes out as this value whatever the other fields, because
  // the first two data bytes absorb the difference. Per-flow load balancers
  // hash the first 4 bytes past the IP header (ports, or ICMP type, code
  // and checksum), so probes that differ only in ICMP sequence or UDP
  // payload stay on one path, while a UDP checksum set per probe still
  // tells them apart. Needs 2 data bytes (a packet_size of at least 30);
  // for UDP the value must not be 0, which means "no checksum" (RFC 768).
  // TCP probes ignore it: their sequence number varies outside the hash.
  std::optional<uint16_t> fixed_checksum;
};

// Builds the whole datagram described by `spec` into `out`: IPv4 header
// with its checksum, the transport header with its checksum, and a payload
// filling the datagram to `spec.packet_size`. Like Linux traceroute, ICMP
// and UDP data bytes count up from 0x40 + (offset in the ICMP message or in
// the UDP data). A TCP SYN carries no data while the size allows: the room
// past 40 bytes goes to Linux traceroute -T's options (MSS 1460, SACK
// permitted, Timestamps, NOP, window scale 2; MSS alone below 60 bytes)
// padded with NOPs. Sizes above 80 or not a multiple of 4 leave data
// bytes, which a RST from a closed port acknowledges too (RFC 9293
// §3.10.7.1): its ACK - 1 is then not the SYN's sequence number. Every
// field is written, so a raw socket with IP_HDRINCL sends these bytes
// unchanged. Writes no more than `spec.packet_size` bytes and allocates
// nothing. Returns the size written, or 0 when `out` is smaller than
// `spec.packet_size`, the size is below the headers' size, `spec.ip_id` is
// zero, or a fixed checksum has no 2 data bytes to adjust (or is 0 for
// UDP).
size_t BuildProbe(const ProbeSpec& spec, std::span<uint8_t> out);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_PROBE_H_
