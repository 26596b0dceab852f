#include "replay/pcapng_reader.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "crafter/byte_cursor.h"
#include "replay/link_layer.h"

namespace hoplab::replay {
namespace {

// Block types (draft-ietf-opsawg-pcapng §4, §11.1).
constexpr uint32_t kInterfaceDescriptionType = 1;
constexpr uint32_t kObsoletePacketType = 2;
constexpr uint32_t kSimplePacketType = 3;
constexpr uint32_t kEnhancedPacketType = 6;
constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;

// Type, Total Length, and the Total Length repeated at the end.
constexpr size_t kBlockFramingSize = 12;
// Section Header body: Byte-Order Magic, versions, Section Length.
constexpr size_t kSectionHeaderBodySize = 16;
// Interface Description body before its options: LinkType, Reserved,
// SnapLen.
constexpr size_t kInterfaceFixedSize = 8;
// Enhanced Packet body before the data: Interface ID, Timestamp (upper,
// lower), Captured and Original Packet Length.
constexpr size_t kEnhancedFixedSize = 20;
// Obsolete Packet body: Interface ID (2), Drops Count (2), then as above.
constexpr size_t kObsoleteFixedSize = 20;
// Simple Packet body: Original Packet Length.
constexpr size_t kSimpleFixedSize = 4;

// Interface Description options (§4.2): if_tsresol and if_tsoffset.
constexpr uint16_t kOptionEnd = 0;
constexpr uint16_t kOptionTsResol = 9;
constexpr uint16_t kOptionTsOffset = 14;

constexpr size_t PaddedTo4(size_t size) { return (size + 3) / 4 * 4; }

// if_tsresol: the most significant bit picks base 2, else base 10, and the
// rest is the negative exponent. 0 when the unit is finer than 1 ns in a
// way 64 bits cannot count (beyond 10^-19 or 2^-63).
uint64_t UnitsPerSecond(uint8_t tsresol) {
  const unsigned exponent = tsresol & 0x7f;
  if ((tsresol & 0x80) != 0) {
    return exponent < 64 ? uint64_t{1} << exponent : 0;
  }
  if (exponent > 19) {
    return 0;
  }
  uint64_t units = 1;
  for (unsigned i = 0; i < exponent; ++i) {
    units *= 10;
  }
  return units;
}

// `fraction` units of 1/`units_per_second` s in nanoseconds: exact for the
// decimal resolutions, through a double for binary ones.
uint64_t FractionToNanoseconds(uint64_t fraction, uint64_t units_per_second) {
  constexpr uint64_t kNanosPerSecond = 1000000000;
  if (units_per_second <= kNanosPerSecond &&
      kNanosPerSecond % units_per_second == 0) {
    return fraction * (kNanosPerSecond / units_per_second);
  }
  if (units_per_second % kNanosPerSecond == 0) {
    return fraction / (units_per_second / kNanosPerSecond);
  }
  return static_cast<uint64_t>(static_cast<double>(fraction) /
                               static_cast<double>(units_per_second) * 1e9);
}

}  // namespace

Result<PcapngReader> PcapngReader::Open(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Error{path + ": cannot open"};
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                             std::istreambuf_iterator<char>());
  return FromBytes(path, std::move(bytes));
}

Result<PcapngReader> PcapngReader::FromBytes(std::string path,
                                             std::vector<uint8_t> bytes) {
  if (bytes.size() < 4 ||
      crafter::LoadU32Le(bytes, 0) != kPcapngSectionHeaderType) {
    return Error{path + ": not a pcapng file (no Section Header Block)"};
  }
  return PcapngReader(std::move(path), std::move(bytes));
}

std::string PcapngReader::Where(uint64_t record, uint64_t offset) const {
  return path_ + ", record " + std::to_string(record) + " at offset " +
         std::to_string(offset);
}

uint32_t PcapngReader::U32(std::span<const uint8_t> bytes,
                           size_t offset) const {
  return big_endian_ ? crafter::LoadU32(bytes, offset)
                     : crafter::LoadU32Le(bytes, offset);
}

uint16_t PcapngReader::U16(std::span<const uint8_t> bytes,
                           size_t offset) const {
  return big_endian_ ? crafter::LoadU16(bytes, offset)
                     : crafter::LoadU16Le(bytes, offset);
}

