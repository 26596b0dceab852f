#include "tests/integration/lab_support.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/integration/subprocess.h"

namespace hoplab::integration {
namespace {

// Ethernet II header before the IPv4 datagram in tcpdump's capture, and
// the EtherType of IPv4.
constexpr size_t kEthernetHeaderSize = 14;
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
// Relative to the repository root, where tests run.
constexpr char kChainScript[] = "scripts/lab/chain.sh";

}  // namespace

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

bool HasCapabilities(std::initializer_list<int> capabilities) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) {
    return false;
  }
  for (int cap : capabilities) {
    if ((data[cap / 32].effective & (uint32_t{1} << (cap % 32))) == 0) {
      return false;
    }
  }
  return true;
}

std::string MissingLabPrerequisite(std::initializer_list<const char*> tools) {
  if (!HasCapabilities({CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_RAW})) {
    return "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_RAW) to build "
           "network namespaces";
  }
  for (const char* tool : tools) {
    if (RunCommand({"sh", "-c", std::string("command -v ") + tool}).exit_code !=
        0) {
      return std::string(tool) + " is not installed";
    }
  }
  return "";
}

std::string MissingChainPrerequisite(std::initializer_list<const char*> tools) {
  std::string missing = MissingLabPrerequisite(tools);
  if (missing.empty() && RunCommand({"ip", "netns", "list"}).exit_code != 0) {
    missing = "`ip netns` is not available";
  }
  return missing;
}

LabGuard::LabGuard(const std::string& prefix) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return;
  }
  pid_ = fork();
  if (pid_ == 0) {
    close(fds[1]);
    setsid();
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      signal(sig, SIG_IGN);
    }
    char byte;
    while (read(fds[0], &byte, 1) != 0 && errno == EINTR) {
    }
    execlp(kChainScript, kChainScript, "down", prefix.c_str(), nullptr);
    _exit(127);
  }
  close(fds[0]);
  write_fd_ = fds[1];
}

LabGuard::~LabGuard() {
  if (write_fd_ >= 0) {
    close(write_fd_);
  }
  if (pid_ > 0) {
    int status;
    waitpid(pid_, &status, 0);
  }
}

TempDir::TempDir(const std::string& base) {
  std::string pattern =
      (base.empty() ? std::filesystem::temp_directory_path().string() : base) +
      "/hoplab-live-XXXXXX";
  if (mkdtemp(pattern.data()) != nullptr) {
    path_ = pattern;
  }
}

TempDir::~TempDir() {
  if (!path_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
}

std::optional<std::span<const uint8_t>> CutToTotalLength(
    std::span<const uint8_t> bytes) {
  if (bytes.size() < 20 || (bytes[0] >> 4) != 4) {
    return std::nullopt;
  }
  size_t total_length = size_t{bytes[2]} << 8 | bytes[3];
  if (total_length > bytes.size()) {
    return std::nullopt;
  }
  return bytes.first(total_length);
}

PcapDatagrams ReadPcapDatagrams(const std::string& path, bool ethernet) {
  PcapDatagrams out;
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_open_offline_with_tstamp_precision(
      path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
  if (pcap == nullptr) {
    out.error = path + ": " + error;
    return out;
  }
  out.link_type = pcap_datalink(pcap);

  pcap_pkthdr* record;
  const u_char* bytes;
  while (pcap_next_ex(pcap, &record, &bytes) == 1) {
    size_t size = record->caplen;
    if (ethernet) {
      if (size < kEthernetHeaderSize ||
          (uint16_t{bytes[12]} << 8 | bytes[13]) != kEtherTypeIpv4) {
        continue;
      }
      bytes += kEthernetHeaderSize;
      size -= kEthernetHeaderSize;
    }
    auto datagram = CutToTotalLength({bytes, size});
    if (datagram.has_value()) {
      out.datagrams.emplace_back(datagram->begin(), datagram->end());
      // With nanosecond precision, tv_usec holds nanoseconds.
      out.times.push_back(std::chrono::seconds(record->ts.tv_sec) +
                          std::chrono::nanoseconds(record->ts.tv_usec));
    }
  }
  pcap_close(pcap);
  return out;
}

std::vector<uint8_t> WithoutIpId(std::vector<uint8_t> datagram) {
  // Identification at offset 4, header checksum at offset 10 (RFC 791).
  for (size_t offset : {4, 5, 10, 11}) {
    if (offset < datagram.size()) {
      datagram[offset] = 0;
    }
  }
  return datagram;
}

std::vector<std::map<std::string, std::string>> ReadThreadStatuses(pid_t pid) {
  std::vector<std::map<std::string, std::string>> threads;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream status(task.path() / "status");
    std::map<std::string, std::string> fields;
    for (std::string line; std::getline(status, line);) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) {
        continue;
      }
      const size_t value = line.find_first_not_of(" \t", colon + 1);
      fields[line.substr(0, colon)] =
          value == std::string::npos ? "" : line.substr(value);
    }
    if (!fields.empty()) {
      threads.push_back(std::move(fields));
    }
  }
  return threads;
}

