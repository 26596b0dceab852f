// Clock: where the engine reads the time. Live traces read the system
// clock; simulated ones a virtual clock that only moves when told to.

#ifndef HOPLAB_TRACE_CLOCK_H_
#define HOPLAB_TRACE_CLOCK_H_

#include <chrono>

namespace hoplab::trace {

// Nanoseconds since the Unix epoch. Capture files and kernel receive
// timestamps (SO_TIMESTAMPNS) use the same epoch, so one type serves all.
using TimePoint = std::chrono::time_point<std::chrono::system_clock,
                                          std::chrono::nanoseconds>;
using Duration = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The real-time clock (CLOCK_REALTIME), the one kernel packet timestamps
// use.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
};

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_CLOCK_H_
