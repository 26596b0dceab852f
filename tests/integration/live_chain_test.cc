// hoplab --live against real Linux routers: a chain of five routers in
// network namespaces (scripts/lab/chain.sh), traced from the source
// namespace by hoplab and by Linux traceroute, with tcpdump on the wire.
//
//   src 10.201.0.1 -- r1 -- r2 -- r3 -- r4 -- r5 -- dst 10.201.5.2
//
// Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_RAW), `ip netns`,
// traceroute and tcpdump. Skips with the reason where any is missing,
// except under CI=true, where that is a failure.

#include <fcntl.h>
#include <linux/capability.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/chain_lab_test.h"
#include "tests/integration/lab_support.h"
#include "tests/integration/subprocess.h"
#include "tests/integration/trace_outcome.h"

namespace hoplab::integration {
namespace {

constexpr char kTarget[] = "10.201.5.2";
// The source namespace's interface on link 0 (see chain.sh).
constexpr char kSourceInterface[] = "east0";
// Nanosecond pcap files begin with this magic, in the writer's order.
constexpr uint32_t kPcapNanosecondMagic = 0xa1b23c4d;

// Why this machine cannot run the suite, or "" when it can.
std::string MissingPrerequisite() {
  return MissingChainPrerequisite({"traceroute", "tcpdump", "timeout"});
}

// The datagrams of `ours` that `wire` does not hold, each matched once.
std::vector<std::vector<uint8_t>> MissingFromWire(
    const std::vector<std::vector<uint8_t>>& ours,
    const std::vector<std::vector<uint8_t>>& wire) {
  std::map<std::vector<uint8_t>, int> on_wire;
  for (const auto& datagram : wire) {
    ++on_wire[datagram];
  }
  std::vector<std::vector<uint8_t>> missing;
  for (const auto& datagram : ours) {
    auto it = on_wire.find(datagram);
    if (it == on_wire.end() || it->second == 0) {
      missing.push_back(datagram);
    } else {
      --it->second;
    }
  }
  return missing;
}

std::optional<uint32_t> ReadFileMagic(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  unsigned char bytes[4];
  if (!file.read(reinterpret_cast<char*>(bytes), sizeof(bytes))) {
    return std::nullopt;
  }
  uint32_t magic;
  std::memcpy(&magic, bytes, sizeof(magic));
  return magic;
}

// Linux traceroute's flags for the probe method hoplab names in its JSON
// (its default is UDP to ports 33434 and up).
std::optional<std::vector<std::string>> TracerouteMethodFlags(
    const std::string& method) {
  if (method == "icmp") {
    return std::vector<std::string>{"-I"};
  }
  if (method == "udp") {
    return std::vector<std::string>{};
  }
  if (method == "tcp") {
    return std::vector<std::string>{"-T"};
  }
  return std::nullopt;
}

class LiveChainTest : public ChainLabTest {
 protected:
  static void SetUpTestSuite() { SetUpChain("hl", MissingPrerequisite()); }
  static void TearDownTestSuite() { TearDownChain(); }

  // `argv` run inside the source namespace under timeout(1).
  static std::vector<std::string> InSource(std::vector<std::string> argv) {
    std::vector<std::string> full = {"ip",
                                     "netns",
                                     "exec",
                                     *prefix_ + "-src",
                                     "timeout",
                                     "--kill-after=5",
                                     kCommandTimeoutSeconds};
    full.insert(full.end(), argv.begin(), argv.end());
    return full;
  }

  // Runs `argv` in the source namespace; expects exit 0 and returns
  // stdout's trace.
  static Result<TraceOutcome> TraceInSource(
      const std::vector<std::string>& argv, bool json) {
    std::vector<std::string> command = InSource(argv);
    CommandResult result = RunCommand(command);
    if (result.exit_code != 0) {
      return Error{result.Describe(command)};
    }
    auto trace =
        json ? ParseHoplabJson(result.out) : ParseTracerouteText(result.out);
    if (!trace.ok()) {
      return Error{trace.error().message + " in the output of " +
                   result.Describe(command)};
    }
    return trace;
  }

