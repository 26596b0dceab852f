// `hoplab trace` as a user runs it: the built binary (HOPLAB_BINARY), on
// the built-in simulated network only. No test here passes --live, so none
// sends a packet.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crafter/byte_cursor.h"
#include "crafter/ipv4_address.h"
#include "tests/integration/subprocess.h"
#include "tests/replay/pcap_test_util.h"

namespace hoplab::cli {
namespace {

using integration::CommandResult;
using nlohmann::json;
using testing::HasSubstr;
using testing::StartsWith;
using testing_util::ReadFileBytes;
using testing_util::ReadPcap;
using testing_util::ScopedTempDir;

// The tracing host's address in the built-in network.
const crafter::Ipv4Address kHost =
    crafter::Ipv4Address::FromOctets(192, 0, 2, 100);

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

class TraceCliTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* binary = std::getenv("HOPLAB_BINARY");
    ASSERT_NE(binary, nullptr) << "HOPLAB_BINARY names the hoplab binary";
    binary_ = binary;
  }

  // Runs `hoplab trace <args>`.
  CommandResult Trace(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {binary_, "trace"};
    argv.insert(argv.end(), args.begin(), args.end());
    return integration::RunCommand(argv);
  }

  // Runs `hoplab trace --json <args>`, expects success, and parses stdout.
  json TraceJson(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    const CommandResult run = Trace(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    if (!json::accept(run.out)) {
      ADD_FAILURE() << "not JSON: " << run.out;
      return json::object();
    }
    return json::parse(run.out);
  }

  // The addresses each hop answered from, one string a hop.
  static std::vector<std::string> HopAddresses(const json& trace) {
    std::vector<std::string> out;
    for (const json& hop : trace["hops"]) {
      std::string addresses;
      for (const json& probe : hop["probes"]) {
        addresses += probe["from"].is_null() ? std::string("*")
                                             : probe["from"].get<std::string>();
        addresses += " ";
      }
      out.push_back(addresses);
    }
    return out;
  }

  std::string binary_;
  ScopedTempDir dir_;
};

// tests/cli/golden/MANIFEST names each golden file and the arguments that
// print it: every method, Paris, names and -n, text and JSON.
TEST_F(TraceCliTest, PrintsEveryGoldenTrace) {
  std::istringstream manifest(ReadText("tests/cli/golden/MANIFEST"));
  int num_goldens = 0;
  for (std::string line; std::getline(manifest, line);) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const size_t colon = line.find(':');
    ASSERT_NE(colon, std::string::npos) << "MANIFEST line: " << line;
    const std::string file = line.substr(0, colon);
    std::vector<std::string> args;
    std::istringstream words(line.substr(colon + 1));
    for (std::string word; words >> word;) {
      args.push_back(word);
    }
    SCOPED_TRACE("golden " + file);

    const CommandResult run = Trace(args);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, ReadText("tests/cli/golden/" + file));
    EXPECT_EQ(run.err, "");
    ++num_goldens;
  }
  EXPECT_GE(num_goldens, 10);
}

TEST_F(TraceCliTest, RepeatsOutputAndCaptureByteForByte) {
  ScopedTempDir first_dir;
  ScopedTempDir second_dir;
  const std::string first_pcap = first_dir.File("trace.pcap");
  const std::string second_pcap = second_dir.File("trace.pcap");

  const CommandResult first = Trace({"--pcap", first_pcap, "198.51.100.7"});
  const CommandResult second = Trace({"--pcap", second_pcap, "198.51.100.7"});

  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(first.out, second.out);
  const std::vector<uint8_t> first_bytes = ReadFileBytes(first_pcap);
  ASSERT_FALSE(first_bytes.empty());
  EXPECT_TRUE(first_bytes == ReadFileBytes(second_pcap))
      << "the two captures differ";
}

// The counts `-v` reports: "hoplab: N probes sent, M datagrams received..."
struct Counters {
  uint64_t num_sent = 0;
  uint64_t num_received = 0;
};

Counters ParseCounters(const std::string& err) {
  static const std::regex kLine(
      R"(hoplab: (\d+) probes sent, (\d+) datagrams received)");
  std::smatch match;
  Counters counters;
  if (std::regex_search(err, match, kLine)) {
    counters.num_sent = std::stoull(match[1]);
    counters.num_received = std::stoull(match[2]);
  } else {
    ADD_FAILURE() << "no counters in stderr: " << err;
  }
  return counters;
}

