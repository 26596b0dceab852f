// CaptureReader: the packet records of a pcap or pcapng file, one at a
// time, with their capture times and link types.

#ifndef HOPLAB_REPLAY_CAPTURE_READER_H_
#define HOPLAB_REPLAY_CAPTURE_READER_H_

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
  // nanoseconds. "-" is standard input; standard input, a pipe or a FIFO
  // is read whole into memory first, since it cannot be read twice. Fails
  // with the file name and what is wrong: unreadable (and why), a
  // directory, empty, wrong magic, a header cut short.
  static Result<std::unique_ptr<CaptureReader>> Open(const std::string& path);

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
