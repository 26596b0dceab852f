// VirtualClock: simulated time, which moves only when the simulator moves
// it, so a simulated trace takes no wall time and repeats exactly.

#ifndef HOPLAB_SIM_VIRTUAL_CLOCK_H_
#define HOPLAB_SIM_VIRTUAL_CLOCK_H_

#include <chrono>

#include "trace/clock.h"

namespace hoplab::sim {

// Simulated traces start at 2026-01-01T00:00:00Z, so their pcap files carry
// the same timestamps on every run.
inline constexpr trace::TimePoint kSimulationEpoch{
    std::chrono::seconds(1767225600)};

class VirtualClock final : public trace::Clock {
 public:
  explicit VirtualClock(trace::TimePoint start = kSimulationEpoch)
      : now_(start) {}

  trace::TimePoint Now() const override { return now_; }

  // Moves the clock forward to `when`; an earlier `when` is ignored, since
  // time never runs backwards.
  void AdvanceTo(trace::TimePoint when) {
    if (when > now_) {
      now_ = when;
    }
  }

 private:
  trace::TimePoint now_;
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_VIRTUAL_CLOCK_H_
