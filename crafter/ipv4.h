// Ipv4Header: the IPv4 header (RFC 791 §3.1), options included.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version|  IHL  |Type of Service|          Total Length         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         Identification        |Flags|      Fragment Offset    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Time to Live |    Protocol   |         Header Checksum       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                       Source Address                          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Destination Address                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Options                    |    Padding    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#ifndef HOPLAB_CRAFTER_IPV4_H_
#define HOPLAB_CRAFTER_IPV4_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "crafter/ipv4_address.h"
#include "crafter/parse_error.h"
#include "crafter/result.h"

namespace hoplab::crafter {

// IHL counts 32-bit words: 5 words without options, 15 at most.
inline constexpr size_t kIpv4MinHeaderSize = 20;
inline constexpr size_t kIpv4MaxHeaderSize = 60;
// Offset of the header checksum within the header.
inline constexpr size_t kIpv4ChecksumOffset = 10;
// Offsets of the fields that parsers' errors point at.
inline constexpr size_t kIpv4TotalLengthOffset = 2;
inline constexpr size_t kIpv4FragmentOffset = 6;
inline constexpr size_t kIpv4ProtocolOffset = 9;
// The word at kIpv4FragmentOffset (RFC 791 §3.1): flags in the top 3
// bits, the fragment offset (in 8-byte units) in the other 13.
inline constexpr uint16_t kIpv4DontFragmentBit = 0x4000;
inline constexpr uint16_t kIpv4MoreFragmentsBit = 0x2000;
inline constexpr uint16_t kIpv4FragmentOffsetMask = 0x1fff;

// IANA protocol numbers. Values not named here are kept as they are.
enum class IpProtocol : uint8_t {
  kIcmp = 1,
  kTcp = 6,
  kUdp = 17,
};

struct Ipv4Header {
  // Header length in 32-bit words, 5..15.
  uint8_t ihl = 5;
  uint8_t tos = 0;
  uint16_t total_length = 0;
  uint16_t id = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  // In units of 8 bytes (RFC 791).
  uint16_t fragment_offset = 0;
  uint8_t ttl = 0;
  IpProtocol protocol = IpProtocol::kIcmp;
  uint16_t checksum = 0;
  Ipv4Address source;
  Ipv4Address destination;
  // (ihl - 5) * 4 bytes of options and padding. After parsing it views the
  // parsed bytes and is valid as long as they are.
  std::span<const uint8_t> options;

  size_t header_size() const { return size_t{ihl} * 4; }
};

// Parses the header at the front of `bytes`. Fails when fewer than 20 bytes
// are present, the version is not 4, IHL is below 5, or IHL * 4 exceeds
// `bytes.size()`. Total Length is not compared with `bytes.size()`: quoted
// headers are routinely cut short, and the caller decides what it needs.
// The checksum is read, not verified (see VerifyChecksum).
Result<Ipv4Header, ParseError> ParseIpv4Header(std::span<const uint8_t> bytes);

// Writes `header` with its options into `out` and patches the header
// checksum computed over the finished bytes; `header.ihl` and
// `header.checksum` are ignored (IHL follows from the options' size).
// Returns the bytes written (20 + options), or 0 when the options are not a
// multiple of 4 bytes, exceed 40 bytes, or `out` is too small.
size_t WriteIpv4Header(const Ipv4Header& header, std::span<uint8_t> out);

// The running checksum sum (see ChecksumAccumulate) of the pseudo-header
// that UDP (RFC 768) and TCP (RFC 9293 §3.1) checksums cover: source and
// destination address, a zero byte, the protocol, and `length`, the size of
// the UDP datagram or TCP segment.
uint64_t Ipv4PseudoHeaderSum(Ipv4Address source, Ipv4Address destination,
                             IpProtocol protocol, uint16_t length);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_IPV4_H_
