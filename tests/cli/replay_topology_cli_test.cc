// `hoplab replay --topology` as a user runs it: every capture of
// captures/MANIFEST that holds a trace becomes a topology file, and
// `hoplab trace --sim` on that file prints the capture's hop list. Runs
// the built binary (HOPLAB_BINARY); nothing here sends a packet.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "sim/topology_loader.h"
#include "sim/topology_writer.h"
#include "tests/integration/subprocess.h"
#include "tests/replay/pcap_test_util.h"

namespace hoplab::cli {
namespace {

using integration::CommandResult;
using nlohmann::json;
using testing::HasSubstr;
using testing::Not;
using testing_util::ReadFileBytes;
using testing_util::ReadText;
using testing_util::ScopedTempDir;
using testing_util::Split;

// "addr <MPLS:...> !X", "addr" or "*": what the text output shows of a
// probe with -e.
std::string Shown(const json& probe) {
  if (probe["from"].is_null()) {
    return "*";
  }
  std::string shown = probe["from"];
  if (probe.contains("extensions")) {
    for (const json& object : probe["extensions"]["objects"]) {
      shown += " <" + object["text"].get<std::string>() + ">";
    }
  }
  if (!probe["annotation"].is_null()) {
    shown += " " + probe["annotation"].get<std::string>();
  }
  return shown;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle]
                                : (values[middle - 1] + values[middle]) / 2;
}

// Each responder's RTTs per hop: (ttl, address) -> rtt_ms.
std::map<std::pair<int, std::string>, std::vector<double>> RoundTrips(
    const json& trace) {
  std::map<std::pair<int, std::string>, std::vector<double>> out;
  for (const json& hop : trace["hops"]) {
    for (const json& probe : hop["probes"]) {
      if (!probe["from"].is_null()) {
        out[{hop["ttl"].get<int>(), probe["from"].get<std::string>()}]
            .push_back(probe["rtt_ms"].get<double>());
      }
    }
  }
  return out;
}

// The word after `flag` in `words`, or "".
std::string FlagValue(const std::vector<std::string>& words,
                      const std::string& flag) {
  const auto found = std::find(words.begin(), words.end(), flag);
  return found == words.end() || found + 1 == words.end() ? "" : *(found + 1);
}

class ReplayTopologyCliTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* binary = std::getenv("HOPLAB_BINARY");
    ASSERT_NE(binary, nullptr) << "HOPLAB_BINARY names the hoplab binary";
    binary_ = binary;
  }

  CommandResult Hoplab(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {binary_};
    argv.insert(argv.end(), args.begin(), args.end());
    return integration::RunCommand(argv);
  }

  // The `hoplab trace` words replay --topology prints on stderr.
  static std::vector<std::string> RerunCommand(const std::string& err) {
    for (const std::string& line : Split(err, '\n')) {
      if (line.rfind("  hoplab trace ", 0) == 0) {
        std::vector<std::string> words;
        std::istringstream in(line);
        for (std::string word; in >> word;) {
          words.push_back(word);
        }
        return words;
      }
    }
    return {};
  }

  // A pcap holding both the ICMP and the UDP trace of hoplab's own runs.
  std::string TwoTraceCapture() {
    std::vector<uint8_t> bytes = ReadFileBytes("captures/hoplab-sim-icmp.pcap");
    const std::vector<uint8_t> more =
        ReadFileBytes("captures/hoplab-sim-udp.pcap");
    // The second file's records after its 24-byte file header: the same
    // link type and timestamp precision.
    bytes.insert(bytes.end(), more.begin() + 24, more.end());
    const std::string path = dir_.File("two.pcap");
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  std::string binary_;
  ScopedTempDir dir_;
};

