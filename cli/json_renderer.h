// The trace as one JSON object.

#ifndef HOPLAB_CLI_JSON_RENDERER_H_
#define HOPLAB_CLI_JSON_RENDERER_H_

#include <string>

#include "crafter/probe.h"
#include "trace/hop.h"

namespace hoplab::cli {

struct JsonTraceInfo {
  // As typed, and the IPv4 address it names.
  std::string target;
  std::string address;
  crafter::ProbeMethod method = crafter::ProbeMethod::kIcmp;
  std::string network;
};

// {"target": "...", "address": "a.b.c.d", "method": "icmp", "network": "...",
// "reached": bool,
//  "hops": [{"ttl": 1, "probes": [{"from": "a.b.c.d" or null,
//  "rtt_ms": number or null, "annotation": "!H" or null}, ...]}, ...]}
// on one line, RTTs in milliseconds with microsecond resolution.
std::string RenderJson(const JsonTraceInfo& info,
                       const trace::TraceResult& result);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_JSON_RENDERER_H_
