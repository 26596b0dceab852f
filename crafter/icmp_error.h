// Builders for what routers and destinations send back: ICMP errors quoting
// the offending datagram, and Echo Replies. The simulator and the tests use
// them; traceroute itself only parses such packets.

#ifndef HOPLAB_CRAFTER_ICMP_ERROR_H_
#define HOPLAB_CRAFTER_ICMP_ERROR_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "crafter/icmp.h"
#include "crafter/ipv4_address.h"

namespace hoplab::crafter {

// RFC 792: an ICMP error quotes the offending IP header and the first 8
// bytes of its data.
inline constexpr size_t kMinQuotedDataSize = 8;
// RFC 1812 §4.3.2.3: a router's ICMP error quotes as much of the offending
// datagram as fits without the error exceeding 576 bytes.
inline constexpr size_t kRfc1812MaxErrorSize = 576;

struct IcmpErrorSpec {
  Ipv4Address source;       // The router or host that reports.
  Ipv4Address destination;  // The offending datagram's source.
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint16_t ip_id = 0;
  IcmpType type = IcmpType::kTimeExceeded;
  uint8_t code = 0;
  // Fragmentation Needed only (RFC 1191).
  uint16_t next_hop_mtu = 0;
  // Upper bound on the error datagram's total size. kRfc1812MaxErrorSize
  // quotes like Linux; 20 + 8 + quoted header + 8 quotes like RFC 792.
  size_t max_error_size = kRfc1812MaxErrorSize;
  // The datagram being reported, as the reporter saw it (its TTL already
  // decremented where the reporter is a router).
  std::span<const uint8_t> offending;
  // An RFC 4884 extension structure (SerializeIcmpExtensions) to append.
  // When non-empty, the quote is cut or zero-padded to 128 bytes and the
  // length field says so (RFC 4884 §4.1: 32 words), as routers that report
  // MPLS label stacks do.
  std::span<const uint8_t> extensions;
};

// Builds the IPv4 datagram of an ICMP error into `out`: outer header, ICMP
// header, and as much of `spec.offending` as `spec.max_error_size` allows
// but never less than its IP header plus 8 bytes (or all of it, if shorter),
// then `spec.extensions` after a 128-byte quote.
// Returns the size written, or 0 when `out` is too small or the offending
// datagram does not start with a parseable IPv4 header.
size_t BuildIcmpError(const IcmpErrorSpec& spec, std::span<uint8_t> out);

// Builds the Echo Reply a host sends for `echo_request` (a whole IPv4
// datagram carrying an Echo Request): addresses swapped, identifier,
// sequence and data copied (RFC 792). Returns the size written, or 0 when
// `out` is too small or `echo_request` is not an Echo Request.
size_t BuildEchoReply(std::span<const uint8_t> echo_request, uint8_t ttl,
                      uint16_t ip_id, std::span<uint8_t> out);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_ICMP_ERROR_H_