struct CaptureCountCase {
  std::string name;
  std::vector<std::string> flags;
};

void PrintTo(const CaptureCountCase& c, std::ostream* os) { *os << c.name; }

class TraceCliCaptureTest
    : public TraceCliTest,
      public testing::WithParamInterface<CaptureCountCase> {};

TEST_P(TraceCliCaptureTest, CapturesEveryProbeSentAndEveryReplyReceived) {
  const std::string pcap = dir_.File("trace.pcap");
  std::vector<std::string> args = GetParam().flags;
  args.insert(args.end(), {"-v", "--pcap", pcap, "198.51.100.7"});

  const CommandResult run = Trace(args);

  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Counters counters = ParseCounters(run.err);
  auto read = ReadPcap(pcap);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->records.size(), counters.num_sent + counters.num_received);
  uint64_t num_from_host = 0;
  for (const testing_util::PcapRecord& record : read->records) {
    ASSERT_GE(record.bytes.size(), 20u);
    const crafter::Ipv4Address source((uint32_t{record.bytes[12]} << 24) |
                                      (uint32_t{record.bytes[13]} << 16) |
                                      (uint32_t{record.bytes[14]} << 8) |
                                      uint32_t{record.bytes[15]});
    num_from_host += source == kHost ? 1 : 0;
  }
  EXPECT_EQ(num_from_host, counters.num_sent);
}

INSTANTIATE_TEST_SUITE_P(
    Flags, TraceCliCaptureTest,
    testing::Values(CaptureCountCase{"Defaults", {}},
                    CaptureCountCase{"OneInFlight", {"-N", "1"}},
                    CaptureCountCase{"ShortWait", {"-w", "0.005", "-m", "6"}}),
    [](const testing::TestParamInfo<CaptureCountCase>& info) {
      return info.param.name;
    });

TEST_F(TraceCliTest, StopsAtMaxHopsWithoutReachingTheTarget) {
  const json trace = TraceJson({"-m", "3", "198.51.100.7"});

  EXPECT_EQ(trace["reached"], false);
  ASSERT_EQ(trace["hops"].size(), 3u);
  EXPECT_EQ(trace["hops"][2]["ttl"], 3);

  const CommandResult text = Trace({"-n", "-m", "3", "198.51.100.7"});
  const std::vector<std::string> lines = Lines(text.out);
  ASSERT_EQ(lines.size(), 4u) << text.out;
  EXPECT_THAT(lines[0], HasSubstr(", 3 hops max,"));
  EXPECT_THAT(lines[3], StartsWith(" 3  "));
}

TEST_F(TraceCliTest, SendsOneProbePerHopWithOneQuery) {
  const json trace = TraceJson({"-q", "1", "198.51.100.7"});

  EXPECT_EQ(trace["reached"], true);
  ASSERT_FALSE(trace["hops"].empty());
  for (const json& hop : trace["hops"]) {
    EXPECT_EQ(hop["probes"].size(), 1u) << "hop " << hop["ttl"];
  }

  const CommandResult text = Trace({"-n", "-q", "1", "198.51.100.7"});
  const std::vector<std::string> lines = Lines(text.out);
  ASSERT_GT(lines.size(), 1u);
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_THAT(lines[i],
                testing::MatchesRegex(R"( ?[0-9]+  [0-9.]+  [0-9.]+ ms)"))
        << lines[i];
  }
}

TEST_F(TraceCliTest, StartsAtTheFirstTtl) {
  // Paris probes keep one flow whatever -f shifts in their sequence
  // numbers, so the balanced hop 4 answers from the same router.
  const json full = TraceJson({"--paris", "198.51.100.7"});
  const json from_four = TraceJson({"--paris", "-f", "4", "198.51.100.7"});

  ASSERT_GT(full["hops"].size(), 4u);
  EXPECT_EQ(from_four["reached"], true);
  ASSERT_EQ(from_four["hops"].size(), full["hops"].size() - 3);
  EXPECT_EQ(from_four["hops"][0]["ttl"], 4);
  const std::vector<std::string> all = HopAddresses(full);
  EXPECT_EQ(HopAddresses(from_four),
            std::vector<std::string>(all.begin() + 3, all.end()));

  const CommandResult text = Trace({"-n", "-f", "4", "198.51.100.7"});
  const std::vector<std::string> lines = Lines(text.out);
  ASSERT_GT(lines.size(), 1u);
  EXPECT_THAT(lines[1], StartsWith(" 4  "));
}

