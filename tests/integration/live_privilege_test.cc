// What hoplab holds once it has started, read from /proc/PID/status while
// it waits: a live trace in the chain of scripts/lab/chain.sh run as root
// and through a set-user-ID root copy run by nobody, and the simulated
// and replay paths started as root.
//
//   src 10.201.0.1 -- r1 -- r2 -- r3 (silent) -- r4 -- r5 -- dst 10.201.5.2
//
// Router 3 drops its Time Exceeded, so a live trace waits there for its
// -w while the test reads its status. Needs root (CAP_NET_ADMIN,
// CAP_SYS_ADMIN, CAP_NET_RAW), `ip netns`, setpriv and timeout. Skips
// with the reason where any is missing, except under CI=true, where that
// is a failure.

#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
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
// /proc/PID/status shows each capability set as 64 bits of hex.
constexpr char kNoCapabilities[] = "0000000000000000";
// The account the set-user-ID copy runs for (nobody, nogroup).
constexpr char kNobody[] = "65534";
// hoplab -v says this once it has dropped what it held.
constexpr char kDroppedLine[] = "hoplab: privileges after opening the sockets";
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kTraceTimeout = std::chrono::seconds(20);

// Expects every thread of `pid` to be hoplab holding no capability in any
// set, the bounding set emptied, no_new_privs set, and real, effective,
// saved and file-system user and group ids all `id`.
void ExpectHoldsNothing(pid_t pid, const std::string& id) {
  const auto threads = ReadThreadStatuses(pid);
  ASSERT_FALSE(threads.empty()) << "process " << pid << " is gone";
  const std::string ids = id + "\t" + id + "\t" + id + "\t" + id;
  for (const auto& status : threads) {
    ASSERT_EQ(status.count("CapEff"), 1u) << "no CapEff in /proc status";
    EXPECT_EQ(status.at("Name"), "hoplab");
    for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
      EXPECT_EQ(status.at(set), kNoCapabilities) << set;
    }
    EXPECT_EQ(status.at("NoNewPrivs"), "1");
    EXPECT_EQ(status.at("Uid"), ids);
    EXPECT_EQ(status.at("Gid"), ids);
  }
}

// A directory where a set-user-ID file takes effect (one not mounted
// nosuid, as /tmp often is): $TMPDIR or /tmp, /var/tmp, or the build
// tree; "" when none is.
std::string SetuidCapableBase(const std::string& hoplab) {
  for (const std::string& base :
       {std::filesystem::temp_directory_path().string(),
        std::string("/var/tmp"),
        std::filesystem::path(hoplab).parent_path().string()}) {
    struct statvfs mount {};
    if (statvfs(base.c_str(), &mount) == 0 && (mount.f_flag & ST_NOSUID) == 0) {
      return base;
    }
  }
  return "";
}

std::string MissingPrerequisite() {
  return MissingChainPrerequisite({"setpriv", "timeout"});
}

class LivePrivilegeTest : public SilentHopThreeChainTest {
 protected:
  static void SetUpTestSuite() { SetUpChain("hlp", MissingPrerequisite()); }
  static void TearDownTestSuite() { TearDownChain(); }

  // A live ICMP trace by `hoplab` (a path) with -v, waiting 2 s at the
  // silent hop, and `more` flags.
  static std::vector<std::string> LiveTrace(const std::string& hoplab,
                                            std::vector<std::string> more) {
    std::vector<std::string> argv = {hoplab, "trace", "--live", "-n",
                                     "-v",   "-I",    "-w",     "2,0,0"};
    argv.insert(argv.end(), more.begin(), more.end());
    argv.push_back(kTarget);
    return argv;
  }

  // A directory for a set-user-ID copy of hoplab, removed at the end.
  static std::unique_ptr<TempDir> SetuidDir() {
    const std::string base = SetuidCapableBase(*hoplab_);
    EXPECT_FALSE(base.empty())
        << "$TMPDIR, /var/tmp and the build tree are all mounted nosuid";
    return std::make_unique<TempDir>(base);
  }

