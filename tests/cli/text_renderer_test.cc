#include "cli/text_renderer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "crafter/icmp.h"
#include "crafter/icmp_extension.h"
#include "tests/cli/fake_resolver.h"

namespace hoplab::cli {
namespace {

using crafter::Ipv4Address;
using crafter::ReplyKind;
using std::chrono::microseconds;

// Line `line_number` (from 1) of a real traceroute's output in captures/;
// tests run from the repository root.
std::string CaptureLine(const std::string& name, int line_number) {
  std::ifstream in("captures/" + name);
  std::string line;
  for (int i = 0; i < line_number && std::getline(in, line); ++i) {
  }
  return line;
}

trace::ProbeResult Star(uint8_t ttl) {
  trace::ProbeResult probe;
  probe.ttl = ttl;
  return probe;
}

trace::ProbeResult Answer(uint8_t ttl, const char* from, int rtt_us,
                          ReplyKind kind = ReplyKind::kTimeExceeded,
                          uint8_t icmp_code = 0) {
  trace::ProbeResult probe;
  probe.ttl = ttl;
  probe.from = Ipv4Address::Parse(from);
  probe.rtt = microseconds(rtt_us);
  probe.kind = kind;
  probe.icmp_type = kind == ReplyKind::kDestinationUnreachable ? 3 : 11;
  probe.icmp_code = icmp_code;
  return probe;
}

trace::ProbeResult Unreachable(uint8_t ttl, const char* from, int rtt_us,
                               crafter::UnreachableCode code) {
  return Answer(ttl, from, rtt_us, ReplyKind::kDestinationUnreachable,
                static_cast<uint8_t>(code));
}

trace::Hop MakeHop(uint8_t ttl, std::vector<trace::ProbeResult> probes) {
  return trace::Hop{ttl, std::move(probes)};
}

// Names for some addresses and none for the rest.
testing_util::FakeResolver SomeNames() {
  return testing_util::FakeResolver({
      {"192.0.2.1", "gw.home.hoplab.test"},
      {"198.51.100.1", "bras1.access.hoplab.test"},
  });
}

struct CaptureCase {
  std::string name;
  std::string file;
  int line_number;
  trace::Hop hop;
};

void PrintTo(const CaptureCase& c, std::ostream* os) { *os << c.name; }

class TextRendererCaptureTest : public testing::TestWithParam<CaptureCase> {};

TEST_P(TextRendererCaptureTest, PrintsTheHopAsLinuxTracerouteDid) {
  const std::string expected =
      CaptureLine(GetParam().file, GetParam().line_number);
  ASSERT_FALSE(expected.empty())
      << GetParam().file << " line " << GetParam().line_number;

  EXPECT_EQ(RenderTextHop(GetParam().hop, nullptr), expected);
}

INSTANTIATE_TEST_SUITE_P(
    Captures, TextRendererCaptureTest,
    testing::Values(
        CaptureCase{
            "ThreeAnswersFromOneRouter", "icmp-butskoy.txt", 2,
            MakeHop(1, {Answer(1, "10.201.0.2", 94), Answer(1, "10.201.0.2", 6),
                        Answer(1, "10.201.0.2", 3)})},
        CaptureCase{
            "EchoReplyFromTheTarget", "icmp-butskoy.txt", 7,
            MakeHop(6, {Answer(6, "10.201.5.2", 31, ReplyKind::kEchoReply),
                        Answer(6, "10.201.5.2", 7, ReplyKind::kEchoReply),
                        Answer(6, "10.201.5.2", 6, ReplyKind::kEchoReply)})},
        CaptureCase{"SilentHop", "icmp-silent-hop.txt", 4,
                    MakeHop(3, {Star(3), Star(3), Star(3)})},
        CaptureCase{"PortUnreachableHasNoMark", "udp-butskoy.txt", 7,
                    MakeHop(6, {Unreachable(6, "10.201.5.2", 18,
                                            crafter::UnreachableCode::kPort),
                                Unreachable(6, "10.201.5.2", 13,
                                            crafter::UnreachableCode::kPort),
                                Unreachable(6, "10.201.5.2", 11,
                                            crafter::UnreachableCode::kPort)})},
        CaptureCase{
            "AdminProhibitedMarksEveryProbe", "udp-prohibited.txt", 6,
            MakeHop(5,
                    {Unreachable(
                         5, "10.201.3.2", 121,
                         crafter::UnreachableCode::kCommunicationProhibited),
                     Unreachable(
                         5, "10.201.3.2", 76,
                         crafter::UnreachableCode::kCommunicationProhibited),
                     Unreachable(
                         5, "10.201.3.2", 60,
                         crafter::UnreachableCode::kCommunicationProhibited)})},
        CaptureCase{"NetUnreachableThenAStar", "udp-unreach-net.txt", 2,
                    MakeHop(1, {Unreachable(1, "10.201.0.2", 38,
                                            crafter::UnreachableCode::kNet),
                                Unreachable(1, "10.201.0.2", 4,
                                            crafter::UnreachableCode::kNet),
                                Star(1)})}),
    [](const testing::TestParamInfo<CaptureCase>& info) {
      return info.param.name;
    });

TEST(TextRendererTest, PadsOneDigitTtlsAndNotTwoOrThree) {
  EXPECT_EQ(RenderTextHop(MakeHop(9, {Star(9)}), nullptr), " 9  *");
  EXPECT_EQ(RenderTextHop(MakeHop(10, {Star(10)}), nullptr), "10  *");
  EXPECT_EQ(RenderTextHop(MakeHop(255, {Star(255)}), nullptr), "255  *");
}

TEST(TextRendererTest, PrintsTheAddressAgainOnlyWhenItChanges) {
  const trace::Hop hop = MakeHop(
      4,
      {Answer(4, "203.0.113.1", 1000), Star(4), Answer(4, "203.0.113.1", 2000),
       Answer(4, "203.0.113.2", 3000), Answer(4, "203.0.113.1", 4000)});

  EXPECT_EQ(RenderTextHop(hop, nullptr),
            " 4  203.0.113.1  1.000 ms *  2.000 ms 203.0.113.2  3.000 ms "
            "203.0.113.1  4.000 ms");
}

TEST(TextRendererTest, PrintsTheAddressAfterLeadingStars) {
  const trace::Hop hop =
      MakeHop(2, {Star(2), Star(2), Answer(2, "198.51.100.1", 8135)});

  EXPECT_EQ(RenderTextHop(hop, nullptr), " 2  * * 198.51.100.1  8.135 ms");
}

TEST(TextRendererTest, RoundsRttsToTheMicrosecond) {
  trace::ProbeResult probe = Answer(1, "192.0.2.1", 0);
  probe.rtt = std::chrono::nanoseconds(42'602'501);

  EXPECT_EQ(RenderTextHop(MakeHop(1, {probe}), nullptr),
            " 1  192.0.2.1  42.603 ms");
}

TEST(TextRendererTest, PrintsNameAndAddressWithAResolver) {
  testing_util::FakeResolver resolver = SomeNames();
  const trace::Hop hop = MakeHop(
      2, {Answer(2, "198.51.100.1", 8135), Answer(2, "198.51.100.1", 8101),
          Answer(2, "198.51.100.9", 8108)});

  EXPECT_EQ(RenderTextHop(hop, &resolver),
            " 2  bras1.access.hoplab.test (198.51.100.1)  8.135 ms  8.101 ms "
            "198.51.100.9 (198.51.100.9)  8.108 ms");
}

TEST(TextRendererTest, PrintsOtherMarksAfterTheirRtt) {
  struct Case {
    const char* name;
    crafter::UnreachableCode code;
    const char* expected;
  };
  const Case cases[] = {
      {"host", crafter::UnreachableCode::kHost, " 7  192.0.2.9  1.500 ms !H"},
      {"protocol", crafter::UnreachableCode::kProtocol,
       " 7  192.0.2.9  1.500 ms !P"},
      {"host prohibited", crafter::UnreachableCode::kHostProhibited,
       " 7  192.0.2.9  1.500 ms !X"},
  };
  for (const Case& c : cases) {
    const trace::Hop hop =
        MakeHop(7, {Unreachable(7, "192.0.2.9", 1500, c.code)});

    EXPECT_EQ(RenderTextHop(hop, nullptr), c.expected) << c.name;
  }
}

TEST(TextRendererTest, PrintsTracerouteHeaderFollowedByTheNetwork) {
  const TraceHeader header{"10.201.5.2", "10.201.5.2", 30, 60, "live"};

  EXPECT_EQ(RenderTextHeader(header),
            CaptureLine("icmp-butskoy.txt", 1) + ", live network");
}

// A probe whose Time Exceeded carried one RFC 4950 label stack object.
// `more` follows it.
trace::ProbeResult Labelled(
    const char* from, uint32_t label,
    std::vector<crafter::IcmpExtensionObject> more = {}) {
  trace::ProbeResult probe = Answer(3, from, 9305);
  const std::vector<crafter::MplsLabelEntry> stack = {{label, 0, true, 1}};
  crafter::IcmpExtensions extensions;
  extensions.objects.push_back(crafter::MplsLabelStackObject(stack));
  extensions.objects.insert(extensions.objects.end(), more.begin(), more.end());
  probe.extensions =
      std::make_shared<const crafter::IcmpExtensions>(extensions);
  return probe;
}

TEST(TextRendererTest, ShowsLabelStacksAfterTheAddressWithDashE) {
  const trace::Hop hop =
      MakeHop(3, {Labelled("192.0.2.1", 416240), Labelled("192.0.2.1", 416240),
                  Labelled("192.0.2.1", 24001)});
  EXPECT_EQ(RenderTextHop(hop, nullptr, true),
            " 3  192.0.2.1 <MPLS:L=416240,E=0,S=1,T=1>  9.305 ms  9.305 ms "
            "192.0.2.1 <MPLS:L=24001,E=0,S=1,T=1>  9.305 ms");
  // Without -e the extensions change nothing.
  EXPECT_EQ(RenderTextHop(hop, nullptr, false),
            " 3  192.0.2.1  9.305 ms  9.305 ms  9.305 ms");
}

TEST(TextRendererTest, JoinsSeveralObjectsWithSemicolons) {
  crafter::IcmpExtensionObject unknown;
  unknown.class_num = 200;
  unknown.c_type = 1;
  unknown.payload = {0xde, 0xad, 0xbe, 0xef};
  const trace::ProbeResult probe = Labelled("192.0.2.4", 16, {unknown});
  EXPECT_EQ(ExtensionsText(probe), " <MPLS:L=16,E=0,S=1,T=1;200/1:deadbeef>");
  EXPECT_EQ(ExtensionsText(Answer(1, "192.0.2.1", 1)), "");
}

}  // namespace
}  // namespace hoplab::cli
