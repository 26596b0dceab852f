#include "replay/link_layer.h"

#include <algorithm>

#include "crafter/byte_cursor.h"

namespace hoplab::replay {
namespace {

using crafter::ParseError;

// IEEE 802 EtherTypes.
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr uint16_t kEtherTypeVlan = 0x8100;     // IEEE 802.1Q C-tag
constexpr uint16_t kEtherTypeQinQ = 0x88a8;     // IEEE 802.1ad S-tag
constexpr uint16_t kEtherTypeQinQOld = 0x9100;  // pre-802.1ad outer tag
// Values below 0x0600 are an IEEE 802.3 length: LLC follows (STP, CDP...).
constexpr uint16_t kEtherTypeMinimum = 0x0600;
// A tag is the 2-byte TPID, already read, and 2 bytes of PCP/DEI/VID.
constexpr size_t kTagControlSize = 2;
// More tags than any real network stacks; a loop of tags ends here.
constexpr int kMaxTags = 8;

// Ethernet: destination, source (6 bytes each), EtherType.
constexpr size_t kEthernetAddressesSize = 12;
// Linux cooked v1 (16 bytes): packet type, ARPHRD type, address length,
// 8 address bytes, then the protocol at offset 14.
constexpr size_t kSllProtocolOffset = 14;
// Linux cooked v2 (20 bytes): the protocol at offset 0, then reserved,
// interface index, ARPHRD type, packet type, address length, 8 address
// bytes.
constexpr size_t kSll2HeaderSize = 20;
// BSD loopback: a 4-byte address family.
constexpr size_t kLoopbackHeaderSize = 4;
// AF_INET is 2 on every system; AF_INET6 is 24, 28 or 30 (BSDs, macOS).
constexpr uint32_t kFamilyInet = 2;

bool IsTagType(uint16_t type, const LinkOptions& options) {
  return type == kEtherTypeVlan || type == kEtherTypeQinQ ||
         type == kEtherTypeQinQOld ||
         std::find(options.extra_tag_types.begin(),
                   options.extra_tag_types.end(),
                   type) != options.extra_tag_types.end();
}

// Reads `type`'s payload at the reader's position: VLAN tags are skipped,
// then the EtherType decides.
Result<LinkPayload, ParseError> FromEtherType(uint16_t type,
                                              crafter::ByteReader& reader,
                                              const LinkOptions& options) {
  for (int tags = 0; IsTagType(type, options); ++tags) {
    if (tags == kMaxTags) {
      return ParseError{"more than 8 VLAN tags", reader.offset()};
    }
    if (!reader.Skip(kTagControlSize) || !reader.ReadU16(&type)) {
      return ParseError{"frame ends inside a VLAN tag", reader.offset()};
    }
  }
  if (type == kEtherTypeIpv4) {
    return LinkPayload{LinkPayloadKind::kIpv4, reader.rest(), type};
  }
  if (type == kEtherTypeArp || type == kEtherTypeIpv6 ||
      type < kEtherTypeMinimum) {
    return LinkPayload{LinkPayloadKind::kNoise, {}, type};
  }
  return LinkPayload{LinkPayloadKind::kUnknown, {}, type};
}

Result<LinkPayload, ParseError> FromRawIp(std::span<const uint8_t> frame) {
  if (frame.empty()) {
    return ParseError{"raw IP record is empty", 0};
  }
  switch (frame[0] >> 4) {
    case 4:
      return LinkPayload{LinkPayloadKind::kIpv4, frame, kEtherTypeIpv4};
    case 6:
      return LinkPayload{LinkPayloadKind::kNoise, {}, kEtherTypeIpv6};
    default:
      return ParseError{"raw IP record is neither IPv4 nor IPv6", 0};
  }
}

Result<LinkPayload, ParseError> FromLoopback(std::span<const uint8_t> frame) {
  if (frame.size() < kLoopbackHeaderSize) {
    return ParseError{"frame ends inside the loopback header", frame.size()};
  }
  // NULL stores the family in the capturing host's byte order, LOOP in
  // network order; a family is small, so only one order reads as one.
  uint32_t family = crafter::LoadU32(frame, 0);
  if (family > 0xffff) {
    family = crafter::LoadU32Le(frame, 0);
  }
  if (family == kFamilyInet) {
    return LinkPayload{LinkPayloadKind::kIpv4,
                       frame.subspan(kLoopbackHeaderSize), family};
  }
  if (family == 24 || family == 28 || family == 30) {
    return LinkPayload{LinkPayloadKind::kNoise, {}, family};
  }
  return LinkPayload{LinkPayloadKind::kUnknown, {}, family};
}

}  // namespace

bool IsSupportedLinkType(uint32_t link_type) {
  switch (link_type) {
    case kLinkTypeNull:
    case kLinkTypeEthernet:
    case kLinkTypeDltRaw:
    case kLinkTypeDltRawBsd:
    case kLinkTypeRaw:
    case kLinkTypeLoop:
    case kLinkTypeLinuxSll:
    case kLinkTypeIpv4:
    case kLinkTypeLinuxSll2:
      return true;
    default:
      return false;
  }
}

Status CheckLinkType(uint32_t link_type) {
  if (IsSupportedLinkType(link_type)) {
    return Status::Ok();
  }
  return Error{LinkTypeName(link_type) +
               " is not one hoplab reads (Ethernet, Linux cooked SLL and "
               "SLL2, raw IP, BSD loopback)"};
}

std::string LinkTypeName(uint32_t link_type) {
  switch (link_type) {
    case kLinkTypeNull:
      return "BSD loopback (NULL)";
    case kLinkTypeEthernet:
      return "Ethernet";
    case kLinkTypeDltRaw:
    case kLinkTypeDltRawBsd:
    case kLinkTypeRaw:
    case kLinkTypeIpv4:
      return "raw IP";
    case kLinkTypeLoop:
      return "OpenBSD loopback (LOOP)";
    case kLinkTypeLinuxSll:
      return "Linux cooked (SLL)";
    case kLinkTypeLinuxSll2:
      return "Linux cooked (SLL2)";
    default:
      return "link type " + std::to_string(link_type);
  }
}

Result<LinkPayload, ParseError> StripLinkLayer(uint32_t link_type,
                                               std::span<const uint8_t> frame,
                                               const LinkOptions& options) {
  crafter::ByteReader reader(frame);
  uint16_t type = 0;
  switch (link_type) {
    case kLinkTypeEthernet:
      if (!reader.Skip(kEthernetAddressesSize) || !reader.ReadU16(&type)) {
        return ParseError{"frame ends inside the Ethernet header",
                          frame.size()};
      }
      return FromEtherType(type, reader, options);
    case kLinkTypeLinuxSll:
      if (!reader.Skip(kSllProtocolOffset) || !reader.ReadU16(&type)) {
        return ParseError{"frame ends inside the Linux cooked (SLL) header",
                          frame.size()};
      }
      return FromEtherType(type, reader, options);
    case kLinkTypeLinuxSll2:
      if (!reader.ReadU16(&type) || !reader.Skip(kSll2HeaderSize - 2)) {
        return ParseError{"frame ends inside the Linux cooked (SLL2) header",
                          frame.size()};
      }
      return FromEtherType(type, reader, options);
    case kLinkTypeDltRaw:
    case kLinkTypeDltRawBsd:
    case kLinkTypeRaw:
    case kLinkTypeIpv4:
      return FromRawIp(frame);
    case kLinkTypeNull:
    case kLinkTypeLoop:
      return FromLoopback(frame);
    default:
      return ParseError{"link type not supported", 0};
  }
}

}  // namespace hoplab::replay
