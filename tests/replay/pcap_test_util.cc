#include "tests/replay/pcap_test_util.h"

#include <pcap/pcap.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>

#include "crafter/check.h"

namespace hoplab::testing_util {

ScopedTempDir::ScopedTempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "hoplab-test-XXXXXX").string();
  HOPLAB_CHECK(mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ScopedTempDir::File(const std::string& name) const {
  return (path_ / name).string();
}

Result<PcapContents> ReadPcap(const std::string& path) {
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle = pcap_open_offline_with_tstamp_precision(
      path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
  if (handle == nullptr) {
    return Error{path + ": " + error};
  }
  PcapContents contents;
  contents.link_type = pcap_datalink(handle);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int status = 0;
  while ((status = pcap_next_ex(handle, &header, &data)) == 1) {
    PcapRecord record;
    record.bytes.assign(data, data + header->caplen);
    // With nanosecond precision tv_usec holds nanoseconds.
    record.at = trace::TimePoint(std::chrono::seconds(header->ts.tv_sec) +
                                 std::chrono::nanoseconds(header->ts.tv_usec));
    record.original_size = header->len;
    contents.records.push_back(std::move(record));
  }
  if (status != PCAP_ERROR_BREAK) {
    Error failure{path + ": record " +
                  std::to_string(contents.records.size() + 1) + ": " +
                  pcap_geterr(handle)};
    pcap_close(handle);
    return failure;
  }
  pcap_close(handle);
  return contents;
}

std::vector<uint8_t> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in),
                              std::istreambuf_iterator<char>());
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, separator);) {
    parts.push_back(part);
  }
  return parts;
}

std::string Trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(' ');
  const size_t end = text.find_last_not_of(' ');
  return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

std::vector<std::vector<std::string>> ManifestEntries(const std::string& path) {
  std::vector<std::vector<std::string>> entries;
  for (const std::string& line : Split(ReadText(path), '\n')) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::vector<std::string>& fields = entries.emplace_back();
    for (const std::string& field : Split(line, '|')) {
      fields.push_back(Trim(field));
    }
  }
  return entries;
}

}  // namespace hoplab::testing_util