TEST_F(TraceCliTest, FindsTheSameHopsWithOneProbeInFlight) {
  const json many = TraceJson({"198.51.100.7"});
  const json one = TraceJson({"-N", "1", "198.51.100.7"});

  EXPECT_EQ(one["reached"], true);
  EXPECT_EQ(HopAddresses(one), HopAddresses(many));

  // One in flight sends nothing past the target: 3 probes a hop exactly.
  const CommandResult run = Trace({"-v", "-N", "1", "198.51.100.7"});
  EXPECT_EQ(ParseCounters(run.err).num_sent, 3 * one["hops"].size());
}

TEST_F(TraceCliTest, PrintsStarsForHopsSlowerThanTheWait) {
  // Hop 1 answers in about 0.5 ms, hop 2 in about 8 ms.
  const CommandResult run =
      Trace({"-n", "-w", "0.001", "-m", "4", "198.51.100.7"});

  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 5u) << run.out;
  EXPECT_THAT(lines[1], StartsWith(" 1  192.0.2.1  "));
  EXPECT_EQ(lines[2], " 2  * * *");
  EXPECT_EQ(lines[3], " 3  * * *");
  EXPECT_EQ(lines[4], " 4  * * *");
  EXPECT_EQ(TraceJson({"-w", "0.001", "-m", "4", "198.51.100.7"})["reached"],
            false);
}

struct BadUsageCase {
  std::string name;
  std::vector<std::string> args;
  // What the one line on stderr must name.
  std::string named;
  // 2 for a usage error, 1 for a trace that cannot run (README, Usage).
  int exit_code = 2;
};

void PrintTo(const BadUsageCase& c, std::ostream* os) { *os << c.name; }

class TraceCliBadUsageTest : public TraceCliTest,
                             public testing::WithParamInterface<BadUsageCase> {
};

TEST_P(TraceCliBadUsageTest, FailsWithOneLineNamingTheProblemAndNoOutput) {
  const CommandResult run = Trace(GetParam().args);

  EXPECT_EQ(run.exit_code, GetParam().exit_code);
  EXPECT_EQ(run.out, "");
  const std::vector<std::string> lines = Lines(run.err);
  ASSERT_EQ(lines.size(), 1u) << run.err;
  EXPECT_EQ(run.err.back(), '\n');
  EXPECT_THAT(lines[0], StartsWith("hoplab: "));
  EXPECT_THAT(lines[0], HasSubstr(GetParam().named));
}

INSTANTIATE_TEST_SUITE_P(
    Flags, TraceCliBadUsageTest,
    testing::Values(
        BadUsageCase{"MaxHopsZero", {"-m", "0", "198.51.100.7"}, "--max-hops"},
        BadUsageCase{
            "ElevenQueries", {"-q", "11", "198.51.100.7"}, "--queries"},
        BadUsageCase{"ZeroWait", {"-w", "0", "198.51.100.7"}, "-w"},
        BadUsageCase{"FirstTtlAboveMaxHops",
                     {"-f", "9", "-m", "3", "198.51.100.7"},
                     "-f"},
        BadUsageCase{"UnknownFlag",
                     {"--bogus", "198.51.100.7"},
                     "--bogus (hoplab COMMAND --help lists the options)"},
        BadUsageCase{"MissingTarget", {}, "target"},
        BadUsageCase{
            "HostNameWithoutLive", {"www.example.com"}, "www.example.com"},
        // A flag takes no value: --json=0 is not a way to turn it off.
        BadUsageCase{"ValueForAFlag", {"--json=0", "198.51.100.7"}, "json"},
        BadUsageCase{"NegativeSeed", {"--seed", "-1", "198.51.100.7"}, "-1"},
        BadUsageCase{
            "PcapAndDotInOneFile",
            {"--pcap", "same.out", "--dot", "same.out", "198.51.100.7"},
            "same.out"},
        BadUsageCase{"DotInAMissingDirectory",
                     {"--dot", "/nonexistent-hoplab-dir/x.dot", "198.51.100.7"},
                     "/nonexistent-hoplab-dir/x.dot",
                     1},
        // A word where a number belongs is called what it is, not "out of
        // range"; the range is the real one (28: no probe is smaller).
        BadUsageCase{"WordForPacketLength",
                     {"198.51.100.7", "abc"},
                     "packet_length: expected a whole number from 28 to "
                     "65000, got 'abc'"},
        BadUsageCase{"PacketLengthBelowEveryProbe",
                     {"198.51.100.7", "27"},
                     "packet_length: expected a whole number from 28 to "
                     "65000, got '27'"},
        BadUsageCase{"FractionOfAQuery",
                     {"-q", "1.5", "198.51.100.7"},
                     "--queries: expected a whole number from 1 to 10, got "
                     "'1.5'"},
        BadUsageCase{"HexadecimalTos",
                     {"-t", "0x10", "198.51.100.7"},
                     "--tos: expected a whole number from 0 to 255, got "
                     "'0x10'"},
        // Classic UDP and TCP probes count a port up, one per probe; the
        // ports left up to 65535 must hold a trace's 120 (30 TTLs x (3 +
        // 1 re-ask)), or a report's two cycles of 60.
        BadUsageCase{"UdpPortTooCloseToTheTop",
                     {"-U", "-p", "65530", "198.51.100.7"},
                     "-p 65530 leaves 6 ports up to 65535, but one trace may "
                     "send 120 probes"},
        BadUsageCase{"TcpSourcePortTooCloseToTheTop",
                     {"-T", "--sport", "65530", "198.51.100.7"},
                     "--sport must be at most 65416"},
        BadUsageCase{
            "ReportPortTooCloseToTheTop",
            {"-U", "--report", "-c", "2", "-p", "65450", "198.51.100.7"},
            "two report cycles in a row may send 120 probes (2 x 30 "
            "TTLs x (-q 1 + --limit-retries 1)), one port each: -p "
            "must be at most 65416"},
        BadUsageCase{"SeedAbove64Bits",
                     {"--seed", "18446744073709551616", "198.51.100.7"},
                     "18446744073709551616"}),
    [](const testing::TestParamInfo<BadUsageCase>& info) {
      return info.param.name;
    });

