// The Internet checksum, RFC 1071: the ones' complement of the ones'
// complement sum of the data taken as 16-bit big-endian words, an odd final
// byte padded with a zero byte on the right.

#ifndef HOPLAB_CRAFTER_CHECKSUM_H_
#define HOPLAB_CRAFTER_CHECKSUM_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace hoplab::crafter {

// Adds `data` to a running sum (not yet folded). Chunks summed one after
// another must all have even length except the last, so that every byte
// keeps its position within its 16-bit word. Any length up to 2^32 bytes
// cannot overflow the 64-bit sum.
uint64_t ChecksumAccumulate(std::span<const uint8_t> data, uint64_t sum = 0);

// Folds a running sum to 16 bits and complements it: the value to store in
// a checksum field.
uint16_t ChecksumFinish(uint64_t sum);

// ChecksumFinish(ChecksumAccumulate(data)).
uint16_t InternetChecksum(std::span<const uint8_t> data);

// True when `data`, checksum field included, sums to 0xffff (RFC 1071 §1:
// the receiver's check). An empty span is not valid.
bool VerifyChecksum(std::span<const uint8_t> data);

// RFC 1624 eqn. 3: the checksum after one 16-bit word of the covered data
// changes from `old_word` to `new_word`, without summing the data again.
uint16_t ChecksumUpdate(uint16_t checksum, uint16_t old_word,
                        uint16_t new_word);

// Everything below is defined here, inline, because probes, replies and
// the simulator checksum headers of 8 to 20 bytes, where a call costs as
// much as the sum itself.

