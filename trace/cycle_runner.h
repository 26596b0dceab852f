// CycleRunner: repeats one trace as mtr does, a cycle at a time, each
// cycle a fresh Engine over the same Transport and Clock.

#ifndef HOPLAB_TRACE_CYCLE_RUNNER_H_
#define HOPLAB_TRACE_CYCLE_RUNNER_H_

#include <chrono>
#include <csignal>
#include <functional>
#include <vector>

#include "crafter/result.h"
#include "trace/clock.h"
#include "trace/hop.h"
#include "trace/trace_options.h"
#include "trace/transport.h"

namespace hoplab::trace {

// mtr(8)'s -i default: one cycle a second.
inline constexpr Duration kDefaultCycleInterval = std::chrono::seconds(1);

struct CycleOptions {
  int num_cycles = 10;
  // Cycle k starts no earlier than `interval` after cycle k-1 started.
  Duration interval = kDefaultCycleInterval;
};

class CycleRunner {
 public:
  // Called after each cycle with its number (from 1) and its result.
  using CycleCallback = std::function<void(int, const TraceResult&)>;

  // `transport` and `clock` must outlive the runner; `options` must pass
  // ValidateTraceOptions for `cycles.num_cycles`. Cycle k runs `options`
  // with first_probe_number and first_ip_id moved past every probe of the
  // cycles before it. Probe fields count on modulo their range
  // (ProbeIdentity::NumDistinct(), at least two cycles' probes), so no
  // probe of a cycle shares its identity with one of the cycle before.
  CycleRunner(Transport& transport, const Clock& clock, TraceOptions options,
              CycleOptions cycles);

  void set_cycle_callback(CycleCallback callback) {
    on_cycle_ = std::move(callback);
  }

  // `stop` (set from a signal handler) ends Run: the cycle under way is
  // interrupted and left out (its unsent probes would count as lost), and
  // Run fails with the engine's "interrupted". The flag must outlive the
  // runner.
  void set_stop_flag(const volatile std::sig_atomic_t* stop) { stop_ = stop; }

  // Runs every cycle. Between two cycles it keeps receiving (and dropping)
  // until the next cycle's start, so the late replies of a cycle never
  // reach the next one's engine as fresh. Fails when the transport fails;
  // the cycles completed until then are in cycles().
  Result<std::vector<TraceResult>> Run();

  const std::vector<TraceResult>& cycles() const { return cycles_; }

 private:
  // Receives until `until`, counting what arrives as late in `counters`.
  Status DrainUntil(TimePoint until, TraceCounters& counters);

  Transport& transport_;
  const Clock& clock_;
  TraceOptions options_;
  CycleOptions cycle_options_;
  CycleCallback on_cycle_;
  const volatile std::sig_atomic_t* stop_ = nullptr;
  std::vector<TraceResult> cycles_;
};

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_CYCLE_RUNNER_H_
