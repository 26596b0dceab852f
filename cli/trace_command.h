// `hoplab trace`: flags, wiring of engine, transport and network, output.

#ifndef HOPLAB_CLI_TRACE_COMMAND_H_
#define HOPLAB_CLI_TRACE_COMMAND_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "trace/engine.h"

namespace hoplab::cli {

struct TraceCommandOptions {
  std::string target;
  bool live = false;
  // -I: ICMP Echo probes, the default and, until #3, the only method.
  bool icmp = true;
  bool numeric = false;
  bool json = false;
  int verbosity = 0;
  std::string pcap_path;
  // -s ADDR: the source address of the probes (a dotted quad); empty: the
  // one the kernel's routing picks.
  std::string source_address;
  // -i IFACE: the interface probes leave through; empty: any.
  std::string interface;
  // Seeds the simulated network's jitter; ignored by --live, which says so.
  uint64_t seed = 1;
  int first_ttl = trace::kDefaultFirstTtl;
  int max_ttl = trace::kDefaultMaxTtl;
  int num_queries = trace::kDefaultNumQueries;
  int max_in_flight = trace::kDefaultMaxInFlight;
  double wait_seconds = 5.0;
};

// Adds the `trace` subcommand and its flags to `app`, filling `options`.
CLI::App* AddTraceCommand(CLI::App& app, TraceCommandOptions& options);

// Runs the trace `options` describe, printing results on stdout and
// diagnostics on stderr. Returns the process exit status: 0 when the trace
// ran (whether or not it reached the target), 1 when it could not, 2 when
// the options do not fit together (a usage error).
int RunTraceCommand(const TraceCommandOptions& options);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_TRACE_COMMAND_H_
