// SIGINT and SIGTERM during a live trace with --pcap, and a --pcap path
// that cannot be written, on the chain of scripts/lab/chain.sh:
//
//   src 10.201.0.1 -- r1 -- r2 -- r3 (silent) -- r4 -- r5 -- dst 10.201.5.2
//
// Router 3 drops its Time Exceeded, so the trace still waits at hop 3
// when the signal comes. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN,
// CAP_NET_RAW), `ip netns`, tcpdump and timeout. Skips with the reason
// where any is missing, except under CI=true, where that is a failure.

#include <pcap/pcap.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "crafter/ipv4.h"
#include "crafter/ipv4_address.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "replay/capture_reader.h"
#include "tests/integration/chain_lab_test.h"
#include "tests/integration/lab_support.h"
#include "tests/integration/subprocess.h"
#include "tests/integration/trace_outcome.h"

namespace hoplab::integration {
namespace {

constexpr char kTarget[] = "10.201.5.2";
const crafter::Ipv4Address kSource =
    crafter::Ipv4Address::FromOctets(10, 201, 0, 1);
constexpr auto kStartTimeout = std::chrono::seconds(10);

std::string MissingPrerequisite() {
  return MissingChainPrerequisite({"tcpdump", "timeout", "unshare"});
}

struct StopSignal {
  std::string name;
  int number;
};

void PrintTo(const StopSignal& signal, std::ostream* os) { *os << signal.name; }

class LiveSignalLab : public SilentHopThreeChainTest {
 protected:
  static void SetUpTestSuite() { SetUpChain("hls", MissingPrerequisite()); }
  static void TearDownTestSuite() { TearDownChain(); }

  // The ICMP "OutEchos" count of the source namespace's /proc/net/snmp:
  // Echo Requests sent, raw IP_HDRINCL ones included.
  static long OutEchos() {
    CommandResult snmp = RunCommand(InNode("src", {"cat", "/proc/net/snmp"}));
    std::istringstream lines(snmp.out);
    std::string names;
    std::string values;
    while (std::getline(lines, names) && std::getline(lines, values)) {
      if (names.rfind("Icmp:", 0) != 0) {
        continue;
      }
      std::istringstream name_words(names);
      std::istringstream value_words(values);
      for (std::string name, value;
           name_words >> name && value_words >> value;) {
        if (name == "OutEchos") {
          return std::stol(value);
        }
      }
    }
    return -1;
  }
};

class LiveSignalTest : public LiveSignalLab,
                       public testing::WithParamInterface<StopSignal> {};

// Expects `path` to be a whole capture of `num_records` records for
// hoplab's own capture reader (every one read, none bad, the end reached
// without error) and for tcpdump -r (one line each, nothing truncated).
void ExpectEveryReaderReadsAll(const std::string& path, size_t num_records) {
  auto reader = replay::CaptureReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  size_t num_read = 0;
  for (;;) {
    auto next = (*reader)->Next();
    ASSERT_TRUE(next.ok()) << next.error().message;
    if (!next->has_value()) {
      break;
    }
    EXPECT_EQ((*next)->problem, "") << "record " << (*next)->number;
    EXPECT_EQ((*next)->link_type, uint32_t{DLT_RAW});
    ++num_read;
  }
  EXPECT_EQ(num_read, num_records);

  CommandResult tcpdump = RunCommand({"tcpdump", "-n", "-r", path});
  ASSERT_EQ(tcpdump.exit_code, 0) << tcpdump.err;
  EXPECT_EQ(tcpdump.err.find("truncated"), std::string::npos) << tcpdump.err;
  size_t num_lines = 0;
  for (char c : tcpdump.out) {
    num_lines += c == '\n' ? 1 : 0;
  }
  EXPECT_EQ(num_lines, num_records) << tcpdump.out;
}

TEST_P(LiveSignalTest, StopsWithTheHopsSoFarAndACompletePcap) {
  const StopSignal& stop = GetParam();
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "mkdtemp failed";
  const std::string pcap = dir.path() + "/trace.pcap";

  // Step 1: a trace that would wait 30 s at hop 3; hops 1 and 2 print
  // within milliseconds.
  auto trace = BackgroundCommand::Start(
      InNode("src", {*hoplab_, "trace", "--live", "-n", "-v", "-I", "-w",
                     "30,0,0", "--pcap", pcap, kTarget}),
      /*capture_stdout=*/true);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  ASSERT_TRUE((*trace)->WaitForStdout(" 2  10.201.1.2", kStartTimeout))
      << (*trace)->out() << (*trace)->err();

  // Step 2: the signal, while hop 3 waits.
  const auto signalled = std::chrono::steady_clock::now();
  const int status = (*trace)->Stop(stop.number);
  EXPECT_LT(std::chrono::steady_clock::now() - signalled,
            std::chrono::seconds(2))
      << "hoplab did not stop at once";
  EXPECT_EQ(status, 128 + stop.number) << (*trace)->err();

  // Step 3: the hops so far, hop 3 given up, the probes beyond it shown
  // with the replies they had.
  auto hops = ParseTracerouteText((*trace)->out());
  ASSERT_TRUE(hops.ok()) << hops.error().message << ": " << (*trace)->out();
  ASSERT_GE(hops->hops.size(), 3u) << (*trace)->out();
  EXPECT_THAT(DescribeHops(*hops),
              testing::StartsWith("1  10.201.0.2  10.201.0.2  10.201.0.2\n"
                                  "2  10.201.1.2  10.201.1.2  10.201.1.2\n"
                                  "3  *  *  *\n"));

  // Step 4: the capture is whole, read by libpcap, by hoplab's own reader
  // and by tcpdump, and holds every probe the trace counted as sent and
  // every datagram it received.
  auto counters = ParseVerboseCounters((*trace)->err());
  ASSERT_TRUE(counters.has_value()) << (*trace)->err();
  PcapDatagrams read = ReadPcapDatagrams(pcap, /*ethernet=*/false);
  ASSERT_TRUE(read.error.empty()) << read.error;
  EXPECT_EQ(read.link_type, DLT_RAW);
  size_t num_probes = 0;
  for (const auto& datagram : read.datagrams) {
    auto header = crafter::ParseIpv4Header(datagram);
    ASSERT_TRUE(header.ok());
    num_probes += header->source == kSource ? 1 : 0;
  }
  EXPECT_GE(counters->num_sent, 9u);
  EXPECT_EQ(num_probes, counters->num_sent);
  EXPECT_EQ(read.datagrams.size() - num_probes, counters->num_received);
  ExpectEveryReaderReadsAll(pcap, read.datagrams.size());
}

INSTANTIATE_TEST_SUITE_P(Signals, LiveSignalTest,
                         testing::Values(StopSignal{"Sigint", SIGINT},
                                         StopSignal{"Sigterm", SIGTERM}),
                         [](const testing::TestParamInfo<StopSignal>& info) {
                           return info.param.name;
                         });

class LivePcapPathTest : public LiveSignalLab {};

TEST_F(LivePcapPathTest, UnwritablePcapFailsBeforeAnyProbeLeaves) {
  const std::string pcap = "/nonexistent-hoplab-dir/trace.pcap";
  const long echos_before = OutEchos();
  ASSERT_GE(echos_before, 0) << "no Icmp OutEchos in /proc/net/snmp";

  std::vector<std::string> argv =
      InNode("src", {"timeout", kCommandTimeoutSeconds, *hoplab_, "trace",
                     "--live", "-n", "-I", "--pcap", pcap, kTarget});
  CommandResult result = RunCommand(argv);

  EXPECT_EQ(result.exit_code, 1) << result.Describe(argv);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find(pcap), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("No such file or directory"), std::string::npos)
      << result.err;
  EXPECT_EQ(OutEchos(), echos_before) << "probes left before the error";

