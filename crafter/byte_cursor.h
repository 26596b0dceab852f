// ByteReader and ByteWriter: the one place where network byte order lives.
// Every header is read and written through these; nothing else in hoplab
// shifts bytes into integers.

#ifndef HOPLAB_CRAFTER_BYTE_CURSOR_H_
#define HOPLAB_CRAFTER_BYTE_CURSOR_H_

#include <cstddef>
#include <cstdint>
#include <span>

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
uint16_t LoadU16(std::span<const uint8_t> bytes, size_t offset);
uint32_t LoadU32(std::span<const uint8_t> bytes, size_t offset);
// Little-endian counterparts, same precondition.
uint16_t LoadU16Le(std::span<const uint8_t> bytes, size_t offset);
uint32_t LoadU32Le(std::span<const uint8_t> bytes, size_t offset);
void StoreU16(std::span<uint8_t> bytes, size_t offset, uint16_t value);
void StoreU32(std::span<uint8_t> bytes, size_t offset, uint32_t value);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_BYTE_CURSOR_H_
