// `hoplab replay` as a user runs it: the built binary (HOPLAB_BINARY) on
// every capture in captures/ and on broken files made here. Nothing here
// sends a packet.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/subprocess.h"
#include "tests/replay/pcap_test_util.h"

namespace hoplab::cli {
namespace {

using integration::CommandResult;
using testing::HasSubstr;
using testing_util::ReadFileBytes;
using testing_util::ReadText;
using testing_util::ScopedTempDir;
using testing_util::Split;

// Compares one printed line with the expected one: every word equal,
// except a number before "ms", which may differ by up to 1 ms.
void ExpectLineMatches(const std::string& actual, const std::string& expected,
                       const std::string& where) {
  std::vector<std::string> got;
  std::vector<std::string> want;
  std::istringstream a(actual);
  std::istringstream b(expected);
  for (std::string word; a >> word;) got.push_back(word);
  for (std::string word; b >> word;) want.push_back(word);
  ASSERT_EQ(got.size(), want.size())
      << where << "\n  got:  " << actual << "\n  want: " << expected;
  for (size_t i = 0; i < got.size(); ++i) {
    const bool is_rtt = i + 1 < want.size() && want[i + 1] == "ms";
    if (is_rtt) {
      EXPECT_NEAR(std::stod(got[i]), std::stod(want[i]), 1.0)
          << where << ": RTT " << i << "\n  got:  " << actual;
    } else {
      EXPECT_EQ(got[i], want[i]) << where << "\n  got:  " << actual;
    }
  }
}

class ReplayCliTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* binary = std::getenv("HOPLAB_BINARY");
    ASSERT_NE(binary, nullptr) << "HOPLAB_BINARY names the hoplab binary";
    binary_ = binary;
  }

  CommandResult Replay(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {binary_, "replay"};
    argv.insert(argv.end(), args.begin(), args.end());
    return integration::RunCommand(argv);
  }

  std::string binary_;
  ScopedTempDir dir_;
};

// captures/MANIFEST: every capture replays to its expected output.
TEST_F(ReplayCliTest, ReplaysEveryCaptureInTheManifestToItsExpectedOutput) {
  int num_captures = 0;
  for (const std::vector<std::string>& fields :
       testing_util::ManifestEntries("captures/MANIFEST")) {
    ASSERT_EQ(fields.size(), 3u) << "MANIFEST line: " << fields[0];
    const std::string capture = "captures/" + fields[0];
    const std::string expected = ReadText("captures/" + fields[1]);
    const CommandResult run = Replay({"-n", capture});
    EXPECT_EQ(run.exit_code, 0) << capture << ": " << run.err;
    const std::vector<std::string> got = Split(run.out, '\n');
    const std::vector<std::string> want = Split(expected, '\n');
    ASSERT_EQ(got.size(), want.size()) << capture << " printed:\n" << run.out;
    for (size_t i = 0; i < got.size(); ++i) {
      ExpectLineMatches(got[i], want[i], capture);
    }
    ++num_captures;
  }
  EXPECT_GE(num_captures, 20);
}

// The lab captures that hold every probe the tool printed replay to the
// tool's own hop list (addresses and marks; RTTs within 1 ms).
TEST_F(ReplayCliTest, PrintsTheToolsOwnHopListWhereTheCaptureHoldsAllProbes) {
  for (const char* name :
       {"icmp-pcapng", "udp-prohibited", "udp-unreach-net"}) {
    const std::string base = std::string("captures/") + name;
    const CommandResult run =
        Replay({"-n", base + (std::string(name) == "icmp-pcapng" ? ".pcapng"
                                                                 : ".pcap")});
    const std::vector<std::string> got = Split(run.out, '\n');
    const std::vector<std::string> want = Split(ReadText(base + ".txt"), '\n');
    ASSERT_EQ(got.size(), want.size()) << name << ":\n" << run.out;
    for (size_t i = 1; i < got.size(); ++i) {
      ExpectLineMatches(got[i], want[i], name);
    }
  }
}

