// hoplab --live --report against mtr --report on the chain of real Linux
// routers of scripts/lab/chain.sh:
//
//   src 10.201.0.1 -- r1 -- r2 -- r3 -- r4 -- r5 -- dst 10.201.5.2
//
// Both run in the source namespace; their tables must have the same
// layout (every column ending where mtr ends it), the same hops and the
// same loss. Needs root, `ip netns` and mtr (Debian's mtr-tiny); skips
// with the reason where any is missing, except under CI=true, where that
// is a failure.

#include <cstddef>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/chain_lab_test.h"
#include "tests/integration/lab_support.h"
#include "tests/integration/subprocess.h"

namespace hoplab::integration {
namespace {

constexpr char kTarget[] = "10.201.5.2";
constexpr char kCycles[] = "3";
// mtr takes intervals under a second from root only; both tools get the
// same one.
constexpr char kInterval[] = "0.2";
// What hoplab appends to a row whose loss is only the hop's own silence.
constexpr char kIcmpLimited[] = "[icmp-limited]";

std::string MissingPrerequisite() {
  std::string missing = MissingLabPrerequisite({"mtr", "timeout"});
  if (missing.empty() && RunCommand({"ip", "netns", "list"}).exit_code != 0) {
    missing = "`ip netns` is not available";
  }
  return missing;
}

// One whitespace-separated field of a report line and the columns it
// takes: [begin, end).
struct Field {
  size_t begin = 0;
  size_t end = 0;
  std::string text;
};

std::vector<Field> SplitFields(const std::string& line) {
  std::vector<Field> fields;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ') {
      ++i;
      continue;
    }
    Field field;
    field.begin = i;
    while (i < line.size() && line[i] != ' ') {
      ++i;
    }
    field.end = i;
    field.text = line.substr(field.begin, field.end - field.begin);
    fields.push_back(field);
  }
  return fields;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) {
      end = text.size();
    }
    lines.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return lines;
}

// `line` with every digit replaced by '9': the shape of a time stamp.
std::string Shape(std::string line) {
  for (char& c : line) {
    if (c >= '0' && c <= '9') {
      c = '9';
    }
  }
  return line;
}

// Expects hoplab's report `ours` to have mtr's layout and mtr's hops and
// loss (`theirs`): the same "Start:" shape and header, and per hop row
// the same "N.|--" and address in the same columns, the numeric columns
// ending in the same columns, the same Loss% and Snt. Round trips differ
// between two runs, so their values are not compared. A row of ours may
// end in kIcmpLimited, which mtr does not print, when `icmp_limited_ok`.
void ExpectMtrLayout(const std::string& ours, const std::string& theirs,
                     bool icmp_limited_ok) {
  const std::vector<std::string> our_lines = SplitLines(ours);
  const std::vector<std::string> their_lines = SplitLines(theirs);
  ASSERT_EQ(our_lines.size(), their_lines.size()) << "hoplab:\n"
                                                  << ours << "mtr:\n"
                                                  << theirs;
  ASSERT_GE(their_lines.size(), 3u) << theirs;
  EXPECT_EQ(Shape(our_lines[0]), Shape(their_lines[0]));
  EXPECT_EQ(our_lines[1], their_lines[1]);

  for (size_t i = 2; i < their_lines.size(); ++i) {
    SCOPED_TRACE("row " + std::to_string(i - 1) + "\nhoplab: " + our_lines[i] +
                 "\nmtr:    " + their_lines[i]);
    std::vector<Field> our_fields = SplitFields(our_lines[i]);
    const std::vector<Field> their_fields = SplitFields(their_lines[i]);
    if (icmp_limited_ok && !our_fields.empty() &&
        our_fields.back().text == kIcmpLimited) {
      EXPECT_EQ(our_fields.back().begin, their_lines[i].size() + 1);
      our_fields.pop_back();
    }
    ASSERT_EQ(our_fields.size(), their_fields.size());
    // "N.|--" and the address (or ???) start where mtr starts them.
    ASSERT_GE(their_fields.size(), 2u);
    for (size_t f = 0; f < 2; ++f) {
      EXPECT_EQ(our_fields[f].text, their_fields[f].text);
      EXPECT_EQ(our_fields[f].begin, their_fields[f].begin);
    }
    // Numbers are right-aligned: each column ends where mtr ends it.
    for (size_t f = 2; f < their_fields.size(); ++f) {
      EXPECT_EQ(our_fields[f].end, their_fields[f].end) << "column " << f;
    }
    // Loss% and Snt, when the row has them (a further responder's "|--"
    // row has none).
    if (their_fields.size() >= 4) {
      EXPECT_EQ(our_fields[2].text, their_fields[2].text) << "Loss%";
      EXPECT_EQ(our_fields[3].text, their_fields[3].text) << "Snt";
    }
  }
}

