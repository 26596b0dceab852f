// IcmpMessage: the ICMP header (RFC 792) and the body after it.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Type      |     Code      |          Checksum             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  rest of header: Identifier+Sequence (echo), unused+length    |
//  |  (errors, RFC 4884), unused+Next-Hop MTU (RFC 1191)           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     body: echo data, or the quoted datagram of an error       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

#ifndef HOPLAB_CRAFTER_ICMP_H_
#define HOPLAB_CRAFTER_ICMP_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "crafter/parse_error.h"
#include "crafter/result.h"

namespace hoplab::crafter {

inline constexpr size_t kIcmpHeaderSize = 8;
inline constexpr size_t kIcmpChecksumOffset = 2;

// ICMP types (RFC 792 and the IANA registry). Unknown values are kept.
enum class IcmpType : uint8_t {
  kEchoReply = 0,
  kDestinationUnreachable = 3,
  kSourceQuench = 4,
  kRedirect = 5,
  kEchoRequest = 8,
  kTimeExceeded = 11,
  kParameterProblem = 12,
};

// Destination Unreachable codes (RFC 792, RFC 1122 §3.2.2.1, RFC 1812
// §5.2.7.1).
enum class UnreachableCode : uint8_t {
  kNet = 0,
  kHost = 1,
  kProtocol = 2,
  kPort = 3,
  kFragmentationNeeded = 4,
  kSourceRouteFailed = 5,
  kNetUnknown = 6,
  kHostUnknown = 7,
  kSourceHostIsolated = 8,
  kNetProhibited = 9,
  kHostProhibited = 10,
  kNetForTos = 11,
  kHostForTos = 12,
  kCommunicationProhibited = 13,
  kHostPrecedenceViolation = 14,
  kPrecedenceCutoff = 15,
};

// Time Exceeded codes (RFC 792): 0 is a hop's answer, 1 says the
// destination gave up reassembling the fragments of a datagram.
inline constexpr uint8_t kTimeExceededInTransit = 0;
inline constexpr uint8_t kTimeExceededReassembly = 1;

struct IcmpMessage {
  IcmpType type = IcmpType::kEchoRequest;
  uint8_t code = 0;
  uint16_t checksum = 0;
  // The second 32-bit word, whose meaning depends on the type.
  uint32_t rest_of_header = 0;
  // Everything after the 8-byte header. After parsing it views the parsed
  // bytes and is valid as long as they are.
  std::span<const uint8_t> body;

  // Echo and Echo Reply.
  uint16_t identifier() const { return uint16_t(rest_of_header >> 16); }
  uint16_t sequence() const { return uint16_t(rest_of_header & 0xffff); }
  // Fragmentation Needed (RFC 1191 §4).
  uint16_t next_hop_mtu() const { return uint16_t(rest_of_header & 0xffff); }
  // RFC 4884 §4.1: length of the original datagram in 32-bit words, or 0.
  uint8_t original_datagram_words() const {
    return uint8_t((rest_of_header >> 16) & 0xff);
  }
};

// Parses the 8-byte header at the front of `bytes`; the rest becomes the
// body. Fails only when fewer than 8 bytes are present. The checksum is
// read, not verified.
Result<IcmpMessage, ParseError> ParseIcmpMessage(
    std::span<const uint8_t> bytes);

// Writes header and body into `out` and patches the checksum computed over
// the finished message. Returns the bytes written, or 0 when `out` is too
// small. `message.checksum` is ignored. `message.body` may view the bytes
// of `out` right after the header (the copy is then a no-op).
size_t WriteIcmpMessage(const IcmpMessage& message, std::span<uint8_t> out);

// Computes the checksum over `message` (a whole ICMP message, header
// included) with the checksum field taken as zero, and stores it at
// kIcmpChecksumOffset. `message` must hold at least the 8-byte header;
// aborts otherwise.
void PatchIcmpChecksum(std::span<uint8_t> message);

// "Time Exceeded", "Destination Unreachable", ..., or "type <n>".
std::string IcmpTypeName(uint8_t type);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_ICMP_H_
