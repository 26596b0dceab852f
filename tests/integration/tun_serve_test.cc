// hoplab sim serve: the built-in simulated network served on a TUN device
// in a network namespace this suite creates, traced there by hoplab
// --live (raw sockets) and by Linux traceroute, and compared with the
// in-process simulated trace of the same network and target.
//
// Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_RAW), /dev/net/tun,
// `ip netns`, unshare and traceroute. Skips with the reason where any is
// missing, except under CI=true, where that is a failure. The server runs
// under timeout(1), and removes its namespace and device on the SIGTERM
// that ends it, so nothing outlives a crashed suite by long.

#include <linux/capability.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "crafter/ipv4.h"
#include "crafter/ipv4_address.h"
#include "gtest/gtest.h"
#include "sim/builtin_network.h"
#include "sim/virtual_clock.h"
#include "tests/integration/lab_support.h"
#include "tests/integration/subprocess.h"
#include "tests/integration/trace_outcome.h"

namespace hoplab::integration {
namespace {

using crafter::Ipv4Address;

// The README's example target: nine hops, hop 4 a balanced pair.
constexpr char kTarget[] = "198.51.100.7";
constexpr char kCommandTimeout[] = "60";
// The most any run of this suite may keep the server.
constexpr char kServerTimeout[] = "600";
// Fixed source ports make UDP and TCP probes hash alike in both traces.
constexpr char kSourcePort[] = "40000";
constexpr char kDevice[] = "hoplab0";

std::string MissingPrerequisite() {
  std::string missing =
      MissingLabPrerequisite({"ip", "traceroute", "timeout", "unshare"});
  if (missing.empty() && !std::filesystem::exists("/dev/net/tun")) {
    missing = "/dev/net/tun does not exist";
  }
  return missing;
}

// A probe method as hoplab and Linux traceroute spell it.
struct Method {
  std::string name;
  std::vector<std::string> hoplab_flags;
};

void PrintTo(const Method& method, std::ostream* os) { *os << method.name; }

const Method kIcmp{"Icmp", {"-I"}};
const Method kUdp{"Udp", {"-U", "--sport", kSourcePort}};
const Method kTcp{"Tcp", {"-T", "--sport", kSourcePort}};

// The two routers of hop 4 on the way to kTarget.
sim::PathNode BalancedHop() {
  return sim::BuiltinNetwork::PathTo(*Ipv4Address::Parse(kTarget))[3];
}

// ICMP probes hash on their checksum, which follows from the identifier:
// the process id live, the seed in process. Only for them, hop 4's second
// router is read as its first, so that the traces compare on every other
// hop exactly and on hop 4 up to the balancer's choice.
void FoldBalancedHop(TraceOutcome& trace) {
  const sim::PathNode hop = BalancedHop();
  for (HopOutcome& outcome : trace.hops) {
    for (ProbeOutcome& probe : outcome.probes) {
      if (probe.from == hop.ecmp_alternate.ToString()) {
        probe.from = hop.address.ToString();
      }
    }
  }
}

class TunServeTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    unavailable_ = new std::string(MissingPrerequisite());
    setup_error_ = new std::string();
    if (!unavailable_->empty()) {
      return;
    }
    const char* binary = std::getenv("HOPLAB_BINARY");
    if (binary == nullptr || !std::filesystem::exists(binary)) {
      *setup_error_ = "HOPLAB_BINARY does not name the built hoplab";
      return;
    }
    hoplab_ = new std::string(binary);
    netns_ = new std::string("hlt" + std::to_string(getpid()));
    auto server = BackgroundCommand::Start({"timeout", kServerTimeout, *hoplab_,
                                            "sim", "serve", "--netns", *netns_,
                                            "--device", kDevice, "-v"});
    if (!server.ok()) {
      *setup_error_ = server.error().message;
      return;
    }
    server_ = std::move(server).value().release();
    if (!server_->WaitForStderr("hoplab: serving", std::chrono::seconds(10))) {
      *setup_error_ = "hoplab sim serve did not start: " + server_->err();
    }
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      // SIGTERM ends serving; exit 0 says teardown ran.
      EXPECT_EQ(server_->Stop(), 0) << server_->err();
      CommandResult list = RunCommand({"ip", "netns", "list"});
      EXPECT_EQ(list.out.find(*netns_), std::string::npos)
          << "namespace " << *netns_ << " left behind";
      delete server_;
    }
    delete hoplab_;
    delete netns_;
    delete setup_error_;
    delete unavailable_;
    server_ = nullptr;
    hoplab_ = netns_ = setup_error_ = unavailable_ = nullptr;
  }

  void SetUp() override {
    HOPLAB_SKIP_OR_FAIL_IF_UNAVAILABLE(*unavailable_);
    ASSERT_TRUE(setup_error_->empty()) << *setup_error_;
  }

  // Runs `argv` (in the served namespace when `in_netns`) and parses its
  // text output as a trace.
  static Result<TraceOutcome> Trace(std::vector<std::string> argv,
                                    bool in_netns) {
    std::vector<std::string> command = {"timeout", kCommandTimeout};
    if (in_netns) {
      command = {"ip", "netns", "exec", *netns_, "timeout", kCommandTimeout};
      // Fixed waits: the adaptive ones (-w 5,3,10) give up on replies
      // that a loaded machine, or the sanitizer build of the server,
      // delivers late. The hops are under test here, not the waits.
      const size_t flags_at = argv[0] == "traceroute" ? 1 : 2;
      argv.insert(argv.begin() + std::ptrdiff_t(flags_at), {"-w", "5,0,0"});
    }
    command.insert(command.end(), argv.begin(), argv.end());
    CommandResult result = RunCommand(command);
    if (result.exit_code != 0) {
      return Error{result.Describe(command)};
    }
    auto trace = ParseTracerouteText(result.out);
    if (!trace.ok()) {
      return Error{trace.error().message + " in " + result.Describe(command)};
    }
    return trace;
  }

  // hoplab trace -n with `flags` on the built-in network in process.
  static Result<TraceOutcome> InProcess(const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {*hoplab_, "trace", "-n"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back(kTarget);
    return Trace(argv, /*in_netns=*/false);
  }

  static std::string* unavailable_;
  static std::string* setup_error_;
  static std::string* hoplab_;
  static std::string* netns_;
  static BackgroundCommand* server_;
};

