// PcapWriter: writes IPv4 datagrams to a pcap file through libpcap
// (loaded by replay/pcap_library.h), one record per datagram with its
// capture time.

#ifndef HOPLAB_REPLAY_PCAP_WRITER_H_
#define HOPLAB_REPLAY_PCAP_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "crafter/result.h"
#include "trace/clock.h"

struct pcap;
struct pcap_dumper;

namespace hoplab::replay {

struct PcapLibrary;

// Files are LINKTYPE_RAW (each record is an IP datagram with no link
// header) with nanosecond timestamps, so a record holds exactly the bytes
// that crossed the wire at the IP layer, at the time they did.
class PcapWriter {
 public:
  // Snap length: the largest IPv4 datagram, so nothing is ever cut.
  static constexpr int kSnapLength = 65535;

  // Creates (or truncates) `path` and writes the file header, flushed, so
  // that an unwritable path fails here, before any probe is sent.
  static Result<std::unique_ptr<PcapWriter>> Open(const std::string& path);

  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // Appends one record and flushes it, so that the file is complete and
  // readable after every record, whatever ends the process later. When the
  // write fails (a full disk, a file size limit), the file is cut back to
  // the records before, stays a valid capture, and is closed: this and
  // every later write fail with the reason.
  Status Write(std::span<const uint8_t> datagram, trace::TimePoint at);

  // Flushes and closes the file; later writes fail. Also done by the
  // destructor, which cannot report errors.
  Status Close();

  uint64_t num_records() const { return num_records_; }

  // False once closed, by Close or by a failed write (whose error said
  // what the file keeps).
  bool is_open() const { return dumper_ != nullptr; }

  // pcap's file header and per-record header sizes.
  static constexpr size_t kFileHeaderSize = 24;
  static constexpr size_t kRecordHeaderSize = 16;

 private:
  void CutBackToLastRecord();

  PcapWriter(const PcapLibrary& library, std::string path, pcap* handle,
             pcap_dumper* dumper)
      : pcap_(library),
        path_(std::move(path)),
        handle_(handle),
        dumper_(dumper) {}

  const PcapLibrary& pcap_;
  std::string path_;
  pcap* handle_ = nullptr;
  pcap_dumper* dumper_ = nullptr;
  uint64_t num_records_ = 0;
  // The file's size up to the end of the last record written whole.
  size_t complete_size_ = kFileHeaderSize;
};

}  // namespace hoplab::replay

#endif  // HOPLAB_REPLAY_PCAP_WRITER_H_
