// The simulator's Linux profile against the Linux kernel: the chain of
// five routers of scripts/lab/chain.sh, traced by hoplab --live --pcap
// from its source namespace, and the same probe bytes, at the same
// relative times, sent into the simulated chain
// (tests/integration/topologies/chain5.yaml). Every probe must draw the
// same reply from both, or none from both: same responder, ICMP type and
// code, TOS, TTL, quoted bytes (length and content), TCP flags; every
// byte but the IP id and the header checksum, which the kernel draws.
//
// Cases: a plain trace, a silent router (chain.sh silence), a router that
// rejects with admin-prohibited (chain.sh prohibit), and a burst of ten
// probes at a router with the kernel's default ICMP rate limit, each with
// ICMP, UDP and TCP probes.
//
// Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_RAW), `ip netns` and
// nft. Skips with the reason where any is missing, except under CI=true,
// where that is a failure.

#include <linux/capability.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "crafter/ipv4.h"
#include "crafter/ipv4_address.h"
#include "crafter/reply.h"
#include "gtest/gtest.h"
#include "sim/topology.h"
#include "sim/topology_loader.h"
#include "sim/topology_network.h"
#include "sim/virtual_clock.h"
#include "tests/integration/chain_lab_test.h"
#include "tests/integration/lab_support.h"
#include "tests/integration/subprocess.h"

