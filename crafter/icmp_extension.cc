#include "crafter/icmp_extension.h"

#include <arpa/inet.h>

#include <cstdio>
#include <sstream>

#include "crafter/byte_cursor.h"
#include "crafter/check.h"
#include "crafter/checksum.h"

namespace hoplab::crafter {
namespace {

// RFC 4884 §7: the checksum sits in bytes 2-3 of the extension header.
constexpr size_t kExtensionChecksumOffset = 2;

// RFC 5837 §4.1: the C-Type bits that say which sub-objects follow, in the
// order they follow, and the role in the two high bits.
constexpr uint8_t kIfIndexBit = 0x08;
constexpr uint8_t kIpAddressBit = 0x04;
constexpr uint8_t kNameBit = 0x02;
constexpr uint8_t kMtuBit = 0x01;
constexpr int kRoleShift = 6;
// RFC 5837 §4.2: Address Family Identifiers (IANA).
constexpr uint16_t kAfiIpv4 = 1;
constexpr uint16_t kAfiIpv6 = 2;
// RFC 5837 §4.3: the name sub-object, length byte included, is a multiple
// of 4 bytes and at most 64.
constexpr size_t kNameSubObjectAlign = 4;
constexpr size_t kMaxNameSubObjectSize = 64;

// RFC 3032 §2.1: label 20 bits, TC 3, S 1, TTL 8.
constexpr int kLabelShift = 12;
constexpr int kTrafficClassShift = 9;
constexpr int kBottomShift = 8;
constexpr uint32_t kMaxLabel = (1u << 20) - 1;
constexpr uint8_t kMaxTrafficClass = 7;

enum class HeaderCheck : uint8_t { kNone, kValid, kBadChecksum };

struct Candidate {
  HeaderCheck check = HeaderCheck::kNone;
  uint16_t checksum = 0;
  uint32_t anomalies = 0;
};

// Whether `body` holds a valid extension header at `offset`.
Candidate CheckHeaderAt(std::span<const uint8_t> body, size_t offset) {
  Candidate candidate;
  if (offset > body.size() || body.size() - offset < kIcmpExtensionHeaderSize) {
    return candidate;
  }
  const std::span<const uint8_t> structure = body.subspan(offset);
  ByteReader reader(structure);
  uint8_t version_byte = 0;
  HOPLAB_CHECK(reader.ReadU8(&version_byte) && reader.Skip(1) &&
               reader.ReadU16(&candidate.checksum));
  if (version_byte >> 4 == kIcmpExtensionVersion) {
    // The high nibble, as RFC 4884 §7 places it.
  } else if (version_byte == kIcmpExtensionVersion) {
    candidate.anomalies |= kExtensionVersionInLowNibble;
  } else {
    return candidate;
  }
  if (candidate.checksum == 0) {
    candidate.anomalies |= kExtensionChecksumNotComputed;
  } else if (!VerifyChecksum(structure)) {
    candidate.check = HeaderCheck::kBadChecksum;
    return candidate;
  }
  candidate.check = HeaderCheck::kValid;
  return candidate;
}

// Reads the objects after the header at `offset` into `extensions`,
// stopping at the first malformed one.
void WalkObjects(std::span<const uint8_t> body, size_t offset,
                 IcmpExtensions* extensions) {
  size_t at = offset + kIcmpExtensionHeaderSize;
  ByteReader reader(body.subspan(at));
  const auto malformed = [&](const char* reason, size_t where) {
    extensions->anomalies |= kExtensionMalformedObject;
    extensions->object_error = ParseError{reason, where};
  };
  while (reader.remaining() > 0) {
    uint16_t length = 0;
    uint8_t class_num = 0;
    uint8_t c_type = 0;
    if (!reader.ReadU16(&length) || !reader.ReadU8(&class_num) ||
        !reader.ReadU8(&c_type)) {
      return malformed("ICMP extension object header is cut short", at);
    }
    // RFC 4884 §7.2: the length counts the object header too, so anything
    // below 4 is malformed (and 0 would never advance the walk).
    if (length < kIcmpExtensionObjectHeaderSize) {
      return malformed(
          "ICMP extension object length is less than its 4-byte header", at);
    }
    std::span<const uint8_t> payload;
    if (!reader.ReadBytes(length - kIcmpExtensionObjectHeaderSize, &payload)) {
      return malformed("ICMP extension object runs past the message", at);
    }
    auto object = DecodeIcmpExtensionObject(class_num, c_type, payload);
    if (!object.ok()) {
      ParseError error = object.error();
      return malformed(error.reason,
                       at + kIcmpExtensionObjectHeaderSize + error.offset);
    }
    extensions->objects.push_back(std::move(object).value());
    at += length;
  }
}

Result<std::vector<MplsLabelEntry>, ParseError> DecodeMplsLabels(
    std::span<const uint8_t> payload) {
  if (payload.empty()) {
    return ParseError{"MPLS label stack object holds no entry", 0};
  }
  if (payload.size() % kMplsLabelEntrySize != 0) {
    return ParseError{"MPLS label stack object is not whole 4-byte entries",
                      payload.size() - payload.size() % kMplsLabelEntrySize};
  }
  std::vector<MplsLabelEntry> labels;
  ByteReader reader(payload);
  uint32_t word = 0;
  while (reader.ReadU32(&word)) {
    labels.push_back(MplsLabelEntry{
        .label = word >> kLabelShift,
        .traffic_class = uint8_t((word >> kTrafficClassShift) & 0x7),
        .bottom_of_stack = ((word >> kBottomShift) & 1) != 0,
        .ttl = uint8_t(word & 0xff),
    });
  }
  return labels;
}

// RFC 5837 §4.2: AFI, 2 reserved bytes, then the address.
bool ReadIpAddressSubObject(ByteReader& reader, InterfaceInformation* info,
                            ParseError* error) {
  const size_t start = reader.offset();
  uint16_t afi = 0;
  if (!reader.ReadU16(&afi) || !reader.Skip(2)) {
    *error = {"interface IP address sub-object is cut short", start};
    return false;
  }
  if (afi == kAfiIpv4) {
    uint32_t address = 0;
    if (!reader.ReadU32(&address)) {
      *error = {"interface IPv4 address is cut short", reader.offset()};
      return false;
    }
    info->ipv4 = Ipv4Address(address);
    return true;
  }
  if (afi == kAfiIpv6) {
    std::span<const uint8_t> bytes;
    if (!reader.ReadBytes(16, &bytes)) {
      *error = {"interface IPv6 address is cut short", reader.offset()};
      return false;
    }
    info->ipv6.emplace();
    std::copy(bytes.begin(), bytes.end(), info->ipv6->begin());
    return true;
  }
  *error = {"interface IP address sub-object has an unknown AFI", start};
  return false;
}

// RFC 5837 §4.3: a length byte (itself included), then the name, padded.
bool ReadNameSubObject(ByteReader& reader, InterfaceInformation* info,
                       ParseError* error) {
  const size_t start = reader.offset();
  uint8_t size = 0;
  std::span<const uint8_t> bytes;
  if (!reader.ReadU8(&size) || size == 0 || size % kNameSubObjectAlign != 0 ||
      size > kMaxNameSubObjectSize || !reader.ReadBytes(size - 1u, &bytes)) {
    *error = {"interface name sub-object length is invalid", start};
    return false;
  }
  std::string name(bytes.begin(), bytes.end());
  name.erase(name.find_last_not_of('\0') + 1);
  info->name = std::move(name);
  return true;
}

Result<InterfaceInformation, ParseError> DecodeInterfaceInformation(
    uint8_t c_type, std::span<const uint8_t> payload) {
  InterfaceInformation info;
  info.role = InterfaceRole(c_type >> kRoleShift);
  ByteReader reader(payload);
  ParseError error;
  if (c_type & kIfIndexBit) {
    uint32_t if_index = 0;
    if (!reader.ReadU32(&if_index)) {
      return ParseError{"interface ifIndex sub-object is cut short", 0};
    }
    info.if_index = if_index;
  }
  if ((c_type & kIpAddressBit) &&
      !ReadIpAddressSubObject(reader, &info, &error)) {
    return error;
  }
  if ((c_type & kNameBit) && !ReadNameSubObject(reader, &info, &error)) {
    return error;
  }
  if (c_type & kMtuBit) {
    uint32_t mtu = 0;
    if (!reader.ReadU32(&mtu)) {
      return ParseError{"interface MTU sub-object is cut short",
                        reader.offset()};
    }
    info.mtu = mtu;
  }
  if (reader.remaining() != 0) {
    return ParseError{"interface information has bytes its C-Type omits",
                      reader.offset()};
  }
  return info;
}

const char* RoleName(InterfaceRole role) {
  switch (role) {
    case InterfaceRole::kIncoming:
      return "INC";
    case InterfaceRole::kSubIp:
      return "SUB";
    case InterfaceRole::kOutgoing:
      return "OUT";
    case InterfaceRole::kNextHop:
      return "NH";
  }
  return "?";
}

std::string FormatInterface(const InterfaceInformation& info) {
  std::ostringstream out;
  out << "IF:" << RoleName(info.role);
  if (info.if_index) {
    out << ",ifIndex=" << *info.if_index;
  }
  if (info.ipv4) {
    out << ",addr=" << *info.ipv4;
  }
  if (info.ipv6) {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, info.ipv6->data(), text, sizeof(text));
    out << ",addr=" << text;
  }
  if (info.name) {
    out << ",name=" << *info.name;
  }
  if (info.mtu) {
    out << ",mtu=" << *info.mtu;
  }
  return out.str();
}

}  // namespace