struct PortRangeCase {
  std::string name;
  std::vector<std::string> flags;
  // The port counted up, one per probe: -p's or --sport's.
  uint16_t first_port;
};

void PrintTo(const PortRangeCase& c, std::ostream* os) { *os << c.name; }

class TraceCliPortRangeTest
    : public TraceCliTest,
      public testing::WithParamInterface<PortRangeCase> {};

// The largest -p or --sport a trace takes, and a report long enough to
// go round its ports several times: no probe in the capture carries port
// 0 or one below the first, every port up to 65535 is used, and every
// cycle finds the target.
TEST_P(TraceCliPortRangeTest, CapturesNoProbeWithPortZero) {
  const PortRangeCase& c = GetParam();
  const std::string pcap = dir_.File("ports.pcap");
  std::vector<std::string> args = c.flags;
  args.insert(args.end(), {"-n", "--pcap", pcap, "198.51.100.7"});

  const CommandResult run = Trace(args);

  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto read = ReadPcap(pcap);
  ASSERT_TRUE(read.ok()) << read.error().message;
  std::set<uint16_t> ports;
  size_t num_probes = 0;
  for (const testing_util::PcapRecord& record : read->records) {
    ASSERT_GE(record.bytes.size(), 28u);
    const crafter::Ipv4Address source(crafter::LoadU32(record.bytes, 12));
    if (source != kHost) {
      continue;
    }
    // UDP: the destination port; TCP: the source port.
    const bool udp = record.bytes[9] == 17;
    const uint16_t port = crafter::LoadU16(record.bytes, udp ? 22 : 20);
    ASSERT_NE(port, 0) << "probe " << num_probes;
    ASSERT_GE(port, c.first_port) << "probe " << num_probes;
    ports.insert(port);
    ++num_probes;
  }
  EXPECT_EQ(ports.size(), 65536 - size_t{c.first_port});
  EXPECT_GT(num_probes, ports.size()) << "the ports did not come round";
  EXPECT_THAT(run.out,
              testing::ContainsRegex(R"([|]-- 198\.51\.100\.7 +0\.0%)"));
}

INSTANTIATE_TEST_SUITE_P(
    Methods, TraceCliPortRangeTest,
    testing::Values(
        // 30 TTLs x (1 + 1 re-ask) a cycle, two cycles: 120 ports.
        PortRangeCase{
            "UdpReport",
            {"-U", "-p", "65416", "--report", "-c", "20", "--interval", "0"},
            65416},
        PortRangeCase{"TcpReport",
                      {"-T", "--sport", "65416", "--report", "-c", "20",
                       "--interval", "0"},
                      65416}),
    [](const testing::TestParamInfo<PortRangeCase>& info) {
      return info.param.name;
    });