namespace hoplab::integration {
namespace {

using crafter::Ipv4Address;

constexpr char kTarget[] = "10.201.5.2";
constexpr char kChainTopology[] = "tests/integration/topologies/chain5.yaml";
const Ipv4Address kSource = Ipv4Address::FromOctets(10, 201, 0, 1);
// Linux's default net.ipv4.icmp_ratelimit, in milliseconds; chain.sh sets
// 0 in every node.
constexpr char kLinuxIcmpRatelimit[] = "1000";

struct Method {
  std::string name;
  std::vector<std::string> flags;
};

// A case of the chain: what chain.sh (or sysctl) makes of router
// `router`, and the trace's own flags, which stop at the last hop that
// answers so that no probe outlives the trace.
enum class ChainCase { kNone, kSilence, kProhibit, kRateLimit };
struct Scenario {
  std::string name;
  ChainCase chain_case = ChainCase::kNone;
  int router = 0;
  std::vector<std::string> flags;
  // How many probes the kernel answers.
  size_t num_answered = 0;
};

struct CompareCase {
  Method method;
  Scenario scenario;
};

void PrintTo(const CompareCase& c, std::ostream* os) {
  *os << c.method.name << " " << c.scenario.name;
}

const Method kIcmp{"Icmp", {"-I"}};
const Method kUdp{"Udp", {"-U"}};
const Method kTcp{"Tcp", {"-T", "-p", "80"}};

// Every case waits for each probe on its own (-w MAX,0,0): a loaded machine
// may delay a reply beyond the HERE and NEAR rules' few round trips, and
// the comparison wants every reply the kernel sent.
// Six hops of three probes.
const Scenario kReached{
    "Reached", ChainCase::kNone, 0, {"-m", "6", "-w", "2,0,0"}, 18};
// Hop 3 stays silent.
const Scenario kSilentRouter{
    "SilentRouter3", ChainCase::kSilence, 3, {"-m", "6", "-w", "1,0,0"}, 15};
// Four hops of Time Exceeded, then !X at hop 5.
const Scenario kProhibited{"Router4Prohibits",
                           ChainCase::kProhibit,
                           4,
                           {"-m", "5", "-w", "1,0,0"},
                           15};
// Ten probes at once to router 2, whose bucket holds six: four of the ten
// see nothing.
const Scenario kRateLimited{"Router2RateLimits",
                            ChainCase::kRateLimit,
                            2,
                            {"-f", "2", "-m", "2", "-q", "10", "-w", "1,0,0"},
                            6};

std::vector<CompareCase> AllCases() {
  std::vector<CompareCase> cases;
  for (const Scenario& scenario :
       {kReached, kSilentRouter, kProhibited, kRateLimited}) {
    for (const Method& method : {kIcmp, kUdp, kTcp}) {
      cases.push_back({method, scenario});
    }
  }
  return cases;
}

// The simulated chain with the case applied through the topology API.
Result<sim::Topology> SimulatedChain(const Scenario& scenario) {
  auto topology = sim::LoadTopologyFile(kChainTopology);
  if (!topology.ok()) {
    return topology.error();
  }
  if (scenario.chain_case == ChainCase::kNone) {
    return topology;
  }
  sim::Router& router = topology->routers.at(size_t(scenario.router - 1));
  switch (scenario.chain_case) {
    case ChainCase::kSilence:
      router.behaviour.silent = true;
      break;
    case ChainCase::kProhibit:
      // RFC 1812 §5.2.7.1: code 13, communication administratively
      // prohibited, for everything it would forward.
      router.firewall = sim::Firewall{};
      break;
    case ChainCase::kRateLimit:
      router.behaviour.rate_limit = sim::RateLimit{};
      break;
    case ChainCase::kNone:
      break;
  }
  return topology;
}

// One reply, read by the fields the comparison names, for failure
// messages; the bytes follow in hex.
std::string DescribeReply(const std::vector<uint8_t>& datagram) {
  std::ostringstream out;
  auto reply = crafter::ParseReply(datagram);
  if (!reply.ok()) {
    out << "unparseable: " << reply.error();
  } else {
    out << "from " << reply->responder.ToString() << " type "
        << int{reply->icmp_type} << " code " << int{reply->icmp_code}
        << " tos 0x" << std::hex << int{datagram[1]} << std::dec << " ttl "
        << int{reply->reply_ttl} << " length " << datagram.size() << " quote "
        << reply->quote_size;
  }
  return out.str() + "\n  " + Hex(datagram);
}

// Replies keyed by the probe they answer (ProbeKey as text), each
// without its IP id.
using RepliesByProbe = std::map<std::string, std::vector<std::vector<uint8_t>>>;

void AddReply(const std::vector<uint8_t>& datagram, RepliesByProbe& replies) {
  auto reply = crafter::ParseReply(datagram);
  std::ostringstream key;
  if (reply.ok()) {
    key << reply->probe;
  } else {
    key << "unparseable";
  }
  replies[key.str()].push_back(WithoutIpId(datagram));
}

class KernelCompareTest : public ChainLabTest,
                          public testing::WithParamInterface<CompareCase> {
 protected:
  static void SetUpTestSuite() {
    SetUpChain("hk",
               MissingLabPrerequisite({"ip", "nft", "timeout", "ethtool"}));
  }
  static void TearDownTestSuite() { TearDownChain(); }

  // Runs `argv` under timeout(1) in namespace `ns` of the chain and
  // expects exit 0.
  static void RunIn(const std::string& node, std::vector<std::string> argv) {
    std::vector<std::string> command = {"ip",      "netns",
                                        "exec",    *prefix_ + "-" + node,
                                        "timeout", kCommandTimeoutSeconds};
    command.insert(command.end(), argv.begin(), argv.end());
    CommandResult result = RunCommand(command);
    ASSERT_EQ(result.exit_code, 0) << result.Describe(command);
  }

  // Makes the real chain what `scenario` says.
  static void ApplyToKernel(const Scenario& scenario) {
    const std::string router = std::to_string(scenario.router);
    std::vector<std::string> argv = {"timeout", kCommandTimeoutSeconds,
                                     kChainScript};
    switch (scenario.chain_case) {
      case ChainCase::kNone:
        return;
      case ChainCase::kSilence:
        argv.insert(argv.end(), {"silence", *prefix_, router});
        break;
      case ChainCase::kProhibit:
        argv.insert(argv.end(), {"prohibit", *prefix_, router});
        break;
      case ChainCase::kRateLimit:
        RunIn("r" + router,
              {"sysctl", "-q", "-w",
               std::string("net.ipv4.icmp_ratelimit=") + kLinuxIcmpRatelimit});
        return;
    }
    CommandResult result = RunCommand(argv);
    ASSERT_EQ(result.exit_code, 0) << result.Describe(argv);
  }
};

TEST_P(KernelCompareTest, SimulatorAnswersEveryProbeAsTheKernelDoes) {
  const CompareCase& c = GetParam();
  auto topology = SimulatedChain(c.scenario);
  ASSERT_TRUE(topology.ok()) << topology.error().message;
  ASSERT_NO_FATAL_FAILURE(ApplyToKernel(c.scenario));

  // Step 1: the kernel's replies, as hoplab --live captured them.
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "mkdtemp failed";
  const std::string pcap = dir.path() + "/kernel.pcap";
  std::vector<std::string> argv = {*hoplab_, "trace", "--live", "-n"};
  argv.insert(argv.end(), c.method.flags.begin(), c.method.flags.end());
  argv.insert(argv.end(), c.scenario.flags.begin(), c.scenario.flags.end());
  argv.insert(argv.end(), {"--pcap", pcap, kTarget});
  ASSERT_NO_FATAL_FAILURE(RunIn("src", argv));
  PcapDatagrams records = ReadPcapDatagrams(pcap, /*ethernet=*/false);
  ASSERT_TRUE(records.error.empty()) << records.error;

  // Step 2: the same probes, at the same times after the first, into the
  // simulated chain.
  sim::TopologyNetwork network(*topology, topology->seed);
  RepliesByProbe kernel;
  RepliesByProbe simulated;
  size_t num_probes = 0;
  for (size_t i = 0; i < records.datagrams.size(); ++i) {
    const std::vector<uint8_t>& datagram = records.datagrams[i];
    auto header = crafter::ParseIpv4Header(datagram);
    ASSERT_TRUE(header.ok()) << "record " << i;
    if (header->source != kSource) {
      AddReply(datagram, kernel);
      continue;
    }
    ++num_probes;
    std::vector<sim::Delivery> deliveries;
    network.Send(datagram,
                 sim::kSimulationEpoch + (records.times[i] - records.times[0]),
                 deliveries);
    for (const sim::Delivery& delivery : deliveries) {
      AddReply(delivery.bytes, simulated);
    }
  }
  ASSERT_GT(num_probes, 0u);

  // Step 3: probe by probe, the same replies, or none from both.
  for (const auto& [probe, replies] : kernel) {
    auto it = simulated.find(probe);
    if (it == simulated.end()) {
      ADD_FAILURE() << "the kernel answered " << probe
                    << ", the simulator did not:\n  "
                    << DescribeReply(replies.front());
      continue;
    }
    ASSERT_EQ(replies.size(), it->second.size()) << probe;
    for (size_t k = 0; k < replies.size(); ++k) {
      EXPECT_EQ(replies[k], it->second[k])
          << "probe " << probe << "\nkernel:    " << DescribeReply(replies[k])
          << "\nsimulator: " << DescribeReply(it->second[k]);
    }
  }
  for (const auto& [probe, replies] : simulated) {
    EXPECT_TRUE(kernel.count(probe) != 0)
        << "the simulator answered " << probe << ", the kernel did not:\n  "
        << DescribeReply(replies.front());
  }
  EXPECT_EQ(kernel.size(), c.scenario.num_answered);
}

INSTANTIATE_TEST_SUITE_P(Chain, KernelCompareTest,
                         testing::ValuesIn(AllCases()),
                         [](const testing::TestParamInfo<CompareCase>& info) {
                           return info.param.method.name +
                                  info.param.scenario.name;
                         });

}  // namespace
}  // namespace hoplab::integration