Result<std::optional<IcmpExtensionLocation>, ParseError> LocateIcmpExtensions(
    std::span<const uint8_t> body, uint8_t length_field, IcmpLengthUnit unit,
    size_t quoted_datagram_size) {
  const ParseError bad_checksum{"ICMP extension checksum does not verify", 0};
  const auto checksum_error = [&](size_t offset) {
    return ParseError{bad_checksum.reason, offset + kExtensionChecksumOffset};
  };
  size_t offset = kIcmpExtensionQuoteSize;
  uint32_t fallback = 0;
  Candidate candidate;

  if (length_field != 0) {
    // RFC 4884 §4.1/§4.2: the length counts the padded original datagram.
    const size_t declared = size_t{length_field} * size_t(unit);
    candidate = CheckHeaderAt(body, declared);
    if (candidate.check == HeaderCheck::kBadChecksum) {
      return checksum_error(declared);
    }
    if (candidate.check == HeaderCheck::kValid) {
      offset = declared;
    } else {
      // Senders that count the length in the wrong unit (octets, or
      // ICMPv4 words in ICMPv6) still pad to 128 bytes.
      fallback = declared + kIcmpExtensionHeaderSize > body.size()
                     ? kExtensionLengthInvalid
                     : kExtensionLengthInconsistent;
      candidate = CheckHeaderAt(body, offset);
      if (candidate.check == HeaderCheck::kNone) {
        return std::optional<IcmpExtensionLocation>();
      }
      if (candidate.check == HeaderCheck::kBadChecksum) {
        return checksum_error(offset);
      }
    }
  } else {
    // RFC 4884 §5: a zero length from an older sender means offset 128,
    // but a longer quote (RFC 1812) holds datagram bytes there, which only
    // a verifying, non-zero checksum tells apart from a header.
    candidate = CheckHeaderAt(body, offset);
    const bool short_quote = quoted_datagram_size != 0 &&
                             quoted_datagram_size <= kIcmpExtensionQuoteSize;
    const bool verified =
        candidate.check == HeaderCheck::kValid && candidate.checksum != 0;
    if (candidate.check == HeaderCheck::kNone || (!short_quote && !verified)) {
      return std::optional<IcmpExtensionLocation>();
    }
    if (candidate.check == HeaderCheck::kBadChecksum) {
      return checksum_error(offset);
    }
    fallback = kExtensionNoLength;
  }
  return std::optional<IcmpExtensionLocation>(IcmpExtensionLocation{
      offset, candidate.checksum, candidate.anomalies | fallback});
}

