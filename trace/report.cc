#include "trace/report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "trace/annotation.h"

namespace hoplab::trace {
namespace {

double Milliseconds(Duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// Adds one cycle's hop to the pooled one, keeping in `rtts` every round
// trip for the statistics.
void Accumulate(const Hop& hop, ReportHop& pooled, std::vector<double>& rtts) {
  pooled.ttl = hop.ttl;
  for (const ProbeResult& probe : hop.probes) {
    ++pooled.num_sent;
    if (!probe.from.has_value()) {
      continue;
    }
    ++pooled.num_received;
    const auto found = std::find(pooled.responders.begin(),
                                 pooled.responders.end(), *probe.from);
    const auto at = static_cast<size_t>(found - pooled.responders.begin());
    if (found == pooled.responders.end()) {
      pooled.responders.push_back(*probe.from);
      pooled.marks.emplace_back();
    }
    std::vector<std::string>& marks = pooled.marks[at];
    if (const std::string mark = Annotation(probe);
        !mark.empty() &&
        std::find(marks.begin(), marks.end(), mark) == marks.end()) {
      marks.push_back(mark);
    }
    rtts.push_back(Milliseconds(probe.rtt));
  }
}

void FillStatistics(const std::vector<double>& rtts, ReportHop& hop) {
  if (rtts.empty()) {
    return;
  }
  double sum = 0;
  for (double rtt : rtts) {
    sum += rtt;
  }
  hop.last_ms = rtts.back();
  hop.mean_ms = sum / double(rtts.size());
  hop.best_ms = *std::min_element(rtts.begin(), rtts.end());
  hop.worst_ms = *std::max_element(rtts.begin(), rtts.end());
  if (rtts.size() > 1) {
    double squares = 0;
    for (double rtt : rtts) {
      squares += (rtt - hop.mean_ms) * (rtt - hop.mean_ms);
    }
    hop.stdev_ms = std::sqrt(squares / double(rtts.size() - 1));
  }
}

// A hop's loss is forwarding loss unless a later hop that answered lost
// a smaller share: those probes passed the hop, which only kept silent.
void ClassifyLoss(std::vector<ReportHop>& hops) {
  double least_later = 100.0;
  bool later_answered = false;
  for (size_t i = hops.size(); i-- > 0;) {
    ReportHop& hop = hops[i];
    const double loss = hop.LossPercent();
    if (hop.num_received == hop.num_sent) {
      hop.loss_kind = LossKind::kNone;
    } else if (later_answered && least_later < loss) {
      hop.loss_kind = LossKind::kIcmpLimited;
    } else {
      hop.loss_kind = LossKind::kForwarding;
    }
    if (hop.num_received > 0) {
      later_answered = true;
      least_later = std::min(least_later, loss);
    }
  }
}

}  // namespace

const char* LossKindName(LossKind kind) {
  switch (kind) {
    case LossKind::kNone:
      return "none";
    case LossKind::kForwarding:
      return "forwarding";
    case LossKind::kIcmpLimited:
      return "icmp_limited";
  }
  return "none";
}

double ReportHop::LossPercent() const {
  if (num_sent == 0) {
    return 0;
  }
  return 100.0 * double(num_sent - num_received) / double(num_sent);
}

Report BuildReport(const std::vector<TraceResult>& cycles) {
  Report report;
  report.num_cycles = static_cast<int>(cycles.size());
  std::vector<std::vector<double>> rtts;
  for (const TraceResult& cycle : cycles) {
    report.reached = report.reached || cycle.reached;
    if (cycle.hops.size() > report.hops.size()) {
      report.hops.resize(cycle.hops.size());
      rtts.resize(cycle.hops.size());
    }
    for (size_t i = 0; i < cycle.hops.size(); ++i) {
      Accumulate(cycle.hops[i], report.hops[i], rtts[i]);
    }
  }
  for (size_t i = 0; i < report.hops.size(); ++i) {
    FillStatistics(rtts[i], report.hops[i]);
  }
  ClassifyLoss(report.hops);
  return report;
}

}  // namespace hoplab::trace
