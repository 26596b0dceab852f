#include "replay/capture_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

#include "crafter/byte_cursor.h"
#include "replay/link_layer.h"
#include "replay/pcap_library.h"
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
  // `memory`, when not empty, holds the file `handle` reads through
  // fmemopen(3); it lives as long as the handle.
  LibpcapReader(const PcapLibrary& pcap, std::string path, pcap_t* handle,
                std::string format, std::vector<uint8_t> memory = {})
      : pcap_(pcap),
        path_(std::move(path)),
        handle_(handle),
        format_(std::move(format)),
        memory_(std::move(memory)) {}
  ~LibpcapReader() override { pcap_.close(handle_); }

  Result<std::optional<CaptureRecord>> Next() override {
    CaptureRecord record;
    record.number = num_records_ + 1;
    if (next_offset_.has_value()) {
      record.offset = *next_offset_;
    } else {
      FILE* file = pcap_.file(handle_);
      const long offset = file != nullptr ? std::ftell(file) : -1;
      record.offset = offset < 0 ? 0 : static_cast<uint64_t>(offset);
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    switch (pcap_.next_ex(handle_, &header, &data)) {
      case 1:
        break;
      case PCAP_ERROR_BREAK:
        return std::optional<CaptureRecord>();
      default:
        return Error{path_ + ", record " + std::to_string(record.number) +
                     " at offset " + std::to_string(record.offset) + ": " +
                     pcap_.geterr(handle_)};
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
    record.link_type = static_cast<uint32_t>(pcap_.datalink(handle_));
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
  const PcapLibrary& pcap_;
  std::string path_;
  pcap_t* handle_;
  std::string format_;
  std::vector<uint8_t> memory_;
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

// The reader a pcapng file needs: hoplab's own when libpcap would refuse
// or misread the file, else nullptr (libpcap reads it). Fails when one of
// its Interface Description Blocks is unusable.
Result<std::unique_ptr<CaptureReader>> OwnReaderIfNeeded(
    Result<PcapngReader> own) {
  if (!own.ok()) {
    return std::unique_ptr<CaptureReader>();
  }
  const Result<bool> needs = own->NeedsOwnReader();
  if (!needs.ok()) {
    return needs.error();
  }
  if (!*needs) {
    return std::unique_ptr<CaptureReader>();
  }
  return std::unique_ptr<CaptureReader>(
      std::make_unique<OwnPcapngReader>(std::move(own).value()));
}

// A reader of `handle`, which it closes, once the file's link type (its
// header states one for every record) is one StripLinkLayer reads.
Result<std::unique_ptr<CaptureReader>> LibpcapReaderOf(
    const PcapLibrary& pcap, const std::string& name, pcap_t* handle,
    bool pcapng, std::vector<uint8_t> memory = {}) {
  auto reader = std::make_unique<LibpcapReader>(
      pcap, name, handle, pcapng ? "pcapng" : "pcap", std::move(memory));
  const Status link =
      CheckLinkType(static_cast<uint32_t>(pcap.datalink(handle)));
  if (!link.ok()) {
    return Error{name + ": " + link.message()};
  }
  return std::unique_ptr<CaptureReader>(std::move(reader));
}

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

std::string CannotOpen(const std::string& path, int error) {
  return path + ": cannot open for reading: " + std::strerror(error);
}

// The first four bytes of every pcap file libpcap 1.10 reads, as
// LoadU32Le sees them: microsecond (0xa1b2c3d4), nanosecond (0xa1b23c4d)
// and Kuznetzov's modified (0xa1b2cd34) magic, each written in either
// byte order.
constexpr uint32_t kPcapMagics[] = {0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d,
                                    0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1};

// Whether `magic`, a file's first four bytes, opens a pcap or pcapng file.
bool IsCaptureMagic(uint32_t magic) {
  return magic == kPcapngSectionHeaderType ||
         std::find(std::begin(kPcapMagics), std::end(kPcapMagics), magic) !=
             std::end(kPcapMagics);
}

// Reads from `file` until `bytes` holds `size` bytes or the input ends;
// false when reading fails.
bool ReadUpTo(std::FILE* file, size_t size, std::vector<uint8_t>& bytes) {
  uint8_t chunk[65536];
  while (bytes.size() < size) {
    const size_t want = std::min(sizeof(chunk), size - bytes.size());
    const size_t got = std::fread(chunk, 1, want, file);
    bytes.insert(bytes.end(), chunk, chunk + got);
    if (got < want) {
      return std::ferror(file) == 0;
    }
  }
  return true;
}

// A capture that can be read only once (standard input, a pipe, a FIFO, a
// device): its magic checked first, so that endless input that is no
// capture (/dev/zero) fails at once, then read whole, up to
// `max_stream_size` bytes, and decoded from memory.
Result<std::unique_ptr<CaptureReader>> OpenStream(const std::string& path,
                                                  uint64_t max_stream_size) {
  const bool from_stdin = path == "-";
  const std::string name = from_stdin ? "stdin" : path;
  std::FILE* file = from_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Error{CannotOpen(path, errno)};
  }
  std::vector<uint8_t> bytes;
  bool read = ReadUpTo(file, 4, bytes);
  const bool is_capture =
      read && bytes.size() == 4 && IsCaptureMagic(crafter::LoadU32Le(bytes, 0));
  bool too_long = false;
  if (is_capture) {
    read = ReadUpTo(file, max_stream_size, bytes);
    too_long =
        read && bytes.size() == max_stream_size && std::fgetc(file) != EOF;
  }
  const int error = errno;
  if (!from_stdin) {
    std::fclose(file);
  }
  if (!read) {
    return Error{name + ": read failed: " + std::strerror(error)};
  }
  if (bytes.size() < 4) {
    return Error{name + ": shorter than any capture file header"};
  }
  if (!is_capture) {
    // The words libpcap uses for a regular file of the same bytes.
    return Error{name + ": unknown file format"};
  }
  if (too_long) {
    return Error{name + ": more than " + std::to_string(max_stream_size >> 20) +
                 " MiB through a pipe or device; replay it from a file"};
  }
  const bool pcapng = crafter::LoadU32Le(bytes, 0) == kPcapngSectionHeaderType;
  if (pcapng) {
    auto own = OwnReaderIfNeeded(PcapngReader::FromBytes(name, bytes));
    if (!own.ok() || *own != nullptr) {
      return own;
    }
  }
  const Result<const PcapLibrary*> pcap = LoadPcapLibrary();
  if (!pcap.ok()) {
    return Error{name + ": " + pcap.error().message};
  }
  std::FILE* memory = fmemopen(bytes.data(), bytes.size(), "rb");
  if (memory == nullptr) {
    return Error{name + ": fmemopen: " + std::strerror(errno)};
  }
  char pcap_error[PCAP_ERRBUF_SIZE] = "";
  pcap_t* handle = (*pcap)->fopen_offline_with_tstamp_precision(
      memory, PCAP_TSTAMP_PRECISION_NANO, pcap_error);
  if (handle == nullptr) {
    std::fclose(memory);
    return Error{name + ": " + pcap_error};
  }
  return LibpcapReaderOf(**pcap, name, handle, pcapng, std::move(bytes));
}

}  // namespace

Result<std::unique_ptr<CaptureReader>> CaptureReader::Open(
    const std::string& path, uint64_t max_stream_size) {
  struct stat info {};
  if (path != "-" && stat(path.c_str(), &info) != 0) {
    return Error{CannotOpen(path, errno)};
  }
  if (path != "-" && S_ISDIR(info.st_mode)) {
    return Error{path + ": is a directory, not a capture file"};
  }
  if (path == "-" || !S_ISREG(info.st_mode)) {
    return OpenStream(path, max_stream_size);
  }
  // A regular file is read more than once: its first bytes say which
  // reader takes it.
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Error{CannotOpen(path, errno)};
  }
  std::fclose(file);
  const std::optional<uint32_t> magic = Magic(path);
  if (!magic.has_value()) {
    return Error{path + ": shorter than any capture file header"};
  }
  const bool pcapng = *magic == kPcapngSectionHeaderType;
  if (pcapng) {
    auto own = OwnReaderIfNeeded(PcapngReader::Open(path));
    if (!own.ok() || *own != nullptr) {
      return own;
    }
  }
  const Result<const PcapLibrary*> pcap = LoadPcapLibrary();
  if (!pcap.ok()) {
    return Error{path + ": " + pcap.error().message};
  }
  char error[PCAP_ERRBUF_SIZE] = "";
  pcap_t* handle = (*pcap)->open_offline_with_tstamp_precision(
      path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
  if (handle == nullptr) {
    return Error{path + ": " + error};
  }
  return LibpcapReaderOf(**pcap, path, handle, pcapng);
}

}  // namespace hoplab::replay
