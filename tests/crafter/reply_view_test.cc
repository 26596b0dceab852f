#include "crafter/reply_view.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "crafter/icmp.h"
#include "crafter/icmp_error.h"
#include "crafter/icmp_extension.h"
#include "crafter/probe.h"
#include "tests/crafter/captured_replies.h"
#include "tests/crafter/reply_equivalence.h"

namespace hoplab::crafter {
namespace {

const Ipv4Address kSource = Ipv4Address::FromOctets(10, 201, 0, 1);
const Ipv4Address kTarget = Ipv4Address::FromOctets(10, 201, 5, 2);
const Ipv4Address kRouter = Ipv4Address::FromOctets(10, 201, 0, 2);

struct NamedReply {
  std::string name;
  std::vector<uint8_t> bytes;
};

void PrintTo(const NamedReply& reply, std::ostream* os) { *os << reply.name; }

std::vector<uint8_t> Copy(std::span<const uint8_t> bytes) {
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

// The error `router` sends for a probe of `method` and `size` bytes, with
// `extensions` after a padded quote when given.
std::vector<uint8_t> ErrorFor(ProbeMethod method, uint16_t size, IcmpType type,
                              uint8_t code,
                              std::span<const uint8_t> extensions = {},
                              size_t max_error_size = kRfc1812MaxErrorSize) {
  ProbeSpec probe;
  probe.method = method;
  probe.source = kSource;
  probe.destination = kTarget;
  probe.packet_size = size;
  probe.ttl = 1;
  probe.ip_id = 77;
  probe.icmp_id = 11177;
  probe.icmp_sequence = 9;
  probe.source_port = 40001;
  probe.destination_port = 33443;
  probe.tcp_sequence = 0x01020304;
  std::vector<uint8_t> sent(size);
  EXPECT_EQ(BuildProbe(probe, sent), size);
  IcmpErrorSpec error;
  error.source = kRouter;
  error.destination = kSource;
  error.type = type;
  error.code = code;
  error.next_hop_mtu = 1400;
  error.offending = sent;
  error.extensions = extensions;
  error.max_error_size = max_error_size;
  std::vector<uint8_t> out(1600);
  out.resize(BuildIcmpError(error, out));
  EXPECT_FALSE(out.empty());
  return out;
}

// Every reply the crafter tests hold, and errors with RFC 4884 extensions
// (a label stack, a bad extension checksum, a reassembly timeout that
// carries none), quotes of every probe method, and Fragmentation Needed.
std::vector<NamedReply> Replies() {
  std::vector<NamedReply> replies = {
      {"TimeExceededQuotingEcho", Copy(captured::kTimeExceededQuotingEcho)},
      {"TimeExceededQuotingSyn", Copy(captured::kTimeExceededQuotingSyn)},
      {"EchoReply", Copy(captured::kEchoReply)},
      {"NetUnreachable", Copy(captured::kNetUnreachable)},
      {"AdminProhibited", Copy(captured::kAdminProhibited)},
      {"PortUnreachable", Copy(captured::kPortUnreachable)},
      {"TcpRstAck", Copy(captured::kTcpRstAck)},
      {"TcpSynAck", Copy(captured::kTcpSynAck)},
      {"TcpRstNoAckPadded", Copy(captured::kTcpRstNoAckPadded)},
  };
  const std::vector<IcmpExtensionObject> objects = {MplsLabelStackObject(
      std::vector<MplsLabelEntry>{{16, 1, false, 9}, {24001, 0, true, 1}})};
  const std::vector<uint8_t> extensions = SerializeIcmpExtensions(objects);
  std::vector<uint8_t> bad_extensions = extensions;
  bad_extensions[3] ^= 0x10;
  const auto time_exceeded = IcmpType::kTimeExceeded;
  const auto unreachable = IcmpType::kDestinationUnreachable;
  const auto port = static_cast<uint8_t>(UnreachableCode::kPort);
  const auto frag = static_cast<uint8_t>(UnreachableCode::kFragmentationNeeded);
  for (ProbeMethod method :
       {ProbeMethod::kIcmp, ProbeMethod::kUdp, ProbeMethod::kTcp}) {
    const std::string name(ProbeMethodName(method));
    replies.push_back(
        {name + "TimeExceeded", ErrorFor(method, 60, time_exceeded, 0)});
    replies.push_back({name + "TimeExceededRfc792",
                       ErrorFor(method, 60, time_exceeded, 0, {}, 56)});
    replies.push_back({name + "LabelStack",
                       ErrorFor(method, 60, time_exceeded, 0, extensions)});
    replies.push_back({name + "LongQuoteLabelStack",
                       ErrorFor(method, 200, time_exceeded, 0, extensions)});
    replies.push_back({name + "BadExtensionChecksum",
                       ErrorFor(method, 60, time_exceeded, 0, bad_extensions)});
    replies.push_back({name + "ReassemblyTimeout",
                       ErrorFor(method, 60, time_exceeded,
                                kTimeExceededReassembly, extensions)});
    replies.push_back({name + "PortUnreachableLabelStack",
                       ErrorFor(method, 60, unreachable, port, extensions)});
    replies.push_back({name + "FragmentationNeeded",
                       ErrorFor(method, 1500, unreachable, frag)});
  }
  return replies;
}

class ReplyViewTest : public testing::TestWithParam<NamedReply> {};

TEST_P(ReplyViewTest, AgreesWithParseReplyOnTheWholeReplyAndPadded) {
  std::vector<uint8_t> bytes = GetParam().bytes;
  EXPECT_EQ(ReplyViewDisagreement(bytes), "");
  bytes.insert(bytes.end(), {0, 0, 0, 0, 0xde, 0xad});
  EXPECT_EQ(ReplyViewDisagreement(bytes), "");
}

// A capture cut short at every length.
TEST_P(ReplyViewTest, AgreesWithParseReplyOnEveryPrefix) {
  const std::vector<uint8_t>& bytes = GetParam().bytes;
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_EQ(ReplyViewDisagreement(Copy(std::span(bytes).first(size))), "")
        << "prefix of " << size << " bytes";
  }
}

// Every byte changed in four ways reaches every check: version, IHL,
// Total Length, fragment bits, protocols, ICMP types and codes, quoted
// types, the RFC 4884 length field, TCP data offset and flags.
TEST_P(ReplyViewTest, AgreesWithParseReplyWithAnyOneByteChanged) {
  const std::vector<uint8_t>& bytes = GetParam().bytes;
  for (size_t at = 0; at < bytes.size(); ++at) {
    for (const uint8_t change :
         {uint8_t{0x01}, uint8_t{0x0f}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::vector<uint8_t> changed = bytes;
      changed[at] ^= change;
      EXPECT_EQ(ReplyViewDisagreement(changed), "")
          << "byte " << at << " ^ " << int(change);
      changed[at] = 0;
      EXPECT_EQ(ReplyViewDisagreement(changed), "") << "byte " << at << " 0";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Replies, ReplyViewTest, testing::ValuesIn(Replies()),
                         [](const testing::TestParamInfo<NamedReply>& info) {
                           return info.param.name;
                         });

TEST(ReplyViewTest, ReadsTheLabelStackOnlyWhenAsked) {
  const std::vector<IcmpExtensionObject> objects = {
      MplsLabelStackObject(std::vector<MplsLabelEntry>{{24001, 0, true, 1}})};
  const std::vector<uint8_t> bytes =
      ErrorFor(ProbeMethod::kIcmp, 60, IcmpType::kTimeExceeded, 0,
               SerializeIcmpExtensions(objects));
  ReplyView view;
  ASSERT_EQ(ParseReplyView(bytes, &view), std::nullopt);
  EXPECT_EQ(view.reply.extensions, nullptr);
  ASSERT_TRUE(view.extension.has_value());
  EXPECT_EQ(view.extension->offset, kIcmpExtensionQuoteSize);
  EXPECT_EQ(view.reply.quote_size, kIcmpExtensionQuoteSize);
  const auto extensions = ReadExtensions(view);
  ASSERT_NE(extensions, nullptr);
  EXPECT_EQ(extensions->objects, objects);
}

TEST(ReplyViewTest, FailsWithTheReasonAndOffsetOfParseReply) {
  ReplyView view;
  const std::vector<uint8_t> echo_request = [] {
    ProbeSpec probe;
    probe.source = kSource;
    probe.destination = kTarget;
    std::vector<uint8_t> out(60);
    out.resize(BuildProbe(probe, out));
    return out;
  }();
  const std::optional<ParseError> error = ParseReplyView(echo_request, &view);
  ASSERT_TRUE(error.has_value());
  EXPECT_STREQ(error->reason, "ICMP Echo Request is a probe, not a reply");
  EXPECT_EQ(error->offset, 20u);
}

}  // namespace
}  // namespace hoplab::crafter