Result<bool> PcapngReader::NeedsOwnReader() const {
  PcapngReader scan(path_, bytes_);
  while (true) {
    auto next = scan.Next();
    if (!next.ok() && scan.interface_failed_) {
      return Error{next.error()};
    }
    if (!next.ok() || !next->has_value()) {
      break;
    }
  }
  if (scan.num_sections_ > 1) {
    return true;
  }
  for (const Interface& interface : scan.all_interfaces_) {
    if (interface.link_type != scan.all_interfaces_.front().link_type) {
      return true;
    }
  }
  return false;
}

Status PcapngReader::ReadSectionHeader(std::span<const uint8_t> block) {
  // The Byte-Order Magic decides how every other field reads.
  if (crafter::LoadU32Le(block, 8) == kByteOrderMagic) {
    big_endian_ = false;
  } else if (crafter::LoadU32(block, 8) == kByteOrderMagic) {
    big_endian_ = true;
  } else {
    return Error{"Section Header Block has no byte-order magic 0x1A2B3C4D"};
  }
  // Interface ids count from zero again in every section (§4.1).
  interfaces_.clear();
  ++num_sections_;
  return Status::Ok();
}

Status PcapngReader::ReadInterface(std::span<const uint8_t> body,
                                   uint64_t offset) {
  Interface interface;
  interface.link_type = U16(body, 0);
  if (Status link = CheckLinkType(interface.link_type); !link.ok()) {
    return link;
  }
  // Options (§3.5): code, length, value padded to 4 bytes, up to an
  // opt_endofopt or the end of the body.
  size_t at = kInterfaceFixedSize;
  while (body.size() - at >= 4) {
    const uint16_t code = U16(body, at);
    const uint16_t size = U16(body, at + 2);
    if (code == kOptionEnd) {
      break;
    }
    if (body.size() - at - 4 < PaddedTo4(size)) {
      // The body starts 8 bytes into the block.
      return Error{"option " + std::to_string(code) + " at offset " +
                   std::to_string(offset + 8 + at) + " declares " +
                   std::to_string(size) + " bytes, past the end of its block"};
    }
    at += 4;
    if (code == kOptionTsResol && size >= 1) {
      interface.units_per_second = UnitsPerSecond(body[at]);
    } else if (code == kOptionTsOffset && size >= 8) {
      const uint64_t high = U32(body, at);
      const uint64_t low = U32(body, at + 4);
      interface.offset_seconds = static_cast<int64_t>(
          big_endian_ ? (high << 32) | low : (low << 32) | high);
    }
    at += PaddedTo4(size);
  }

  // What would make every one of its records bad is said once, here.
  if (interface.units_per_second == 0) {
    return Error{"if_tsresol is finer than 64 bits count"};
  }
  if (interface.offset_seconds < -kMaxCaptureSeconds ||
      interface.offset_seconds > kMaxCaptureSeconds) {
    return Error{"if_tsoffset " + std::to_string(interface.offset_seconds) +
                 " s puts every timestamp outside 1970 to 2262"};
  }
  interfaces_.push_back(interface);
  all_interfaces_.push_back(interface);
  return Status::Ok();
}