pid_t StartSendingFromNamespace(const std::string& netns,
                                std::vector<std::vector<uint8_t>> datagrams,
                                std::chrono::milliseconds interval,
                                std::chrono::milliseconds duration,
                                std::string& error) {
  // Everything the child needs is prepared before fork().
  std::vector<sockaddr_in> targets;
  for (const auto& datagram : datagrams) {
    if (datagram.size() < 20 || datagram[16] != 10 || datagram[17] != 201) {
      error = "not a datagram to 10.201.0.0/16, the lab's own addresses";
      return -1;
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    std::memcpy(&to.sin_addr, &datagram[16], 4);
    targets.push_back(to);
  }
  const std::string path = "/run/netns/" + netns;
  const int ns_fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns_fd < 0) {
    error = path + ": " + std::strerror(errno);
    return -1;
  }
  const timespec pause = {
      static_cast<time_t>(interval.count() / 1000),
      static_cast<long>(interval.count() % 1000) * 1000000L};
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);

  pid_t pid = fork();
  if (pid != 0) {
    close(ns_fd);
    if (pid < 0) {
      error = std::string("fork: ") + std::strerror(errno);
    }
    return pid;
  }
  // The child: exit status 0 when everything went out, else the step that
  // failed (1 setns, 2 socket, 3 sendto).
  if (setns(ns_fd, CLONE_NEWNET) != 0) {
    _exit(1);
  }
  const int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (fd < 0) {
    _exit(2);
  }
  for (size_t i = 0;; ++i) {
    const size_t k = i % datagrams.size();
    if (sendto(fd, datagrams[k].data(), datagrams[k].size(), 0,
               reinterpret_cast<const sockaddr*>(&targets[k]),
               sizeof(targets[k])) < 0) {
      _exit(3);
    }
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto elapsed = std::chrono::seconds(now.tv_sec - start.tv_sec) +
                         std::chrono::nanoseconds(now.tv_nsec - start.tv_nsec);
    if (k + 1 == datagrams.size() && elapsed >= duration) {
      _exit(0);
    }
    nanosleep(&pause, nullptr);
  }
}

std::string WaitForSender(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return std::string("waitpid: ") + std::strerror(errno);
    }
  }
  if (!WIFEXITED(status)) {
    return "the sender was killed";
  }
  switch (WEXITSTATUS(status)) {
    case 0:
      return "";
    case 1:
      return "setns into the namespace failed";
    case 2:
      return "socket(AF_INET, SOCK_RAW, IPPROTO_RAW) failed";
    default:
      return "sendto failed";
  }
}

std::optional<trace::TraceCounters> ParseVerboseCounters(
    const std::string& err) {
  const size_t sent = err.rfind(" probes sent, ");
  if (sent == std::string::npos) {
    return std::nullopt;
  }
  const size_t newline = err.rfind('\n', sent);
  const size_t at = newline == std::string::npos ? 0 : newline + 1;
  unsigned long long n[6] = {};
  const int found = std::sscanf(
      err.c_str() + at,
      "hoplab: %llu probes sent, %llu datagrams received: %llu not replies, "
      "%llu unmatched, %llu late or duplicate, %llu bad checksum",
      &n[0], &n[1], &n[2], &n[3], &n[4], &n[5]);
  if (found != 6) {
    return std::nullopt;
  }
  trace::TraceCounters counters;
  counters.num_sent = n[0];
  counters.num_received = n[1];
  counters.num_not_replies = n[2];
  counters.num_unmatched = n[3];
  counters.num_late = n[4];
  counters.num_bad_checksum = n[5];
  return counters;
}

std::vector<std::string> Concat(std::vector<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (const auto& part : parts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::string Hex(const std::vector<uint8_t>& bytes) {
  std::string out;
  char byte[4];
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::snprintf(byte, sizeof(byte), "%02x", bytes[i]);
    out += (i % 8 == 0 ? (i == 0 ? "" : "\n  ") : " ") + std::string(byte);
  }
  return out;
}

}  // namespace hoplab::integration
