#include "crafter/icmp_extension.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "crafter/byte_cursor.h"
#include "crafter/checksum.h"

namespace hoplab::crafter {
namespace {

using ::testing::ElementsAre;

// The quoted datagram's size in these bodies: an IPv4 header and 8 bytes.
constexpr size_t kShortQuote = 28;

// An ICMP body: `quote_size` bytes standing for the quoted datagram, zero
// padding up to `pad_to`, then `tail`.
std::vector<uint8_t> Body(size_t quote_size, size_t pad_to,
                          const std::vector<uint8_t>& tail,
                          uint8_t quote_byte = 0x45) {
  std::vector<uint8_t> body(quote_size, quote_byte);
  body.resize(std::max(pad_to, quote_size), 0);
  body.insert(body.end(), tail.begin(), tail.end());
  return body;
}

// cases/c01-mpls-length-mismatch.pcap, the extension after the 128-byte
// quote (tcpdump: "ICMP Multi-Part extension v2, checksum 0x7856").
const std::vector<uint8_t> kC01Extension = {
    0x20, 0x00, 0x78, 0x56,  // version 2, reserved, checksum 0x7856
    0x00, 0x08, 0x01, 0x01,  // object length 8, class 1 (MPLS), c-type 1
    0x65, 0x9f, 0x01, 0x01,  // label 416240, TC 0, S 1, TTL 1
};

// cases/c02-mpls-length-in-octets.pcap: the checksum was not computed.
const std::vector<uint8_t> kC02Extension = {
    0x20, 0x00, 0x00, 0x00,  // version 2, reserved, checksum 0 (none)
    0x00, 0x08, 0x01, 0x01,  // object length 8, class 1 (MPLS), c-type 1
    0x14, 0x83, 0x0b, 0x01,  // label 84016, TC 5, S 1, TTL 1
};

// cases/c04-interface-info-object.pcap.
const std::vector<uint8_t> kC04Extension = {
    0x20, 0x00, 0x1b, 0xdc,  // version 2, reserved, checksum 0x1bdc
    0x00, 0x10, 0x02, 0x0c,  // length 16, class 2 (interface), c-type 0x0c
    0x00, 0x00, 0x00, 0x05,  // ifIndex 5
    0x00, 0x01, 0x00, 0x00,  // AFI 1 (IPv4), reserved
    0xc0, 0x00, 0x02, 0x01,  // 192.0.2.1
};

// cases/c04-unknown-class-zero-length.pcap.
const std::vector<uint8_t> kC04UnknownExtension = {
    0x20, 0x00, 0x38, 0x50,  // version 2, reserved, checksum 0x3850
    0x00, 0x0c, 0xc8, 0x01,  // length 12, class 200, c-type 1
    0xde, 0xad, 0xbe, 0xef,  // payload
    0x00, 0x00, 0x00, 0x01,  // payload
    0x00, 0x00, 0x01, 0x01,  // length 0 (malformed), class 1, c-type 1
    0x00, 0x01, 0x41, 0x01,  // trailing bytes, never decoded as a label
};

std::optional<IcmpExtensions> MustParse(std::span<const uint8_t> body,
                                        uint8_t length, IcmpLengthUnit unit,
                                        size_t quoted_size = kShortQuote) {
  auto parsed = ParseIcmpExtensions(body, length, unit, quoted_size);
  EXPECT_TRUE(parsed.ok()) << parsed.error();
  return parsed.ok() ? *parsed : std::nullopt;
}

TEST(IcmpExtensionTest, FallsBackTo128WhenTheDeclaredOffsetHoldsZeros) {
  const auto body = Body(kShortQuote, 128, kC01Extension);
  const auto ext = MustParse(body, 0x11, IcmpLengthUnit::kIcmpv4);

  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(ext->offset, 128u);
  EXPECT_TRUE(ext->has(kExtensionLengthInconsistent));
  EXPECT_FALSE(ext->has(kExtensionChecksumNotComputed));
  ASSERT_EQ(ext->objects.size(), 1u);
  EXPECT_THAT(ext->objects[0].mpls_labels,
              ElementsAre(MplsLabelEntry{416240, 0, true, 1}));
  EXPECT_EQ(FormatIcmpExtensionObject(ext->objects[0]),
            "MPLS:L=416240,E=0,S=1,T=1");
}

TEST(IcmpExtensionTest, LengthCountedInOctetsIsInvalidAndFallsBack) {
  const auto body = Body(kShortQuote, 128, kC02Extension);
  const auto ext = MustParse(body, 128, IcmpLengthUnit::kIcmpv4);

  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(ext->offset, 128u);
  EXPECT_EQ(ext->objects[0].mpls_labels[0],
            (MplsLabelEntry{84016, 5, true, 1}));
  EXPECT_THAT(DescribeIcmpExtensionAnomalies(*ext),
              ElementsAre("length attribute invalid (128 words > 140 bytes "
                          "available), used offset 128",
                          "extension checksum not computed (0x0000)"));
}

TEST(IcmpExtensionTest, Icmpv6CountsTheLengthIn8ByteUnits) {
  // cases/c02-icmpv6-length-in-8-byte-units.pcap: length 16 is 128 bytes.
  std::vector<uint8_t> extension = kC02Extension;
  extension[2] = 0xbf;
  extension[3] = 0x72;
  const auto body = Body(kShortQuote, 128, extension);

  const auto v6 = MustParse(body, 16, IcmpLengthUnit::kIcmpv6);
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->offset, 128u);
  EXPECT_EQ(v6->anomalies, 0u);