  static void ExpectPcapOnTheWire(const std::vector<std::string>& method_flags);
};

// Every probe that reached somebody has a round trip that is neither
// negative nor beyond the wait.
void ExpectPlausibleRtts(const TraceOutcome& trace) {
  for (const HopOutcome& hop : trace.hops) {
    for (const ProbeOutcome& probe : hop.probes) {
      if (probe.from.has_value()) {
        ASSERT_TRUE(probe.rtt_ms.has_value()) << "hop " << hop.ttl;
        EXPECT_GE(*probe.rtt_ms, 0.0) << "hop " << hop.ttl;
        EXPECT_LT(*probe.rtt_ms, 5000.0) << "hop " << hop.ttl;
      }
    }
  }
}

// Both tools wait a fixed time for every probe (-w 5,0,0) in the tests
// below too: the default HERE and NEAR factors give up on replies a few
// tens of microseconds late on a loaded machine, stars in either trace.
TEST_F(LiveChainTest, IcmpTextMatchesTraceroute) {
  auto ours = TraceInSource(
      {*hoplab_, "trace", "--live", "-n", "-I", "-w", "5,0,0", kTarget},
      /*json=*/false);
  auto theirs =
      TraceInSource({"traceroute", "-n", "-I", "-w", "5,0,0", kTarget},
                    /*json=*/false);

  ASSERT_TRUE(theirs.ok()) << theirs.error().message;
  ASSERT_TRUE(ours.ok()) << ours.error().message;
  EXPECT_EQ(ours->header.substr(0, theirs->header.size()), theirs->header);
  EXPECT_EQ(DescribeHops(*ours), DescribeHops(*theirs));
  ExpectPlausibleRtts(*ours);
}

TEST_F(LiveChainTest, JsonMatchesTraceroute) {
  std::vector<std::string> command = InSource(
      {*hoplab_, "trace", "--live", "-n", "-w", "5,0,0", "--json", kTarget});
  CommandResult result = RunCommand(command);
  ASSERT_EQ(result.exit_code, 0) << result.Describe(command);
  nlohmann::json document = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_TRUE(document.is_object()) << result.Describe(command);
  auto ours = ParseHoplabJson(result.out);
  ASSERT_TRUE(ours.ok()) << ours.error().message;

  // traceroute probes the way hoplab says it did.
  ASSERT_TRUE(document.value("method", nlohmann::json()).is_string())
      << result.out;
  auto method = document["method"].get<std::string>();
  auto method_flags = TracerouteMethodFlags(method);
  ASSERT_TRUE(method_flags.has_value()) << "unknown method " << method;
  std::vector<std::string> traceroute = {"traceroute", "-n", "-w", "5,0,0"};
  traceroute.insert(traceroute.end(), method_flags->begin(),
                    method_flags->end());
  traceroute.push_back(kTarget);
  auto theirs = TraceInSource(traceroute, /*json=*/false);
  ASSERT_TRUE(theirs.ok()) << theirs.error().message;

  EXPECT_EQ(document.value("target", ""), kTarget);
  EXPECT_EQ(document.value("reached", false), true);
  EXPECT_EQ(DescribeHops(*ours), DescribeHops(*theirs));
  ExpectPlausibleRtts(*ours);
}

// Traces the chain with hoplab --live, `method_flags` choosing the probes,
// while tcpdump records the source's link, and expects every datagram of
// hoplab's --pcap on the wire, byte for byte.
void LiveChainTest::ExpectPcapOnTheWire(
    const std::vector<std::string>& method_flags) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "mkdtemp failed";
  std::string wire_file = dir.path() + "/wire.pcap";
  std::string ours_file = dir.path() + "/hoplab.pcap";

