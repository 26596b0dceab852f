#include "crafter/udp.h"

#include "crafter/byte_cursor.h"
#include "crafter/check.h"
#include "crafter/checksum.h"
#include "crafter/ipv4.h"

namespace hoplab::crafter {

Result<UdpHeader, ParseError> ParseUdpHeader(std::span<const uint8_t> bytes) {
  ByteReader reader(bytes);
  UdpHeader header;
  if (!reader.ReadU16(&header.source_port) ||
      !reader.ReadU16(&header.destination_port) ||
      !reader.ReadU16(&header.length) || !reader.ReadU16(&header.checksum)) {
    return ParseError{"truncated UDP header", reader.offset()};
  }
  return header;
}

size_t WriteUdpHeader(const UdpHeader& header, std::span<uint8_t> out) {
  if (out.size() < kUdpHeaderSize) {
    return 0;
  }
  ByteWriter writer(out);
  const bool ok = writer.WriteU16(header.source_port) &&
                  writer.WriteU16(header.destination_port) &&
                  writer.WriteU16(header.length) &&
                  writer.WriteU16(header.checksum);
  HOPLAB_CHECK(ok);
  return kUdpHeaderSize;
}

void PatchUdpChecksum(Ipv4Address source, Ipv4Address destination,
                      std::span<uint8_t> datagram) {
  HOPLAB_CHECK(datagram.size() >= kUdpHeaderSize && datagram.size() <= 0xffff);
  StoreU16(datagram, kUdpChecksumOffset, 0);
  const uint64_t pseudo =
      Ipv4PseudoHeaderSum(source, destination, IpProtocol::kUdp,
                          static_cast<uint16_t>(datagram.size()));
  const uint16_t checksum =
      ChecksumFinish(ChecksumAccumulate(datagram, pseudo));
  StoreU16(datagram, kUdpChecksumOffset, checksum == 0 ? 0xffff : checksum);
}

}  // namespace hoplab::crafter
