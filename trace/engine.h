// Engine: runs one traceroute over a Transport, as Linux traceroute does:
// probes for increasing TTLs, several in flight at once, each reply matched
// to its probe through the probe fields it quotes, never by arrival order.
// On a rate-limited path it then re-asks the hops whose routers ran out of
// ICMP budget (TraceOptions::limit_retries).
//
// The -N window counts the probes that may still be answered soon, not
// every probe in flight: a probe silent for longer than a bound derived
// from the round trips seen (WindowRelease) gives up its place, so that a
// run of silent hops (routers whose ICMP buckets an earlier trace emptied,
// or that never answer) does not hold the window for the whole -w while
// the hops behind them could answer. Such a probe stays answerable until
// its own wait ends; on a path whose probes are answered within the bound
// the window is traceroute(8)'s.

#ifndef HOPLAB_TRACE_ENGINE_H_
#define HOPLAB_TRACE_ENGINE_H_

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "crafter/ipv4_address.h"
#include "crafter/probe.h"
#include "crafter/probe_template.h"
#include "crafter/reply.h"
#include "crafter/result.h"
#include "trace/clock.h"
#include "trace/hop.h"
#include "trace/probe_identity.h"
#include "trace/trace_options.h"
#include "trace/transport.h"

namespace hoplab::trace {

// How long a probe without a reply holds its place in the -N window
// before any reply has come back. Long enough for the first hops of most
// paths to answer; short enough that on a 31-hop path of silent routers
// (93 probes, six windows of -N 16) the target's probes leave after half a
// second, so that its reply shortens the silent probes' waits (-w NEAR)
// and the re-asking round (TraceOptions::limit_retries) starts early.
inline constexpr Duration kInitialWindowRelease =
    std::chrono::milliseconds(100);
// Once replies have come back, a probe holds its place for this many times
// the longest round trip seen (plus traceroute(8)'s 1 ms of precision):
// traceroute's -w NEAR default, the margin it gives a probe once a later
// hop has answered.
inline constexpr double kWindowReleaseFactor = 10.0;

class Engine {
 public:
  // Called with each hop as soon as it and every hop before it are
  // complete, in TTL order: what lets a live trace print as it goes. With
  // limit_retries above 0, once the trace shows a rate limit, a hop with a
  // probe not answered is complete only when no re-asking round can come
  // for it, at the trace's end.
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

  // A re-sent probe: the slot it fills and when it may leave.
  struct PendingRetry {
    size_t slot;
    TimePoint at;
  };

  // The template every probe of the trace is patched from; aborts when
  // `options` fail ValidateTraceOptions.
  static crafter::ProbeTemplate MakeTemplate(const ProbeIdentity& identity,
                                             const TraceOptions& options);
  // The probe at index `index` (TTL-major: first_ttl's probes first).
  uint8_t TtlOf(size_t index) const;
  // Sends probe number `number` (ProbeIdentity's index) into slot `slot`
  // of probes_: the same in the first pass, a fresh number for a re-ask.
  Status SendProbe(size_t slot, size_t number);
  // Sends what -N, -z and the re-asking rounds allow now.
  Status SendDue();
  void HandleDatagram(const ReceivedDatagram& datagram);
  // The probe number `reply` answers, or -1.
  ptrdiff_t MatchProbe(const crafter::Reply& reply) const;
  // The number of the probe whose later fragment `reply` quotes, by the
  // quoted addresses, protocol and IP id; -1 if none was sent.
  ptrdiff_t MatchFragmentQuote(const crafter::Reply& reply) const;
  // The slot probe number `number` (one already sent) fills.
  size_t SlotOf(size_t number) const;
  // Queues the next round of re-asking rate-limited hops
  // (TraceOptions::limit_retries) among the hops not passed on yet; false
  // when none is due.
  bool ScheduleRetryRound();
  // How many hops lie below the last hop that answered.
  size_t NumHopsBelowLastAnswer() const;
  // Whether the first `num_hops_below` hops show an ICMP rate limit.
  bool ShowsRateLimit(size_t num_hops_below) const;
  void RecordReply(size_t index, const crafter::Reply& reply, TimePoint at);
  // How long probe `index` waits, by -w MAX,HERE,NEAR and the replies so
  // far.
  Duration WaitFor(size_t index) const;
  // Gives up on the probes whose wait ended by `now`, and takes out of
  // the window those silent for longer than WindowRelease().
  void ExpireProbes(TimePoint now);
  // How long a probe in flight holds its place in the -N window:
  // kInitialWindowRelease before any reply, then kWindowReleaseFactor
  // times the longest round trip seen; never more than -w MAX.
  Duration WindowRelease() const;
  // The probes in flight that still hold a place in the -N window.
  size_t NumInWindow() const;
  // Calls `visit(slot)` for each probe in flight, each once.
  template <typename Visit>
  void ForEachInFlight(Visit visit) const;
  // The earliest of the probes' expiries, the next send, and, with the
  // window full, the moment a probe leaves it.
  TimePoint NextDeadline() const;
  // Whether the window and the trace's end allow another probe.
  bool CanSendMore() const;
  // When -z allows the next probe to leave.
  TimePoint NextSendTime() const;
  bool AllDone() const;
  // Whether FlushCompletedHops may pass on the hop of probes
  // [hop_start, hop_start + num_queries): none in flight, and all
  // answered, or no re-asking round can come for it, or the trace shows
  // no rate limit so far.
  bool HopFinal(size_t hop_start) const;
  bool StopRequested() const { return stop_ != nullptr && *stop_ != 0; }
  // Gives up the probes not answered yet and flushes the hops sent so far.
  void StopNow();
  // Moves completed hops, in order, from probes_ into result_.hops.
  void FlushCompletedHops();

  Transport& transport_;
  const Clock& clock_;
  TraceOptions options_;
  ProbeIdentity identity_;
  crafter::ProbeTemplate probes_template_;
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
  // Of those, how many have left the -N window (WindowRelease), as of the
  // last ExpireProbes.
  size_t num_released_ = 0;
  // The moment num_released_ was counted at.
  TimePoint released_as_of_;
  // The longest round trip of any reply so far, as of the last
  // ExpireProbes; none before the first.
  std::optional<Duration> longest_rtt_;
  // Every probe before this index is answered or lost.
  size_t oldest_pending_ = 0;
  TimePoint first_sent_at_;
  // The probe number each slot last went out with.
  std::vector<size_t> number_of_;
  // Re-asks: number num_sent_ + k went out into slot retry_slots_[k].
  std::vector<size_t> retry_slots_;
  std::vector<PendingRetry> pending_retries_;
  int num_retry_rounds_ = 0;
  // No re-asking round will come any more.
  bool retries_over_ = false;
  TraceResult result_;
};

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_ENGINE_H_