  // A copy of hoplab in `dir`, owned by root and set-user-ID, in a
  // directory that nobody may enter (the build tree may sit where nobody
  // cannot reach).
  static std::string SetuidCopy(const TempDir& dir) {
    const std::string copy = dir.path() + "/hoplab";
    std::filesystem::copy_file(*hoplab_, copy);
    EXPECT_EQ(chown(copy.c_str(), 0, 0), 0);
    EXPECT_EQ(chmod(copy.c_str(), 04755), 0);
    EXPECT_EQ(chmod(dir.path().c_str(), 0755), 0);
    return copy;
  }
};

TEST_F(LivePrivilegeTest, LiveTraceAsRootHoldsNothingOnceItsSocketsAreOpen) {
  auto trace = BackgroundCommand::Start(InNode("src", LiveTrace(*hoplab_, {})),
                                        /*capture_stdout=*/true);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  ASSERT_TRUE((*trace)->WaitForStderr(kDroppedLine, kStartTimeout))
      << (*trace)->err();

  ExpectHoldsNothing((*trace)->pid(), "0");

  // It still traces, through the raw sockets it opened first.
  EXPECT_EQ((*trace)->Wait(kTraceTimeout), 0) << (*trace)->err();
  EXPECT_NE((*trace)->err().find("hoplab: live path: raw sockets"),
            std::string::npos)
      << (*trace)->err();
  EXPECT_NE((*trace)->err().find(std::string(kDroppedLine) +
                                 ": no capabilities, uid 0, gid 0"),
            std::string::npos)
      << (*trace)->err();
  auto hops = ParseTracerouteText((*trace)->out());
  ASSERT_TRUE(hops.ok()) << hops.error().message << ": " << (*trace)->out();
  EXPECT_EQ(DescribeHops(*hops),
            "1  10.201.0.2  10.201.0.2  10.201.0.2\n"
            "2  10.201.1.2  10.201.1.2  10.201.1.2\n"
            "3  *  *  *\n"
            "4  10.201.3.2  10.201.3.2  10.201.3.2\n"
            "5  10.201.4.2  10.201.4.2  10.201.4.2\n"
            "6  10.201.5.2  10.201.5.2  10.201.5.2\n");
}

TEST_F(LivePrivilegeTest, SetuidRootCopyRunsAsTheUserWhoStartedIt) {
  std::unique_ptr<TempDir> dir = SetuidDir();
  ASSERT_FALSE(dir->path().empty()) << "mkdtemp failed";
  const std::string copy = SetuidCopy(*dir);
  // A directory nobody may write to, for the capture.
  const std::string out_dir = dir->path() + "/nobody";
  std::filesystem::create_directory(out_dir);
  ASSERT_EQ(chown(out_dir.c_str(), 65534, 65534), 0);
  const std::string pcap = out_dir + "/trace.pcap";

  auto trace = BackgroundCommand::Start(
      InNode("src",
             Concat({{"setpriv", std::string("--reuid=") + kNobody,
                      std::string("--regid=") + kNobody, "--clear-groups"},
                     LiveTrace(copy, {"--pcap", pcap})})),
      /*capture_stdout=*/true);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  ASSERT_TRUE((*trace)->WaitForStderr(kDroppedLine, kStartTimeout))
      << (*trace)->err();

  ExpectHoldsNothing((*trace)->pid(), kNobody);

  // The set-user-ID bit gave it raw sockets (nobody alone would take the
  // unprivileged path), and the capture was created by nobody, after the
  // drop.
  EXPECT_EQ((*trace)->Wait(kTraceTimeout), 0) << (*trace)->err();
  EXPECT_NE((*trace)->err().find("hoplab: live path: raw sockets"),
            std::string::npos)
      << (*trace)->err();
  struct stat file {};
  ASSERT_EQ(stat(pcap.c_str(), &file), 0) << pcap << " was not written";
  EXPECT_EQ(file.st_uid, 65534u);
  EXPECT_EQ(file.st_gid, 65534u);
}

