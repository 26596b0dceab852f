// Engine: runs one traceroute over a Transport, as Linux traceroute does:
// probes for increasing TTLs, several in flight at once, each reply matched
// to its probe through the probe fields it quotes, never by arrival order.

#ifndef HOPLAB_TRACE_ENGINE_H_
#define HOPLAB_TRACE_ENGINE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "crafter/ipv4_address.h"
#include "crafter/probe.h"
#include "crafter/reply.h"
#include "crafter/result.h"
#include "trace/clock.h"
#include "trace/hop.h"
#include "trace/transport.h"

namespace hoplab::trace {

// traceroute(8) defaults: -f 1, -m 30, -q 3, -N 16, -w 5.
inline constexpr uint8_t kDefaultFirstTtl = 1;
inline constexpr uint8_t kDefaultMaxTtl = 30;
inline constexpr int kDefaultNumQueries = 3;
inline constexpr int kDefaultMaxInFlight = 16;
inline constexpr Duration kDefaultWait = std::chrono::seconds(5);
// traceroute(8) allows at most 10 probes per hop.
inline constexpr int kMaxNumQueries = 10;

struct TraceOptions {
  crafter::ProbeMethod method = crafter::ProbeMethod::kIcmp;
  crafter::Ipv4Address source;
  crafter::Ipv4Address destination;
  uint8_t first_ttl = kDefaultFirstTtl;
  uint8_t max_ttl = kDefaultMaxTtl;
  int num_queries = kDefaultNumQueries;
  int max_in_flight = kDefaultMaxInFlight;
  // How long a probe waits for its reply before it counts as lost.
  Duration wait = kDefaultWait;
  uint16_t packet_size = crafter::kDefaultProbeSize;
  uint8_t tos = 0;
  // ICMP identifier shared by every probe of the trace; traceroute(8) uses
  // its process id.
  uint16_t icmp_id = 1;
  // Probe k (counting from 0) carries ICMP sequence first_sequence + k.
  uint16_t first_sequence = 1;
  // Probe k carries IP id first_ip_id + k, skipping zero.
  uint16_t first_ip_id = 1;
};

// Returns an error message naming the option and the accepted range, or an
// empty string when the options are usable.
std::string ValidateTraceOptions(const TraceOptions& options);

class Engine {
 public:
  // Called with each hop as soon as it and every hop before it are
  // complete, in TTL order: what lets a live trace print as it goes.
  using HopCallback = std::function<void(const Hop&)>;

  // `transport` and `clock` must outlive the engine. `options` must pass
  // ValidateTraceOptions; the engine aborts otherwise.
  Engine(Transport& transport, const Clock& clock, TraceOptions options);

  void set_hop_callback(HopCallback callback) { on_hop_ = std::move(callback); }

  // Runs the whole trace. Fails only when the transport fails; the hops
  // found until then are in partial_result().
  Result<TraceResult> Run();

  const TraceResult& partial_result() const { return result_; }

 private:
  enum class ProbeState : uint8_t { kUnsent, kInFlight, kAnswered, kLost };

  // The probe at index `index` (TTL-major: first_ttl's probes first).
  uint8_t TtlOf(size_t index) const;
  Status SendProbe(size_t index);
  void HandleDatagram(const ReceivedDatagram& datagram);
  // The index of the probe `reply` answers, or -1.
  ptrdiff_t MatchProbe(const crafter::Reply& reply) const;
  void RecordReply(size_t index, const crafter::Reply& reply, TimePoint at);
  void ExpireProbes(TimePoint now);
  // The earliest deadline among probes in flight.
  TimePoint NextDeadline() const;
  bool AllDone() const;
  // Moves completed hops, in order, from probes_ into result_.hops.
  void FlushCompletedHops();

  Transport& transport_;
  const Clock& clock_;
  TraceOptions options_;
  HopCallback on_hop_;

  std::vector<uint8_t> buffer_;
  std::vector<ProbeResult> probes_;
  std::vector<ProbeState> states_;
  // Probes [0, end_) belong to the trace; a final reply shortens it.
  size_t end_ = 0;
  size_t next_to_send_ = 0;
  // Probes [0, num_sent_) went out; replies to those past end_ are late.
  size_t num_sent_ = 0;
  size_t num_in_flight_ = 0;
  // Every probe before this index is answered or lost.
  size_t oldest_pending_ = 0;
  TraceResult result_;
};

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_ENGINE_H_