// captures/MANIFEST: capture -> topology -> trace --sim gives the
// capture's hop list: addresses, stars and marks exactly, each responder's
// median RTT within 1 ms.
TEST_F(ReplayTopologyCliTest, EveryCaptureWithATraceReplaysOnItsTopology) {
  int num_traces = 0;
  for (const std::vector<std::string>& fields :
       testing_util::ManifestEntries("captures/MANIFEST")) {
    const std::string capture = "captures/" + fields[0];
    SCOPED_TRACE(capture);
    const CommandResult replay = Hoplab({"replay", "--json", capture});
    ASSERT_EQ(replay.exit_code, 0) << replay.err;
    const json traces = json::parse(replay.out)["traces"];
    const std::string topology = dir_.File("t.yaml");
    const CommandResult written =
        Hoplab({"replay", "-n", capture, "--topology", topology});
    if (traces.empty()) {
      EXPECT_EQ(written.exit_code, 1);
      EXPECT_THAT(written.err, HasSubstr("holds no trace to reproduce"));
      continue;
    }
    ASSERT_EQ(traces.size(), 1u);
    ASSERT_EQ(written.exit_code, 0) << written.err;
    const json& captured = traces[0];

    // Step: the suggested command sends the capture's probes.
    std::vector<std::string> words = RerunCommand(written.err);
    ASSERT_GE(words.size(), 6u) << written.err;
    EXPECT_EQ(FlagValue(words, "--sim"), topology);
    const std::string method = captured["method"];
    EXPECT_EQ(std::count(words.begin(), words.end(),
                         method == "icmp"  ? "-I"
                         : method == "udp" ? "-U"
                                           : "-T"),
              1);
    const json& hops = captured["hops"];
    EXPECT_GE(std::stoi(FlagValue(words, "-m")), hops.back()["ttl"].get<int>());
    const int first = hops.front()["ttl"];
    EXPECT_EQ(FlagValue(words, "-f"), first == 1 ? "" : std::to_string(first));
    size_t queries = 0;
    for (const json& hop : hops) {
      queries = std::max(queries, hop["probes"].size());
    }
    EXPECT_EQ(FlagValue(words, "-q"), std::to_string(queries));
    EXPECT_NE(std::find(words.begin(), words.end(),
                        captured["address"].get<std::string>()),
              words.end());

    // Step: run it, as JSON, and compare hop by hop.
    words.erase(words.begin());
    words.insert(words.begin() + 1, "--json");
    const CommandResult simulated = Hoplab(words);
    ASSERT_EQ(simulated.exit_code, 0) << simulated.err;
    const json trace = json::parse(simulated.out);
    ASSERT_EQ(trace["hops"].size(), hops.size()) << simulated.out;
    EXPECT_EQ(trace["reached"], captured["reached"]);
    for (size_t h = 0; h < hops.size(); ++h) {
      const json& want = hops[h]["probes"];
      const json& got = trace["hops"][h]["probes"];
      EXPECT_EQ(trace["hops"][h]["ttl"], hops[h]["ttl"]);
      ASSERT_GE(got.size(), want.size());
      // A capture cut short holds fewer probes at its last hop; the
      // simulated trace sends them all, its first ones compare.
      if (got.size() > want.size()) {
        EXPECT_EQ(h + 1, hops.size()) << "hop " << h + 1;
        EXPECT_THAT(written.err,
                    HasSubstr("hop " + hops[h]["ttl"].dump() + " holds"));
      }
      for (size_t q = 0; q < want.size(); ++q) {
        EXPECT_EQ(Shown(got[q]), Shown(want[q]))
            << "hop " << h + 1 << " probe " << q + 1;
      }
    }
    const auto want_rtts = RoundTrips(captured);
    const auto got_rtts = RoundTrips(trace);
    for (const auto& [where, rtts] : want_rtts) {
      ASSERT_EQ(got_rtts.count(where), 1u) << where.second;
      EXPECT_NEAR(Median(got_rtts.at(where)), Median(rtts), 1.0)
          << "hop " << where.first << " " << where.second;
    }
    ++num_traces;
  }
  EXPECT_GE(num_traces, 24);
}

