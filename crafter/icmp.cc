#include "crafter/icmp.h"

#include "crafter/byte_cursor.h"
#include "crafter/check.h"
#include "crafter/checksum.h"

namespace hoplab::crafter {

Result<IcmpMessage, ParseError> ParseIcmpMessage(
    std::span<const uint8_t> bytes) {
  ByteReader reader(bytes);
  IcmpMessage message;
  uint8_t type;
  if (!reader.ReadU8(&type) || !reader.ReadU8(&message.code) ||
      !reader.ReadU16(&message.checksum) ||
      !reader.ReadU32(&message.rest_of_header)) {
    return ParseError{"truncated ICMP header", reader.offset()};
  }
  message.type = static_cast<IcmpType>(type);
  message.body = reader.rest();
  return message;
}

size_t WriteIcmpMessage(const IcmpMessage& message, std::span<uint8_t> out) {
  const size_t size = kIcmpHeaderSize + message.body.size();
  if (out.size() < size) {
    return 0;
  }
  ByteWriter writer(out);
  const bool ok = writer.WriteU8(static_cast<uint8_t>(message.type)) &&
                  writer.WriteU8(message.code) && writer.WriteU16(0) &&
                  writer.WriteU32(message.rest_of_header) &&
                  writer.WriteBytes(message.body);
  HOPLAB_CHECK(ok);
  PatchIcmpChecksum(out.first(size));
  return size;
}

void PatchIcmpChecksum(std::span<uint8_t> message) {
  StoreU16(message, kIcmpChecksumOffset, 0);
  StoreU16(message, kIcmpChecksumOffset, InternetChecksum(message));
}

std::string IcmpTypeName(uint8_t type) {
  switch (static_cast<IcmpType>(type)) {
    case IcmpType::kEchoReply:
      return "Echo Reply";
    case IcmpType::kDestinationUnreachable:
      return "Destination Unreachable";
    case IcmpType::kSourceQuench:
      return "Source Quench";
    case IcmpType::kRedirect:
      return "Redirect";
    case IcmpType::kEchoRequest:
      return "Echo Request";
    case IcmpType::kTimeExceeded:
      return "Time Exceeded";
    case IcmpType::kParameterProblem:
      return "Parameter Problem";
  }
  return "type " + std::to_string(type);
}

}  // namespace hoplab::crafter
