#include "cli/raw_renderer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <tuple>

namespace hoplab::cli {
namespace {

struct RawEvent {
  trace::TimePoint at;
  // Sends before replies at the same time, then in probe order.
  int order = 0;
  size_t seq = 0;
  int pos = 0;
  const trace::ProbeResult* probe = nullptr;
};

bool Earlier(const RawEvent& a, const RawEvent& b) {
  return std::tie(a.at, a.seq, a.order) < std::tie(b.at, b.seq, b.order);
}

// The send and reply events of every probe the cycles' hops hold, each
// probe numbered after the one before it, across cycles.
std::vector<RawEvent> EventsOf(const std::vector<trace::TraceResult>& cycles) {
  std::vector<RawEvent> events;
  size_t seq = 0;
  for (const trace::TraceResult& cycle : cycles) {
    for (const trace::Hop& hop : cycle.hops) {
      const int pos = hop.ttl - 1;
      for (const trace::ProbeResult& probe : hop.probes) {
        events.push_back({probe.sent_at, 0, seq, pos, &probe});
        if (probe.from.has_value()) {
          events.push_back({probe.sent_at + probe.rtt, 1, seq, pos, &probe});
        }
        ++seq;
      }
    }
  }
  std::stable_sort(events.begin(), events.end(), Earlier);
  return events;
}

}  // namespace

std::string RenderRaw(const std::vector<trace::TraceResult>& cycles,
                      trace::NameResolver* resolver) {
  std::string text;
  std::map<int, crafter::Ipv4Address> host_at;
  std::map<int, std::string> name_at;
  for (const RawEvent& event : EventsOf(cycles)) {
    const std::string pos = std::to_string(event.pos);
    if (event.order == 0) {
      text += "x " + pos + " " + std::to_string(event.seq) + "\n";
      continue;
    }
    const crafter::Ipv4Address from = *event.probe->from;
    auto known = host_at.find(event.pos);
    if (known == host_at.end() || known->second != from) {
      host_at[event.pos] = from;
      text += "h " + pos + " " + from.ToString() + "\n";
    }
    if (resolver != nullptr) {
      std::optional<std::string> name = resolver->ReverseName(from);
      if (name.has_value() && name_at[event.pos] != *name) {
        name_at[event.pos] = *name;
        text += "d " + pos + " " + *name + "\n";
      }
    }
    const auto usec =
        std::chrono::duration_cast<std::chrono::microseconds>(event.probe->rtt)
            .count();
    text += "p " + pos + " " + std::to_string(usec) + " " +
            std::to_string(event.seq) + "\n";
  }
  return text;
}

}  // namespace hoplab::cli
