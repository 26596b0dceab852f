// What the suites that run real programs in network namespaces share:
// whether this machine may run them, temporary directories, and reading
// the datagrams of a pcap file.

#ifndef HOPLAB_TESTS_INTEGRATION_LAB_SUPPORT_H_
#define HOPLAB_TESTS_INTEGRATION_LAB_SUPPORT_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "trace/hop.h"

namespace hoplab::integration {

// Whether CI=true: privileged suites fail there instead of skipping.
bool InCi();

// In a test body or SetUp: skips the test when `reason` (why this machine
// cannot run the suite) is not empty, and under CI=true fails it instead.
#define HOPLAB_SKIP_OR_FAIL_IF_UNAVAILABLE(reason) \
  do {                                             \
    if (!(reason).empty()) {                       \
      if (::hoplab::integration::InCi()) {         \
        FAIL() << "CI=true, but " << (reason);     \
      }                                            \
      GTEST_SKIP() << (reason);                    \
    }                                              \
  } while (false)

// Whether the effective capability set holds every one of `capabilities`
// (CAP_NET_ADMIN, ...).
bool HasCapabilities(std::initializer_list<int> capabilities);

// Removes the chain PREFIX of scripts/lab/chain.sh if this test process
// dies without removing it itself (a crash, a kill by ctest's timeout): a
// child in its own session waits for the end of a pipe whose only writer
// is this process, then runs `chain.sh down PREFIX`. The destructor lets
// it run now and waits for it.
class LabGuard {
 public:
  explicit LabGuard(const std::string& prefix);
  LabGuard(const LabGuard&) = delete;
  LabGuard& operator=(const LabGuard&) = delete;
  ~LabGuard();

 private:
  pid_t pid_ = -1;
  int write_fd_ = -1;
};

// Why a lab suite cannot run here: "needs root (...)" without
// CAP_NET_ADMIN, CAP_SYS_ADMIN and CAP_NET_RAW, else "TOOL is not
// installed" for the first of `tools` not in PATH; "" when it can.
std::string MissingLabPrerequisite(std::initializer_list<const char*> tools);

// As MissingLabPrerequisite, and "`ip netns` is not available" when it
// cannot list namespaces: why the suites on scripts/lab/chain.sh cannot
// run here, or "".
std::string MissingChainPrerequisite(std::initializer_list<const char*> tools);

// A directory under `base` (by default $TMPDIR, or /tmp) removed with its
// files at the end; path() is empty when it could not be created.
class TempDir {
 public:
  explicit TempDir(const std::string& base = "");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The IPv4 datagrams of a pcap file, each cut to its Total Length, with
// the time of its record. With `ethernet`, records are Ethernet frames and
// only IPv4 ones are kept; otherwise they are raw IPv4 (LINKTYPE_RAW).
struct PcapDatagrams {
  std::string error;
  int link_type = -1;
  std::vector<std::vector<uint8_t>> datagrams;
  std::vector<std::chrono::nanoseconds> times;
};

PcapDatagrams ReadPcapDatagrams(const std::string& path, bool ethernet);

// `bytes` (an IPv4 datagram, maybe followed by link padding) cut to its
// Total Length; nullopt when it is not IPv4 or shorter than it says.
std::optional<std::span<const uint8_t>> CutToTotalLength(
    std::span<const uint8_t> bytes);

// `datagram` with its IP id and IP header checksum zeroed: the fields in
// which two senders of the same reply may differ by their own counters.
std::vector<uint8_t> WithoutIpId(std::vector<uint8_t> datagram);

// The "Name: value" lines of /proc/PID/status (Name, Uid, CapEff, ...) of
// every thread of process `pid`, one map per thread; empty when the
// process is gone.
std::vector<std::map<std::string, std::string>> ReadThreadStatuses(pid_t pid);

// Sends `datagrams` (whole IPv4 datagrams, in turn, `interval` apart)
// through a raw socket with IP_HDRINCL from inside the network namespace
// `netns` (a name of `ip netns`), until `duration` has passed or, with a
// zero duration, once each. A child process enters the namespace and
// sends; the test process never leaves its own. Only destinations in
// 10.201.0.0/16, the lab's own addresses, are sent to: any other fails
// before anything is sent. Returns the child's id, or -1 with `error` set.
pid_t StartSendingFromNamespace(const std::string& netns,
                                std::vector<std::vector<uint8_t>> datagrams,
                                std::chrono::milliseconds interval,
                                std::chrono::milliseconds duration,
                                std::string& error);

// Waits for a sender started above; "" when it sent everything, else what
// failed.
std::string WaitForSender(pid_t pid);

// The counts of hoplab -v's line on stderr "hoplab: N probes sent, M
// datagrams received: A not replies, B unmatched, C late or duplicate, D
// bad checksum, ..." (the later counts stay 0); nullopt when `err` has no
// such line.
std::optional<trace::TraceCounters> ParseVerboseCounters(
    const std::string& err);

// The parts one after the other: an argv put together from pieces.
std::vector<std::string> Concat(std::vector<std::vector<std::string>> parts);

// Hex, 8 bytes a row, for failure messages.
std::string Hex(const std::vector<uint8_t>& bytes);

}  // namespace hoplab::integration

#endif  // HOPLAB_TESTS_INTEGRATION_LAB_SUPPORT_H_
