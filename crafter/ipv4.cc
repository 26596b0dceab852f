#include "crafter/ipv4.h"

#include <array>

#include "crafter/byte_cursor.h"
#include "crafter/check.h"
#include "crafter/checksum.h"

namespace hoplab::crafter {
namespace {

constexpr uint8_t kVersion = 4;

}  // namespace

Result<Ipv4Header, ParseError> ParseIpv4Header(std::span<const uint8_t> bytes) {
  ByteReader reader(bytes);
  Ipv4Header header;
  uint8_t version_ihl;
  uint16_t flags_fragment;
  uint8_t protocol;
  uint32_t source;
  uint32_t destination;
  if (!reader.ReadU8(&version_ihl) || !reader.ReadU8(&header.tos) ||
      !reader.ReadU16(&header.total_length) || !reader.ReadU16(&header.id) ||
      !reader.ReadU16(&flags_fragment) || !reader.ReadU8(&header.ttl) ||
      !reader.ReadU8(&protocol) || !reader.ReadU16(&header.checksum) ||
      !reader.ReadU32(&source) || !reader.ReadU32(&destination)) {
    return ParseError{"truncated IPv4 header", reader.offset()};
  }
  if ((version_ihl >> 4) != kVersion) {
    return ParseError{"IP version is not 4", 0};
  }
  header.ihl = version_ihl & 0x0f;
  if (header.header_size() < kIpv4MinHeaderSize) {
    return ParseError{"IPv4 IHL is below 5", 0};
  }
  if (!reader.ReadBytes(header.header_size() - kIpv4MinHeaderSize,
                        &header.options)) {
    return ParseError{"IPv4 options run past the end", reader.offset()};
  }

  header.dont_fragment = (flags_fragment & kIpv4DontFragmentBit) != 0;
  header.more_fragments = (flags_fragment & kIpv4MoreFragmentsBit) != 0;
  header.fragment_offset = flags_fragment & kIpv4FragmentOffsetMask;
  header.protocol = static_cast<IpProtocol>(protocol);
  header.source = Ipv4Address(source);
  header.destination = Ipv4Address(destination);
  return header;
}

size_t WriteIpv4Header(const Ipv4Header& header, std::span<uint8_t> out) {
  const size_t options_size = header.options.size();
  if (options_size % 4 != 0 ||
      options_size > kIpv4MaxHeaderSize - kIpv4MinHeaderSize) {
    return 0;
  }
  const size_t size = kIpv4MinHeaderSize + options_size;
  if (out.size() < size) {
    return 0;
  }

  // The reserved flag bit stays zero (RFC 791 §3.1).
  const uint16_t flags_fragment = static_cast<uint16_t>(
      (header.dont_fragment ? kIpv4DontFragmentBit : 0) |
      (header.more_fragments ? kIpv4MoreFragmentsBit : 0) |
      (header.fragment_offset & kIpv4FragmentOffsetMask));
  ByteWriter writer(out);
  const bool ok =
      writer.WriteU8(static_cast<uint8_t>((kVersion << 4) | (size / 4))) &&
      writer.WriteU8(header.tos) && writer.WriteU16(header.total_length) &&
      writer.WriteU16(header.id) && writer.WriteU16(flags_fragment) &&
      writer.WriteU8(header.ttl) &&
      writer.WriteU8(static_cast<uint8_t>(header.protocol)) &&
      writer.WriteU16(0) && writer.WriteU32(header.source.value()) &&
      writer.WriteU32(header.destination.value()) &&
      writer.WriteBytes(header.options);
  HOPLAB_CHECK(ok);

  StoreU16(out, kIpv4ChecksumOffset, InternetChecksum(out.first(size)));
  return size;
}

uint64_t Ipv4PseudoHeaderSum(Ipv4Address source, Ipv4Address destination,
                             IpProtocol protocol, uint16_t length) {
  std::array<uint8_t, 12> pseudo_header;
  ByteWriter writer(pseudo_header);
  const bool ok = writer.WriteU32(source.value()) &&
                  writer.WriteU32(destination.value()) && writer.WriteU8(0) &&
                  writer.WriteU8(static_cast<uint8_t>(protocol)) &&
                  writer.WriteU16(length);
  HOPLAB_CHECK(ok);
  return ChecksumAccumulate(pseudo_header);
}

}  // namespace hoplab::crafter
