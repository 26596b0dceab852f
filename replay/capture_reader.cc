#include "replay/capture_reader.h"

#include <pcap/pcap.h>

#include <cstdio>
#include <fstream>
#include <optional>

#include "crafter/byte_cursor.h"
#include "replay/pcapng_reader.h"

namespace hoplab::replay {
namespace {

// pcap's per-record header: seconds, fraction, caplen, length.
constexpr uint64_t kPcapRecordHeaderSize = 16;
// libpcap cuts no record below this caplen (its smallest per-link-type
// limit, pcap-common.c max_snaplen_for_dlt), so below it the record's
// size on disk is its header and caplen bytes.
constexpr uint32_t kUncutCaplen = 65535;

// Reads through libpcap. Record offsets come from the position of the
// file libpcap reads (pcap_file): in a pcap file, the first one's and then
// each record's header and caplen added up (one ftell, a system call, per
// record costs more than the rest of reading it); in pcapng, and after a
// record libpcap may have cut, taken anew before the record.
class LibpcapReader final : public CaptureReader {
 public:
  LibpcapReader(std::string path, pcap_t* handle, std::string format)
      : path_(std::move(path)), handle_(handle), format_(std::move(format)) {}
  ~LibpcapReader() override { pcap_close(handle_); }

  Result<std::optional<CaptureRecord>> Next() override {
    CaptureRecord record;
    record.number = num_records_ + 1;
    if (next_offset_.has_value()) {
      record.offset = *next_offset_;
    } else {
      FILE* file = pcap_file(handle_);
      const long offset = file != nullptr ? std::ftell(file) : -1;
      record.offset = offset < 0 ? 0 : static_cast<uint64_t>(offset);
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    switch (pcap_next_ex(handle_, &header, &data)) {
      case 1:
        break;
      case PCAP_ERROR_BREAK:
        return std::optional<CaptureRecord>();
      default:
        return Error{path_ + ", record " + std::to_string(record.number) +
                     " at offset " + std::to_string(record.offset) + ": " +
                     pcap_geterr(handle_)};
    }
    ++num_records_;
    if (header->ts.tv_sec < 0 || header->ts.tv_sec > kMaxCaptureSeconds) {
      record.problem = "timestamp " + std::to_string(header->ts.tv_sec) +
                       " s lies outside 1970 to 2262";
      return std::optional<CaptureRecord>(record);
    }
    // Opened with nanosecond precision: tv_usec holds nanoseconds.
    record.at = trace::TimePoint(std::chrono::seconds(header->ts.tv_sec) +
                                 std::chrono::nanoseconds(header->ts.tv_usec));
    record.link_type = static_cast<uint32_t>(pcap_datalink(handle_));
    record.bytes = std::span<const uint8_t>(data, header->caplen);
    record.original_size = header->len;
    next_offset_.reset();
    if (is_pcap_ && header->caplen < kUncutCaplen) {
      next_offset_ = record.offset + kPcapRecordHeaderSize + header->caplen;
    }
    return std::optional<CaptureRecord>(record);
  }

  std::string format() const override { return format_; }

 private:
  std::string path_;
  pcap_t* handle_;
  std::string format_;
  const bool is_pcap_ = format_ == "pcap";
  uint64_t num_records_ = 0;
  // Where the next record starts, when known without asking the file.
  std::optional<uint64_t> next_offset_;
};

class OwnPcapngReader final : public CaptureReader {
 public:
  explicit OwnPcapngReader(PcapngReader reader) : reader_(std::move(reader)) {}
  Result<std::optional<CaptureRecord>> Next() override {
    return reader_.Next();
  }
  std::string format() const override { return "pcapng"; }

 private:
  PcapngReader reader_;
};

// The first 4 bytes of the file, read as they lie; nullopt when the file
// cannot be read or is shorter.
std::optional<uint32_t> Magic(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  uint8_t bytes[4];
  if (!file.read(reinterpret_cast<char*>(bytes), sizeof(bytes))) {
    return std::nullopt;
  }
  return crafter::LoadU32Le(bytes, 0);
}

}  // namespace

Result<std::unique_ptr<CaptureReader>> CaptureReader::Open(
    const std::string& path) {
  if (!std::ifstream(path, std::ios::binary)) {
    return Error{path + ": cannot open for reading"};
  }
  const std::optional<uint32_t> magic = Magic(path);
  if (!magic.has_value()) {
    return Error{path + ": shorter than any capture file header"};
  }
  const bool pcapng = *magic == kPcapngSectionHeaderType;
  if (pcapng) {
    auto own = PcapngReader::Open(path);
    if (own.ok() && own->NeedsOwnReader()) {
      return std::unique_ptr<CaptureReader>(
          std::make_unique<OwnPcapngReader>(std::move(own).value()));
    }
  }
  char error[PCAP_ERRBUF_SIZE] = "";
  pcap_t* handle = pcap_open_offline_with_tstamp_precision(
      path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
  if (handle == nullptr) {
    return Error{path + ": " + error};
  }
  return std::unique_ptr<CaptureReader>(std::make_unique<LibpcapReader>(
      path, handle, pcapng ? "pcapng" : "pcap"));
}

}  // namespace hoplab::replay
