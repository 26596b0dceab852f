#include "trace/cycle_runner.h"

#include "crafter/check.h"
#include "trace/engine.h"
#include "trace/probe_identity.h"

namespace hoplab::trace {

CycleRunner::CycleRunner(Transport& transport, const Clock& clock,
                         TraceOptions options, CycleOptions cycles)
    : transport_(transport),
      clock_(clock),
      options_(std::move(options)),
      cycle_options_(cycles) {
  HOPLAB_CHECK(
      ValidateTraceOptions(options_, cycle_options_.num_cycles).empty());
  HOPLAB_CHECK(cycle_options_.num_cycles >= 1);
}

Status CycleRunner::DrainUntil(TimePoint until, TraceCounters& counters) {
  while (clock_.Now() < until && (stop_ == nullptr || *stop_ == 0)) {
    auto received = transport_.Receive(until);
    if (!received.ok()) {
      return Status(received.error());
    }
    if (!received->has_value()) {
      return Status::Ok();
    }
    ++counters.num_received;
    ++counters.num_late;
  }
  return Status::Ok();
}

Result<std::vector<TraceResult>> CycleRunner::Run() {
  TraceOptions cycle = options_;
  for (int k = 1; k <= cycle_options_.num_cycles; ++k) {
    const TimePoint started = clock_.Now();
    Engine engine(transport_, clock_, cycle);
    engine.set_stop_flag(stop_);
    auto result = engine.Run();
    if (!result.ok()) {
      return result.error();
    }
    cycles_.push_back(std::move(result).value());
    TraceResult& done = cycles_.back();
    if (on_cycle_) {
      on_cycle_(k, done);
    }

    // Step: the next cycle's probes follow this one's in number and IP id.
    const auto num_sent = static_cast<uint32_t>(done.counters.num_sent);
    cycle.first_probe_number += num_sent;
    cycle.first_ip_id = ProbeIdentity::IpIdFor(cycle.first_ip_id, num_sent);
    if (k < cycle_options_.num_cycles) {
      if (Status drained =
              DrainUntil(started + cycle_options_.interval, done.counters);
          !drained.ok()) {
        return Error{drained.message()};
      }
    }
  }
  return cycles_;
}

}  // namespace hoplab::trace
