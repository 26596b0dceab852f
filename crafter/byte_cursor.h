// ByteReader and ByteWriter: the one place where network byte order lives.
// Every header is read and written through these; nothing else in hoplab
// shifts bytes into integers.

#ifndef HOPLAB_CRAFTER_BYTE_CURSOR_H_
#define HOPLAB_CRAFTER_BYTE_CURSOR_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "crafter/check.h"

namespace hoplab::crafter {

// Reads big-endian fields from the front of a span. A read that would run
// past the end returns false and leaves the cursor where it was.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  [[nodiscard]] bool ReadU8(uint8_t* out);
  [[nodiscard]] bool ReadU16(uint16_t* out);
  [[nodiscard]] bool ReadU32(uint32_t* out);
  // Little-endian reads, for capture file headers written in the capturing
  // host's byte order (pcapng, BSD loopback) and never for wire headers.
  [[nodiscard]] bool ReadU16Le(uint16_t* out);
  [[nodiscard]] bool ReadU32Le(uint32_t* out);
  // On success *out views the next `size` bytes of the reader's span.
  [[nodiscard]] bool ReadBytes(size_t size, std::span<const uint8_t>* out);
  [[nodiscard]] bool Skip(size_t size);

  // Bytes consumed so far.
  size_t offset() const { return offset_; }
  size_t remaining() const { return data_.size() - offset_; }
  // The unread bytes; valid as long as the reader's span is.
  std::span<const uint8_t> rest() const { return data_.subspan(offset_); }

 private:
  std::span<const uint8_t> data_;
  size_t offset_ = 0;
};

// Writes big-endian fields into a caller's buffer. A write that would run
// past the end returns false and writes nothing.
class ByteWriter {
 public:
  explicit ByteWriter(std::span<uint8_t> out) : out_(out) {}

  [[nodiscard]] bool WriteU8(uint8_t value);
  [[nodiscard]] bool WriteU16(uint16_t value);
  [[nodiscard]] bool WriteU32(uint32_t value);
  [[nodiscard]] bool WriteBytes(std::span<const uint8_t> bytes);
  [[nodiscard]] bool WriteZeros(size_t size);

  // Bytes written so far.
  size_t offset() const { return offset_; }
  size_t remaining() const { return out_.size() - offset_; }

 private:
  std::span<uint8_t> out_;
  size_t offset_ = 0;
};

// Random access for fixed offsets (checksum patching, template probes).
// `offset + 2` (or 4) must not exceed bytes.size(); aborts otherwise.
// Little-endian counterparts, same precondition.
uint16_t LoadU16Le(std::span<const uint8_t> bytes, size_t offset);
uint32_t LoadU32Le(std::span<const uint8_t> bytes, size_t offset);
// Inline: template probes and the reply fast path patch a few fields per
// packet, where a call would cost more than the store.
inline uint16_t LoadU16(std::span<const uint8_t> bytes, size_t offset) {
  HOPLAB_CHECK(offset <= bytes.size() && bytes.size() - offset >= 2);
  return static_cast<uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

inline uint32_t LoadU32(std::span<const uint8_t> bytes, size_t offset) {
  HOPLAB_CHECK(offset <= bytes.size() && bytes.size() - offset >= 4);
  return (uint32_t{bytes[offset]} << 24) | (uint32_t{bytes[offset + 1]} << 16) |
         (uint32_t{bytes[offset + 2]} << 8) | uint32_t{bytes[offset + 3]};
}

inline void StoreU16(std::span<uint8_t> bytes, size_t offset, uint16_t value) {
  HOPLAB_CHECK(offset <= bytes.size() && bytes.size() - offset >= 2);
  bytes[offset] = static_cast<uint8_t>(value >> 8);
  bytes[offset + 1] = static_cast<uint8_t>(value & 0xff);
}

inline void StoreU32(std::span<uint8_t> bytes, size_t offset, uint32_t value) {
  HOPLAB_CHECK(offset <= bytes.size() && bytes.size() - offset >= 4);
  bytes[offset] = static_cast<uint8_t>(value >> 24);
  bytes[offset + 1] = static_cast<uint8_t>((value >> 16) & 0xff);
  bytes[offset + 2] = static_cast<uint8_t>((value >> 8) & 0xff);
  bytes[offset + 3] = static_cast<uint8_t>(value & 0xff);
}

// The wire reads are inline: parsing a reply or a captured datagram makes
// a dozen of them, where a call costs more than the read.
inline bool ByteReader::ReadU8(uint8_t* out) {
  if (remaining() < 1) {
    return false;
  }
  *out = data_[offset_];
  offset_ += 1;
  return true;
}

inline bool ByteReader::ReadU16(uint16_t* out) {
  if (remaining() < 2) {
    return false;
  }
  *out = LoadU16(data_, offset_);
  offset_ += 2;
  return true;
}

inline bool ByteReader::ReadU32(uint32_t* out) {
  if (remaining() < 4) {
    return false;
  }
  *out = LoadU32(data_, offset_);
  offset_ += 4;
  return true;
}

inline bool ByteReader::ReadBytes(size_t size, std::span<const uint8_t>* out) {
  if (remaining() < size) {
    return false;
  }
  *out = data_.subspan(offset_, size);
  offset_ += size;
  return true;
}

inline bool ByteReader::Skip(size_t size) {
  if (remaining() < size) {
    return false;
  }
  offset_ += size;
  return true;
}

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_BYTE_CURSOR_H_