class LiveReportTest : public ChainLabTest {
 protected:
  static void SetUpTestSuite() { SetUpChain("hr", MissingPrerequisite()); }
  static void TearDownTestSuite() { TearDownChain(); }

  // `argv` run in the source namespace under timeout(1); expects exit 0
  // and returns stdout.
  static std::string RunInSource(const std::vector<std::string>& argv) {
    std::vector<std::string> command = {"ip",
                                        "netns",
                                        "exec",
                                        *prefix_ + "-src",
                                        "timeout",
                                        "--kill-after=5",
                                        kCommandTimeoutSeconds};
    command.insert(command.end(), argv.begin(), argv.end());
    CommandResult result = RunCommand(command);
    EXPECT_EQ(result.exit_code, 0) << result.Describe(command);
    return result.out;
  }

  // Runs `args` in router K's namespace; expects exit 0.
  static void InRouter(int k, const std::vector<std::string>& args) {
    std::vector<std::string> command = {"ip", "netns", "exec",
                                        *prefix_ + "-r" + std::to_string(k)};
    command.insert(command.end(), args.begin(), args.end());
    CommandResult result = RunCommand(command);
    ASSERT_EQ(result.exit_code, 0) << result.Describe(command);
  }

  static void Chain(const std::vector<std::string>& args) {
    std::vector<std::string> command = {kChainScript};
    command.insert(command.end(), args.begin(), args.end());
    CommandResult result = RunCommand(command);
    ASSERT_EQ(result.exit_code, 0) << result.Describe(command);
  }

  static std::string HoplabReport(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {*hoplab_, "trace",      "--live",
                                     "-n",     "--report",   "-c",
                                     kCycles,  "--interval", kInterval};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(kTarget);
    return RunInSource(argv);
  }

  static std::string MtrReport() {
    return RunInSource(
        {"mtr", "--report", "-n", "-c", kCycles, "-i", kInterval, kTarget});
  }
};

TEST_F(LiveReportTest, ReportHasMtrsLayoutHopsAndLoss) {
  const std::string ours = HoplabReport({});
  const std::string theirs = MtrReport();

  ExpectMtrLayout(ours, theirs, /*icmp_limited_ok=*/false);
  EXPECT_EQ(ours.find(kIcmpLimited), std::string::npos) << ours;
}

TEST_F(LiveReportTest, SilentRouterRowMatchesMtrsAndLaterHopsShowNoLoss) {
  Chain({"silence", *prefix_, "3"});
  const std::string ours = HoplabReport({});
  const std::string theirs = MtrReport();

  ExpectMtrLayout(ours, theirs, /*icmp_limited_ok=*/true);
  const std::vector<std::string> lines = SplitLines(ours);
  ASSERT_EQ(lines.size(), 8u) << ours;
  EXPECT_EQ(SplitFields(lines[4])[1].text, "???") << ours;
  EXPECT_EQ(SplitFields(lines[4])[2].text, "100.0") << ours;
  // The packets went on: hops 4 to 6 answered every cycle, so hop 3's loss
  // is its own silence, which hoplab says and mtr does not.
  EXPECT_NE(lines[4].find(kIcmpLimited), std::string::npos) << ours;
  for (size_t row = 5; row < lines.size(); ++row) {
    EXPECT_EQ(SplitFields(lines[row])[2].text, "0.0%") << ours;
  }
}

// Router 2 keeps the kernel's ICMP token bucket (icmp_ratelimit=1000: a
// burst of 6 errors, then one a second) while cycles come 50 ms apart:
// it answers the first 6 of 12, the hops after it every one.
TEST_F(LiveReportTest, RateLimitedRouterIsToldApartFromForwardingLoss) {
  InRouter(2, {"sysctl", "-qw", "net.ipv4.icmp_ratelimit=1000"});
  const std::string ours =
      RunInSource({*hoplab_, "trace", "--live", "-n", "--report", "-c", "12",
                   "--interval", "0.05", kTarget});

  const std::vector<std::string> lines = SplitLines(ours);
  ASSERT_EQ(lines.size(), 8u) << ours;
  const std::vector<Field> limited = SplitFields(lines[3]);
  ASSERT_GE(limited.size(), 3u) << ours;
  EXPECT_EQ(limited[1].text, "10.201.1.2") << ours;
  EXPECT_NE(limited[2].text, "0.0%") << ours;
  EXPECT_EQ(limited.back().text, kIcmpLimited) << ours;
  for (size_t row : {2u, 4u, 5u, 6u, 7u}) {
    EXPECT_EQ(SplitFields(lines[row])[2].text, "0.0%") << ours;
    EXPECT_EQ(lines[row].find(kIcmpLimited), std::string::npos) << ours;
  }
}

}  // namespace
}  // namespace hoplab::integration
