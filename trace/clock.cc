#include "trace/clock.h"

#include <time.h>

namespace hoplab::trace {

TimePoint SystemClock::Now() const {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return TimePoint(std::chrono::seconds(now.tv_sec) +
                   std::chrono::nanoseconds(now.tv_nsec));
}

}  // namespace hoplab::trace
