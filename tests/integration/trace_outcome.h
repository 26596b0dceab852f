// TraceOutcome: the hop list of one trace, read back from what a tool
// printed (Linux traceroute's text, hoplab's text or hoplab's --json), so
// traces of the same network by different tools can be compared.

#ifndef HOPLAB_TESTS_INTEGRATION_TRACE_OUTCOME_H_
#define HOPLAB_TESTS_INTEGRATION_TRACE_OUTCOME_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crafter/result.h"

namespace hoplab::integration {

struct ProbeOutcome {
  // Dotted quad of the responder; nullopt for a probe without reply ("*").
  std::optional<std::string> from;
  std::optional<double> rtt_ms;
  // "!H", "!N", "!X", ...: traceroute's mark after the RTT.
  std::optional<std::string> annotation;
};

struct HopOutcome {
  int ttl = 0;
  std::vector<ProbeOutcome> probes;
};

struct TraceOutcome {
  // The first line of text output ("traceroute to ..."); empty from JSON.
  std::string header;
  std::vector<HopOutcome> hops;
};

// Parses the output of `traceroute -n` (Linux traceroute 2.1) or of
// `hoplab trace -n`: a header line, then one line per hop, " 1  10.0.0.1
// 0.094 ms !H  * ...". An address stands before the first RTT it belongs
// to and holds for the following probes of the hop. Fails with "line N:
// expected ..., found '...'" on anything else (host names included).
Result<TraceOutcome> ParseTracerouteText(std::string_view text);

// Parses `hoplab trace --json`: {"hops": [{"ttl": 1, "probes": [{"from":
// "a.b.c.d" | null, "rtt_ms": number | null, "annotation": "!H" | null}]}]}.
// Fails with the JSON path of the first member that is missing or of the
// wrong type ("hops[2].probes[0].rtt_ms: expected a number or null").
Result<TraceOutcome> ParseHoplabJson(std::string_view text);

// One line per hop with the responders and annotations of its probes and
// no RTTs ("1  10.201.0.2  10.201.0.2 !H  *"): what two traces of the same
// network must agree on, in a form that shows the difference in a test
// failure.
std::string DescribeHops(const TraceOutcome& trace);

}  // namespace hoplab::integration

#endif  // HOPLAB_TESTS_INTEGRATION_TRACE_OUTCOME_H_