  // The same trace with a writable path does send: the count sees probes.
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "mkdtemp failed";
  std::vector<std::string> writable =
      InNode("src", {"timeout", kCommandTimeoutSeconds, *hoplab_, "trace",
                     "--live", "-n", "-I", "-m", "2", "--pcap",
                     dir.path() + "/trace.pcap", kTarget});
  CommandResult sent = RunCommand(writable);
  EXPECT_EQ(sent.exit_code, 0) << sent.Describe(writable);
  EXPECT_EQ(OutEchos(), echos_before + 6);
}

TEST_F(LivePcapPathTest, FullDiskDuringATraceKeepsTheWholeRecordsBefore) {
  // A 16 KiB tmpfs, mounted in a mount namespace of the trace's own (the
  // host's mounts stay as they are), takes about ten records of 1400-byte
  // probes and their replies; the trace needs some forty.
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "mkdtemp failed";
  const std::string small_disk = dir.path() + "/small";
  ASSERT_TRUE(std::filesystem::create_directory(small_disk));
  const std::string pcap = small_disk + "/trace.pcap";
  const std::string kept = dir.path() + "/kept.pcap";
  std::vector<std::string> argv = {
      "timeout",
      kCommandTimeoutSeconds,
      "unshare",
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      "mount -t tmpfs -o size=16k hoplab-small \"$1\" || exit 99; "
      "ip netns exec \"$2\" \"$3\" trace --live -n -I -w 1,0,0 "
      "--pcap \"$1/trace.pcap\" \"$4\" 1400; status=$?; "
      "cp \"$1/trace.pcap\" \"$5\" || exit 98; exit $status",
      "sh",
      small_disk,
      *prefix_ + "-src",
      *hoplab_,
      kTarget,
      kept};
  CommandResult result = RunCommand(argv);

  // A clear error naming the file, the record and what is kept.
  EXPECT_EQ(result.exit_code, 1) << result.Describe(argv);
  const std::string keeps = "; the file keeps the ";
  const size_t at = result.err.find(keeps);
  ASSERT_NE(at, std::string::npos) << result.err;
  EXPECT_NE(result.err.find("pcap " + pcap + ": cannot write record "),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("No space left on device"), std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("written after close"), std::string::npos)
      << "one failure, one message: " << result.err;
  const size_t num_kept = std::stoul(result.err.substr(at + keeps.size()));
  EXPECT_GE(num_kept, 1u);

  // The file holds exactly those records, whole, for every reader.
  PcapDatagrams read = ReadPcapDatagrams(kept, /*ethernet=*/false);
  ASSERT_TRUE(read.error.empty()) << read.error;
  EXPECT_EQ(read.datagrams.size(), num_kept);
  ExpectEveryReaderReadsAll(kept, num_kept);
}

}  // namespace
}  // namespace hoplab::integration
