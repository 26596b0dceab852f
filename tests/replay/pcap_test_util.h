// Helpers for tests that write files: a scratch directory of their own,
// and a pcap reader that goes through libpcap, not through hoplab's code.

#ifndef HOPLAB_TESTS_REPLAY_PCAP_TEST_UTIL_H_
#define HOPLAB_TESTS_REPLAY_PCAP_TEST_UTIL_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "crafter/result.h"
#include "trace/clock.h"

namespace hoplab::testing_util {

// A fresh, empty directory under the system's temporary directory, removed
// with everything in it when the object goes away.
class ScopedTempDir {
 public:
  ScopedTempDir();
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // `name` inside the directory, as a string.
  std::string File(const std::string& name) const;

 private:
  std::filesystem::path path_;
};

struct PcapRecord {
  std::vector<uint8_t> bytes;
  trace::TimePoint at;
  // The record's original length (len), which may exceed bytes.size().
  uint32_t original_size = 0;
};

struct PcapContents {
  // pcap_datalink(): DLT_RAW for LINKTYPE_RAW files.
  int link_type = -1;
  std::vector<PcapRecord> records;
};

// Reads every record of the capture at `path` through libpcap with
// nanosecond timestamps. Fails with libpcap's message when the file cannot
// be opened or a record cannot be read.
Result<PcapContents> ReadPcap(const std::string& path);

// The whole file as bytes; empty when it cannot be read.
std::vector<uint8_t> ReadFileBytes(const std::string& path);

// The whole file as text; empty when it cannot be read.
std::string ReadText(const std::string& path);

// `text` cut at each `separator` (a trailing one adds no empty part).
std::vector<std::string> Split(const std::string& text, char separator);

// `text` without leading and trailing spaces.
std::string Trim(const std::string& text);

// The lines of a MANIFEST file (captures/MANIFEST) other than comments and
// blank ones, each cut at '|' into trimmed fields.
std::vector<std::vector<std::string>> ManifestEntries(const std::string& path);

}  // namespace hoplab::testing_util

#endif  // HOPLAB_TESTS_REPLAY_PCAP_TEST_UTIL_H_