  // Read in ICMPv4's 4-byte words, 16 points into the padding.
  const auto v4 = MustParse(body, 16, IcmpLengthUnit::kIcmpv4);
  ASSERT_TRUE(v4.has_value());
  EXPECT_TRUE(v4->has(kExtensionLengthInconsistent));
}

TEST(IcmpExtensionTest, EveryLengthByteInEitherUnitStaysInBounds) {
  const auto body = Body(kShortQuote, 128, kC01Extension);
  for (const IcmpLengthUnit unit :
       {IcmpLengthUnit::kIcmpv4, IcmpLengthUnit::kIcmpv6}) {
    for (int length = 0; length <= 255; ++length) {
      SCOPED_TRACE(length);
      auto parsed =
          ParseIcmpExtensions(body, uint8_t(length), unit, kShortQuote);
      ASSERT_TRUE(parsed.ok());
      // The only header in the body is at 128, whatever the length says.
      ASSERT_TRUE(parsed->has_value());
      EXPECT_EQ((*parsed)->offset, 128u);
      EXPECT_EQ((*parsed)->anomalies == 0,
                size_t(length) * size_t(unit) == 128);
    }
  }
}

TEST(IcmpExtensionTest, LegacyZeroLengthIsFoundAt128AfterAShortQuote) {
  // cases/c03-legacy-extension-no-length.pcap, TTL 5: checksum 0.
  std::vector<uint8_t> extension = {
      0x20, 0x00, 0x00, 0x00,  // version 2, checksum 0 (none)
      0x00, 0x08, 0x01, 0x01,  // length 8, class 1, c-type 1
      0x05, 0xdc, 0x11, 0x01,  // label 24001, TC 0, S 1, TTL 1
  };
  auto ext =
      MustParse(Body(60, 128, extension), 0, IcmpLengthUnit::kIcmpv4, 60);
  ASSERT_TRUE(ext.has_value());
  EXPECT_TRUE(ext->has(kExtensionNoLength));
  EXPECT_TRUE(ext->has(kExtensionChecksumNotComputed));
  EXPECT_EQ(ext->objects[0].mpls_labels[0].label, 24001u);

  // TTL 6: version in the low nibble, checksum computed.
  extension[0] = 0x02;
  extension[11] = 0x01;
  extension[9] = 0xdc;
  extension[10] = 0x21;
  StoreU16(extension, 2, InternetChecksum(extension));
  ext = MustParse(Body(60, 128, extension), 0, IcmpLengthUnit::kIcmpv4, 60);
  ASSERT_TRUE(ext.has_value());
  EXPECT_TRUE(ext->has(kExtensionVersionInLowNibble));
  EXPECT_EQ(ext->objects[0].mpls_labels[0].label, 24002u);
}

TEST(IcmpExtensionTest, LongQuoteWithoutLengthIsNeverAnExtension) {
  // cases/c03-long-quote-not-extension.pcap: 208 quoted bytes of 0x41.
  const auto body = Body(208, 0, {}, 0x41);
  EXPECT_EQ(MustParse(body, 0, IcmpLengthUnit::kIcmpv4, 208), std::nullopt);

  // Datagram bytes that happen to read "version 2, checksum 0" are not a
  // header either: only a verifying non-zero checksum is trusted there.
  auto lookalike = body;
  lookalike[128] = 0x20;
  lookalike[129] = lookalike[130] = lookalike[131] = 0;
  EXPECT_EQ(MustParse(lookalike, 0, IcmpLengthUnit::kIcmpv4, 208),
            std::nullopt);

  // A long quote cut at 128 with a real, verified extension is one.
  const auto cut = Body(128, 128, kC01Extension, 0x41);
  const auto ext = MustParse(cut, 0, IcmpLengthUnit::kIcmpv4, 208);
  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(ext->objects[0].mpls_labels[0].label, 416240u);
}

TEST(IcmpExtensionTest, NonZeroChecksumThatFailsIsAnErrorAtTheField) {
  std::vector<uint8_t> extension = kC01Extension;
  extension[3] ^= 0x01;
  const auto body = Body(kShortQuote, 128, extension);
  auto parsed =
      ParseIcmpExtensions(body, 32, IcmpLengthUnit::kIcmpv4, kShortQuote);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().offset, 130u);
  EXPECT_STREQ(parsed.error().reason,
               "ICMP extension checksum does not verify");
}

