// Engine: runs one traceroute over a Transport, as Linux traceroute does:
// probes for increasing TTLs, several in flight at once, each reply matched
// to its probe through the probe fields it quotes, never by arrival order.

#ifndef HOPLAB_TRACE_ENGINE_H_
#define HOPLAB_TRACE_ENGINE_H_

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <vector>

#include "crafter/ipv4_address.h"
#include "crafter/probe.h"
#include "crafter/reply.h"
#include "crafter/result.h"
#include "trace/clock.h"
#include "trace/hop.h"
#include "trace/probe_identity.h"
#include "trace/trace_options.h"
#include "trace/transport.h"

namespace hoplab::trace {

class Engine {
 public:
  // Called with each hop as soon as it and every hop before it are
  // complete, in TTL order: what lets a live trace print as it goes.
  using HopCallback = std::function<void(const Hop&)>;

  // `transport` and `clock` must outlive the engine. `options` must pass
  // ValidateTraceOptions; the engine aborts otherwise.
  Engine(Transport& transport, const Clock& clock, TraceOptions options);

  void set_hop_callback(HopCallback callback) { on_hop_ = std::move(callback); }

  // `stop` (set from a signal handler) ends Run early: probes in flight
  // count as lost, the hop under way is completed with '*' for probes not
  // answered (or not yet sent) and passed to the hop callback, and Run
  // fails with "interrupted". The flag must outlive the engine.
  void set_stop_flag(const volatile std::sig_atomic_t* stop) { stop_ = stop; }

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
  // How long probe `index` waits, by -w MAX,HERE,NEAR and the replies so
  // far.
  Duration WaitFor(size_t index) const;
  void ExpireProbes(TimePoint now);
  // The earliest of the probes' expiries and the next send.
  TimePoint NextDeadline() const;
  // Whether the window and the trace's end allow another probe.
  bool CanSendMore() const;
  // When -z allows the next probe to leave.
  TimePoint NextSendTime() const;
  bool AllDone() const;
  bool StopRequested() const { return stop_ != nullptr && *stop_ != 0; }
  // Gives up the probes not answered yet and flushes the hops sent so far.
  void StopNow();
  // Moves completed hops, in order, from probes_ into result_.hops.
  void FlushCompletedHops();

  Transport& transport_;
  const Clock& clock_;
  TraceOptions options_;
  ProbeIdentity identity_;
  HopCallback on_hop_;
  const volatile std::sig_atomic_t* stop_ = nullptr;

  std::vector<uint8_t> buffer_;
  std::vector<ProbeResult> probes_;
  std::vector<ProbeState> states_;
  // Probes [0, end_) belong to the trace; a final reply shortens it.
  size_t end_ = 0;
  size_t next_to_send_ = 0;
  // Probes [0, num_sent_) went out; replies to those past end_ are late.
  size_t num_sent_ = 0;
  TimePoint last_sent_at_;
  size_t num_in_flight_ = 0;
  // Every probe before this index is answered or lost.
  size_t oldest_pending_ = 0;
  TraceResult result_;
};

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_ENGINE_H_
