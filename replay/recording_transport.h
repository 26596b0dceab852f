// RecordingTransport: a Transport that passes everything through to another
// one and writes each datagram sent and received to a pcap file.

#ifndef HOPLAB_REPLAY_RECORDING_TRANSPORT_H_
#define HOPLAB_REPLAY_RECORDING_TRANSPORT_H_

#include <optional>
#include <span>
#include <string>

#include "replay/pcap_writer.h"
#include "trace/transport.h"

namespace hoplab::replay {

class RecordingTransport final : public trace::Transport {
 public:
  // `inner` and `writer` must outlive this transport.
  RecordingTransport(trace::Transport& inner, PcapWriter& writer)
      : inner_(inner), writer_(writer) {}

  // Sends through the inner transport, then records the datagram with the
  // time it left. A failed write fails the send, so the trace stops rather
  // than run on with a capture that misses packets.
  Result<trace::TimePoint> Send(std::span<const uint8_t> datagram) override;

  // Receives through the inner transport and records what arrived, with
  // its receive time.
  Result<std::optional<trace::ReceivedDatagram>> Receive(
      trace::TimePoint deadline) override;

 private:
  trace::Transport& inner_;
  PcapWriter& writer_;
};

}  // namespace hoplab::replay

#endif  // HOPLAB_REPLAY_RECORDING_TRANSPORT_H_