TEST_F(ReplayCliTest, ReadsAVendorTagTypeWhenToldTo) {
  const CommandResult without = Replay({"-n", "captures/c25-qinq-8200.pcap"});
  EXPECT_EQ(without.out, "");
  EXPECT_THAT(without.err, HasSubstr("6 records of unknown EtherType 0x8200"));

  const CommandResult with =
      Replay({"-n", "--tag-type", "0x8200", "captures/c25-qinq-8200.pcap"});
  EXPECT_EQ(with.exit_code, 0) << with.err;
  // The same hop lines as the 0x9100 case; the header names the file.
  const std::vector<std::string> got = Split(with.out, '\n');
  const std::vector<std::string> want =
      Split(ReadText("captures/c25-qinq-9100.expected"), '\n');
  ASSERT_EQ(got.size(), want.size()) << with.out;
  EXPECT_THAT(got[0], HasSubstr("c25-qinq-8200.pcap (capture)"));
  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(got[i], want[i]);
  }
}

// tcpdump prints EtherTypes in hexadecimal: 8200 is 0x8200.
TEST_F(ReplayCliTest, ReadsATagTypeWithoutItsPrefixAsHexadecimal) {
  const CommandResult with_prefix =
      Replay({"-n", "--tag-type", "0x8200", "captures/c25-qinq-8200.pcap"});
  const CommandResult bare =
      Replay({"-n", "--tag-type", "8200", "captures/c25-qinq-8200.pcap"});
  EXPECT_EQ(bare.exit_code, 0) << bare.err;
  EXPECT_NE(bare.out, "");
  EXPECT_EQ(bare.out, with_prefix.out);
}

// A tag type that every datagram's own EtherType (or a frame length)
// would match loses every trace: refused, status 2, nothing printed.
TEST_F(ReplayCliTest, RefusesATagTypeThatNamesIpArpIpv6OrALength) {
  const struct {
    const char* value;
    const char* says;
  } refused[] = {
      {"0x0800", "0x0800 is IPv4's EtherType"},
      {"800", "0x0800 is IPv4's EtherType"},
      {"0x0806", "0x0806 is ARP's EtherType"},
      {"0x86DD", "0x86dd is IPv6's EtherType"},
      {"0x05dc", "0x05dc is a frame length"},
      {"0", "0x0000 is a frame length"},
      {"0x10000", "expected a hexadecimal EtherType"},
      {"-8200", "expected a hexadecimal EtherType"},
      {"0x", "expected a hexadecimal EtherType"},
      {"82zz", "expected a hexadecimal EtherType"},
  };
  for (const auto& tag : refused) {
    const CommandResult run =
        Replay({"-n", "--tag-type", tag.value, "captures/c25-qinq-9100.pcap"});
    EXPECT_EQ(run.exit_code, 2) << tag.value;
    EXPECT_EQ(run.out, "") << tag.value;
    EXPECT_THAT(run.err,
                HasSubstr(std::string("--tag-type ") + tag.value + ": "))
        << tag.value;
    EXPECT_THAT(run.err, HasSubstr(tag.says)) << tag.value;
  }
}

TEST_F(ReplayCliTest, NamesStandardInputStdinInTheHeader) {
  const CommandResult run = integration::RunCommand(
      {"sh", "-c", "exec \"$0\" replay -n - < captures/c25-qinq-9100.pcap",
       binary_});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> got = Split(run.out, '\n');
  const std::vector<std::string> want =
      Split(ReadText("captures/c25-qinq-9100.expected"), '\n');
  ASSERT_EQ(got.size(), want.size()) << run.out;
  EXPECT_THAT(got[0], HasSubstr(", stdin (capture) network"));
  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(got[i], want[i]);
  }
}

TEST_F(ReplayCliTest, SaysInOneStderrLineThatNoTraceWasFound) {
  // A capture of its file header alone: valid, and empty.
  const std::vector<uint8_t> bytes =
      ReadFileBytes("captures/c23-offload-and-padding.pcap");
  ASSERT_GE(bytes.size(), 24u);
  const std::string path = dir_.File("empty.pcap");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), 24);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-n", path},
        std::vector<std::string>{"-n", "-v", path}}) {
    const CommandResult run = Replay(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "");
    const std::vector<std::string> lines = Split(run.err, '\n');
    ASSERT_EQ(lines.size(), 1u) << run.err;
    EXPECT_THAT(lines[0], HasSubstr(path + ": no trace found in 0 records"));
  }
}