std::string* TunServeTest::unavailable_ = nullptr;
std::string* TunServeTest::setup_error_ = nullptr;
std::string* TunServeTest::hoplab_ = nullptr;
std::string* TunServeTest::netns_ = nullptr;
BackgroundCommand* TunServeTest::server_ = nullptr;

class TunServeMethodTest : public TunServeTest,
                           public testing::WithParamInterface<Method> {};

TEST_P(TunServeMethodTest, LiveTraceFindsTheInProcessHops) {
  const Method& method = GetParam();
  std::vector<std::string> live = {*hoplab_, "trace", "--live", "-n"};
  live.insert(live.end(), method.hoplab_flags.begin(),
              method.hoplab_flags.end());
  live.push_back(kTarget);

  auto served = Trace(live, /*in_netns=*/true);
  auto in_process = InProcess(method.hoplab_flags);

  ASSERT_TRUE(served.ok()) << served.error().message;
  ASSERT_TRUE(in_process.ok()) << in_process.error().message;
  if (method.name == kIcmp.name) {
    FoldBalancedHop(*served);
    FoldBalancedHop(*in_process);
  }
  EXPECT_EQ(DescribeHops(*served), DescribeHops(*in_process));
  EXPECT_EQ(served->hops.size(), 9u);
}

INSTANTIATE_TEST_SUITE_P(Methods, TunServeMethodTest,
                         testing::Values(kIcmp, kUdp, kTcp),
                         [](const testing::TestParamInfo<Method>& info) {
                           return info.param.name;
                         });

TEST_F(TunServeTest, TracerouteIcmpFindsTheInProcessHops) {
  auto served = Trace({"traceroute", "-n", "-I", kTarget}, /*in_netns=*/true);
  auto in_process = InProcess({"-I"});

  ASSERT_TRUE(served.ok()) << served.error().message;
  ASSERT_TRUE(in_process.ok()) << in_process.error().message;
  FoldBalancedHop(*served);
  FoldBalancedHop(*in_process);
  EXPECT_EQ(DescribeHops(*served), DescribeHops(*in_process));
}