  // tcpdump on the source's link, writing each packet as it comes (-U)
  // into a file owned by root (-Z root). A large kernel buffer (-B, KiB)
  // takes the burst of a whole window of probes; --immediate-mode would
  // use a small one and drop half of it.
  auto tcpdump = BackgroundCommand::Start(
      InSource({"tcpdump", "-i", kSourceInterface, "-n", "-U", "-B", "8192",
                "-Z", "root", "-w", wire_file}));
  ASSERT_TRUE(tcpdump.ok()) << tcpdump.error().message;
  ASSERT_TRUE(
      (*tcpdump)->WaitForStderr("listening on", std::chrono::seconds(10)))
      << "tcpdump did not start: " << (*tcpdump)->err();

  std::vector<std::string> argv = {*hoplab_, "trace", "--live", "-n"};
  argv.insert(argv.end(), method_flags.begin(), method_flags.end());
  argv.insert(argv.end(), {"--pcap", ours_file, kTarget});
  std::vector<std::string> command = InSource(argv);
  CommandResult result = RunCommand(command);
  ASSERT_EQ(result.exit_code, 0) << result.Describe(command);
  PcapDatagrams ours = ReadPcapDatagrams(ours_file, /*ethernet=*/false);
  ASSERT_TRUE(ours.error.empty()) << ours.error;
  EXPECT_EQ(ours.link_type, DLT_RAW);
  std::optional<uint32_t> magic = ReadFileMagic(ours_file);
  EXPECT_TRUE(magic == kPcapNanosecondMagic ||
              magic == __builtin_bswap32(kPcapNanosecondMagic))
      << "hoplab's pcap is not a nanosecond pcap";
  // Six hops of three probes, each answered.
  EXPECT_GE(ours.datagrams.size(), 36u);

  // Give tcpdump until every datagram of ours is on file, then stop it.
  PcapDatagrams wire;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    wire = ReadPcapDatagrams(wire_file, /*ethernet=*/true);
  } while (!MissingFromWire(ours.datagrams, wire.datagrams).empty() &&
           std::chrono::steady_clock::now() < deadline);
  (*tcpdump)->Stop();
  wire = ReadPcapDatagrams(wire_file, /*ethernet=*/true);
  ASSERT_TRUE(wire.error.empty()) << wire.error << "; " << (*tcpdump)->err();
  EXPECT_EQ(wire.link_type, DLT_EN10MB);
  EXPECT_NE((*tcpdump)->err().find("\n0 packets dropped by kernel"),
            std::string::npos)
      << "the wire capture is incomplete: " << (*tcpdump)->err();

  std::vector<std::vector<uint8_t>> missing =
      MissingFromWire(ours.datagrams, wire.datagrams);
  EXPECT_TRUE(missing.empty())
      << missing.size() << " of " << ours.datagrams.size()
      << " datagrams in hoplab's pcap are not on the wire ("
      << wire.datagrams.size()
      << " IPv4 datagrams captured; tcpdump said: " << (*tcpdump)->err()
      << "); the first:\n  " << Hex(missing.front());
}

TEST_F(LiveChainTest, PcapHoldsTheBytesOnTheWire) {
  ExpectPcapOnTheWire({"-I"});
}

// A probing method as hoplab and Linux traceroute spell it, and the TCP
// port the target listens on for it (0: none).
struct Method {
  std::string name;
  std::vector<std::string> hoplab_flags;
  std::vector<std::string> traceroute_flags;
  int listen_port = 0;
};

// A case of the chain: what chain.sh makes of it, what is traced, and the
// flags both tools get on top of the method's.
struct Scenario {
  std::string name;
  // chain.sh's command and argument ({"silence", "3"}), or empty.
  std::vector<std::string> chain_case;
  std::string target;
  std::vector<std::string> flags;
  // The Network Unreachable errors come from the kernel's ip_error(),
  // whose per-source budget (5, then 1 a second) the first trace spends:
  // the second waits until three, one per probe of hop 1, are back.
  bool spends_error_budget = false;
};

struct TraceCase {
  Method method;
  Scenario scenario;
  // Run as user and group 65534 (nobody), without CAP_NET_RAW.
  bool unprivileged = false;
};