// The file is a topology file: it loads, and written again from what was
// loaded it is the same file (its comment aside), so it reloads to the
// same network.
TEST_F(ReplayTopologyCliTest, TheWrittenFileLoadsAndReloadsToTheSameNetwork) {
  for (const char* capture :
       {"captures/hoplab-sim-udp.pcap", "captures/udp-prohibited.pcap",
        "captures/udp-unreach-net.pcap", "captures/icmp-silent-hop.pcap",
        "captures/c11-bogus-frag-needed.pcap"}) {
    const std::string path = dir_.File("reload.yaml");
    const CommandResult written =
        Hoplab({"replay", "-n", capture, "--topology", path});
    ASSERT_EQ(written.exit_code, 0) << written.err;
    const std::string text = ReadText(path);
    auto loaded = sim::LoadTopologyFile(path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    std::string uncommented;
    for (const std::string& line : Split(text, '\n')) {
      if (line.empty() || line[0] != '#') {
        uncommented += line + "\n";
      }
    }
    EXPECT_EQ(sim::SerializeTopology(*loaded), uncommented) << capture;
    EXPECT_EQ(loaded->name, std::filesystem::path(capture).stem().string());
    // The comment says how to re-run it.
    EXPECT_THAT(text, HasSubstr("#   hoplab trace -n --sim " + path));
  }
}

// c11: 198.51.100.30 answers the probe expiring there with Fragmentation
// Needed naming MTU 9000, and forwards the one with a TTL left to the
// target: the written router says so, and the re-run gives both hops.
TEST_F(ReplayTopologyCliTest, AMidPathUnreachableIsTheRoutersTtlExpiredReply) {
  const std::string path = dir_.File("c11.yaml");
  const CommandResult written =
      Hoplab({"replay", "-n", "captures/c11-bogus-frag-needed.pcap",
              "--topology", path});
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_THAT(written.err, Not(HasSubstr("differs from the capture")));
  EXPECT_THAT(ReadText(path),
              HasSubstr("address: 198.51.100.30, ttl_expired: {reply: "
                        "unreachable, code: 4, mtu: 9000}}"));
  std::vector<std::string> words = RerunCommand(written.err);
  ASSERT_GE(words.size(), 2u) << written.err;
  words.erase(words.begin());
  const CommandResult simulated = Hoplab(words);
  ASSERT_EQ(simulated.exit_code, 0) << simulated.err;
  EXPECT_THAT(simulated.out, HasSubstr(" 6  198.51.100.30  "));
  EXPECT_THAT(simulated.out, HasSubstr(" !F-9000\n 7  203.0.113.5  "));
}

TEST_F(ReplayTopologyCliTest, SeveralTracesNeedAChoiceNamingEach) {
  const std::string capture = TwoTraceCapture();
  const std::string topology = dir_.File("t.yaml");
  CommandResult run = Hoplab({"replay", "-n", capture, "--topology", topology});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("holds 2 traces; choose one with --trace N: "
                                 "1 (icmp to 198.51.100.7, 9 hops), 2 (udp "
                                 "to 198.51.100.7, 9 hops)"));
  EXPECT_EQ(run.out, "");
  EXPECT_FALSE(std::filesystem::exists(topology));

  run =
      Hoplab({"replay", "-n", capture, "--trace", "2", "--topology", topology});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  // Only the chosen trace is printed, and written.
  EXPECT_EQ(Split(run.out, '\n').size(), 10u) << run.out;
  EXPECT_THAT(run.err, HasSubstr("(trace 2)"));
  EXPECT_THAT(run.err, HasSubstr(" -U -p 33434 "));
  EXPECT_THAT(ReadText(topology), HasSubstr("name: two-2\n"));

  run = Hoplab({"replay", "-n", capture, "--trace", "3"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--trace 3: " + capture +
                                 " holds 2 trace(s): 1 (icmp"));
}

TEST_F(ReplayTopologyCliTest, ACaptureWithoutATraceWritesNothing) {
  const std::string topology = dir_.File("t.yaml");
  const CommandResult run = Hoplab(
      {"replay", "-n", "captures/c25-qinq-8200.pcap", "--topology", topology});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("--topology " + topology +
                                 ": captures/c25-qinq-8200.pcap holds no "
                                 "trace to reproduce; nothing written"));
  EXPECT_FALSE(std::filesystem::exists(topology));
}

TEST_F(ReplayTopologyCliTest, AnUnwritableTopologyPathFailsNamingIt) {
  const std::string topology = dir_.File("missing/t.yaml");
  const CommandResult run = Hoplab(
      {"replay", "-n", "captures/udp-prohibited.pcap", "--topology", topology});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("--topology " + topology +
                                 ": cannot write: No such file or directory"));
}

TEST_F(ReplayTopologyCliTest, RefusesToWriteOverTheCaptureItReads) {
  const std::string capture = dir_.File("c.pcap");
  std::filesystem::copy_file("captures/udp-prohibited.pcap", capture);
  const auto size = std::filesystem::file_size(capture);
  const CommandResult run =
      Hoplab({"replay", "-n", capture, "--topology", capture});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("would write over the capture it reads"));
  EXPECT_EQ(std::filesystem::file_size(capture), size);
}

}  // namespace
}  // namespace hoplab::cli
