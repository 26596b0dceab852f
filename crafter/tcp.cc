#include "crafter/tcp.h"

#include "crafter/byte_cursor.h"
#include "crafter/check.h"
#include "crafter/checksum.h"
#include "crafter/ipv4.h"

namespace hoplab::crafter {
namespace {

// The running sum of the pseudo-header and `segment`.
uint64_t TcpSum(Ipv4Address source, Ipv4Address destination,
                std::span<const uint8_t> segment) {
  const uint64_t pseudo =
      Ipv4PseudoHeaderSum(source, destination, IpProtocol::kTcp,
                          static_cast<uint16_t>(segment.size()));
  return ChecksumAccumulate(segment, pseudo);
}

}  // namespace

Result<TcpHeader, ParseError> ParseTcpHeader(std::span<const uint8_t> bytes) {
  ByteReader reader(bytes);
  TcpHeader header;
  uint8_t offset_reserved;
  if (!reader.ReadU16(&header.source_port) ||
      !reader.ReadU16(&header.destination_port) ||
      !reader.ReadU32(&header.sequence) ||
      !reader.ReadU32(&header.acknowledgment) ||
      !reader.ReadU8(&offset_reserved) || !reader.ReadU8(&header.flags) ||
      !reader.ReadU16(&header.window) || !reader.ReadU16(&header.checksum) ||
      !reader.ReadU16(&header.urgent_pointer)) {
    return ParseError{"truncated TCP header", reader.offset()};
  }
  header.data_offset = offset_reserved >> 4;
  if (header.header_size() < kTcpMinHeaderSize) {
    return ParseError{"TCP data offset is below 5", 12};
  }
  if (!reader.ReadBytes(header.header_size() - kTcpMinHeaderSize,
                        &header.options)) {
    return ParseError{"TCP options run past the end", reader.offset()};
  }
  return header;
}

size_t WriteTcpHeader(const TcpHeader& header, std::span<uint8_t> out) {
  const size_t options_size = header.options.size();
  if (options_size % 4 != 0 ||
      options_size > kTcpMaxHeaderSize - kTcpMinHeaderSize) {
    return 0;
  }
  const size_t size = kTcpMinHeaderSize + options_size;
  if (out.size() < size) {
    return 0;
  }
  ByteWriter writer(out);
  const bool ok = writer.WriteU16(header.source_port) &&
                  writer.WriteU16(header.destination_port) &&
                  writer.WriteU32(header.sequence) &&
                  writer.WriteU32(header.acknowledgment) &&
                  writer.WriteU8(static_cast<uint8_t>((size / 4) << 4)) &&
                  writer.WriteU8(header.flags) &&
                  writer.WriteU16(header.window) &&
                  writer.WriteU16(header.checksum) &&
                  writer.WriteU16(header.urgent_pointer) &&
                  writer.WriteBytes(header.options);
  HOPLAB_CHECK(ok);
  return size;
}

void PatchTcpChecksum(Ipv4Address source, Ipv4Address destination,
                      std::span<uint8_t> segment) {
  HOPLAB_CHECK(segment.size() >= kTcpMinHeaderSize && segment.size() <= 0xffff);
  StoreU16(segment, kTcpChecksumOffset, 0);
  StoreU16(segment, kTcpChecksumOffset,
           ChecksumFinish(TcpSum(source, destination, segment)));
}

bool VerifyTcpChecksum(Ipv4Address source, Ipv4Address destination,
                       std::span<const uint8_t> segment) {
  if (segment.empty() || segment.size() > 0xffff) {
    return false;
  }
  return ChecksumFinish(TcpSum(source, destination, segment)) == 0;
}

}  // namespace hoplab::crafter
