#include "tests/integration/trace_outcome.h"

#include "gtest/gtest.h"

namespace hoplab::integration {
namespace {

// captures/udp-prohibited.txt: router 4 rejects with admin-prohibited.
constexpr char kProhibitedText[] =
    "traceroute to 10.201.5.2 (10.201.5.2), 30 hops max, 60 byte packets\n"
    " 1  10.201.0.2  0.354 ms  0.296 ms  0.249 ms\n"
    " 2  10.201.1.2  0.231 ms  0.216 ms  0.207 ms\n"
    " 3  * * *\n"
    " 4  10.201.3.2  0.158 ms  0.142 ms  0.131 ms\n"
    " 5  10.201.3.2  0.121 ms !X  0.076 ms !X  0.060 ms !X\n";

TEST(ParseTracerouteTextTest, ReadsAddressesStarsAndAnnotations) {
  auto trace = ParseTracerouteText(kProhibitedText);

  ASSERT_TRUE(trace.ok()) << trace.error().message;
  EXPECT_EQ(trace->header,
            "traceroute to 10.201.5.2 (10.201.5.2), 30 hops max, 60 byte "
            "packets");
  ASSERT_EQ(trace->hops.size(), 5u);
  EXPECT_EQ(trace->hops[4].ttl, 5);
  ASSERT_EQ(trace->hops[4].probes.size(), 3u);
  EXPECT_EQ(trace->hops[4].probes[2].from, "10.201.3.2");
  EXPECT_EQ(trace->hops[4].probes[2].rtt_ms, 0.060);
  EXPECT_EQ(trace->hops[4].probes[2].annotation, "!X");
  EXPECT_EQ(DescribeHops(*trace),
            "1  10.201.0.2  10.201.0.2  10.201.0.2\n"
            "2  10.201.1.2  10.201.1.2  10.201.1.2\n"
            "3  *  *  *\n"
            "4  10.201.3.2  10.201.3.2  10.201.3.2\n"
            "5  10.201.3.2 !X  10.201.3.2 !X  10.201.3.2 !X\n");
}

TEST(ParseTracerouteTextTest, KeepsTheAddressAcrossAStarAndTakesANewOne) {
  auto trace = ParseTracerouteText(
      "traceroute to 10.201.99.1 (10.201.99.1), 8 hops max, 60 byte packets\n"
      " 1  10.201.0.2  0.038 ms !N  *  10.201.0.3  0.004 ms\n");

  ASSERT_TRUE(trace.ok()) << trace.error().message;
  EXPECT_EQ(DescribeHops(*trace), "1  10.201.0.2 !N  *  10.201.0.3\n");
}

TEST(ParseTracerouteTextTest, RejectsHostNamesWithTheLineAndWord) {
  auto trace = ParseTracerouteText(
      "traceroute to example (10.0.0.1), 30 hops max, 60 byte packets\n"
      " 1  gw.example (10.0.0.1)  0.1 ms\n");

  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.error().message,
            "line 2: expected '*', an address, 'RTT ms' or '!X', found "
            "'gw.example'");
}

TEST(ParseTracerouteTextTest, RejectsOutputWithoutHeader) {
  auto trace = ParseTracerouteText(" 1  10.0.0.1  0.1 ms\n");

  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.error().message.rfind("line 1: expected", 0), 0u);
}

TEST(ParseHoplabJsonTest, ReadsHopsAndProbes) {
  auto trace = ParseHoplabJson(R"({
    "target": "10.201.5.2", "method": "icmp", "network": "live",
    "reached": true,
    "hops": [
      {"ttl": 1, "probes": [
        {"from": "10.201.0.2", "rtt_ms": 0.1, "annotation": null},
        {"from": null, "rtt_ms": null, "annotation": null},
        {"from": "10.201.0.2", "rtt_ms": 0.2, "annotation": "!H"}]}]})");

  ASSERT_TRUE(trace.ok()) << trace.error().message;
  EXPECT_EQ(DescribeHops(*trace), "1  10.201.0.2  *  10.201.0.2 !H\n");
  EXPECT_EQ(trace->hops[0].probes[0].rtt_ms, 0.1);
}

TEST(ParseHoplabJsonTest, NamesThePathOfAWrongMember) {
  auto trace = ParseHoplabJson(
      R"({"hops": [{"ttl": 1, "probes": [{"from": null,
          "rtt_ms": "fast", "annotation": null}]}]})");

  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.error().message,
            "hops[0].probes[0].rtt_ms: expected a number or null");
}

}  // namespace
}  // namespace hoplab::integration