IcmpExtensions ReadIcmpExtensions(std::span<const uint8_t> body,
                                  const IcmpExtensionLocation& location,
                                  uint8_t length_field, IcmpLengthUnit unit) {
  IcmpExtensions extensions;
  extensions.offset = location.offset;
  extensions.length_field = length_field;
  extensions.unit = unit;
  extensions.body_size = body.size();
  extensions.checksum = location.checksum;
  extensions.anomalies = location.anomalies;
  WalkObjects(body, location.offset, &extensions);
  return extensions;
}

Result<std::optional<IcmpExtensions>, ParseError> ParseIcmpExtensions(
    std::span<const uint8_t> body, uint8_t length_field, IcmpLengthUnit unit,
    size_t quoted_datagram_size) {
  auto location =
      LocateIcmpExtensions(body, length_field, unit, quoted_datagram_size);
  if (!location.ok()) {
    return location.error();
  }
  if (!location->has_value()) {
    return std::optional<IcmpExtensions>();
  }
  return std::optional<IcmpExtensions>(
      ReadIcmpExtensions(body, **location, length_field, unit));
}

Result<IcmpExtensionObject, ParseError> DecodeIcmpExtensionObject(
    uint8_t class_num, uint8_t c_type, std::span<const uint8_t> payload) {
  IcmpExtensionObject object;
  object.class_num = class_num;
  object.c_type = c_type;
  object.payload.assign(payload.begin(), payload.end());
  if (class_num == uint8_t(IcmpExtensionClass::kMplsLabelStack) &&
      c_type == kMplsIncomingStackCType) {
    auto labels = DecodeMplsLabels(payload);
    if (!labels.ok()) {
      return labels.error();
    }
    object.mpls_labels = std::move(labels).value();
  } else if (class_num == uint8_t(IcmpExtensionClass::kInterfaceInformation)) {
    auto info = DecodeInterfaceInformation(c_type, payload);
    if (!info.ok()) {
      return info.error();
    }
    object.interface = std::move(info).value();
  }
  return object;
}