// -v names each probe that left with a wrong checksum, as tcpdump -v
// flags it, and counts offloaded ones apart, never as wrong.
TEST_F(ReplayCliTest, VerboseNamesWrongProbeChecksumsAndCountsOffloadedOnes) {
  const std::string wrong_path = "captures/c20-odd-length-wrong-checksum.pcap";
  const CommandResult wrong = Replay({"-n", "-v", wrong_path});
  EXPECT_EQ(wrong.exit_code, 0) << wrong.err;
  EXPECT_THAT(wrong.err, HasSubstr("2 probes (2 wrong checksum, 0 unverified "
                                   "(offloaded))"));
  EXPECT_THAT(wrong.err,
              HasSubstr(wrong_path + ", record 1: probe 192.0.2.10 > "
                                     "203.0.113.5 TTL 4: wrong icmp cksum "
                                     "ac37 (->489b)\n"));
  EXPECT_THAT(wrong.err,
              HasSubstr(wrong_path + ", record 2: probe 192.0.2.10 > "
                                     "203.0.113.5 TTL 4: wrong icmp cksum "
                                     "ac9a (->489a)\n"));
  // Without -v stdout alone, the hop lines.
  const CommandResult quiet = Replay({"-n", wrong_path});
  EXPECT_EQ(quiet.err, "");

  for (const char* name : {"captures/c23-offload-and-padding.pcap",
                           "captures/c23-offload-udp-partial.pcap"}) {
    const CommandResult offloaded = Replay({"-n", "-v", name});
    EXPECT_THAT(offloaded.err,
                HasSubstr("2 probes (0 wrong checksum, 2 unverified "
                          "(offloaded))"))
        << name;
    EXPECT_THAT(offloaded.err, testing::Not(HasSubstr(" cksum "))) << name;
  }

  const CommandResult foreign =
      Replay({"-n", "-v", "captures/c07-foreign-icmp.pcap"});
  EXPECT_THAT(foreign.err, HasSubstr("4 ignored as foreign ICMP"));
}

TEST_F(ReplayCliTest, PrintsTracesAsHoplabTraceJsonUnderTraces) {
  const CommandResult run = Replay({"--json", "captures/udp-prohibited.pcap"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_TRUE(nlohmann::json::accept(run.out)) << run.out;
  const nlohmann::json out = nlohmann::json::parse(run.out);
  ASSERT_EQ(out["traces"].size(), 1u);
  const nlohmann::json& trace = out["traces"][0];
  EXPECT_EQ(trace["address"], "10.201.5.2");
  EXPECT_EQ(trace["method"], "udp");
  EXPECT_EQ(trace["network"], "udp-prohibited.pcap (capture)");
  EXPECT_EQ(trace["reached"], false);
  ASSERT_EQ(trace["hops"].size(), 5u);
  EXPECT_EQ(trace["hops"][4]["probes"][0]["from"], "10.201.3.2");
  EXPECT_EQ(trace["hops"][4]["probes"][0]["annotation"], "!X");
}

// Every prefix of a real capture, and garbage: a clear message, no crash
// (a signal would show as exit code 128 + n).
TEST_F(ReplayCliTest, EveryTruncationOfACaptureGivesAClearErrorAndNoCrash) {
  const std::vector<uint8_t> bytes =
      ReadFileBytes("captures/c23-offload-and-padding.pcap");
  ASSERT_FALSE(bytes.empty());
  const std::string path = dir_.File("cut.pcap");
  for (size_t size = 0; size < bytes.size(); ++size) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(size));
    const CommandResult run = Replay({"-n", path});
    ASSERT_LE(run.exit_code, 1) << "size " << size << ": " << run.err;
    if (size < 24) {
      EXPECT_EQ(run.exit_code, 1) << "size " << size;
      EXPECT_THAT(run.err, HasSubstr(path)) << "size " << size;
    }
  }
}