// The served network counts IP ids over every trace of the suite, a fresh
// one from its start: replies compare without them (WithoutIpId).
TEST_F(TunServeTest, RepliesAreTheInProcessNetworksRepliesToTheSameProbes) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "mkdtemp failed";
  const std::string pcap = dir.path() + "/served.pcap";
  auto served =
      Trace({*hoplab_, "trace", "--live", "-n", "-U", "--pcap", pcap, kTarget},
            /*in_netns=*/true);
  ASSERT_TRUE(served.ok()) << served.error().message;
  PcapDatagrams records = ReadPcapDatagrams(pcap, /*ethernet=*/false);
  ASSERT_TRUE(records.error.empty()) << records.error;

  // Step 1: split the capture into probes (from the host) and replies.
  const Ipv4Address host = Ipv4Address::FromOctets(192, 0, 2, 100);
  std::vector<std::vector<uint8_t>> probes;
  std::vector<std::vector<uint8_t>> replies;
  for (const auto& datagram : records.datagrams) {
    auto header = crafter::ParseIpv4Header(datagram);
    ASSERT_TRUE(header.ok());
    (header->source == host ? probes : replies).push_back(datagram);
  }

  // Step 2: the replies the network gives in process to the same probes.
  sim::BuiltinNetwork in_process(/*seed=*/1);
  std::map<std::vector<uint8_t>, int> expected;
  for (const auto& probe : probes) {
    std::vector<sim::Delivery> deliveries;
    in_process.Send(probe, sim::kSimulationEpoch, deliveries);
    for (const sim::Delivery& delivery : deliveries) {
      ++expected[WithoutIpId(delivery.bytes)];
    }
  }

  // Step 3: each reply that came over TUN is one of them. Nine hops of
  // three probes are answered; answers to probes sent past the target
  // may come after the trace stopped listening.
  EXPECT_GE(replies.size(), 27u);
  for (const auto& reply : replies) {
    auto it = expected.find(WithoutIpId(reply));
    EXPECT_TRUE(it != expected.end() && it->second-- > 0)
        << "not a reply of the in-process network:\n  " << Hex(reply);
  }
}

// A topology file served over TUN: the lab chain of chain.sh, its host
// 10.201.0.1 inside a namespace of this test's own.
TEST_F(TunServeTest, ServesATopologyFile) {
  const std::string netns = *netns_ + "-chain";
  const std::string topology = "tests/integration/topologies/chain5.yaml";
  auto server =
      BackgroundCommand::Start({"timeout", kServerTimeout, *hoplab_, "sim",
                                "serve", "--sim", topology, "--netns", netns});
  ASSERT_TRUE(server.ok()) << server.error().message;
  ASSERT_TRUE(
      (*server)->WaitForStderr("hoplab: serving", std::chrono::seconds(10)))
      << (*server)->err();

  std::vector<std::string> live = {
      "ip",     "netns",     "exec",   netns, "timeout", kCommandTimeout,
      *hoplab_, "trace",     "--live", "-w",  "5,0,0",   "-n",
      "-U",     "10.201.5.2"};
  CommandResult result = RunCommand(live);
  EXPECT_EQ((*server)->Stop(), 0) << (*server)->err();
  ASSERT_EQ(result.exit_code, 0) << result.Describe(live);
  auto served = ParseTracerouteText(result.out);
  auto in_process =
      Trace({*hoplab_, "trace", "--sim", topology, "-n", "-U", "10.201.5.2"},
            /*in_netns=*/false);

  ASSERT_TRUE(served.ok()) << served.error().message;
  ASSERT_TRUE(in_process.ok()) << in_process.error().message;
  EXPECT_EQ(DescribeHops(*served), DescribeHops(*in_process));
  EXPECT_EQ(served->hops.size(), 6u);
}

// Without root on the host: a user and network namespace of its own
// (unshare -rn), where hoplab serves in the current namespace.
TEST_F(TunServeTest, ServesInsideUnshareRn) {
  const std::string script =
      "\"$0\" sim serve --current-netns 2>serve.err & server=$!\n"
      "for i in $(seq 100); do\n"
      "  ip route show default | grep -q " +
      std::string(kDevice) +
      " && break; sleep 0.1\n"
      "done\n"
      "\"$0\" trace --live -n -U --sport " +
      kSourcePort + " " + kTarget +
      "; status=$?\n"
      "kill -TERM $server; wait $server || status=1\n"
      "ip link show " +
      kDevice + " >/dev/null 2>&1 && status=1\n" + "exit $status\n";
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "mkdtemp failed";
  std::vector<std::string> command = {
      "sh", "-c",
      "cd " + dir.path() + " && timeout " + kCommandTimeout +
          " unshare -rn sh -c '" + script + "' " + *hoplab_};
  CommandResult result = RunCommand(command);
  ASSERT_EQ(result.exit_code, 0) << result.Describe(command);
  auto served = ParseTracerouteText(result.out);
  auto in_process = InProcess(kUdp.hoplab_flags);

  ASSERT_TRUE(served.ok()) << served.error().message;
  ASSERT_TRUE(in_process.ok()) << in_process.error().message;
  EXPECT_EQ(DescribeHops(*served), DescribeHops(*in_process));
}

}  // namespace
}  // namespace hoplab::integration
