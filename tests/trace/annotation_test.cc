#include "trace/annotation.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "crafter/icmp.h"
#include "crafter/reply.h"

namespace hoplab::trace {
namespace {

ProbeResult Answered(crafter::ReplyKind kind, uint8_t code,
                     uint16_t next_hop_mtu = 0) {
  ProbeResult probe;
  probe.from = crafter::Ipv4Address::FromOctets(203, 0, 113, 1);
  probe.kind = kind;
  probe.icmp_code = code;
  probe.next_hop_mtu = next_hop_mtu;
  return probe;
}

struct MarkCase {
  uint8_t code;
  const char* mark;
};

// traceroute(8)'s marks for every Destination Unreachable code (RFC 792,
// RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1), and !<code> past them.
TEST(AnnotationTest, MarksEveryUnreachableCodeAsTracerouteDoes) {
  const MarkCase cases[] = {
      {0, "!N"},     {1, "!H"},       {2, "!P"},  {3, ""},    {5, "!S"},
      {6, "!N"},     {7, "!H"},       {8, "!N"},  {9, "!X"},  {10, "!X"},
      {11, "!N"},    {12, "!H"},      {13, "!X"}, {14, "!V"}, {15, "!C"},
      {16, "!<16>"}, {255, "!<255>"},
  };
  for (const MarkCase& c : cases) {
    EXPECT_EQ(Annotation(Answered(crafter::ReplyKind::kDestinationUnreachable,
                                  c.code)),
              c.mark)
        << "code " << int(c.code);
  }
}

TEST(AnnotationTest, GivesFragmentationNeededItsNextHopMtu) {
  EXPECT_EQ(Annotation(
                Answered(crafter::ReplyKind::kDestinationUnreachable, 4, 1480)),
            "!F-1480");
}

TEST(AnnotationTest, MarksNothingElse) {
  EXPECT_EQ(Annotation(Answered(crafter::ReplyKind::kTimeExceeded, 0)), "");
  EXPECT_EQ(Annotation(Answered(crafter::ReplyKind::kEchoReply, 0)), "");
  EXPECT_EQ(Annotation(Answered(crafter::ReplyKind::kTcpSynAck, 0)), "");
  EXPECT_EQ(Annotation(Answered(crafter::ReplyKind::kTcpReset, 0)), "");
  EXPECT_EQ(Annotation(ProbeResult{}), "");
}

}  // namespace
}  // namespace hoplab::trace
