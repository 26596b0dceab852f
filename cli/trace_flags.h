// The flags of `hoplab trace`, with traceroute(8)'s names and meanings, and
// their translation into TraceOptions.

#ifndef HOPLAB_CLI_TRACE_FLAGS_H_
#define HOPLAB_CLI_TRACE_FLAGS_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "crafter/probe.h"
#include "crafter/result.h"
#include "trace/trace_options.h"

namespace hoplab::cli {

struct TraceCommandOptions {
  std::string target;
  // traceroute(8)'s packet_len argument after the host: the whole IPv4
  // datagram, headers included.
  std::optional<int> packet_length;
  bool live = false;
  // -I (the default), -U or -T.
  crafter::ProbeMethod method = crafter::ProbeMethod::kIcmp;
  bool paris = false;
  bool numeric = false;
  bool json = false;
  // -e: show ICMP extensions (RFC 4884) in the text output.
  bool extensions = false;
  bool csv = false;
  bool raw = false;
  // --dot FILE: the path as a Graphviz graph; empty: none.
  std::string dot_path;
  // --report: mtr's report over `num_cycles` cycles, `interval` apart (as
  // typed, seconds).
  bool report = false;
  int num_cycles = 10;
  std::string interval = "1";
  int verbosity = 0;
  std::string pcap_path;
  // -s ADDR: the source address of the probes (a dotted quad); empty: the
  // one the kernel's routing picks (or the simulated host's own).
  std::string source_address;
  // -i IFACE: the interface probes leave through; empty: any.
  std::string interface;
  // -p: UDP's first destination port, TCP's destination port.
  std::optional<int> port;
  // --sport: UDP's source port, TCP's first source port.
  std::optional<int> source_port;
  // --sim FILE: the topology file of the simulated network; empty for the
  // built-in network.
  std::string sim_path;
  // Seeds the simulated network's jitter and the probes' identifiers; not
  // with --live. Unset: the topology's seed with --sim, else 1.
  std::optional<uint64_t> seed;
  int first_ttl = trace::kDefaultFirstTtl;
  int max_ttl = trace::kDefaultMaxTtl;
  // -q; when not given, 3 (traceroute) or 1 per cycle with --report (mtr).
  std::optional<int> num_queries;
  int max_in_flight = trace::kDefaultMaxInFlight;
  int limit_retries = trace::kDefaultLimitRetries;
  // -w MAX[,HERE,NEAR] as typed.
  std::string wait = "5.0,3,10";
  // -z as typed: seconds, or milliseconds when above 10.
  std::string send_wait = "0";
  int tos = 0;
  bool dont_fragment = false;
};

// Adds the `trace` subcommand to `app`; its flags, filling `options`, come
// when a parse meets it (AddLazySubcommand).
CLI::App* AddTraceCommand(CLI::App& app, TraceCommandOptions& options);

// The least time between the starts of two report cycles (--interval),
// or a one-line message naming the flag.
Result<trace::Duration> ParseInterval(const std::string& text);

// The TraceOptions the flags describe, for `destination`. Ports, source
// and identifiers the flags leave open stay at zero for the caller to
// choose. Fails with a one-line message naming the flag.
Result<trace::TraceOptions> ToTraceOptions(const TraceCommandOptions& options,
                                           crafter::Ipv4Address destination);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_TRACE_FLAGS_H_
