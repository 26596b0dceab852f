#include "sim/nat.h"

#include <cstddef>

#include "crafter/byte_cursor.h"
#include "crafter/checksum.h"
#include "crafter/icmp.h"
#include "crafter/ipv4.h"

namespace hoplab::sim {
namespace {

using crafter::IcmpType;
using crafter::IpProtocol;

constexpr size_t kNoChecksum = SIZE_MAX;
// Offsets within the IPv4 header (RFC 791) and the transport headers
// (RFC 768, RFC 9293, RFC 792).
constexpr size_t kSourceAddressOffset = 12;
constexpr size_t kDestinationAddressOffset = 16;
constexpr size_t kUdpChecksumOffset = 6;
constexpr size_t kTcpChecksumOffset = 16;
constexpr size_t kIcmpIdentifierOffset = 4;

// Sets the word at `offset` to `value`, updating the checksum words at
// `first_checksum` and `second_checksum` (kNoChecksum for none) for it.
void PatchWord(std::span<uint8_t> bytes, size_t offset, uint16_t value,
               size_t first_checksum, size_t second_checksum = kNoChecksum) {
  const uint16_t old_value = crafter::LoadU16(bytes, offset);
  crafter::StoreU16(bytes, offset, value);
  for (size_t checksum : {first_checksum, second_checksum}) {
    if (checksum != kNoChecksum && checksum + 2 <= bytes.size()) {
      crafter::StoreU16(
          bytes, checksum,
          crafter::ChecksumUpdate(crafter::LoadU16(bytes, checksum), old_value,
                                  value));
    }
  }
}

// Where the UDP or TCP checksum of the datagram starting at `ip` sits, if
// it is present and in use (a UDP checksum of 0 means none, RFC 768).
size_t TransportChecksum(std::span<const uint8_t> bytes, size_t ip,
                         const crafter::Ipv4Header& header) {
  const size_t l4 = ip + header.header_size();
  size_t offset = kNoChecksum;
  if (header.protocol == IpProtocol::kUdp) {
    offset = l4 + kUdpChecksumOffset;
  } else if (header.protocol == IpProtocol::kTcp) {
    offset = l4 + kTcpChecksumOffset;
  }
  if (offset == kNoChecksum || offset + 2 > bytes.size() ||
      (header.protocol == IpProtocol::kUdp &&
       crafter::LoadU16(bytes, offset) == 0)) {
    return kNoChecksum;
  }
  return offset;
}

// Sets the address at `field` (source or destination) of the datagram at
// `ip`, fixing its header checksum and transport checksum.
void PatchAddress(std::span<uint8_t> bytes, size_t ip,
                  const crafter::Ipv4Header& header, size_t field,
                  crafter::Ipv4Address address) {
  const size_t transport = TransportChecksum(bytes, ip, header);
  PatchWord(bytes, ip + field, uint16_t(address.value() >> 16),
            ip + crafter::kIpv4ChecksumOffset, transport);
  PatchWord(bytes, ip + field + 2, uint16_t(address.value()),
            ip + crafter::kIpv4ChecksumOffset, transport);
}

// The port (or Echo identifier) at which `port_field` sits, with the
// checksum covering it; false when the protocol has none.
bool PortField(std::span<const uint8_t> bytes, size_t ip,
               const crafter::Ipv4Header& header, bool source,
               size_t& port_field, size_t& checksum) {
  const size_t l4 = ip + header.header_size();
  if (header.protocol == IpProtocol::kIcmp) {
    port_field = l4 + kIcmpIdentifierOffset;
    checksum = l4 + crafter::kIcmpChecksumOffset;
  } else {
    port_field = source ? l4 : l4 + 2;
    checksum = TransportChecksum(bytes, ip, header);
  }
  return port_field + 2 <= bytes.size();
}

void ShiftPort(std::span<uint8_t> bytes, size_t ip,
               const crafter::Ipv4Header& header, bool source, uint16_t delta) {
  size_t port_field = 0;
  size_t checksum = kNoChecksum;
  if (PortField(bytes, ip, header, source, port_field, checksum)) {
    PatchWord(bytes, port_field,
              uint16_t(crafter::LoadU16(bytes, port_field) + delta), checksum);
  }
}

}  // namespace

bool RewriteSource(std::span<uint8_t> datagram, crafter::Ipv4Address address) {
  auto header = crafter::ParseIpv4Header(datagram);
  if (!header.ok()) {
    return false;
  }
  PatchAddress(datagram, 0, *header, kSourceAddressOffset, address);
  return true;
}

bool TranslateOutbound(std::span<uint8_t> datagram, const Nat& nat) {
  auto header = crafter::ParseIpv4Header(datagram);
  if (!header.ok()) {
    return false;
  }
  PatchAddress(datagram, 0, *header, kSourceAddressOffset, nat.address);
  ShiftPort(datagram, 0, *header, /*source=*/true, nat.port_offset);
  return true;
}

bool TranslateInbound(std::span<uint8_t> datagram, const Nat& nat,
                      crafter::Ipv4Address host) {
  auto header = crafter::ParseIpv4Header(datagram);
  if (!header.ok() || header->destination != nat.address ||
      header->total_length > datagram.size()) {
    return false;
  }
  const auto back = static_cast<uint16_t>(-nat.port_offset);
  PatchAddress(datagram, 0, *header, kDestinationAddressOffset, host);
  const size_t l4 = header->header_size();
  if (header->protocol != IpProtocol::kIcmp) {
    ShiftPort(datagram, 0, *header, /*source=*/false, back);
    return true;
  }
  if (datagram.size() < l4 + crafter::kIcmpHeaderSize) {
    return true;
  }
  const auto type = static_cast<IcmpType>(datagram[l4]);
  if (type == IcmpType::kEchoReply) {
    ShiftPort(datagram, 0, *header, /*source=*/false, back);
    return true;
  }
  if (!nat.rewrite_quote) {
    return true;
  }
  // Step: an error's quote holds the datagram as it left the NAT; put the
  // host's address and port back, then checksum the ICMP message again.
  const size_t inner = l4 + crafter::kIcmpHeaderSize;
  std::span<uint8_t> message = datagram.first(header->total_length).subspan(l4);
  auto quoted = crafter::ParseIpv4Header(datagram.subspan(inner));
  if (quoted.ok() && quoted->source == nat.address) {
    std::span<uint8_t> bytes = datagram.first(header->total_length);
    PatchAddress(bytes, inner, *quoted, kSourceAddressOffset, host);
    ShiftPort(bytes, inner, *quoted, /*source=*/true, back);
    crafter::PatchIcmpChecksum(message);
  }
  return true;
}

}  // namespace hoplab::sim