// Test names and failure messages show a case by name.
void PrintTo(const Method& method, std::ostream* os) { *os << method.name; }

void PrintTo(const TraceCase& c, std::ostream* os) {
  *os << c.method.name << " " << c.scenario.name
      << (c.unprivileged ? " as nobody" : "");
}

const Method kIcmp{"Icmp", {"-I"}, {"-I"}};
const Method kUdp{"Udp", {"-U"}, {}};
const Method kTcpClosed{
    "TcpClosedPort", {"-T", "-p", "80"}, {"-T", "-p", "80"}};
const Method kTcpOpen{
    "TcpOpenPort", {"-T", "-p", "8080"}, {"-T", "-p", "8080"}, 8080};

// Both tools wait a fixed time for every probe: -w MAX,0,0 turns off the
// HERE and NEAR factors, which on a loaded machine give up on replies a
// few milliseconds late and make the comparison depend on load. -w 1
// where a hop stays silent: both give up on it after a second.
const Scenario kReached{"Reached", {}, kTarget, {"-w", "5,0,0"}};
const Scenario kSilentRouter{
    "SilentRouter3", {"silence", "3"}, kTarget, {"-w", "1,0,0"}};
const Scenario kProhibited{
    "Router4Prohibits", {"prohibit", "4"}, kTarget, {"-w", "1,0,0"}};
// No router knows 10.201.99.0/24; router 1 answers !N. Its "no route"
// errors come from the kernel's ip_error() budget (a burst of about 5),
// so both tools send three probes at a time: with 16 in flight, probes
// of later TTLs raced hop 1's for that budget under ASan's timing.
const Scenario kUnrouted{"UnroutedNetwork",
                         {},
                         "10.201.99.1",
                         {"-m", "8", "-N", "3", "-w", "1,0,0"},
                         true};
constexpr auto kErrorBudgetRefill = std::chrono::seconds(4);
// The account the unprivileged traces run as (nobody, nogroup).
constexpr char kUnprivilegedId[] = "65534";

std::vector<TraceCase> AllTraceCases() {
  std::vector<TraceCase> cases;
  for (const Scenario& scenario :
       {kReached, kSilentRouter, kProhibited, kUnrouted}) {
    for (const Method& method : {kIcmp, kUdp, kTcpClosed}) {
      cases.push_back({method, scenario, false});
    }
    for (const Method& method : {kIcmp, kUdp}) {
      cases.push_back({method, scenario, true});
    }
  }
  cases.push_back({kTcpOpen, kReached, false});
  return cases;
}

std::string TraceCaseName(const testing::TestParamInfo<TraceCase>& info) {
  return info.param.method.name + info.param.scenario.name +
         (info.param.unprivileged ? "AsNobody" : "");
}

// Lab-suite tests that first make sure hoplab takes a method's flags.
class LiveMethodTest : public LiveChainTest {
 protected:
  // Skips when hoplab rejects `flags` on the simulated network: the probe
  // methods beside ICMP are still being built (#3).
  static void SkipUnlessHoplabTakes(const std::vector<std::string>& flags,
                                    bool& skipped) {
    std::vector<std::string> argv = Concat(
        {{*hoplab_, "trace", "-n", "-q", "1", "-m", "1"}, flags, {kTarget}});
    CommandResult result = RunCommand(argv);
    skipped = result.exit_code != 0;
    if (skipped) {
      GTEST_SKIP() << "hoplab does not take these flags yet: "
                   << result.Describe(argv);
    }
  }
};

