// libFuzzer target: the link-layer decoder, which reads whatever frame a
// capture holds, and the probe and reply parsers on what it hands on.
// Input layout: byte 0 picks the link type, bytes 1-2 name an extra VLAN
// tag type (0 for none), the rest is the frame. Any crash, sanitizer
// report or broken invariant is a finding.

#include <cstddef>
#include <cstdint>
#include <span>

#include "crafter/captured_probe.h"
#include "crafter/check.h"
#include "crafter/reply.h"
#include "replay/link_layer.h"

namespace {

using namespace hoplab::replay;

// Byte 0 below the table's size picks a supported link type; above it, it
// is the link type itself (mostly unsupported ones).
constexpr uint32_t kLinkTypes[] = {
    kLinkTypeNull,      kLinkTypeEthernet, kLinkTypeDltRaw,
    kLinkTypeDltRawBsd, kLinkTypeRaw,      kLinkTypeLoop,
    kLinkTypeLinuxSll,  kLinkTypeIpv4,     kLinkTypeLinuxSll2,
};
constexpr size_t kNumLinkTypes = sizeof(kLinkTypes) / sizeof(kLinkTypes[0]);
constexpr size_t kSelectorSize = 3;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kSelectorSize) {
    return 0;
  }
  const uint32_t link_type =
      data[0] < kNumLinkTypes ? kLinkTypes[data[0]] : data[0];
  LinkOptions options;
  const uint16_t extra = static_cast<uint16_t>(data[1] << 8 | data[2]);
  if (extra != 0) {
    options.extra_tag_types.push_back(extra);
  }
  const std::span<const uint8_t> frame(data + kSelectorSize,
                                       size - kSelectorSize);

  auto payload = StripLinkLayer(link_type, frame, options);
  if (!payload.ok()) {
    HOPLAB_CHECK(payload.error().offset <= frame.size());
    HOPLAB_CHECK(payload.error().reason[0] != '\0');
    return 0;
  }
  HOPLAB_CHECK(IsSupportedLinkType(link_type));
  if (payload->kind != LinkPayloadKind::kIpv4) {
    HOPLAB_CHECK(payload->datagram.empty());
    return 0;
  }
  // The datagram is the frame's tail: everything after the link header.
  const std::span<const uint8_t> datagram = payload->datagram;
  HOPLAB_CHECK(datagram.size() <= frame.size());
  HOPLAB_CHECK(datagram.data() + datagram.size() ==
               frame.data() + frame.size());

  auto probe = hoplab::crafter::ParseProbe(datagram);
  if (!probe.ok()) {
    HOPLAB_CHECK(probe.error().offset <= datagram.size());
  }
  auto reply = hoplab::crafter::ParseReply(datagram);
  if (!reply.ok()) {
    HOPLAB_CHECK(reply.error().offset <= datagram.size());
  }
  return 0;
}
