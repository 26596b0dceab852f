// ICMP multi-part message extensions (RFC 4884) and the objects routers put
// in them: MPLS label stacks (RFC 4950) and interface information
// (RFC 5837). Parsing for replies, building for the simulator.
//
// An ICMP error with extensions (RFC 4884 §4.1, §7):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Type      |     Code      |          Checksum             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |    unused     |    Length     |          unused / MTU         |  v4
//  |    Length     |               unused                          |  v6
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  original datagram, zero-padded to Length units (>= 128 bytes) |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version|       (Reserved)      |           Checksum            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |             Length            |   Class-Num   |    C-Type     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                   object payload ... (more objects)           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// An MPLS label stack entry (RFC 4950 §7, RFC 3032 §2.1; RFC 5462 renamed
// EXP to Traffic Class):
//
//  |                Label                  | TC  |S|      TTL      |

#ifndef HOPLAB_CRAFTER_ICMP_EXTENSION_H_
#define HOPLAB_CRAFTER_ICMP_EXTENSION_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "crafter/ipv4_address.h"
#include "crafter/parse_error.h"
#include "crafter/result.h"

namespace hoplab::crafter {

inline constexpr size_t kIcmpExtensionHeaderSize = 4;
inline constexpr size_t kIcmpExtensionObjectHeaderSize = 4;
// RFC 4884 §7: the only version defined.
inline constexpr uint8_t kIcmpExtensionVersion = 2;
// RFC 4884 §4.1 and §5: with extensions, the original datagram field is at
// least 128 bytes (zero-padded); senders that predate RFC 4884 put the
// extension at exactly this offset and leave the length field zero.
inline constexpr size_t kIcmpExtensionQuoteSize = 128;
// RFC 4950 §7: the size of one label stack entry.
inline constexpr size_t kMplsLabelEntrySize = 4;

// The unit of the ICMP length field: RFC 4884 §4.1 counts ICMPv4's in
// 32-bit words, §4.2 counts ICMPv6's in 64-bit words.
enum class IcmpLengthUnit : uint8_t {
  kIcmpv4 = 4,
  kIcmpv6 = 8,
};

// Class-Num values (IANA "ICMP Extension Object Classes"). Others are kept.
enum class IcmpExtensionClass : uint8_t {
  kMplsLabelStack = 1,        // RFC 4950
  kInterfaceInformation = 2,  // RFC 5837
};

// RFC 4950 §7: C-Type 1 of class 1 is the incoming label stack.
inline constexpr uint8_t kMplsIncomingStackCType = 1;

struct MplsLabelEntry {
  uint32_t label = 0;         // 20 bits
  uint8_t traffic_class = 0;  // 3 bits (EXP)
  bool bottom_of_stack = false;
  uint8_t ttl = 0;

  bool operator==(const MplsLabelEntry&) const = default;
};

// RFC 5837 §4.1: the interface's role, the two high bits of the C-Type.
enum class InterfaceRole : uint8_t {
  kIncoming = 0,
  kSubIp = 1,
  kOutgoing = 2,
  kNextHop = 3,
};

// RFC 5837 §4: the sub-objects an Interface Information object carries,
// each present when its C-Type bit is set.
struct InterfaceInformation {
  InterfaceRole role = InterfaceRole::kIncoming;
  std::optional<uint32_t> if_index;
  // The IP Address sub-object: AFI 1 fills ipv4, AFI 2 ipv6.
  std::optional<Ipv4Address> ipv4;
  std::optional<std::array<uint8_t, 16>> ipv6;
  // The Interface Name sub-object, without its length byte or padding.
  std::optional<std::string> name;
  std::optional<uint32_t> mtu;

  bool operator==(const InterfaceInformation&) const = default;
};

struct IcmpExtensionObject {
  uint8_t class_num = 0;
  uint8_t c_type = 0;
  // Everything after the object header, as received (or to be sent).
  std::vector<uint8_t> payload;
  // Class 1, C-Type 1: the label stack entries, top of stack first.
  std::vector<MplsLabelEntry> mpls_labels;
  // Class 2: the decoded sub-objects.
  std::optional<InterfaceInformation> interface;

  bool operator==(const IcmpExtensionObject&) const = default;
};

// What was odd about an extension that was still accepted; bits of
// IcmpExtensions::anomalies.
enum IcmpExtensionAnomaly : uint32_t {
  // A non-zero length field pointed at bytes that hold no extension
  // header; the extension was found at 128 bytes instead.
  kExtensionLengthInconsistent = 1u << 0,
  // A non-zero length field pointed past the end of the message; the
  // extension was found at 128 bytes instead.
  kExtensionLengthInvalid = 1u << 1,
  // The length field was zero: a sender predating RFC 4884 (§5), found at
  // 128 bytes.
  kExtensionNoLength = 1u << 2,
  // The checksum field was zero (not computed) and was not verified.
  kExtensionChecksumNotComputed = 1u << 3,
  // The version 2 sat in the low nibble instead of the high one.
  kExtensionVersionInLowNibble = 1u << 4,
  // An object had a length that does not fit; the walk stopped there and
  // object_error says why.
  kExtensionMalformedObject = 1u << 5,
};

struct IcmpExtensions {
  // Where the extension header starts, counted from the start of the ICMP
  // body (the byte after the 8-byte ICMP header); also the size of the
  // original datagram field, padding included.
  size_t offset = 0;
  // The length field as received, and its unit.
  uint8_t length_field = 0;
  IcmpLengthUnit unit = IcmpLengthUnit::kIcmpv4;
  // The size of the body the extension was found in.
  size_t body_size = 0;
  uint16_t checksum = 0;
  uint32_t anomalies = 0;
  // The objects before the first malformed one, in wire order.
  std::vector<IcmpExtensionObject> objects;
  // Set with kExtensionMalformedObject; its offset counts from the start of
  // the ICMP body.
  ParseError object_error;

