#include "cli/trace_flags.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli/lazy_subcommand.h"
#include "cli/number_check.h"

namespace hoplab::cli {
namespace {

using crafter::ProbeMethod;

// The longest -w and -z that make sense for a traceroute: an hour.
constexpr double kMaxSeconds = 3600.0;
// traceroute(8) -z: a value above 10 counts milliseconds.
constexpr double kSendWaitMillisecondsAbove = 10.0;

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string_view> SplitCommas(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string_view::npos) {
      return parts;
    }
    start = comma + 1;
  }
}

trace::Duration Seconds(double seconds) {
  return std::chrono::round<trace::Duration>(
      std::chrono::duration<double>(seconds));
}

// -w MAX[,HERE,NEAR] (traceroute(8)).
Status ParseWait(const std::string& text, trace::TraceOptions& options) {
  const Error error{
      "-w: expected MAX[,HERE,NEAR] with MAX in (0, 3600] "
      "seconds and factors of 0 or more, got '" +
      text + "'"};
  const std::vector<std::string_view> parts = SplitCommas(text);
  if (parts.size() > 3) {
    return error;
  }
  std::optional<double> values[3];
  for (size_t i = 0; i < parts.size(); ++i) {
    values[i] = ParseNumber(parts[i]);
    if (!values[i].has_value() || *values[i] < 0) {
      return error;
    }
  }
  if (*values[0] <= 0 || *values[0] > kMaxSeconds) {
    return error;
  }
  options.wait = Seconds(*values[0]);
  options.wait_here = values[1].value_or(trace::kDefaultWaitHere);
  options.wait_near = values[2].value_or(trace::kDefaultWaitNear);
  return Status::Ok();
}

// -z SENDWAIT (traceroute(8)): seconds, or milliseconds above 10.
Status ParseSendWait(const std::string& text, trace::TraceOptions& options) {
  const std::optional<double> value = ParseNumber(text);
  if (!value.has_value() || *value < 0 || *value > kMaxSeconds * 1000) {
    return Error{
        "-z: expected seconds (up to 10) or milliseconds (above "
        "10), got '" +
        text + "'"};
  }
  options.send_interval = *value > kSendWaitMillisecondsAbove
                              ? Seconds(*value / 1000)
                              : Seconds(*value);
  return Status::Ok();
}

}  // namespace

Result<trace::Duration> ParseInterval(const std::string& text) {
  const std::optional<double> value = ParseNumber(text);
  if (!value.has_value() || *value < 0 || *value > kMaxSeconds) {
    return Error{"--interval: expected seconds from 0 to 3600, got '" + text +
                 "'"};
  }
  return Seconds(*value);
}