// `sim serve` reads its topology as `trace --sim` does, and a file it
// cannot read is the same usage error (status 2), found before any
// namespace or device is made, so this runs without privilege.
TEST_F(TraceCliTest, SimServeRefusesAnUnreadableTopologyAsTraceDoes) {
  const std::string missing = "/nonexistent-hoplab-dir/t.yaml";
  const CommandResult serve = integration::RunCommand(
      {binary_, "sim", "serve", "--current-netns", "--sim", missing});
  const CommandResult trace = Trace({"--sim", missing, "203.0.113.5"});

  EXPECT_EQ(serve.exit_code, 2);
  EXPECT_EQ(trace.exit_code, 2);
  EXPECT_EQ(serve.err, trace.err);
  EXPECT_THAT(serve.err, HasSubstr(missing));
}

// What cannot be a topology is refused at once with the reason, exit 2;
// timeout(1) turns a hang on /dev/zero into a failure.
TEST_F(TraceCliTest, RefusesWhatCannotBeATopologyFileWithTheReason) {
  const std::string nuls = dir_.File("nuls.yaml");
  std::ofstream(nuls, std::ios::binary) << std::string(64, '\0');
  struct Case {
    std::string path;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"/dev/zero", "topology /dev/zero: is a device, not a topology file"},
      {dir_.path().string(), "topology " + dir_.path().string() +
                                 ": is a directory, not a topology file"},
      {"/nonexistent-hoplab-dir/t.yaml",
       "topology /nonexistent-hoplab-dir/t.yaml: cannot be read: No such "
       "file or directory"},
      {nuls, "topology " + nuls +
                 ", line 1, column 3: unknown escape character: \\0"},
  };
  for (const Case& c : cases) {
    const CommandResult run =
        integration::RunCommand({"timeout", "-s", "KILL", "20", binary_,
                                 "trace", "--sim", c.path, "203.0.113.9"});
    EXPECT_EQ(run.exit_code, 2) << c.path << ": " << run.err;
    EXPECT_EQ(run.err, "hoplab: " + c.says + "\n");
    EXPECT_EQ(run.out, "") << c.path;
  }
}

// A topology cannot make a multicast address a target, as the built-in
// network routes none: no Echo Reply from 224.0.0.5.
TEST_F(TraceCliTest, RefusesATopologyWhoseTargetIsMulticast) {
  const std::string path = dir_.File("mc.yaml");
  std::ofstream(path) << "targets: [{id: t, address: 224.0.0.5}]\n"
                         "links: [{between: [host, t]}]\n";
  const CommandResult run = Trace({"-n", "--sim", path, "224.0.0.5"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "hoplab: topology " + path +
                         ", line 1, key targets[0].address: expected a "
                         "unicast address, got '224.0.0.5' (0.0.0.0/8, "
                         "multicast 224.0.0.0/4 and the reserved and "
                         "broadcast 240.0.0.0/4 are not)\n");
}

// As with traceroute's getopt, a repeated option's last value counts.
TEST_F(TraceCliTest, TakesTheLastValueOfARepeatedOption) {
  EXPECT_EQ(TraceJson({"-m", "3", "-m", "5", "198.51.100.7"})["hops"].size(),
            5u);
}

// Results that cannot be written are not a success: /dev/full fails
// every write with ENOSPC, as a full disk does.
TEST_F(TraceCliTest, FailsWhenTheResultsCannotBeWritten) {
  for (const std::string format : {"", "--json", "--report -c 2"}) {
    SCOPED_TRACE(format);
    const CommandResult run = integration::RunCommand(
        {"sh", "-c",
         "exec \"$0\" trace -n " + format + " 198.51.100.7 >/dev/full",
         binary_});

    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.err, HasSubstr("results could not be written"));
  }
}

TEST_F(TraceCliTest, FailsBeforeAnyOutputWhenThePcapCannotBeCreated) {
  const std::string pcap = dir_.File("missing/trace.pcap");

  const CommandResult run = Trace({"--pcap", pcap, "198.51.100.7"});

  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  const std::vector<std::string> lines = Lines(run.err);
  ASSERT_EQ(lines.size(), 1u) << run.err;
  EXPECT_THAT(lines[0], HasSubstr(pcap));
}

}  // namespace
}  // namespace hoplab::cli
