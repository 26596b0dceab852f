// TcpHeader: the TCP header (RFC 9293 §3.1), options included.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |          Source Port          |       Destination Port        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                        Sequence Number                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Acknowledgment Number                      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Data |       |C|E|U|A|P|R|S|F|                               |
//  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
//  |       |       |R|E|G|K|H|T|N|N|                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           Checksum            |         Urgent Pointer        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                           [Options]                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#ifndef HOPLAB_CRAFTER_TCP_H_
#define HOPLAB_CRAFTER_TCP_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "crafter/ipv4_address.h"
#include "crafter/parse_error.h"
#include "crafter/result.h"

namespace hoplab::crafter {

// Data Offset counts 32-bit words: 5 without options, 15 at most.
inline constexpr size_t kTcpMinHeaderSize = 20;
inline constexpr size_t kTcpMaxHeaderSize = 60;
inline constexpr size_t kTcpChecksumOffset = 16;
inline constexpr size_t kTcpFlagsOffset = 13;

// Control bits (RFC 9293 §3.1; CWR and ECE from RFC 3168 §6.1).
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;
inline constexpr uint8_t kTcpUrg = 0x20;
inline constexpr uint8_t kTcpEce = 0x40;
inline constexpr uint8_t kTcpCwr = 0x80;

struct TcpHeader {
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint32_t sequence = 0;
  uint32_t acknowledgment = 0;
  // Header length in 32-bit words, 5..15.
  uint8_t data_offset = 5;
  // The eight control bits, kTcpFin ... kTcpCwr. The 4 reserved bits are
  // written as zero and ignored on parsing.
  uint8_t flags = 0;
  uint16_t window = 0;
  uint16_t checksum = 0;
  uint16_t urgent_pointer = 0;
  // (data_offset - 5) * 4 bytes of options. After parsing it views the
  // parsed bytes and is valid as long as they are.
  std::span<const uint8_t> options;

  size_t header_size() const { return size_t{data_offset} * 4; }
  bool has(uint8_t flag) const { return (flags & flag) != 0; }
};

// Parses the header at the front of `bytes`. Fails when fewer than 20 bytes
// are present, Data Offset is below 5, or the options run past the end.
// The checksum is read, not verified.
Result<TcpHeader, ParseError> ParseTcpHeader(std::span<const uint8_t> bytes);

// Writes `header` with its options, `header.checksum` as given, into `out`;
// `header.data_offset` is ignored (it follows from the options' size).
// Returns 20 + options, or 0 when the options are not a multiple of 4
// bytes, exceed 40 bytes, or `out` is too small.
size_t WriteTcpHeader(const TcpHeader& header, std::span<uint8_t> out);

// Computes the checksum of `segment` (header, options and data, the
// checksum field taken as zero) under the IPv4 pseudo-header and stores it
// at kTcpChecksumOffset. `segment` must hold the 20-byte header and at most
// 65535 bytes; aborts otherwise.
void PatchTcpChecksum(Ipv4Address source, Ipv4Address destination,
                      std::span<uint8_t> segment);

// True when `segment`, checksum field included, sums to 0xffff under the
// IPv4 pseudo-header (RFC 9293 §3.1). False for an empty or oversized
// segment.
bool VerifyTcpChecksum(Ipv4Address source, Ipv4Address destination,
                       std::span<const uint8_t> segment);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_TCP_H_
