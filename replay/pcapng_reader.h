// PcapngReader: hoplab's own reader of pcapng block structure, for the
// files libpcap 1.10 refuses: interfaces of different link types in one
// file, and several sections.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +---------------------------------------------------------------+
//   |                          Block Type                           |
//   +---------------------------------------------------------------+
//   |                      Block Total Length                       |
//   +---------------------------------------------------------------+
//   /                          Block Body                           /
//   +---------------------------------------------------------------+
//   |                      Block Total Length                       |
//   +---------------------------------------------------------------+
//
// (draft-ietf-opsawg-pcapng §3.1.) Every field is in the byte order of the
// Section Header Block that opens the section, which its Byte-Order Magic
// 0x1A2B3C4D tells.

#ifndef HOPLAB_REPLAY_PCAPNG_READER_H_
#define HOPLAB_REPLAY_PCAPNG_READER_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crafter/result.h"
#include "replay/capture_record.h"

namespace hoplab::replay {

// The first four bytes of every pcapng file: a Section Header Block's type.
inline constexpr uint32_t kPcapngSectionHeaderType = 0x0A0D0D0A;

class PcapngReader {
 public:
  // Reads the whole file at `path` and checks that it opens with a Section
  // Header Block. Fails with the file name and what is wrong.
  static Result<PcapngReader> Open(const std::string& path);
  // The same over a file already read whole; `path` names it in errors.
  static Result<PcapngReader> FromBytes(std::string path,
                                        std::vector<uint8_t> bytes);

  // Whether libpcap 1.10 would refuse the file or misread it: its
  // interfaces differ in link type ("an interface has a type N different
  // from the type of the first interface"), or it has more than one
  // section. Scans the blocks up to the end or the first broken one, and
  // fails as Next does when that is an Interface Description Block: no
  // record of such a file is read.
  Result<bool> NeedsOwnReader() const;

  // The next packet record (Enhanced, Simple or obsolete Packet Block);
  // other blocks are read for what they declare (byte order, interfaces,
  // timestamp resolution and offset) or skipped. A packet block that cannot
  // be used (unknown interface, captured length past the block) comes back
  // with its `problem` set. Returns nullopt at the end of the file, and an
  // error naming the file, record number and offset when a block's length
  // is broken, after which no later block can be found. An Interface
  // Description Block that no record of its interface could be read by
  // (a link type hoplab does not read, an option past the block's end, a
  // timestamp unit or offset that puts every time outside 1970 to 2262) is
  // an error too, naming the block and its offset.
  Result<std::optional<CaptureRecord>> Next();

 private:
  struct Interface {
    uint32_t link_type = 0;
    // Timestamp units per second and seconds added (if_tsresol,
    // if_tsoffset).
    uint64_t units_per_second = 1000000;
    int64_t offset_seconds = 0;
  };

  PcapngReader(std::string path, std::vector<uint8_t> bytes)
      : path_(std::move(path)), bytes_(std::move(bytes)) {}

  std::string Where(uint64_t record, uint64_t offset) const;
  Status ReadSectionHeader(std::span<const uint8_t> block);
  Status ReadInterface(std::span<const uint8_t> body, uint64_t offset);
  CaptureRecord ReadPacket(uint32_t type, std::span<const uint8_t> body,
                           uint64_t offset);
  uint32_t U32(std::span<const uint8_t> bytes, size_t offset) const;
  uint16_t U16(std::span<const uint8_t> bytes, size_t offset) const;

  std::string path_;
  std::vector<uint8_t> bytes_;
  size_t position_ = 0;
  bool big_endian_ = false;
  // The current section's interfaces, and every section's (for
  // InterfaceLinkTypes).
  std::vector<Interface> interfaces_;
  std::vector<Interface> all_interfaces_;
  size_t num_sections_ = 0;
  uint64_t num_records_ = 0;
  // Whether Next's error is an Interface Description Block's.
  bool interface_failed_ = false;
};

}  // namespace hoplab::replay

#endif  // HOPLAB_REPLAY_PCAPNG_READER_H_