namespace {

// Adds the positionals and flags of `hoplab trace` to `command`.
void AddTraceFlags(CLI::App* command, TraceCommandOptions& options) {
  command
      ->add_option("target", options.target,
                   "IPv4 address, or host name with --live")
      ->required();
  command
      ->add_option("packet_length", options.packet_length,
                   "Whole IPv4 datagram size in bytes (60; at least 28 for "
                   "-I and -U, 40 for -T)")
      ->check(WholeNumberIn(trace::kMinProbeSize, trace::kMaxProbeSize));
  CLI::Option* live = command->add_flag(
      "--live", options.live,
      "Trace the real network (raw sockets: root or CAP_NET_RAW; else "
      "unprivileged sockets for -I and -U where the kernel allows)");

  // Step: the probing method, one of -I, -U, -T.
  const auto method_flag = [&](const char* name, ProbeMethod method,
                               const char* help) {
    return command->add_flag_callback(
        name, [&options, method] { options.method = method; }, help);
  };
  CLI::Option* icmp = method_flag("-I,--icmp", ProbeMethod::kIcmp,
                                  "ICMP Echo Request probes (default)");
  CLI::Option* udp =
      method_flag("-U,--udp", ProbeMethod::kUdp,
                  "UDP probes to ports 33434 and up, one port per probe");
  CLI::Option* tcp = method_flag("-T,--tcp", ProbeMethod::kTcp,
                                 "TCP SYN probes to port 80 (-p)");
  icmp->excludes(udp)->excludes(tcp);
  udp->excludes(tcp);
  command
      ->add_option("-p,--port", options.port,
                   "UDP: first destination port (33434); TCP: "
                   "destination port (80)")
      ->check(WholeNumberIn(1, 65535));
  command
      ->add_option("--sport", options.source_port,
                   "UDP: source port; TCP: first source port")
      ->check(WholeNumberIn(1, 65535));
  command->add_flag("--paris", options.paris,
                    "Keep every probe in one flow, so per-flow load "
                    "balancers send all of them down one path");

  // Step: where, how many, how long.
  command->add_flag("-n", options.numeric,
                    "Print addresses only, without reverse names");
  command->add_option("-f,--first", options.first_ttl, "First TTL (1)")
      ->check(WholeNumberIn(1, 255));
  command->add_option("-m,--max-hops", options.max_ttl, "Max TTL (30)")
      ->check(WholeNumberIn(1, 255));
  command
      ->add_option("-q,--queries", options.num_queries,
                   "Probes per hop (3; with --report, per cycle: 1)")
      ->check(WholeNumberIn(1, trace::kMaxNumQueries));
  command
      ->add_option("-N,--sim-queries", options.max_in_flight,
                   "Probes in flight at once (16)")
      ->check(WholeNumberIn(1, 255));
  command->add_option("-w,--wait", options.wait,
                      "MAX[,HERE,NEAR]: wait at most MAX seconds for a "
                      "reply, or HERE times the round trip of a reply from "
                      "the same hop, or NEAR times one from a later hop "
                      "(5.0,3,10)");
  command
      ->add_option("--limit-retries", options.limit_retries,
                   "Rounds of re-asking, a second apart, hops whose routers "
                   "rate-limit ICMP (below a hop that answered: a hop with "
                   "some probes answered, or two silent hops); 0 never "
                   "re-asks (1)")
      ->check(WholeNumberIn(0, trace::kMaxLimitRetries));
  command->add_option("-z,--sendwait", options.send_wait,
                      "Least time between probes: seconds, or milliseconds "
                      "above 10 (0)");
  command->add_option("-t,--tos", options.tos, "IP TOS byte of the probes (0)")
      ->check(WholeNumberIn(0, 255));
  command->add_flag("-F,--dont-fragment", options.dont_fragment,
                    "Set the Don't Fragment bit");
  command->add_option("-s,--source", options.source_address,
                      "Source address of the probes");
  command
      ->add_option("-i,--interface", options.interface,
                   "Send and receive through this interface only")
      ->needs(live);

  // Step: output and the simulated network.
  CLI::Option* json =
      command->add_flag("--json", options.json,
                        "Print one JSON object (docs/hoplab.schema.json)");
  CLI::Option* csv = command->add_flag(
      "--csv", options.csv,
      "Print CSV: one line per probe, or per hop with --report");
  CLI::Option* raw = command->add_flag(
      "--raw", options.raw, "Print mtr's raw format: x, h, d and p lines");
  json->excludes(csv)->excludes(raw);
  csv->excludes(raw);
  command
      ->add_option("--dot", options.dot_path,
                   "Also draw the path as a Graphviz graph in this file")
      ->check([](const std::string& path) {
        return path.empty() ? std::string("needs a file name") : "";
      });
  CLI::Option* report = command->add_flag(
      "--report", options.report,
      "Run -c cycles and print mtr's report table (loss and round trips "
      "per hop)");
  command
      ->add_option("-c,--report-cycles", options.num_cycles,
                   "Cycles of a report (10)")
      ->check(WholeNumberIn(1, 100000))
      ->needs(report);
  command
      ->add_option("--interval", options.interval,
                   "Least seconds between the starts of two report cycles (1)")
      ->needs(report);
  command->add_flag("-e,--extensions", options.extensions,
                    "Show ICMP extensions (RFC 4884: MPLS label stacks, "
                    "interfaces) after each address");
  command
      ->add_option("--pcap", options.pcap_path,
                   "Write every probe and reply to this pcap file")
      ->check([](const std::string& path) {
        return path.empty() ? std::string("needs a file name") : "";
      });
  command
      ->add_option("--sim", options.sim_path,
                   "Trace the simulated network this topology file "
                   "describes instead of the built-in one")
      ->excludes(live)
      ->check([](const std::string& path) {
        return path.empty() ? std::string("needs a file name") : "";
      });
  command
      ->add_option("--seed", options.seed,
                   "Seed of the simulated network's random draws (1, or the "
                   "topology's seed with --sim)")
      // CLI11 would wrap "-1" and saturate what is too big.
      ->check(WholeNumberIn(0, UINT64_MAX))
      ->excludes(live);
  command->add_flag("-v,--verbose", options.verbosity,
                    "Say which sockets a live trace uses, and count "
                    "unmatched, late and bad replies");
}

}  // namespace

CLI::App* AddTraceCommand(CLI::App& app, TraceCommandOptions& options) {
  return AddLazySubcommand(
      app, "trace",
      "Trace the route to TARGET, on the built-in simulated network unless "
      "--live is given.",
      [&options](CLI::App& command) { AddTraceFlags(&command, options); });
}

Result<trace::TraceOptions> ToTraceOptions(const TraceCommandOptions& options,
                                           crafter::Ipv4Address destination) {
  trace::TraceOptions trace_options;
  trace_options.method = options.method;
  trace_options.paris = options.paris;
  trace_options.destination = destination;
  trace_options.first_ttl = static_cast<uint8_t>(options.first_ttl);
  trace_options.max_ttl = static_cast<uint8_t>(options.max_ttl);
  trace_options.num_queries = options.num_queries.value_or(
      options.report ? 1 : trace::kDefaultNumQueries);
  trace_options.max_in_flight = options.max_in_flight;
  trace_options.limit_retries = options.limit_retries;
  trace_options.tos = static_cast<uint8_t>(options.tos);
  trace_options.dont_fragment = options.dont_fragment;
  if (options.packet_length.has_value()) {
    trace_options.packet_size = static_cast<uint16_t>(*options.packet_length);
  }
  if (Status wait = ParseWait(options.wait, trace_options); !wait.ok()) {
    return Error{wait.message()};
  }
  if (Status send_wait = ParseSendWait(options.send_wait, trace_options);
      !send_wait.ok()) {
    return Error{send_wait.message()};
  }
  trace_options.destination_port = static_cast<uint16_t>(options.port.value_or(
      options.method == ProbeMethod::kTcp ? trace::kDefaultTcpPort
                                          : trace::kDefaultUdpPort));
  trace_options.source_port =
      static_cast<uint16_t>(options.source_port.value_or(0));
  if (!options.source_address.empty()) {
    const auto source = crafter::Ipv4Address::Parse(options.source_address);
    if (!source.has_value()) {
      return Error{"-s: expected an IPv4 address, got '" +
                   options.source_address + "'"};
    }
    trace_options.source = *source;
  }
  return trace_options;
}

}  // namespace hoplab::cli