  bool has(IcmpExtensionAnomaly anomaly) const {
    return (anomalies & anomaly) != 0;
  }
  bool operator==(const IcmpExtensions&) const = default;
};

// Finds and parses the extension structure of an ICMP error. `body` is the
// message after its 8-byte ICMP header, ending where the IP datagram ends
// (never link padding or an FCS). `length_field` is the RFC 4884 length as
// received (ICMPv4 byte 5, ICMPv6 byte 4), counted in `unit`.
// `quoted_datagram_size` is the Total Length of the quoted IP header (for
// ICMPv6, 40 + Payload Length), or 0 if unknown.
//
// Where the extension is looked for:
// - a non-zero length field points at it; when the bytes there are no
//   valid extension header, or lie past the end, offset 128 is tried and
//   the fallback is recorded in `anomalies`;
// - a zero length field (RFC 4884 §5) means offset 128, but only when the
//   quoted datagram is no longer than 128 bytes or the header's checksum is
//   non-zero and verifies: a longer quote (RFC 1812) holds datagram bytes
//   there.
// A header is valid when its version is 2 and its checksum verifies over
// the rest of `body` or is zero.
//
// Returns nullopt when there is no extension, the extensions when there
// is one (objects up to the first malformed one), and an error with the
// offset in `body` when a version-2 header has a non-zero checksum that
// does not verify. Never reads outside `body`.
Result<std::optional<IcmpExtensions>, ParseError> ParseIcmpExtensions(
    std::span<const uint8_t> body, uint8_t length_field, IcmpLengthUnit unit,
    size_t quoted_datagram_size);

// Where ParseIcmpExtensions finds the extension structure, and what its
// header said, before any object is read.
struct IcmpExtensionLocation {
  // From the start of the ICMP body.
  size_t offset = 0;
  uint16_t checksum = 0;
  // IcmpExtensionAnomaly bits found so far (never
  // kExtensionMalformedObject, which only the objects can show).
  uint32_t anomalies = 0;
};

// The first half of ParseIcmpExtensions, with the same arguments, the same
// rules and the same errors: whether and where there is an extension
// structure, without reading its objects. Allocates nothing; a reply can
// be matched on this and its objects read only when it is kept.
Result<std::optional<IcmpExtensionLocation>, ParseError> LocateIcmpExtensions(
    std::span<const uint8_t> body, uint8_t length_field, IcmpLengthUnit unit,
    size_t quoted_datagram_size);

// Whether LocateIcmpExtensions can find anything, or fail, for `body` and
// `length_field`: false when no 4-byte extension header fits at any offset
// it looks at. Inline, because most errors (a quote of 28 to 128 bytes, no
// length field) leave no room for one, and this spares them the call.
inline bool MayHoldIcmpExtensions(std::span<const uint8_t> body,
                                  uint8_t length_field, IcmpLengthUnit unit) {
  const size_t declared = size_t{length_field} * size_t(unit);
  const size_t first = length_field != 0 && declared < kIcmpExtensionQuoteSize
                           ? declared
                           : kIcmpExtensionQuoteSize;
  return body.size() >= first + kIcmpExtensionHeaderSize;
}

// The second half: the extensions at `location`, which LocateIcmpExtensions
// returned for the same `body`, `length_field` and `unit`, objects read up
// to the first malformed one. Never reads outside `body`.
IcmpExtensions ReadIcmpExtensions(std::span<const uint8_t> body,
                                  const IcmpExtensionLocation& location,
                                  uint8_t length_field, IcmpLengthUnit unit);

// Decodes the payload of one object into `object` (labels for class 1
// C-Type 1, sub-objects for class 2). Other classes are left as payload.
// Fails with an offset within the payload when the payload does not fit
// its class.
Result<IcmpExtensionObject, ParseError> DecodeIcmpExtensionObject(
    uint8_t class_num, uint8_t c_type, std::span<const uint8_t> payload);

// An RFC 4950 incoming label stack object carrying `labels`, top first.
IcmpExtensionObject MplsLabelStackObject(
    std::span<const MplsLabelEntry> labels);

// An RFC 5837 Interface Information object: the C-Type is derived from the
// role and the sub-objects present. A name longer than 63 bytes is cut
// (RFC 5837 §4.3: the sub-object, its length byte included, is at most 64
// bytes).
IcmpExtensionObject InterfaceInformationObject(
    const InterfaceInformation& info);

// The extension structure (header, then each object's header and payload)
// with its checksum computed: what follows the padded quote. Objects are
// written from class_num, c_type and payload.
std::vector<uint8_t> SerializeIcmpExtensions(
    std::span<const IcmpExtensionObject> objects);

// One object as Linux traceroute -e prints it, without the angle brackets:
// "MPLS:L=24001,E=0,S=1,T=1" (one per label, joined by '/'),
// "IF:INC,ifIndex=5,addr=192.0.2.1,name=ge-0/0/1,mtu=1500" for
// interface information, "200/1:deadbeef00000001" for other classes.
std::string FormatIcmpExtensionObject(const IcmpExtensionObject& object);

// The accepted anomalies in words, one per set bit, e.g. "length attribute
// invalid (128 words > 140 bytes available), used offset 128".
std::vector<std::string> DescribeIcmpExtensionAnomalies(
    const IcmpExtensions& extensions);

std::ostream& operator<<(std::ostream& os, const IcmpExtensionObject& object);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_ICMP_EXTENSION_H_
