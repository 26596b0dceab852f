// `hoplab trace`: flags, wiring of engine, transport and network, output.

#ifndef HOPLAB_CLI_TRACE_COMMAND_H_
#define HOPLAB_CLI_TRACE_COMMAND_H_

#include "cli/trace_flags.h"

namespace hoplab::cli {

// Runs the trace `options` describe, printing results on stdout and
// diagnostics on stderr. Returns the process exit status: 0 when the trace
// ran (whether or not it reached the target), 1 when it could not, 2 when
// the options do not fit together (a usage error).
int RunTraceCommand(const TraceCommandOptions& options);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_TRACE_COMMAND_H_
