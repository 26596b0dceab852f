#include "cli/json_renderer.h"

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "trace/annotation.h"

namespace hoplab::cli {
namespace {

nlohmann::ordered_json ProbeJson(const trace::ProbeResult& probe) {
  nlohmann::ordered_json out = {
      {"from", nullptr}, {"rtt_ms", nullptr}, {"annotation", nullptr}};
  if (!probe.from.has_value()) {
    return out;
  }
  out["from"] = probe.from->ToString();
  // Microsecond resolution, as traceroute prints.
  const double ms =
      std::chrono::duration<double, std::milli>(probe.rtt).count();
  out["rtt_ms"] = std::round(ms * 1000.0) / 1000.0;
  if (const std::string mark = trace::Annotation(probe); !mark.empty()) {
    out["annotation"] = mark;
  }
  return out;
}

}  // namespace

std::string RenderJson(const JsonTraceInfo& info,
                       const trace::TraceResult& result) {
  nlohmann::ordered_json hops = nlohmann::ordered_json::array();
  for (const trace::Hop& hop : result.hops) {
    nlohmann::ordered_json probes = nlohmann::ordered_json::array();
    for (const trace::ProbeResult& probe : hop.probes) {
      probes.push_back(ProbeJson(probe));
    }
    hops.push_back({{"ttl", hop.ttl}, {"probes", std::move(probes)}});
  }
  // ordered_json keeps the documented key order.
  nlohmann::ordered_json out;
  out["target"] = info.target;
  out["address"] = info.address;
  out["method"] = std::string(crafter::ProbeMethodName(info.method));
  out["network"] = info.network;
  out["reached"] = result.reached;
  out["hops"] = std::move(hops);
  return out.dump();
}

}  // namespace hoplab::cli
