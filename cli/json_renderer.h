// The trace as one JSON object.

#ifndef HOPLAB_CLI_JSON_RENDERER_H_
#define HOPLAB_CLI_JSON_RENDERER_H_

#include <nlohmann/json.hpp>
#include <string>

#include "crafter/probe.h"
#include "trace/hop.h"
#include "trace/name_resolver.h"

namespace hoplab::cli {

struct JsonTraceInfo {
  // As typed, and the IPv4 address it names.
  std::string target;
  std::string address;
  crafter::ProbeMethod method = crafter::ProbeMethod::kIcmp;
  std::string network;
};

// The version of docs/hoplab.schema.json that the JSON output follows.
// It grows when a member changes meaning or goes away, not when one is
// added.
inline constexpr int kJsonSchemaVersion = 1;

// {"schema_version": 1, "kind": `kind`, "target": ..., "address": ...,
// "method": ..., "network": ...}: the members every JSON output opens with.
nlohmann::ordered_json JsonPreamble(const JsonTraceInfo& info,
                                    const char* kind);

// `value` rounded to 3 decimals (microseconds, for milliseconds).
double RoundMicro(double value);

// {"schema_version": 1, "kind": "trace", "target": "...", "address": "a.b.c.d",
// "method": "icmp", "network": "...", "reached": bool,
//  "interrupted": bool (SIGINT or SIGTERM ended it early),
//  "hops": [{"ttl": 1, "probes": [{"from": "a.b.c.d" or null,
//  "name": reverse name or null, "rtt_ms": number or null,
//  "annotation": "!H" or null}, ...]}, ...]}
// Names come from `resolver`; none (-n) leaves every name null.
// A probe whose reply carried RFC 4884 extensions also has
// "extensions": {"objects": [{"class": 1, "c_type": 1, "text":
// "MPLS:L=..", "mpls": [{"label", "exp", "s", "ttl"}, ...]} or with
// "interface": {"role", "if_index", "address", "name", "mtu"}, ...],
// "notes": [anomalies in words]}.
// on one line, RTTs in milliseconds with microsecond resolution.
std::string RenderJson(const JsonTraceInfo& info,
                       const trace::TraceResult& result,
                       trace::NameResolver* resolver);

// The same object as a JSON value, for output that holds several traces
// (hoplab replay's {"traces": [...]}).
nlohmann::ordered_json TraceJson(const JsonTraceInfo& info,
                                 const trace::TraceResult& result,
                                 trace::NameResolver* resolver = nullptr);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_JSON_RENDERER_H_