TEST_F(ReplayCliTest, RejectsGarbageAndAWrongMagicNamingTheFile) {
  const std::string path = dir_.File("garbage.pcap");
  std::ofstream(path, std::ios::binary) << std::string(100, 'x');
  CommandResult run = Replay({"-n", path});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(path + ": "));
  EXPECT_EQ(run.out, "");

  run = Replay({"-n", dir_.File("missing.pcap")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("cannot open"));
}

// Endless input that is no capture fails at its first four bytes, as a
// regular file with a wrong magic does, instead of being read on forever;
// timeout(1) turns a regression into a failure rather than a hang.
TEST_F(ReplayCliTest, RefusesEndlessInputThatIsNoCaptureAtItsMagic) {
  const std::string zeros = dir_.File("zeros.pcap");
  std::ofstream(zeros, std::ios::binary) << std::string(100, '\0');
  const CommandResult regular = Replay({"-n", zeros});
  ASSERT_EQ(regular.exit_code, 1) << regular.err;
  ASSERT_EQ(regular.err, "hoplab: " + zeros + ": unknown file format\n");

  const std::string fifo = dir_.File("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  struct Case {
    const char* name;
    std::string script;
    std::string called;
  };
  const std::vector<Case> cases = {
      {"a device", "exec \"$0\" replay -n /dev/zero", "/dev/zero"},
      {"stdin from a device", "exec \"$0\" replay -n - < /dev/zero", "stdin"},
      {"an endless pipe", "cat /dev/zero | \"$0\" replay -n -", "stdin"},
      {"a FIFO", "cat /dev/zero > " + fifo + " & exec \"$0\" replay -n " + fifo,
       fifo},
  };
  for (const Case& c : cases) {
    const CommandResult run = integration::RunCommand(
        {"timeout", "-s", "KILL", "20", "sh", "-c", c.script, binary_});
    EXPECT_EQ(run.exit_code, regular.exit_code) << c.name << ": " << run.err;
    EXPECT_EQ(run.err, "hoplab: " + c.called + ": unknown file format\n")
        << c.name;
    EXPECT_EQ(run.out, "") << c.name;
  }
}

// A link type hoplab does not read is the whole file's fault: one line,
// exit 1, no record read, not one error per record and "no trace found".
TEST_F(ReplayCliTest, RefusesAFileOfALinkTypeItDoesNotReadInOneLine) {
  std::vector<uint8_t> bytes = ReadFileBytes("captures/hoplab-sim-icmp.pcap");
  ASSERT_GT(bytes.size(), 24u);
  ASSERT_EQ(bytes[3], 0xa1) << "not a little-endian pcap";
  // The header's LinkType at 20: LINKTYPE_USER0.
  bytes[20] = 147;
  bytes[21] = bytes[22] = bytes[23] = 0;
  const std::string path = dir_.File("linktype147.pcap");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  const CommandResult run = Replay({"-n", path});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "hoplab: " + path +
                         ": link type 147 is not one hoplab reads (Ethernet, "
                         "Linux cooked SLL and SLL2, raw IP, BSD loopback)\n");
}

TEST_F(ReplayCliTest, ACorruptRecordLengthEndsTheReadNamingRecordAndOffset) {
  std::vector<uint8_t> bytes = ReadFileBytes("captures/hoplab-sim-icmp.pcap");
  ASSERT_GT(bytes.size(), 200u);
  // Record 3's header: caplen far beyond any snap length.
  size_t offset = 24;
  for (int record = 1; record < 3; ++record) {
    const size_t caplen = bytes[offset + 8] | (bytes[offset + 9] << 8);
    offset += 16 + caplen;
  }
  bytes[offset + 11] = 0x7f;
  const std::string path = dir_.File("corrupt.pcap");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  const CommandResult run = Replay({"-n", path});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(", record 3 at offset " +
                                 std::to_string(offset) + ": "));
}

}  // namespace
}  // namespace hoplab::cli
