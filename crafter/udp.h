// UdpHeader: the UDP header (RFC 768).
//
//   0      7 8     15 16    23 24    31
//  +--------+--------+--------+--------+
//  |     Source      |   Destination   |
//  |      Port       |      Port       |
//  +--------+--------+--------+--------+
//  |                 |                 |
//  |     Length      |    Checksum     |
//  +--------+--------+--------+--------+
//  |          data octets ...
//  +---------------- ...

#ifndef HOPLAB_CRAFTER_UDP_H_
#define HOPLAB_CRAFTER_UDP_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "crafter/ipv4_address.h"
#include "crafter/parse_error.h"
#include "crafter/result.h"

namespace hoplab::crafter {

inline constexpr size_t kUdpHeaderSize = 8;
inline constexpr size_t kUdpChecksumOffset = 6;

struct UdpHeader {
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  // Header plus data, in bytes.
  uint16_t length = 0;
  // RFC 768: zero means the sender computed no checksum.
  uint16_t checksum = 0;
};

// Parses the 8-byte header at the front of `bytes`. Fails only when fewer
// than 8 bytes are present; Length and checksum are read, not checked.
Result<UdpHeader, ParseError> ParseUdpHeader(std::span<const uint8_t> bytes);

// Writes the 8 header bytes, `header.checksum` as given, into `out`.
// Returns 8, or 0 when `out` is too small.
size_t WriteUdpHeader(const UdpHeader& header, std::span<uint8_t> out);

// Computes the checksum of `datagram` (header and data, the checksum field
// taken as zero) under the IPv4 pseudo-header and stores it at
// kUdpChecksumOffset. RFC 768: a computed zero is sent as 0xffff, because
// zero on the wire means "no checksum". `datagram` must hold the 8-byte
// header and at most 65535 bytes; aborts otherwise.
void PatchUdpChecksum(Ipv4Address source, Ipv4Address destination,
                      std::span<uint8_t> datagram);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_UDP_H_