IcmpExtensionObject MplsLabelStackObject(
    std::span<const MplsLabelEntry> labels) {
  IcmpExtensionObject object;
  object.class_num = uint8_t(IcmpExtensionClass::kMplsLabelStack);
  object.c_type = kMplsIncomingStackCType;
  object.payload.resize(labels.size() * kMplsLabelEntrySize);
  ByteWriter writer(object.payload);
  for (const MplsLabelEntry& entry : labels) {
    HOPLAB_CHECK(entry.label <= kMaxLabel &&
                 entry.traffic_class <= kMaxTrafficClass);
    const uint32_t word = entry.label << kLabelShift |
                          uint32_t{entry.traffic_class} << kTrafficClassShift |
                          uint32_t{entry.bottom_of_stack} << kBottomShift |
                          entry.ttl;
    HOPLAB_CHECK(writer.WriteU32(word));
  }
  object.mpls_labels.assign(labels.begin(), labels.end());
  return object;
}

IcmpExtensionObject InterfaceInformationObject(
    const InterfaceInformation& info) {
  IcmpExtensionObject object;
  object.class_num = uint8_t(IcmpExtensionClass::kInterfaceInformation);
  object.c_type = uint8_t(uint8_t(info.role) << kRoleShift);
  std::vector<uint8_t>& out = object.payload;
  const auto append_u32 = [&out](uint32_t value) {
    const size_t at = out.size();
    out.resize(at + 4);
    StoreU32(out, at, value);
  };
  if (info.if_index) {
    object.c_type |= kIfIndexBit;
    append_u32(*info.if_index);
  }
  if (info.ipv4 || info.ipv6) {
    object.c_type |= kIpAddressBit;
    append_u32(uint32_t{info.ipv4 ? kAfiIpv4 : kAfiIpv6} << 16);
    if (info.ipv4) {
      append_u32(info.ipv4->value());
    } else {
      out.insert(out.end(), info.ipv6->begin(), info.ipv6->end());
    }
  }
  InterfaceInformation sent = info;
  if (info.name) {
    object.c_type |= kNameBit;
    const size_t name_size =
        std::min(info.name->size(), kMaxNameSubObjectSize - 1);
    const size_t sub_size = (1 + name_size + kNameSubObjectAlign - 1) /
                            kNameSubObjectAlign * kNameSubObjectAlign;
    out.push_back(uint8_t(sub_size));
    out.insert(out.end(), info.name->begin(), info.name->begin() + name_size);
    out.resize(out.size() + sub_size - 1 - name_size, 0);
    sent.name = info.name->substr(0, name_size);
  }
  if (info.mtu) {
    object.c_type |= kMtuBit;
    append_u32(*info.mtu);
  }
  object.interface = sent;
  return object;
}