CaptureRecord PcapngReader::ReadPacket(uint32_t type,
                                       std::span<const uint8_t> body,
                                       uint64_t offset) {
  CaptureRecord record;
  record.number = ++num_records_;
  record.offset = offset;
  uint32_t interface_id = 0;
  uint64_t units = 0;
  uint32_t captured = 0;
  size_t data_at = 0;
  bool has_time = true;
  if (type == kSimplePacketType) {
    if (body.size() < kSimpleFixedSize) {
      record.problem = "Simple Packet Block too short";
      return record;
    }
    record.original_size = U32(body, 0);
    data_at = kSimpleFixedSize;
    captured = static_cast<uint32_t>(
        std::min<size_t>(record.original_size, body.size() - data_at));
    has_time = false;
  } else {
    const size_t fixed =
        type == kEnhancedPacketType ? kEnhancedFixedSize : kObsoleteFixedSize;
    if (body.size() < fixed) {
      record.problem = "packet block too short for its fixed fields";
      return record;
    }
    interface_id =
        type == kEnhancedPacketType ? U32(body, 0) : uint32_t{U16(body, 0)};
    units = (uint64_t{U32(body, 4)} << 32) | U32(body, 8);
    captured = U32(body, 12);
    record.original_size = U32(body, 16);
    data_at = fixed;
  }

  // Check what the block declares against what the file holds.
  if (interface_id >= interfaces_.size()) {
    record.problem = "interface " + std::to_string(interface_id) +
                     " has no Interface Description Block";
    return record;
  }
  if (captured > body.size() - data_at) {
    record.problem = "captured length " + std::to_string(captured) +
                     " runs past the end of its block";
    return record;
  }
  if (!has_time) {
    record.problem = "Simple Packet Block carries no timestamp";
    return record;
  }
  const Interface& interface = interfaces_[interface_id];
  if (interface.units_per_second == 0) {
    record.problem = "interface timestamp resolution is finer than 64 bits";
    return record;
  }

  // Seconds, then the fraction in nanoseconds without overflowing.
  const uint64_t seconds = units / interface.units_per_second;
  const uint64_t fraction = units % interface.units_per_second;
  const auto nanos = static_cast<int64_t>(
      FractionToNanoseconds(fraction, interface.units_per_second));
  // Both terms are checked before they are added, and the sum after.
  if (seconds > uint64_t{kMaxCaptureSeconds} ||
      interface.offset_seconds < -kMaxCaptureSeconds ||
      interface.offset_seconds > kMaxCaptureSeconds ||
      static_cast<int64_t>(seconds) + interface.offset_seconds < 0 ||
      static_cast<int64_t>(seconds) + interface.offset_seconds >
          kMaxCaptureSeconds) {
    record.problem = "timestamp " + std::to_string(seconds) +
                     " s (if_tsoffset " +
                     std::to_string(interface.offset_seconds) +
                     " s) lies outside 1970 to 2262";
    return record;
  }
  record.at =
      trace::TimePoint(std::chrono::seconds(static_cast<int64_t>(seconds) +
                                            interface.offset_seconds) +
                       std::chrono::nanoseconds(nanos));
  record.link_type = interface.link_type;
  record.bytes = body.subspan(data_at, captured);
  return record;
}

Result<std::optional<CaptureRecord>> PcapngReader::Next() {
  const std::span<const uint8_t> file(bytes_);
  while (position_ < file.size()) {
    const uint64_t offset = position_;
    const std::string where = Where(num_records_ + 1, offset);
    if (file.size() - position_ < kBlockFramingSize) {
      return Error{where + ": file ends inside a block header"};
    }
    const uint32_t type = U32(file, position_);
    if (type == kPcapngSectionHeaderType) {
      if (file.size() - position_ < kBlockFramingSize + 4) {
        return Error{where + ": file ends inside a Section Header Block"};
      }
      if (Status read = ReadSectionHeader(file.subspan(position_));
          !read.ok()) {
        return Error{where + ": " + read.message()};
      }
    }
    const uint32_t size = U32(file, position_ + 4);
    if (size < kBlockFramingSize || size % 4 != 0 ||
        size > file.size() - position_) {
      return Error{where + ": block length " + std::to_string(size) +
                   " is not a multiple of 4 of at least 12 within the file"};
    }
    if (U32(file, position_ + size - 4) != size) {
      return Error{where + ": block length " + std::to_string(size) +
                   " is not repeated at the end of the block"};
    }
    const std::span<const uint8_t> body =
        file.subspan(position_ + 8, size - kBlockFramingSize);
    position_ += size;

    // Blocks that declare something, then packets; others are skipped.
    if (type == kPcapngSectionHeaderType) {
      if (body.size() < kSectionHeaderBodySize) {
        return Error{where + ": Section Header Block too short"};
      }
    } else if (type == kInterfaceDescriptionType) {
      if (body.size() < kInterfaceFixedSize) {
        return Error{where + ": Interface Description Block too short"};
      }
      if (Status read = ReadInterface(body, offset); !read.ok()) {
        interface_failed_ = true;
        return Error{path_ + ", Interface Description Block at offset " +
                     std::to_string(offset) + ": " + read.message()};
      }
    } else if (type == kEnhancedPacketType || type == kSimplePacketType ||
               type == kObsoletePacketType) {
      return std::optional<CaptureRecord>(ReadPacket(type, body, offset));
    }
  }
  return std::optional<CaptureRecord>();
}

}  // namespace hoplab::replay
