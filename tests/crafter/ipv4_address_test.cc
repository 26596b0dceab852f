#include "crafter/ipv4_address.h"

#include <gtest/gtest.h>

#include <sstream>

namespace hoplab::crafter {
namespace {

TEST(Ipv4AddressTest, ParsesADottedQuad) {
  const std::optional<Ipv4Address> address = Ipv4Address::Parse("10.201.5.2");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->value(), 0x0ac90502u);
  EXPECT_EQ(*address, Ipv4Address::FromOctets(10, 201, 5, 2));
}

TEST(Ipv4AddressTest, ParsesTheExtremes) {
  EXPECT_EQ(Ipv4Address::Parse("0.0.0.0"), Ipv4Address());
  EXPECT_EQ(Ipv4Address::Parse("255.255.255.255"), Ipv4Address(0xffffffff));
}

TEST(Ipv4AddressTest, RejectsAnythingButAStrictDottedQuad) {
  const char* const kBad[] = {
      "",          "1.2.3",    "1.2.3.4.5", "256.1.1.1",  "1.2.3.4 ",
      " 1.2.3.4",  "+1.2.3.4", "1..3.4",    "1.2.3.",     "1234.1.1.1",
      "1.2.3.0x1", "a.b.c.d",  "1.2.3.-4",  "1.2.3.4/24",
  };
  for (const char* text : kBad) {
    EXPECT_FALSE(Ipv4Address::Parse(text).has_value()) << '"' << text << '"';
  }
}

TEST(Ipv4AddressTest, KnowsUnicastFromThisNetworkGroupAndBroadcast) {
  for (const char* text :
       {"1.0.0.0", "10.0.0.1", "127.0.0.1", "192.0.2.1", "223.255.255.255"}) {
    EXPECT_TRUE(Ipv4Address::Parse(text)->IsUnicast()) << text;
  }
  for (const char* text : {"0.0.0.0", "0.1.2.3", "224.0.0.5", "239.255.255.255",
                           "240.0.0.1", "255.255.255.255"}) {
    EXPECT_FALSE(Ipv4Address::Parse(text)->IsUnicast()) << text;
  }
}

TEST(Ipv4AddressTest, PrintsAsADottedQuad) {
  const Ipv4Address address = Ipv4Address::FromOctets(192, 0, 2, 255);
  EXPECT_EQ(address.ToString(), "192.0.2.255");
  std::ostringstream os;
  os << address;
  EXPECT_EQ(os.str(), "192.0.2.255");
}

TEST(Ipv4AddressTest, RoundTripsThroughText) {
  for (uint32_t value : {0u, 1u, 0x0a000001u, 0xc0000201u, 0xffffffffu}) {
    const Ipv4Address address(value);
    EXPECT_EQ(Ipv4Address::Parse(address.ToString()), address);
  }
}

TEST(Ipv4AddressTest, OrdersByNumericValue) {
  EXPECT_LT(Ipv4Address::FromOctets(9, 255, 255, 255),
            Ipv4Address::FromOctets(10, 0, 0, 0));
  EXPECT_TRUE(Ipv4Address().IsUnspecified());
}

}  // namespace
}  // namespace hoplab::crafter
