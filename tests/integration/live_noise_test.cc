// Other traffic during a live trace on the chain of scripts/lab/chain.sh:
// a concurrent ping, a second hoplab and stray Port Unreachables change
// nothing in the hops found; spoofed replies, replies with bad checksums
// and replies to probes already given up are counted under -v and never
// shown as hops.
//
//   src 10.201.0.1 -- r1 -- r2 -- r3 -- r4 -- r5 -- dst 10.201.5.2
//
// Stray datagrams are sent from the target's namespace to the source
// (10.201.0.1) through a raw socket, only inside the namespaces of this
// suite. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_RAW), `ip
// netns`, ping and timeout. Skips with the reason where any is missing,
// except under CI=true, where that is a failure.

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "crafter/icmp.h"
#include "crafter/icmp_error.h"
#include "crafter/ipv4.h"
#include "crafter/ipv4_address.h"
#include "crafter/probe.h"
#include "gtest/gtest.h"
#include "tests/integration/chain_lab_test.h"
#include "tests/integration/lab_support.h"
#include "tests/integration/subprocess.h"
#include "tests/integration/trace_outcome.h"
#include "trace/trace_options.h"

namespace hoplab::integration {
namespace {

using crafter::Ipv4Address;

constexpr char kTarget[] = "10.201.5.2";
const Ipv4Address kSourceAddress = Ipv4Address::FromOctets(10, 201, 0, 1);
const Ipv4Address kTargetAddress = Ipv4Address::FromOctets(10, 201, 5, 2);
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kTraceTimeout = std::chrono::seconds(20);

std::string MissingPrerequisite() {
  return MissingChainPrerequisite({"ping", "timeout"});
}

// The Port Unreachable the target sends for `probe` (which reached it
// with TTL 1), from the target to the source.
std::vector<uint8_t> PortUnreachableFor(const crafter::ProbeSpec& probe) {
  std::vector<uint8_t> offending(probe.packet_size);
  offending.resize(crafter::BuildProbe(probe, offending));
  crafter::IcmpErrorSpec error;
  error.source = kTargetAddress;
  error.destination = kSourceAddress;
  error.type = crafter::IcmpType::kDestinationUnreachable;
  error.code = static_cast<uint8_t>(crafter::UnreachableCode::kPort);
  error.offending = offending;
  std::vector<uint8_t> out(crafter::kRfc1812MaxErrorSize);
  out.resize(crafter::BuildIcmpError(error, out));
  return out;
}

// A UDP probe from the source to the target, as it arrives there.
crafter::ProbeSpec UdpProbe(uint16_t source_port, uint16_t destination_port) {
  crafter::ProbeSpec spec;
  spec.method = crafter::ProbeMethod::kUdp;
  spec.source = kSourceAddress;
  spec.destination = kTargetAddress;
  spec.source_port = source_port;
  spec.destination_port = destination_port;
  return spec;
}

class LiveNoiseTest : public ChainLabTest {
 protected:
  static void SetUpTestSuite() { SetUpChain("hln", MissingPrerequisite()); }
  static void TearDownTestSuite() { TearDownChain(); }