TEST(IcmpExtensionTest, InterfaceInformationIsDispatchedOnClass) {
  const auto body = Body(kShortQuote, 128, kC04Extension);
  const auto ext = MustParse(body, 32, IcmpLengthUnit::kIcmpv4);
  ASSERT_TRUE(ext.has_value());
  ASSERT_EQ(ext->objects.size(), 1u);
  const IcmpExtensionObject& object = ext->objects[0];
  EXPECT_TRUE(object.mpls_labels.empty());
  ASSERT_TRUE(object.interface.has_value());
  EXPECT_EQ(object.interface->role, InterfaceRole::kIncoming);
  EXPECT_EQ(object.interface->if_index, 5u);
  EXPECT_EQ(object.interface->ipv4, Ipv4Address::FromOctets(192, 0, 2, 1));
  EXPECT_EQ(FormatIcmpExtensionObject(object),
            "IF:INC,ifIndex=5,addr=192.0.2.1");
}

TEST(IcmpExtensionTest, ZeroLengthObjectEndsTheWalkAsMalformed) {
  const auto body = Body(kShortQuote, 128, kC04UnknownExtension);
  const auto ext = MustParse(body, 32, IcmpLengthUnit::kIcmpv4);
  ASSERT_TRUE(ext.has_value());
  ASSERT_EQ(ext->objects.size(), 1u);
  EXPECT_EQ(FormatIcmpExtensionObject(ext->objects[0]),
            "200/1:deadbeef00000001");
  EXPECT_TRUE(ext->has(kExtensionMalformedObject));
  EXPECT_EQ(ext->object_error.offset, 128u + 16u);
}

TEST(IcmpExtensionTest, ObjectLengthsPastTheEndOrNotWholeEntriesAreMalformed) {
  struct Case {
    const char* name;
    std::vector<uint8_t> objects;
    size_t error_offset;  // within the extension structure
  };
  const Case cases[] = {
      {"length past the end", {0x00, 0x10, 0x01, 0x01, 0, 0, 0, 0}, 4},
      {"header cut short", {0x00, 0x08, 0x01}, 4},
      {"length 3", {0x00, 0x03, 0x01, 0x01}, 4},
      {"MPLS entry of 2 bytes", {0x00, 0x06, 0x01, 0x01, 0x12, 0x34}, 8},
      {"empty label stack", {0x00, 0x04, 0x01, 0x01}, 8},
      {"interface ifIndex missing", {0x00, 0x06, 0x02, 0x08, 0, 0}, 8},
      {"unknown AFI",
       {0x00, 0x0c, 0x02, 0x04, 0x00, 0x07, 0, 0, 1, 2, 3, 4},
       8},
      {"name length not a multiple of 4",
       {0x00, 0x08, 0x02, 0x02, 0x03, 'a', 'b', 0},
       8},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<uint8_t> extension = {0x20, 0x00, 0x00, 0x00};
    extension.insert(extension.end(), c.objects.begin(), c.objects.end());
    StoreU16(extension, 2, InternetChecksum(extension));
    const auto ext = MustParse(Body(kShortQuote, 128, extension), 32,
                               IcmpLengthUnit::kIcmpv4);
    ASSERT_TRUE(ext.has_value());
    EXPECT_TRUE(ext->objects.empty());
    EXPECT_TRUE(ext->has(kExtensionMalformedObject));
    EXPECT_EQ(ext->object_error.offset, 128 + c.error_offset);
  }
}

