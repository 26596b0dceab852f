#include "crafter/checksum.h"

#include <bit>
#include <cstddef>
#include <cstring>

namespace hoplab::crafter {
namespace {

// Folds a 64-bit ones' complement sum to 16 bits with end-around carry.
// 2^16 is 1 modulo 0xffff, so every fold keeps the ones' complement value.
uint16_t Fold(uint64_t sum) {
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// Ones' complement addition of two 64-bit words: the carry out of bit 63
// comes back in at bit 0.
uint64_t AddWithCarry(uint64_t sum, uint64_t word) {
  sum += word;
  return sum + (sum < word ? 1 : 0);
}

}  // namespace

uint64_t ChecksumAccumulate(std::span<const uint8_t> data, uint64_t sum) {
  // RFC 1071 §2(B): the ones' complement sum does not depend on byte order.
  // Words are loaded in the host's order, 8 bytes at a time, and the folded
  // result is swapped to network order once at the end. memcpy makes the
  // loads safe at any alignment.
  uint64_t native = 0;
  size_t offset = 0;
  for (; data.size() - offset >= 8; offset += 8) {
    uint64_t word;
    std::memcpy(&word, data.data() + offset, 8);
    native = AddWithCarry(native, word);
  }

  // The tail starts at an even offset, so zero-filling it to a whole word
  // keeps each byte in its place and pads an odd last byte on the right.
  if (offset < data.size()) {
    uint64_t word = 0;
    std::memcpy(&word, data.data() + offset, data.size() - offset);
    native = AddWithCarry(native, word);
  }

  uint16_t folded = Fold(native);
  if constexpr (std::endian::native == std::endian::little) {
    folded = static_cast<uint16_t>((folded >> 8) | (folded << 8));
  }
  return sum + folded;
}

uint16_t ChecksumFinish(uint64_t sum) {
  return static_cast<uint16_t>(~Fold(sum));
}

uint16_t InternetChecksum(std::span<const uint8_t> data) {
  return ChecksumFinish(ChecksumAccumulate(data));
}

bool VerifyChecksum(std::span<const uint8_t> data) {
  return !data.empty() && Fold(ChecksumAccumulate(data)) == 0xffff;
}

uint16_t ChecksumUpdate(uint16_t checksum, uint16_t old_word,
                        uint16_t new_word) {
  // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
  uint64_t sum = uint64_t{static_cast<uint16_t>(~checksum)} +
                 uint64_t{static_cast<uint16_t>(~old_word)} + new_word;
  return ChecksumFinish(sum);
}

}  // namespace hoplab::crafter
