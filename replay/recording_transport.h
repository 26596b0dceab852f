// RecordingTransport: a Transport that passes everything through to another
// one and writes each datagram sent and received to a pcap file, in time
// order.

#ifndef HOPLAB_REPLAY_RECORDING_TRANSPORT_H_
#define HOPLAB_REPLAY_RECORDING_TRANSPORT_H_

#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "replay/pcap_writer.h"
#include "trace/transport.h"

namespace hoplab::replay {

class RecordingTransport final : public trace::Transport {
 public:
  // `inner` and `writer` must outlive this transport.
  RecordingTransport(trace::Transport& inner, PcapWriter& writer)
      : inner_(inner), writer_(writer) {}

  // Flushes what is still held back.
  ~RecordingTransport() override;

  // Sends through the inner transport and keeps the datagram, with the time
  // it left, until no earlier reply can still come: a reply the kernel
  // timestamped while a burst of probes was leaving is read only after the
  // burst, and the file keeps time order.
  Result<trace::TimePoint> Send(std::span<const uint8_t> datagram) override;

  // Receives through the inner transport; writes the probes sent up to the
  // reply's time, then the reply (or, when none came, the probes sent up to
  // `deadline`). A failed write fails the call, so the trace stops rather
  // than run on with a capture that misses packets.
  Result<std::optional<trace::ReceivedDatagram>> Receive(
      trace::TimePoint deadline) override;

  // Writes every probe still held back. The caller flushes before closing
  // the writer.
  Status Flush();

 private:
  struct HeldProbe {
    trace::TimePoint at;
    std::vector<uint8_t> bytes;
  };

  // Writes the held probes sent at or before `until`, in order.
  Status WriteHeldUntil(trace::TimePoint until);

  trace::Transport& inner_;
  PcapWriter& writer_;
  std::deque<HeldProbe> held_;
};

}  // namespace hoplab::replay

#endif  // HOPLAB_REPLAY_RECORDING_TRANSPORT_H_