TEST(IcmpExtensionTest, BuiltObjectsParseBackToTheSameValues) {
  InterfaceInformation info;
  info.role = InterfaceRole::kOutgoing;
  info.if_index = 7;
  info.ipv4 = Ipv4Address::FromOctets(198, 51, 100, 9);
  info.name = "ge-0/0/1.100";
  info.mtu = 1500;
  InterfaceInformation v6;
  v6.role = InterfaceRole::kNextHop;
  v6.ipv6 = std::array<uint8_t, 16>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                    0,    0,    0,    0,    0, 0, 0, 1};
  IcmpExtensionObject unknown;
  unknown.class_num = 200;
  unknown.c_type = 3;
  unknown.payload = {1, 2, 3, 4};
  const std::vector<MplsLabelEntry> stack = {{16, 3, false, 254},
                                             {1048575, 7, true, 1}};
  const std::vector<IcmpExtensionObject> objects = {
      MplsLabelStackObject(stack), InterfaceInformationObject(info),
      InterfaceInformationObject(v6), unknown};

  const std::vector<uint8_t> bytes = SerializeIcmpExtensions(objects);
  EXPECT_TRUE(VerifyChecksum(bytes));
  const auto ext =
      MustParse(Body(kShortQuote, 128, bytes), 32, IcmpLengthUnit::kIcmpv4);
  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(ext->anomalies, 0u);
  EXPECT_EQ(ext->objects, objects);
  EXPECT_EQ(FormatIcmpExtensionObject(ext->objects[0]),
            "MPLS:L=16,E=3,S=0,T=254/L=1048575,E=7,S=1,T=1");
  EXPECT_EQ(FormatIcmpExtensionObject(ext->objects[1]),
            "IF:OUT,ifIndex=7,addr=198.51.100.9,name=ge-0/0/1.100,mtu=1500");
  EXPECT_EQ(FormatIcmpExtensionObject(ext->objects[2]),
            "IF:NH,addr=2001:db8::1");
}

TEST(IcmpExtensionTest, LongInterfaceNamesAreCutTo63Bytes) {
  InterfaceInformation info;
  info.name = std::string(100, 'x');
  const IcmpExtensionObject object = InterfaceInformationObject(info);
  EXPECT_EQ(object.payload.size(), 64u);
  EXPECT_EQ(object.interface->name, std::string(63, 'x'));
  auto decoded = DecodeIcmpExtensionObject(object.class_num, object.c_type,
                                           object.payload);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->interface, object.interface);
}

TEST(IcmpExtensionTest, EveryTruncationOfTheBodyFailsCleanly) {
  const auto body = Body(kShortQuote, 128, kC04Extension);
  for (size_t size = 0; size <= body.size(); ++size) {
    SCOPED_TRACE(size);
    const std::vector<uint8_t> prefix(body.begin(),
                                      body.begin() + ptrdiff_t(size));
    auto parsed =
        ParseIcmpExtensions(prefix, 32, IcmpLengthUnit::kIcmpv4, kShortQuote);
    if (size == body.size()) {
      ASSERT_TRUE(parsed.ok() && parsed->has_value());
      EXPECT_EQ((*parsed)->objects.size(), 1u);
      continue;
    }
    // Cut short, the checksum no longer verifies (or no header fits).
    EXPECT_TRUE(!parsed.ok() || !parsed->has_value());
  }
}

}  // namespace
}  // namespace hoplab::crafter
