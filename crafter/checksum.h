// The Internet checksum, RFC 1071: the ones' complement of the ones'
// complement sum of the data taken as 16-bit big-endian words, an odd final
// byte padded with a zero byte on the right.

#ifndef HOPLAB_CRAFTER_CHECKSUM_H_
#define HOPLAB_CRAFTER_CHECKSUM_H_

#include <cstdint>
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

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_CHECKSUM_H_
