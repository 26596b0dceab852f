#include "crafter/byte_cursor.h"

#include <cstring>

#include "crafter/check.h"

namespace hoplab::crafter {

bool ByteReader::ReadU16Le(uint16_t* out) {
  if (remaining() < 2) {
    return false;
  }
  *out = LoadU16Le(data_, offset_);
  offset_ += 2;
  return true;
}

bool ByteReader::ReadU32Le(uint32_t* out) {
  if (remaining() < 4) {
    return false;
  }
  *out = LoadU32Le(data_, offset_);
  offset_ += 4;
  return true;
}

bool ByteWriter::WriteU8(uint8_t value) {
  if (remaining() < 1) {
    return false;
  }
  out_[offset_] = value;
  offset_ += 1;
  return true;
}

bool ByteWriter::WriteU16(uint16_t value) {
  if (remaining() < 2) {
    return false;
  }
  StoreU16(out_, offset_, value);
  offset_ += 2;
  return true;
}

bool ByteWriter::WriteU32(uint32_t value) {
  if (remaining() < 4) {
    return false;
  }
  StoreU32(out_, offset_, value);
  offset_ += 4;
  return true;
}

bool ByteWriter::WriteBytes(std::span<const uint8_t> bytes) {
  if (remaining() < bytes.size()) {
    return false;
  }
  // memmove: a caller may hand in bytes that already sit in the buffer.
  if (!bytes.empty()) {
    std::memmove(out_.data() + offset_, bytes.data(), bytes.size());
  }
  offset_ += bytes.size();
  return true;
}

bool ByteWriter::WriteZeros(size_t size) {
  if (remaining() < size) {
    return false;
  }
  if (size != 0) {
    std::memset(out_.data() + offset_, 0, size);
  }
  offset_ += size;
  return true;
}

uint16_t LoadU16Le(std::span<const uint8_t> bytes, size_t offset) {
  HOPLAB_CHECK(offset <= bytes.size() && bytes.size() - offset >= 2);
  return static_cast<uint16_t>(bytes[offset] | (bytes[offset + 1] << 8));
}

uint32_t LoadU32Le(std::span<const uint8_t> bytes, size_t offset) {
  HOPLAB_CHECK(offset <= bytes.size() && bytes.size() - offset >= 4);
  return uint32_t{bytes[offset]} | (uint32_t{bytes[offset + 1]} << 8) |
         (uint32_t{bytes[offset + 2]} << 16) |
         (uint32_t{bytes[offset + 3]} << 24);
}

}  // namespace hoplab::crafter
