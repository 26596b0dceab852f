// libFuzzer target: the capture reader (pcap through libpcap, pcapng
// through libpcap or hoplab's own block reader), the link-layer decoder
// and the trace rebuilder behind them, as `hoplab replay` runs them on a
// file someone attached. Any crash, sanitizer report or broken invariant
// is a finding.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "crafter/check.h"
#include "replay/capture_reader.h"
#include "replay/link_layer.h"
#include "replay/pcapng_reader.h"
#include "replay/trace_rebuilder.h"

namespace {

// More records than any seed holds; a file of many tiny records stops
// here so that one input stays fast.
constexpr int kMaxRecords = 4096;

// The input as a file: an in-memory file named through /proc, rewritten
// for every input, so nothing touches the disk.
std::string WriteInput(const uint8_t* data, size_t size) {
  static const int fd = memfd_create("hoplab-capture-fuzz", 0);
  HOPLAB_CHECK(fd >= 0);
  HOPLAB_CHECK(ftruncate(fd, 0) == 0);
  size_t written = 0;
  while (written < size) {
    const ssize_t n =
        pwrite(fd, data + written, size - written, static_cast<off_t>(written));
    HOPLAB_CHECK(n > 0);
    written += static_cast<size_t>(n);
  }
  return "/proc/self/fd/" + std::to_string(fd);
}

// Reads every record as the replay command does: link layer off, IPv4 to
// the rebuilder. Record numbers count up from 1 and every error names the
// file.
void ReadAll(hoplab::replay::CaptureReader& reader, const std::string& path,
             size_t size) {
  using namespace hoplab::replay;
  TraceRebuilder rebuilder;
  uint64_t last_number = 0;
  for (int i = 0; i < kMaxRecords; ++i) {
    auto next = reader.Next();
    if (!next.ok()) {
      HOPLAB_CHECK(next.error().message.find(path) != std::string::npos);
      break;
    }
    if (!next->has_value()) {
      break;
    }
    const CaptureRecord& record = **next;
    HOPLAB_CHECK(record.number == last_number + 1);
    last_number = record.number;
    HOPLAB_CHECK(record.offset <= size);
    HOPLAB_CHECK(record.bytes.size() <= size);
    if (!record.problem.empty()) {
      HOPLAB_CHECK(record.bytes.empty());
      continue;
    }
    auto payload =
        StripLinkLayer(record.link_type, record.bytes, LinkOptions{{0x8200}});
    if (payload.ok() && payload->kind == LinkPayloadKind::kIpv4) {
      rebuilder.Add(record.at, payload->datagram);
    }
  }
  for (const RebuiltTrace& trace : rebuilder.Rebuild()) {
    HOPLAB_CHECK(!trace.result.hops.empty());
    HOPLAB_CHECK(trace.result.counters.num_received <=
                 trace.result.counters.num_sent);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hoplab::replay;
  const std::string path = WriteInput(data, size);

  auto reader = CaptureReader::Open(path);
  if (reader.ok()) {
    ReadAll(**reader, path, size);
  } else {
    HOPLAB_CHECK(reader.error().message.find(path) != std::string::npos);
  }

  // hoplab's own pcapng reader, also on the files libpcap would read.
  auto pcapng = PcapngReader::Open(path);
  if (pcapng.ok()) {
    (void)pcapng->NeedsOwnReader();
    for (int i = 0; i < kMaxRecords; ++i) {
      auto next = pcapng->Next();
      if (!next.ok() || !next->has_value()) {
        break;
      }
      HOPLAB_CHECK((*next)->bytes.size() <= size);
    }
  }
  return 0;
}
