#include "tests/integration/lab_support.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

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

TempDir::TempDir() {
  std::string base = std::filesystem::temp_directory_path().string();
  std::string pattern = base + "/hoplab-live-XXXXXX";
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
