// A trace as CSV (RFC 4180): one line per probe.

#ifndef HOPLAB_CLI_CSV_RENDERER_H_
#define HOPLAB_CLI_CSV_RENDERER_H_

#include <string>

#include "trace/hop.h"
#include "trace/name_resolver.h"

namespace hoplab::cli {

// `value` as one CSV field: quoted, with quotes doubled, when it holds a
// comma, a quote or a line break (RFC 4180 §2); as it is otherwise.
std::string CsvField(const std::string& value);

// The header line "ttl,probe,address,name,rtt_ms,annotation", then one
// line per probe: probe counts from 1 within its hop; address, name,
// rtt_ms (3 decimals) and annotation are empty where there is none (no
// reply, no name, -n, no mark).
std::string RenderTraceCsv(const trace::TraceResult& result,
                           trace::NameResolver* resolver);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_CSV_RENDERER_H_
