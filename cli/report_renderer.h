// A report (several cycles pooled per hop) as mtr(8) prints it, as JSON
// and as CSV.

#ifndef HOPLAB_CLI_REPORT_RENDERER_H_
#define HOPLAB_CLI_REPORT_RENDERER_H_

#include <string>

#include "cli/json_renderer.h"
#include "trace/name_resolver.h"
#include "trace/report.h"

namespace hoplab::cli {

struct ReportHeader {
  // mtr's "Start:" time, already formatted ("2026-01-01T00:00:00+0000").
  std::string start;
  // mtr's "HOST:" column: the tracing host's name.
  std::string host;
};

// mtr --report's table: "Start: <time>", the header line "HOST: <host>
// Loss%   Snt   Last   Avg  Best  Wrst StDev", then per hop
// " %2d.|-- <name>" in a 33-column host field followed by the columns
// " %4.1f%%", " %5d", " ", and five " %5.1f", each in a 6-column field
// (1 for the blank one) that the next field overwrites where a value is
// wider, as mtr writes them (so 100% loss shows as "100.0"). A hop without
// a responder shows "???"; further responders follow on lines
// "    |  `|-- a.b.c.d" (the second) and "    |   |-- a.b.c.d" (the
// rest). A hop whose loss is ICMP rate limiting (LossKind::kIcmpLimited)
// ends in " [icmp-limited]". Names come from `resolver` (the name alone,
// as mtr prints it), bare addresses when it is null.
std::string RenderReportText(const ReportHeader& header,
                             const trace::Report& report,
                             trace::NameResolver* resolver);

// The report as one JSON object on one line, in docs/hoplab.schema.json's
// "report" shape.
std::string RenderReportJson(const JsonTraceInfo& info,
                             const ReportHeader& header,
                             const trace::Report& report,
                             trace::NameResolver* resolver);

// One CSV line per hop (RFC 4180) after the header line
// "hop,addresses,names,loss_percent,sent,received,last_ms,avg_ms,best_ms,
// worst_ms,stdev_ms,loss_kind": addresses separated by ';', and names
// likewise, one entry per address in the same order (empty for an address
// without a name). When no address of the hop has a name (or `resolver`
// is null), names is empty, as for a single nameless responder.
std::string RenderReportCsv(const trace::Report& report,
                            trace::NameResolver* resolver);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_REPORT_RENDERER_H_
