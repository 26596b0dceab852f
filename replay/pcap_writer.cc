#include "replay/pcap_writer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "replay/pcap_library.h"

namespace hoplab::replay {

Result<std::unique_ptr<PcapWriter>> PcapWriter::Open(const std::string& path) {
  const Result<const PcapLibrary*> loaded = LoadPcapLibrary();
  if (!loaded.ok()) {
    return Error{"pcap " + path + ": " + loaded.error().message};
  }
  const PcapLibrary& pcap = **loaded;
  pcap_t* handle = pcap.open_dead_with_tstamp_precision(
      DLT_RAW, kSnapLength, PCAP_TSTAMP_PRECISION_NANO);
  if (handle == nullptr) {
    return Error{"pcap " + path + ": libpcap could not open a writer"};
  }
  pcap_dumper_t* dumper = pcap.dump_open(handle, path.c_str());
  if (dumper == nullptr) {
    // libpcap's message already names the path.
    Error error{std::string("cannot create capture ") + pcap.geterr(handle)};
    pcap.close(handle);
    return error;
  }
  if (pcap.dump_flush(dumper) != 0) {
    Error error{"pcap " + path +
                ": cannot write the file header: " + std::strerror(errno)};
    pcap.dump_close(dumper);
    pcap.close(handle);
    return error;
  }
  return std::unique_ptr<PcapWriter>(
      new PcapWriter(pcap, path, handle, dumper));
}

PcapWriter::~PcapWriter() { (void)Close(); }

Status PcapWriter::Write(std::span<const uint8_t> datagram,
                         trace::TimePoint at) {
  if (dumper_ == nullptr) {
    return Error{"pcap " + path_ + ": written after close or a failed write"};
  }
  const auto since_epoch = at.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<time_t>(seconds.count());
  // With nanosecond precision libpcap reads tv_usec as nanoseconds.
  header.ts.tv_usec = static_cast<suseconds_t>((since_epoch - seconds).count());
  header.caplen = static_cast<bpf_u_int32>(datagram.size());
  header.len = static_cast<bpf_u_int32>(datagram.size());
  pcap_.dump(reinterpret_cast<u_char*>(dumper_), &header, datagram.data());
  if (pcap_.dump_flush(dumper_) != 0) {
    const int saved_errno = errno;
    CutBackToLastRecord();
    return Error{"pcap " + path_ + ": cannot write record " +
                 std::to_string(num_records_ + 1) + ": " +
                 std::strerror(saved_errno) + "; the file keeps the " +
                 std::to_string(num_records_) + " records before it"};
  }
  ++num_records_;
  complete_size_ += kRecordHeaderSize + datagram.size();
  return Status::Ok();
}

void PcapWriter::CutBackToLastRecord() {
  // Part of the record may have reached the file (a full disk takes what
  // fits). Closing the stream may write more of it; all of it lies past
  // complete_size_, so cutting the file there afterwards leaves a valid
  // capture of the records before.
  const int fd = dup(fileno(pcap_.dump_file(dumper_)));
  pcap_.dump_close(dumper_);
  pcap_.close(handle_);
  dumper_ = nullptr;
  handle_ = nullptr;
  if (fd >= 0) {
    (void)ftruncate(fd, static_cast<off_t>(complete_size_));
    close(fd);
  }
}

Status PcapWriter::Close() {
  if (dumper_ == nullptr) {
    return Status::Ok();
  }
  const bool flushed = pcap_.dump_flush(dumper_) == 0;
  const int saved_errno = errno;
  pcap_.dump_close(dumper_);
  pcap_.close(handle_);
  dumper_ = nullptr;
  handle_ = nullptr;
  if (!flushed) {
    return Error{"pcap " + path_ +
                 ": cannot flush: " + std::strerror(saved_errno)};
  }
  return Status::Ok();
}

}  // namespace hoplab::replay