std::vector<uint8_t> SerializeIcmpExtensions(
    std::span<const IcmpExtensionObject> objects) {
  size_t size = kIcmpExtensionHeaderSize;
  for (const IcmpExtensionObject& object : objects) {
    size += kIcmpExtensionObjectHeaderSize + object.payload.size();
  }
  std::vector<uint8_t> out(size);
  ByteWriter writer(out);
  HOPLAB_CHECK(writer.WriteU8(kIcmpExtensionVersion << 4) &&
               writer.WriteU8(0) && writer.WriteU16(0));
  for (const IcmpExtensionObject& object : objects) {
    const size_t length =
        kIcmpExtensionObjectHeaderSize + object.payload.size();
    HOPLAB_CHECK(length <= 0xffff);
    HOPLAB_CHECK(
        writer.WriteU16(uint16_t(length)) && writer.WriteU8(object.class_num) &&
        writer.WriteU8(object.c_type) && writer.WriteBytes(object.payload));
  }
  StoreU16(out, kExtensionChecksumOffset, InternetChecksum(out));
  return out;
}

std::string FormatIcmpExtensionObject(const IcmpExtensionObject& object) {
  if (!object.mpls_labels.empty()) {
    std::string text = "MPLS:";
    for (size_t i = 0; i < object.mpls_labels.size(); ++i) {
      const MplsLabelEntry& entry = object.mpls_labels[i];
      text += (i == 0 ? "" : "/") + ("L=" + std::to_string(entry.label)) +
              ",E=" + std::to_string(entry.traffic_class) +
              ",S=" + std::to_string(int{entry.bottom_of_stack}) +
              ",T=" + std::to_string(entry.ttl);
    }
    return text;
  }
  if (object.interface) {
    return FormatInterface(*object.interface);
  }
  // traceroute(8) -e: "CLASS/TYPE:" and a hexadecimal dump.
  std::string text = std::to_string(object.class_num) + "/" +
                     std::to_string(object.c_type) + ":";
  char hex[3];
  for (uint8_t byte : object.payload) {
    std::snprintf(hex, sizeof(hex), "%02x", byte);
    text += hex;
  }
  return text;
}

std::vector<std::string> DescribeIcmpExtensionAnomalies(
    const IcmpExtensions& extensions) {
  std::vector<std::string> notes;
  const std::string units =
      extensions.unit == IcmpLengthUnit::kIcmpv4 ? " words" : " 8-byte units";
  const std::string used = ", used offset " + std::to_string(extensions.offset);
  const std::string declared = std::to_string(extensions.length_field) + units;
  if (extensions.has(kExtensionLengthInconsistent)) {
    notes.push_back("length attribute inconsistent (" + declared +
                    " point at no extension header)" + used);
  }
  if (extensions.has(kExtensionLengthInvalid)) {
    notes.push_back("length attribute invalid (" + declared + " > " +
                    std::to_string(extensions.body_size) + " bytes available)" +
                    used);
  }
  if (extensions.has(kExtensionNoLength)) {
    notes.push_back("no length attribute (RFC 4884 §5)" + used);
  }
  if (extensions.has(kExtensionChecksumNotComputed)) {
    notes.push_back("extension checksum not computed (0x0000)");
  }
  if (extensions.has(kExtensionVersionInLowNibble)) {
    notes.push_back("extension version 2 in the low nibble");
  }
  if (extensions.has(kExtensionMalformedObject)) {
    notes.push_back("malformed object: " + extensions.object_error.ToString() +
                    " of the ICMP body");
  }
  return notes;
}

std::ostream& operator<<(std::ostream& os, const IcmpExtensionObject& object) {
  return os << FormatIcmpExtensionObject(object);
}

}  // namespace hoplab::crafter