namespace checksum_internal {

// Folds a 64-bit ones' complement sum to 16 bits with end-around carry.
// 2^16 is 1 modulo 0xffff, so every fold keeps the ones' complement value.
// Adding a word to itself rotated by half its width leaves in the upper
// half the sum of both halves with the carry out of the lower half added
// back in: the end-around carry, in one addition.
inline uint16_t Fold(uint64_t sum) {
  const uint32_t half = static_cast<uint32_t>((sum + std::rotr(sum, 32)) >> 32);
  return static_cast<uint16_t>((half + std::rotr(half, 16)) >> 16);
}

// Folds a sum of words loaded in host order and puts it in network order.
inline uint16_t FoldNative(uint64_t native) {
  const uint16_t folded = Fold(native);
  if constexpr (std::endian::native == std::endian::little) {
    return static_cast<uint16_t>((folded >> 8) | (folded << 8));
  }
  return folded;
}

// Ones' complement addition of two 64-bit words: the carry out of bit 63
// comes back in at bit 0.
inline uint64_t AddWithCarry(uint64_t sum, uint64_t word) {
  sum += word;
  return sum + (sum < word ? 1 : 0);
}

inline uint64_t LoadWord(const uint8_t* bytes) {
  uint64_t word;
  std::memcpy(&word, bytes, sizeof(word));
  return word;
}

// `part`, `width` bytes loaded in host order, moved to where it would sit
// in a host-order load of the 8 bytes starting `at` bytes before it.
inline uint64_t AtByte(uint64_t part, size_t at, size_t width) {
  if constexpr (std::endian::native == std::endian::little) {
    return part << (8 * at);
  } else {
    return part << (8 * (8 - at - width));
  }
}

// The last 0..7 bytes as one word, zero-filled past the end, each byte in
// the place a whole-word load would give it. Fixed-size loads only: a
// memcpy of variable length becomes a library call, which costs more than
// the whole sum of a 20-byte header.
inline uint64_t LoadTail(const uint8_t* bytes, size_t size) {
  uint64_t word = 0;
  size_t at = 0;
  if ((size & 4) != 0) {
    uint32_t part;
    std::memcpy(&part, bytes, sizeof(part));
    word = AtByte(part, 0, sizeof(part));
    at = 4;
  }
  if ((size & 2) != 0) {
    uint16_t part;
    std::memcpy(&part, bytes + at, sizeof(part));
    word |= AtByte(part, at, sizeof(part));
    at += 2;
  }
  if ((size & 1) != 0) {
    word |= AtByte(bytes[at], at, 1);
  }
  return word;
}

inline uint64_t SumNative(std::span<const uint8_t> data) {
  // RFC 1071 §2(B): the ones' complement sum does not depend on byte order.
  // Words are loaded in the host's order, 8 bytes at a time, and the folded
  // result is swapped to network order once at the end. memcpy makes the
  // loads safe at any alignment.
  //
  // RFC 1071 §2(C) (deferred carries): the carries out of each 64-bit sum
  // are counted apart instead of being added back at once, which would
  // chain every addition to the one before. A carry out of bit 63 is worth
  // 2^64, which is 1 modulo 0xffff, so the counts join the sum at the end.
  // Two independent sums let two loads retire per cycle, so the loop reads
  // as fast as a plain sum of the words.
  const uint8_t* bytes = data.data();
  size_t size = data.size();
  uint64_t sum0 = 0;
  uint64_t sum1 = 0;
  uint64_t carries0 = 0;
  uint64_t carries1 = 0;
  for (; size >= 32; bytes += 32, size -= 32) {
    const uint64_t word0 = LoadWord(bytes);
    const uint64_t word1 = LoadWord(bytes + 8);
    const uint64_t word2 = LoadWord(bytes + 16);
    const uint64_t word3 = LoadWord(bytes + 24);
    sum0 += word0;
    carries0 += sum0 < word0 ? 1 : 0;
    sum1 += word1;
    carries1 += sum1 < word1 ? 1 : 0;
    sum0 += word2;
    carries0 += sum0 < word2 ? 1 : 0;
    sum1 += word3;
    carries1 += sum1 < word3 ? 1 : 0;
  }
  if (size >= 16) {
    const uint64_t word0 = LoadWord(bytes);
    const uint64_t word1 = LoadWord(bytes + 8);
    sum0 += word0;
    carries0 += sum0 < word0 ? 1 : 0;
    sum1 += word1;
    carries1 += sum1 < word1 ? 1 : 0;
    bytes += 16;
    size -= 16;
  }
  if (size >= 8) {
    const uint64_t word = LoadWord(bytes);
    sum0 += word;
    carries0 += sum0 < word ? 1 : 0;
    bytes += 8;
    size -= 8;
  }

  // The tail starts at an even offset, so zero-filling it to a whole word
  // keeps each byte in its place and pads an odd last byte on the right.
  if (size != 0) {
    const uint64_t word = LoadTail(bytes, size);
    sum1 += word;
    carries1 += sum1 < word ? 1 : 0;
  }
  sum0 += sum1;
  carries0 += sum0 < sum1 ? 1 : 0;
  return AddWithCarry(sum0, carries0 + carries1);
}

}  // namespace checksum_internal

inline uint64_t ChecksumAccumulate(std::span<const uint8_t> data,
                                   uint64_t sum) {
  return sum +
         checksum_internal::FoldNative(checksum_internal::SumNative(data));
}

inline uint16_t ChecksumFinish(uint64_t sum) {
  return static_cast<uint16_t>(~checksum_internal::Fold(sum));
}

inline uint16_t InternetChecksum(std::span<const uint8_t> data) {
  return static_cast<uint16_t>(
      ~checksum_internal::FoldNative(checksum_internal::SumNative(data)));
}

inline bool VerifyChecksum(std::span<const uint8_t> data) {
  return !data.empty() &&
         checksum_internal::Fold(checksum_internal::SumNative(data)) == 0xffff;
}

inline uint16_t ChecksumUpdate(uint16_t checksum, uint16_t old_word,
                               uint16_t new_word) {
  // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
  uint64_t sum = uint64_t{static_cast<uint16_t>(~checksum)} +
                 uint64_t{static_cast<uint16_t>(~old_word)} + new_word;
  return ChecksumFinish(sum);
}

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_CHECKSUM_H_
