// StripLinkLayer: the IPv4 datagram inside one captured frame, whatever link
// layer the capture recorded.

#ifndef HOPLAB_REPLAY_LINK_LAYER_H_
#define HOPLAB_REPLAY_LINK_LAYER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "crafter/parse_error.h"
#include "crafter/result.h"

namespace hoplab::replay {

// Link types as capture files number them (tcpdump.org's LINKTYPE_ list),
// and the DLT_ values libpcap hands back where they differ.
inline constexpr uint32_t kLinkTypeNull = 0;        // BSD loopback, host order
inline constexpr uint32_t kLinkTypeEthernet = 1;    // DLT_EN10MB
inline constexpr uint32_t kLinkTypeDltRaw = 12;     // DLT_RAW on most systems
inline constexpr uint32_t kLinkTypeDltRawBsd = 14;  // DLT_RAW on OpenBSD
inline constexpr uint32_t kLinkTypeRaw = 101;       // LINKTYPE_RAW in files
inline constexpr uint32_t kLinkTypeLoop = 108;      // OpenBSD loopback
inline constexpr uint32_t kLinkTypeLinuxSll = 113;
inline constexpr uint32_t kLinkTypeIpv4 = 228;  // LINKTYPE_IPV4
inline constexpr uint32_t kLinkTypeLinuxSll2 = 276;

// Whether StripLinkLayer reads frames of `link_type`.
bool IsSupportedLinkType(uint32_t link_type);

// Ok when StripLinkLayer reads frames of `link_type`; else "link type N is
// not one hoplab reads (...)", listing those it reads. A capture states its
// link type once, so this is a fault of the whole file, not of a record.
Status CheckLinkType(uint32_t link_type);

// "Ethernet", "Linux cooked (SLL2)", ...; "link type N" when unknown.
std::string LinkTypeName(uint32_t link_type);

struct LinkOptions {
  // VLAN tag types beyond the standard ones (0x8100 IEEE 802.1Q, 0x88a8
  // IEEE 802.1ad, 0x9100 the older QinQ outer tag): vendors' outer TPIDs
  // such as 0x8200.
  std::vector<uint16_t> extra_tag_types;
};

enum class LinkPayloadKind : uint8_t {
  kIpv4,     // `datagram` starts at the IPv4 header.
  kNoise,    // A protocol every link carries besides IPv4: ARP, IPv6, LLC.
  kUnknown,  // An EtherType (or address family) nothing here decodes.
};

struct LinkPayload {
  LinkPayloadKind kind = LinkPayloadKind::kIpv4;
  // kIpv4: every byte after the link header, up to the end of the record,
  // padding and FCS included; the IPv4 parsers bound it by Total Length.
  // Views the frame given to StripLinkLayer.
  std::span<const uint8_t> datagram;
  // kNoise and kUnknown: the EtherType, or the address family of a
  // loopback frame.
  uint32_t protocol = 0;
};

// Removes the link header of `frame`, a record of a capture of
// `link_type`: Ethernet with any number (up to 8) of 802.1Q/802.1ad tags,
// Linux cooked SLL and SLL2 (tags after them too), raw IP (DLT_RAW 12 and
// 14, LINKTYPE_RAW 101, LINKTYPE_IPV4 228) and BSD loopback NULL and LOOP,
// whose 4-byte address family is taken in either byte order (NULL writes
// the capturing host's order). Fails, with the reason and the offset in
// `frame`, when the frame ends inside its link header, the link type is
// not supported, or raw IP does not start with version 4 or 6.
Result<LinkPayload, crafter::ParseError> StripLinkLayer(
    uint32_t link_type, std::span<const uint8_t> frame,
    const LinkOptions& options);

}  // namespace hoplab::replay

#endif  // HOPLAB_REPLAY_LINK_LAYER_H_