TEST_F(LivePrivilegeTest, SetuidRootCopyCannotWriteWhereOnlyRootMay) {
  std::unique_ptr<TempDir> dir = SetuidDir();
  ASSERT_FALSE(dir->path().empty()) << "mkdtemp failed";
  const std::string copy = SetuidCopy(*dir);
  const std::string root_only = dir->path() + "/root-only";
  std::filesystem::create_directory(root_only);
  ASSERT_EQ(chmod(root_only.c_str(), 0700), 0);
  const std::string pcap = root_only + "/trace.pcap";

  std::vector<std::string> argv = InNode(
      "src", Concat({{"timeout", kCommandTimeoutSeconds, "setpriv",
                      std::string("--reuid=") + kNobody,
                      std::string("--regid=") + kNobody, "--clear-groups"},
                     LiveTrace(copy, {"--pcap", pcap})}));
  CommandResult result = RunCommand(argv);

  EXPECT_EQ(result.exit_code, 1) << result.Describe(argv);
  EXPECT_NE(result.err.find(pcap), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("Permission denied"), std::string::npos)
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(pcap));
  EXPECT_EQ(result.out, "");
}

TEST_F(LivePrivilegeTest, SetuidRootCopyRefusesToServeTheSimulator) {
  std::unique_ptr<TempDir> dir = SetuidDir();
  ASSERT_FALSE(dir->path().empty()) << "mkdtemp failed";
  const std::string copy = SetuidCopy(*dir);
  const std::string netns = *prefix_ + "-never";

  std::vector<std::string> argv = {"timeout",
                                   kCommandTimeoutSeconds,
                                   "setpriv",
                                   std::string("--reuid=") + kNobody,
                                   std::string("--regid=") + kNobody,
                                   "--clear-groups",
                                   copy,
                                   "sim",
                                   "serve",
                                   "--netns",
                                   netns};
  CommandResult result = RunCommand(argv);

  EXPECT_EQ(result.exit_code, 1) << result.Describe(argv);
  EXPECT_NE(result.err.find("set-user-ID"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists("/run/netns/" + netns));
}

// The paths that send nothing, started as root: each blocks reading a FIFO
// (the capture or the topology) while the test reads its status.
class UnprivilegedPathTest : public testing::TestWithParam<std::string> {};

TEST_P(UnprivilegedPathTest, StartedAsRootHoldsNothingWhileReading) {
  HOPLAB_SKIP_OR_FAIL_IF_UNAVAILABLE(
      HasCapabilities({CAP_SYS_ADMIN, CAP_SETPCAP})
          ? std::string()
          : std::string("needs root: nothing to drop otherwise"));
  const char* binary = std::getenv("HOPLAB_BINARY");
  ASSERT_NE(binary, nullptr) << "HOPLAB_BINARY names the hoplab binary";
  TempDir dir;
  ASSERT_FALSE(dir.path().empty()) << "mkdtemp failed";
  const std::string fifo = dir.path() + "/input";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);

  std::vector<std::string> argv = {binary};
  if (GetParam() == "replay") {
    argv.insert(argv.end(), {"replay", "-n", fifo});
  } else {
    argv.insert(argv.end(), {"trace", "-n", "--sim", fifo, "203.0.113.1"});
  }
  auto run = BackgroundCommand::Start(argv, /*capture_stdout=*/true);
  ASSERT_TRUE(run.ok()) << run.error().message;

  // hoplab blocks in open() of the FIFO until a writer comes: once it is
  // hoplab that holds nothing, it has dropped it all before reading.
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  auto holds_nothing = [&] {
    const auto threads = ReadThreadStatuses((*run)->pid());
    return !threads.empty() && threads[0].count("Name") == 1 &&
           threads[0].at("Name") == "hoplab" &&
           threads[0].at("CapPrm") == kNoCapabilities;
  };
  while (!holds_nothing() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ExpectHoldsNothing((*run)->pid(), "0");

  // An empty input ends the run: each time hoplab opens the FIFO, a
  // writer comes and goes, until hoplab says it found no capture.
  while (!(*run)->WaitForStderr("hoplab: ", std::chrono::milliseconds(20)) &&
         std::chrono::steady_clock::now() < deadline + kStartTimeout) {
    const int writer = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (writer >= 0) {
      close(writer);
    }
  }
  EXPECT_EQ((*run)->Wait(kTraceTimeout), GetParam() == "replay" ? 1 : 2)
      << (*run)->err();
}

INSTANTIATE_TEST_SUITE_P(Paths, UnprivilegedPathTest,
                         testing::Values("replay", "simulated"));

}  // namespace
}  // namespace hoplab::integration