  // Runs `argv` in the source namespace under timeout(1), expects exit 0,
  // and returns what it printed.
  static CommandResult RunInSource(const std::vector<std::string>& argv) {
    std::vector<std::string> command =
        InNode("src", Concat({{"timeout", kCommandTimeoutSeconds}, argv}));
    CommandResult result = RunCommand(command);
    EXPECT_EQ(result.exit_code, 0) << result.Describe(command);
    return result;
  }
};

// A probing method of both hoplab runs.
struct Method {
  std::string name;
  std::vector<std::string> flags;
};

void PrintTo(const Method& method, std::ostream* os) { *os << method.name; }

class LiveNoiseMethodTest : public LiveNoiseTest,
                            public testing::WithParamInterface<Method> {};

// Stray Port Unreachables from the target, quoting UDP datagrams from a
// port no hoplab uses (1) to the ports traces probe, ICMP echoes with an
// identifier no live hoplab has (0: a process id is never 0 modulo 2^16
// here, the kernel hands out ids from 2 up and this chain's processes are
// few), and TCP SYNs from port 1.
std::vector<std::vector<uint8_t>> StrayPortUnreachables() {
  std::vector<std::vector<uint8_t>> stray;
  for (uint16_t k = 0; k < 18; ++k) {
    stray.push_back(PortUnreachableFor(
        UdpProbe(1, static_cast<uint16_t>(trace::kDefaultUdpPort + k))));
    crafter::ProbeSpec echo = UdpProbe(0, 0);
    echo.method = crafter::ProbeMethod::kIcmp;
    echo.icmp_id = 0;
    echo.icmp_sequence = static_cast<uint16_t>(1 + k);
    stray.push_back(PortUnreachableFor(echo));
    crafter::ProbeSpec syn = UdpProbe(1, 80);
    syn.method = crafter::ProbeMethod::kTcp;
    syn.tcp_sequence = k;
    stray.push_back(PortUnreachableFor(syn));
  }
  return stray;
}

TEST_P(LiveNoiseMethodTest, OtherTrafficChangesNothingInTheHops) {
  // 20 ms between probes: the trace lasts about 0.4 s, long enough for
  // the noise to reach it many times.
  const std::vector<std::string> trace = Concat(
      {{*hoplab_, "trace", "--live", "-n", "-v", "-z", "20", "-w", "5,0,0"},
       GetParam().flags,
       {kTarget}});

  // Step 1: a quiet run.
  CommandResult quiet = RunInSource(trace);
  auto quiet_hops = ParseTracerouteText(quiet.out);
  ASSERT_TRUE(quiet_hops.ok()) << quiet_hops.error().message << quiet.out;
  ASSERT_EQ(quiet_hops->hops.size(), 6u) << quiet.out;

  // Step 2: the noise: ping every 10 ms from the same namespace, a second
  // hoplab, and a stray Port Unreachable every 2 ms from the target.
  auto ping = BackgroundCommand::Start(
      InNode("src", {"ping", "-n", "-q", "-i", "0.01", "-w", "30", kTarget}));
  ASSERT_TRUE(ping.ok()) << ping.error().message;
  auto second = BackgroundCommand::Start(InNode("src", trace),
                                         /*capture_stdout=*/true);
  ASSERT_TRUE(second.ok()) << second.error().message;
  std::string error;
  const pid_t sender = StartSendingFromNamespace(
      *prefix_ + "-dst", StrayPortUnreachables(), std::chrono::milliseconds(2),
      std::chrono::seconds(2), error);
  ASSERT_GT(sender, 0) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  // Step 3: the trace, while all of it runs.
  CommandResult noisy = RunInSource(trace);
  EXPECT_EQ(WaitForSender(sender), "");
  EXPECT_EQ((*second)->Wait(kTraceTimeout), 0) << (*second)->err();
  (*ping)->Stop(SIGINT);

  auto noisy_hops = ParseTracerouteText(noisy.out);
  ASSERT_TRUE(noisy_hops.ok()) << noisy_hops.error().message << noisy.out;
  auto second_hops = ParseTracerouteText((*second)->out());
  ASSERT_TRUE(second_hops.ok()) << second_hops.error().message;
  EXPECT_EQ(DescribeHops(*noisy_hops), DescribeHops(*quiet_hops));
  EXPECT_EQ(DescribeHops(*second_hops), DescribeHops(*quiet_hops));

  // The noise did reach the trace, and was set aside.
  auto counters = ParseVerboseCounters(noisy.err);
  ASSERT_TRUE(counters.has_value()) << noisy.err;
  EXPECT_GT(counters->num_unmatched, 10u) << noisy.err;
}

INSTANTIATE_TEST_SUITE_P(Methods, LiveNoiseMethodTest,
                         testing::Values(Method{"Icmp", {"-I"}},
                                         Method{"Udp", {"-U"}},
                                         Method{"Tcp", {"-T", "-p", "80"}}),
                         [](const testing::TestParamInfo<Method>& info) {
                           return info.param.name;
                         });

TEST_F(LiveNoiseTest, IgnoredRepliesAreCountedAndNeverShownAsHops) {
  // Routers 3 and 4 are silent, probes leave 250 ms apart and each waits
  // a fixed 2 s: hop 3's are given up 2 s after they left, while hop 4's,
  // sent 750 ms later, still hold the trace open for the late replies.
  // (A silent probe leaves the -N window after ten round trips, so the
  // window alone no longer spaces the hops.)
  ASSERT_NO_FATAL_FAILURE(RunChainCase("silence", {"3"}));
  ASSERT_NO_FATAL_FAILURE(RunChainCase("silence", {"4"}));
  constexpr uint16_t kSourcePort = 45000;
  constexpr uint16_t kFirstPort = trace::kDefaultUdpPort;
  auto trace = BackgroundCommand::Start(
      InNode("src", {*hoplab_, "trace", "--live", "-n", "-v", "-U", "--sport",
                     std::to_string(kSourcePort), "-N", "3", "-z", "0.25", "-w",
                     "2,0,0", kTarget}),
      /*capture_stdout=*/true);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  ASSERT_TRUE((*trace)->WaitForStdout(" 2  10.201.1.2", kStartTimeout))
      << (*trace)->out() << (*trace)->err();

  // While hop 3 waits: two spoofed Port Unreachables quoting probes never
  // sent (indexes 40 and 88, of hops 14 and 30, which this trace never
  // reaches), and one quoting hop 3's first probe (index 6) with a bad
  // checksum. Were that one taken, hop 3 would show the target and end
  // the trace.
  std::vector<uint8_t> bad =
      PortUnreachableFor(UdpProbe(kSourcePort, kFirstPort + 6));
  bad[crafter::kIpv4MinHeaderSize + crafter::kIcmpChecksumOffset] ^= 0x01;
  std::string error;
  pid_t sender = StartSendingFromNamespace(
      *prefix_ + "-dst",
      {PortUnreachableFor(UdpProbe(kSourcePort, kFirstPort + 40)),
       PortUnreachableFor(UdpProbe(kSourcePort, kFirstPort + 88)), bad},
      std::chrono::milliseconds(1), std::chrono::milliseconds(0), error);
  ASSERT_GT(sender, 0) << error;
  EXPECT_EQ(WaitForSender(sender), "");

  // Once hop 3 is given up (and hop 4 waits): two valid replies to hop 3's
  // probes, now late.
  ASSERT_TRUE((*trace)->WaitForStdout(" 3  *", kStartTimeout))
      << (*trace)->out() << (*trace)->err();
  sender = StartSendingFromNamespace(
      *prefix_ + "-dst",
      {PortUnreachableFor(UdpProbe(kSourcePort, kFirstPort + 6)),
       PortUnreachableFor(UdpProbe(kSourcePort, kFirstPort + 7))},
      std::chrono::milliseconds(1), std::chrono::milliseconds(0), error);
  ASSERT_GT(sender, 0) << error;
  EXPECT_EQ(WaitForSender(sender), "");

  EXPECT_EQ((*trace)->Wait(kTraceTimeout), 0) << (*trace)->err();

  auto hops = ParseTracerouteText((*trace)->out());
  ASSERT_TRUE(hops.ok()) << hops.error().message << (*trace)->out();
  EXPECT_EQ(DescribeHops(*hops),
            "1  10.201.0.2  10.201.0.2  10.201.0.2\n"
            "2  10.201.1.2  10.201.1.2  10.201.1.2\n"
            "3  *  *  *\n"
            "4  *  *  *\n"
            "5  10.201.4.2  10.201.4.2  10.201.4.2\n"
            "6  10.201.5.2  10.201.5.2  10.201.5.2\n");
  auto counters = ParseVerboseCounters((*trace)->err());
  ASSERT_TRUE(counters.has_value()) << (*trace)->err();
  EXPECT_EQ(counters->num_unmatched, 2u) << (*trace)->err();
  EXPECT_EQ(counters->num_bad_checksum, 1u) << (*trace)->err();
  EXPECT_EQ(counters->num_late, 2u) << (*trace)->err();
  EXPECT_EQ(counters->num_not_replies, 0u) << (*trace)->err();
}

}  // namespace
}  // namespace hoplab::integration