class LiveTraceTest : public LiveMethodTest,
                      public testing::WithParamInterface<TraceCase> {
 protected:
  // The argv that runs hoplab as the case says: as root, or as nobody
  // through a copy of the binary that nobody may run (the build tree may
  // sit where nobody cannot reach), with ping sockets allowed to every
  // group inside the source namespace only.
  std::vector<std::string> HoplabArgv(const TraceCase& c, TempDir& dir) {
    std::vector<std::string> run = {*hoplab_};
    if (c.unprivileged) {
      std::string copy = dir.path() + "/hoplab";
      std::filesystem::copy_file(*hoplab_, copy);
      std::filesystem::permissions(dir.path(),
                                   std::filesystem::perms::owner_all |
                                       std::filesystem::perms::group_read |
                                       std::filesystem::perms::group_exec |
                                       std::filesystem::perms::others_read |
                                       std::filesystem::perms::others_exec);
      std::vector<std::string> sysctl = InSource(
          {"sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647"});
      CommandResult result = RunCommand(sysctl);
      EXPECT_EQ(result.exit_code, 0) << result.Describe(sysctl);
      run = {"setpriv", std::string("--reuid=") + kUnprivilegedId,
             std::string("--regid=") + kUnprivilegedId, "--clear-groups", copy};
    }
    return Concat({run,
                   {"trace", "--live", "-n", "-v"},
                   c.method.hoplab_flags,
                   c.scenario.flags,
                   {c.scenario.target}});
  }
};

TEST_P(LiveTraceTest, HopsMatchTraceroute) {
  const TraceCase& c = GetParam();
  bool skipped = false;
  SkipUnlessHoplabTakes(c.method.hoplab_flags, skipped);
  if (skipped) {
    return;
  }
  if (c.method.listen_port != 0) {
    ASSERT_NO_FATAL_FAILURE(
        RunChainCase("listen", {std::to_string(c.method.listen_port)}));
  }
  if (!c.scenario.chain_case.empty()) {
    ASSERT_NO_FATAL_FAILURE(RunChainCase(
        c.scenario.chain_case[0],
        {c.scenario.chain_case.begin() + 1, c.scenario.chain_case.end()}));
  }

  // Step 1: Linux traceroute, as root, with the same method.
  auto theirs = TraceInSource(Concat({{"traceroute", "-n"},
                                      c.method.traceroute_flags,
                                      c.scenario.flags,
                                      {c.scenario.target}}),
                              /*json=*/false);
  ASSERT_TRUE(theirs.ok()) << theirs.error().message;
  if (c.scenario.spends_error_budget) {
    std::this_thread::sleep_for(kErrorBudgetRefill);
  }

  // Step 2: hoplab, on the path the case asks for.
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "mkdtemp failed";
  std::vector<std::string> command = InSource(HoplabArgv(c, dir));
  CommandResult result = RunCommand(command);
  ASSERT_EQ(result.exit_code, 0) << result.Describe(command);
  auto ours = ParseTracerouteText(result.out);
  ASSERT_TRUE(ours.ok()) << ours.error().message << " in "
                         << result.Describe(command);
  const char* path = c.unprivileged ? "hoplab: live path: unprivileged"
                                    : "hoplab: live path: raw sockets";
  EXPECT_NE(result.err.find(path), std::string::npos) << result.err;

  EXPECT_EQ(DescribeHops(*ours), DescribeHops(*theirs));
  ExpectPlausibleRtts(*ours);
}

INSTANTIATE_TEST_SUITE_P(Methods, LiveTraceTest,
                         testing::ValuesIn(AllTraceCases()), TraceCaseName);

class LivePcapTest : public LiveMethodTest,
                     public testing::WithParamInterface<Method> {};

TEST_P(LivePcapTest, PcapHoldsTheBytesOnTheWire) {
  const Method& method = GetParam();
  bool skipped = false;
  SkipUnlessHoplabTakes(method.hoplab_flags, skipped);
  if (skipped) {
    return;
  }
  if (method.listen_port != 0) {
    ASSERT_NO_FATAL_FAILURE(
        RunChainCase("listen", {std::to_string(method.listen_port)}));
  }
  ExpectPcapOnTheWire(method.hoplab_flags);
}

INSTANTIATE_TEST_SUITE_P(Methods, LivePcapTest,
                         testing::Values(kUdp, kTcpClosed, kTcpOpen),
                         [](const testing::TestParamInfo<Method>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace hoplab::integration
