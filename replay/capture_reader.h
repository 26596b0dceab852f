// CaptureReader: the packet records of a pcap or pcapng file, one at a
// time, with their capture times and link types.

#ifndef HOPLAB_REPLAY_CAPTURE_READER_H_
#define HOPLAB_REPLAY_CAPTURE_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "crafter/result.h"
#include "replay/capture_record.h"

namespace hoplab::replay {

class CaptureReader {
 public:
  // Opens `path`: pcap in either byte order with micro- or nanosecond
  // timestamps, and pcapng, through libpcap; a pcapng file whose interfaces
  // differ in link type, or that has several sections, through
  // PcapngReader (libpcap 1.10 refuses the one and reads only the first
  // section's interfaces of the other). Timestamps come out in
  // nanoseconds. "-" is standard input; standard input, a pipe, a FIFO or
  // a device is read whole into memory first, since it cannot be read
  // twice: its first four bytes are checked for a pcap or pcapng magic
  // before anything more is read, and it fails when it holds more than
  // `max_stream_size` bytes. Fails with the file name and what is wrong:
  // unreadable (and why), a directory, empty, wrong magic ("unknown file
  // format"), a header cut short, a stream over the limit, a link type
  // hoplab does not read (in the pcap header or a pcapng Interface
  // Description Block, which names its offset), a pcapng interface no
  // record could be read by.
  static Result<std::unique_ptr<CaptureReader>> Open(
      const std::string& path, uint64_t max_stream_size = kMaxStreamSize);

  // What Open reads of a stream at most: 256 MiB, far beyond a capture of
  // traces, and bounded so that endless input cannot take the memory.
  static constexpr uint64_t kMaxStreamSize = uint64_t{256} << 20;

  virtual ~CaptureReader() = default;

  // The next packet record, nullopt at the end. A record that cannot be
  // used comes back with `problem` set; the caller skips it and reads on.
  // An error (naming file, record number and offset) means the file's
  // framing is broken there: no later record can be found, and the records
  // before it stand.
  virtual Result<std::optional<CaptureRecord>> Next() = 0;

  // "pcap" or "pcapng".
  virtual std::string format() const = 0;
};

}  // namespace hoplab::replay

#endif  // HOPLAB_REPLAY_CAPTURE_READER_H_
