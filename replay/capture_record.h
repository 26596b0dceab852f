// CaptureRecord: one packet record of a capture file, as any reader
// delivers it.

#ifndef HOPLAB_REPLAY_CAPTURE_RECORD_H_
#define HOPLAB_REPLAY_CAPTURE_RECORD_H_

#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "trace/clock.h"

namespace hoplab::replay {

// The latest second whose nanoseconds since 1970 an int64_t holds (in the
// year 2262), less one for the fraction. Readers give a record whose time
// lies outside 0..this a `problem` instead of a time, so that no time
// conversion and no difference of two capture times overflows.
inline constexpr int64_t kMaxCaptureSeconds =
    std::numeric_limits<int64_t>::max() / 1000000000 - 1;

struct CaptureRecord {
  // 1 for the file's first packet record.
  uint64_t number = 0;
  // Byte offset of the record (pcap) or block (pcapng) in the file.
  uint64_t offset = 0;
  trace::TimePoint at;
  // The link type of the interface that captured it (LINKTYPE_ or DLT_).
  uint32_t link_type = 0;
  // The bytes captured (caplen), valid until the reader's next call.
  std::span<const uint8_t> bytes;
  // The frame's length on the wire; more than bytes.size() when the snap
  // length cut it.
  uint32_t original_size = 0;
  // Non-empty when the record is bad and was skipped (its bytes are
  // empty): what is wrong with it. The reader goes on with the next.
  std::string problem;
};

}  // namespace hoplab::replay

#endif  // HOPLAB_REPLAY_CAPTURE_RECORD_H_
