#include "crafter/checksum.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

namespace hoplab::crafter {
namespace {

// A byte-at-a-time RFC 1071 checksum, written for clarity, as the oracle.
uint16_t ReferenceChecksum(std::span<const uint8_t> data) {
  uint32_t sum = 0;
  for (size_t i = 0; i < data.size(); i += 2) {
    const uint32_t high = data[i];
    const uint32_t low = i + 1 < data.size() ? data[i + 1] : 0;
    sum += (high << 8) | low;
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum & 0xffff);
}

std::vector<uint8_t> RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<uint8_t> data(size);
  for (uint8_t& b : data) {
    b = static_cast<uint8_t>(byte(random));
  }
  return data;
}

TEST(ChecksumTest, SumsTheRfc1071Section3Example) {
  // RFC 1071 §3: these bytes sum to 0xddf2; the checksum is its complement.
  const std::array<uint8_t, 8> data = {0x00, 0x01, 0xf2, 0x03,
                                       0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(InternetChecksum(data), 0x220d);
}

TEST(ChecksumTest, PadsAnOddLastByteOnTheRight) {
  // cases/c20-odd-length-checksum.pcap: a 15-byte Echo Request, checksum
  // field zero. The last byte 0x64 is the high half of the word 0x6400.
  const std::array<uint8_t, 15> echo = {
      0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01,  // ICMP header
      0x50, 0x61, 0x79, 0x6c, 0x6f, 0x61, 0x64,        // "Payload"
  };
  EXPECT_EQ(InternetChecksum(echo), 0x489b);
}

TEST(ChecksumTest, AccumulatesEvenChunksFollowedByAnOddOne) {
  const std::array<uint8_t, 15> echo = {
      0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01,  // ICMP header
      0x50, 0x61, 0x79, 0x6c, 0x6f, 0x61, 0x64,        // "Payload"
  };
  const std::span<const uint8_t> all(echo);
  uint64_t sum = ChecksumAccumulate(all.first(8));
  sum = ChecksumAccumulate(all.subspan(8, 4), sum);
  sum = ChecksumAccumulate(all.subspan(12), sum);
  EXPECT_EQ(ChecksumFinish(sum), 0x489b);
}

TEST(ChecksumTest, GivesZeroWhenTheSumIsAllOnes) {
  // cases/c21-icmp-checksum-zero.pcap: 0x0800 + 0xf7ff = 0xffff.
  const std::array<uint8_t, 8> echo = {0x08, 0x00, 0x00, 0x00,
                                       0xf7, 0xff, 0x00, 0x00};
  EXPECT_EQ(InternetChecksum(echo), 0x0000);
}

TEST(ChecksumTest, GivesAllOnesForEmptyAndAllZeroBuffers) {
  EXPECT_EQ(InternetChecksum({}), 0xffff);
  for (size_t size : {1, 2, 7, 8, 9, 64, 1501}) {
    const std::vector<uint8_t> zeros(size, 0x00);
    EXPECT_EQ(InternetChecksum(zeros), 0xffff) << "size " << size;
  }
}

TEST(ChecksumTest, MatchesTheReferenceForAllOnesBuffers) {
  for (size_t size : {1, 2, 3, 8, 15, 16, 17, 1500, 65535}) {
    const std::vector<uint8_t> ones(size, 0xff);
    EXPECT_EQ(InternetChecksum(ones), ReferenceChecksum(ones))
        << "size " << size;
  }
}

TEST(ChecksumTest, MatchesTheReferenceForEveryLengthUpTo2000) {
  const std::vector<uint8_t> data = RandomBytes(2000, 1071);
  for (size_t size = 0; size <= data.size(); ++size) {
    const std::span<const uint8_t> prefix(data.data(), size);
    ASSERT_EQ(InternetChecksum(prefix), ReferenceChecksum(prefix))
        << "size " << size;
  }
}

TEST(ChecksumTest, MatchesTheReferenceAtEveryAlignment) {
  const std::vector<uint8_t> data = RandomBytes(1600, 7);
  for (size_t start = 0; start < 16; ++start) {
    for (size_t size : {0, 1, 2, 5, 8, 13, 64, 1499, 1500}) {
      const std::span<const uint8_t> piece(data.data() + start, size);
      EXPECT_EQ(InternetChecksum(piece), ReferenceChecksum(piece))
          << "start " << start << " size " << size;
    }
  }
}

TEST(ChecksumTest, VerifiesDataThatCarriesItsOwnChecksum) {
  std::vector<uint8_t> data = RandomBytes(61, 3);
  data[10] = 0;
  data[11] = 0;
  const uint16_t checksum = InternetChecksum(data);
  data[10] = static_cast<uint8_t>(checksum >> 8);
  data[11] = static_cast<uint8_t>(checksum & 0xff);
  EXPECT_TRUE(VerifyChecksum(data));

  data[30] ^= 0x01;
  EXPECT_FALSE(VerifyChecksum(data));
}

TEST(ChecksumTest, RejectsAnEmptySpanOnVerify) {
  EXPECT_FALSE(VerifyChecksum({}));
}

TEST(ChecksumTest, UpdateMatchesAFullRecompute) {
  std::mt19937 random(1624);
  std::uniform_int_distribution<int> word(0, 0xffff);
  for (int round = 0; round < 1000; ++round) {
    std::vector<uint8_t> data = RandomBytes(40, static_cast<uint32_t>(round));
    const size_t at = 2 * static_cast<size_t>(round % 20);
    const uint16_t before = InternetChecksum(data);
    const uint16_t old_word =
        static_cast<uint16_t>((data[at] << 8) | data[at + 1]);
    const uint16_t new_word = static_cast<uint16_t>(word(random));
    data[at] = static_cast<uint8_t>(new_word >> 8);
    data[at + 1] = static_cast<uint8_t>(new_word & 0xff);
    ASSERT_EQ(ChecksumUpdate(before, old_word, new_word),
              InternetChecksum(data))
        << "round " << round;
  }
}

TEST(ChecksumTest, UpdateHandlesATtlDecrement) {
  // RFC 1624 §4 case: a router lowers the TTL in the word TTL|Protocol.
  const std::array<uint8_t, 20> header = {
      0x45, 0x00, 0x00, 0x3c, 0xfa, 0x96, 0x00, 0x00,  // ver/ihl .. frag
      0x01, 0x01, 0xa4, 0x96, 0x0a, 0xc9, 0x00, 0x01,  // ttl 1 proto 1, src
      0x0a, 0xc9, 0x05, 0x02,                          // dst 10.201.5.2
  };
  std::array<uint8_t, 20> decremented = header;
  decremented[8] = 0x00;
  decremented[10] = 0;
  decremented[11] = 0;
  EXPECT_EQ(ChecksumUpdate(0xa496, 0x0101, 0x0001),
            InternetChecksum(decremented));
  EXPECT_TRUE(VerifyChecksum(header));
}

}  // namespace
}  // namespace hoplab::crafter
