// WallClockMapping: how a simulation served in real time reads the time.
// The simulated network runs on virtual time; served over a TUN device,
// virtual time advances with the wall clock, slowed or sped up by a scale.

#ifndef HOPLAB_SIM_WALL_CLOCK_MAPPING_H_
#define HOPLAB_SIM_WALL_CLOCK_MAPPING_H_

#include <chrono>

#include "crafter/check.h"
#include "trace/clock.h"

namespace hoplab::sim {

// Wall time on a clock that never jumps (CLOCK_MONOTONIC).
using WallTime = std::chrono::steady_clock::time_point;

class WallClockMapping {
 public:
  // Virtual time `virtual_start` is wall time `wall_start`; afterwards one
  // virtual second lasts `scale` wall seconds (1: real time; 10: ten times
  // slower). `scale` must be positive.
  WallClockMapping(WallTime wall_start, trace::TimePoint virtual_start,
                   double scale)
      : wall_start_(wall_start), virtual_start_(virtual_start), scale_(scale) {
    HOPLAB_CHECK(scale > 0);
  }

  // The virtual time at wall time `wall`; wall times before the start map
  // to the start.
  trace::TimePoint ToVirtual(WallTime wall) const {
    if (wall <= wall_start_) {
      return virtual_start_;
    }
    const auto elapsed =
        std::chrono::duration<double, std::nano>(wall - wall_start_);
    return virtual_start_ +
           std::chrono::duration_cast<trace::Duration>(elapsed / scale_);
  }

  // The wall time at which virtual time `at` comes; virtual times before
  // the start map to the start.
  WallTime ToWall(trace::TimePoint at) const {
    if (at <= virtual_start_) {
      return wall_start_;
    }
    const auto elapsed =
        std::chrono::duration<double, std::nano>(at - virtual_start_);
    return wall_start_ +
           std::chrono::duration_cast<WallTime::duration>(elapsed * scale_);
  }

  double scale() const { return scale_; }

 private:
  WallTime wall_start_;
  trace::TimePoint virtual_start_;
  double scale_;
};

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_WALL_CLOCK_MAPPING_H_
