#include "crafter/byte_cursor.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace hoplab::crafter {
namespace {

TEST(ByteReaderTest, ReadsBigEndianFieldsInOrder) {
  const std::array<uint8_t, 9> bytes = {
      0x12,                    // u8
      0x34, 0x56,              // u16
      0x78, 0x9a, 0xbc, 0xde,  // u32
      0xf0, 0x01,              // 2 bytes
  };
  ByteReader reader(bytes);
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  std::span<const uint8_t> rest;
  ASSERT_TRUE(reader.ReadU8(&u8));
  ASSERT_TRUE(reader.ReadU16(&u16));
  ASSERT_TRUE(reader.ReadU32(&u32));
  EXPECT_EQ(reader.offset(), 7u);
  ASSERT_TRUE(reader.ReadBytes(2, &rest));
  EXPECT_EQ(u8, 0x12);
  EXPECT_EQ(u16, 0x3456);
  EXPECT_EQ(u32, 0x789abcdeu);
  EXPECT_EQ(rest.data(), bytes.data() + 7);
  EXPECT_EQ(reader.remaining(), 0u);
}

TEST(ByteReaderTest, LeavesTheCursorInPlaceWhenAReadRunsPastTheEnd) {
  const std::array<uint8_t, 3> bytes = {0x01, 0x02, 0x03};
  ByteReader reader(bytes);
  ASSERT_TRUE(reader.Skip(1));
  uint32_t u32 = 7;
  std::span<const uint8_t> view;
  EXPECT_FALSE(reader.ReadU32(&u32));
  EXPECT_FALSE(reader.ReadBytes(3, &view));
  EXPECT_FALSE(reader.Skip(3));
  EXPECT_EQ(u32, 7u);
  EXPECT_EQ(reader.offset(), 1u);
  uint16_t u16;
  ASSERT_TRUE(reader.ReadU16(&u16));
  EXPECT_EQ(u16, 0x0203);
  uint8_t u8;
  EXPECT_FALSE(reader.ReadU8(&u8));
  EXPECT_EQ(reader.rest().size(), 0u);
}

TEST(ByteWriterTest, WritesBigEndianFieldsInOrder) {
  std::array<uint8_t, 11> out = {};
  ByteWriter writer(out);
  const std::array<uint8_t, 2> tail = {0xaa, 0xbb};
  ASSERT_TRUE(writer.WriteU8(0x12));
  ASSERT_TRUE(writer.WriteU16(0x3456));
  ASSERT_TRUE(writer.WriteU32(0x789abcde));
  ASSERT_TRUE(writer.WriteZeros(2));
  ASSERT_TRUE(writer.WriteBytes(tail));
  const std::array<uint8_t, 11> expected = {
      0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0x00,  // u8 u16 u32 zeros
      0x00, 0xaa, 0xbb,                                // zeros, bytes
  };
  EXPECT_EQ(out, expected);
  EXPECT_EQ(writer.remaining(), 0u);
}

TEST(ByteWriterTest, WritesNothingWhenAWriteRunsPastTheEnd) {
  std::array<uint8_t, 3> out = {0xee, 0xee, 0xee};
  ByteWriter writer(out);
  ASSERT_TRUE(writer.WriteU8(0x01));
  const std::array<uint8_t, 3> bytes = {1, 2, 3};
  EXPECT_FALSE(writer.WriteU32(0x11223344));
  EXPECT_FALSE(writer.WriteBytes(bytes));
  EXPECT_FALSE(writer.WriteZeros(3));
  EXPECT_EQ(writer.offset(), 1u);
  EXPECT_EQ(out[1], 0xee);
  EXPECT_EQ(out[2], 0xee);
}

TEST(ByteCursorTest, LoadsAndStoresAtFixedOffsets) {
  std::array<uint8_t, 6> bytes = {};
  StoreU16(bytes, 0, 0xbeef);
  StoreU32(bytes, 2, 0x01020304);
  const std::array<uint8_t, 6> expected = {0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};
  EXPECT_EQ(bytes, expected);
  EXPECT_EQ(LoadU16(bytes, 4), 0x0304);
  EXPECT_EQ(LoadU32(bytes, 1), 0xef010203u);
}

TEST(ByteCursorDeathTest, AbortsOnALoadPastTheEnd) {
  const std::array<uint8_t, 3> bytes = {};
  EXPECT_DEATH(LoadU32(bytes, 0), "check failed");
  EXPECT_DEATH(LoadU16(bytes, 2), "check failed");
}

}  // namespace
}  // namespace hoplab::crafter
