#include "cli/trace_command.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <random>

#include "cli/csv_renderer.h"
#include "cli/dot_renderer.h"
#include "cli/json_renderer.h"
#include "cli/output_paths.h"
#include "cli/raw_renderer.h"
#include "cli/report_renderer.h"
#include "cli/text_renderer.h"
#include "replay/pcap_writer.h"
#include "replay/recording_transport.h"
#include "sim/builtin_network.h"
#include "sim/random.h"
#include "sim/sim_transport.h"
#include "sim/topology_loader.h"
#include "sim/topology_network.h"
#include "sim/virtual_clock.h"
#include "trace/cycle_runner.h"
#include "trace/datagram_transport.h"
#include "trace/engine.h"
#include "trace/live_transport.h"
#include "trace/name_resolver.h"
#include "trace/privilege.h"
#include "trace/report.h"

namespace hoplab::cli {
namespace {

using crafter::Ipv4Address;

// The tracing host's own address inside the built-in network (RFC 5737).
constexpr Ipv4Address kSimulatedSource =
    Ipv4Address::FromOctets(192, 0, 2, 100);

// Everything one run needs, whichever network it runs on.
struct Wiring {
  std::unique_ptr<trace::Clock> clock;
  std::unique_ptr<sim::Network> network;
  std::unique_ptr<trace::Transport> transport;
  std::unique_ptr<trace::NameResolver> system_resolver;
  trace::NameResolver* resolver = nullptr;
  std::string network_name;
};

// The target as an address: a dotted quad as it is, a name through the
// system resolver, which only a live trace may use.
Result<Ipv4Address> ResolveTarget(const std::string& target, bool live) {
  // inet_aton's forms (octal "012", hex "0x0a", short "10.1"), as
  // traceroute(8) reads them through getaddrinfo, so both trace the same
  // address for the same argument.
  in_addr numeric{};
  if (inet_aton(target.c_str(), &numeric) != 0) {
    return Ipv4Address(ntohl(numeric.s_addr));
  }
  if (target.find(':') != std::string::npos) {
    return Error{"hoplab: " + target +
                 ": an IPv6 address; hoplab traces IPv4 only"};
  }
  if (!live) {
    return Error{"hoplab: " + target +
                 ": the simulated network has no DNS; give an IPv4 address"};
  }
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (int status = getaddrinfo(target.c_str(), nullptr, &hints, &found);
      status != 0) {
    return Error{"hoplab: " + target + ": " + gai_strerror(status)};
  }
  const auto* address = reinterpret_cast<const sockaddr_in*>(found->ai_addr);
  const Ipv4Address resolved(ntohl(address->sin_addr.s_addr));
  freeaddrinfo(found);
  return resolved;
}

// Source ports start in the dynamic range (RFC 6335 §6), at one of
// kSourcePortChoices ports, which leave room above for one port per probe
// of 255 hops of 10 probes.
constexpr size_t kFirstSourcePort = 32768;
constexpr size_t kSourcePortChoices = 65535 - kFirstSourcePort - 2550;

// Sets what tells this trace's probes from other programs': the ICMP
// identifier, and from `bits` the first IP id, the source port where
// --sport left it open, and the TCP sequence number. A TCP trace counts
// its source port up, one per probe, so a trace that may send more
// probes (re-asks, two report cycles: trace::CheckPortRoom) chooses among
// fewer ports.
void FillIdentifiers(uint16_t icmp_id, uint64_t bits, int num_cycles,
                     trace::TraceOptions& options) {
  options.icmp_id = icmp_id;
  options.first_ip_id = static_cast<uint16_t>(bits);
  if (options.source_port == 0) {
    const size_t num_fitting = 65536 - kFirstSourcePort -
                               trace::NumDistinctNeeded(options, num_cycles) +
                               1;
    options.source_port = static_cast<uint16_t>(
        kFirstSourcePort +
        (bits >> 16) % std::min(kSourcePortChoices, num_fitting));
  }
  options.tcp_sequence = static_cast<uint32_t>(bits >> 32);
}

// The source address and interface of a live trace: -s as given (it must
// be a dotted quad), else the one the kernel's routing picks for the
// destination through -i's interface.
Result<trace::LiveOptions> LiveOptionsFor(const TraceCommandOptions& options,
                                          Ipv4Address destination) {
  trace::LiveOptions live;
  live.interface = options.interface;
  if (!options.source_address.empty()) {
    auto given = Ipv4Address::Parse(options.source_address);
    if (!given.has_value()) {
      return Error{"hoplab: -s " + options.source_address +
                   ": expected an IPv4 address"};
    }
    live.source = *given;
    return live;
  }
  auto picked = trace::PickSourceAddress(destination, options.interface);
  if (!picked.ok()) {
    return Error{"hoplab: " + picked.error().message};
  }
  live.source = *picked;
  return live;
}

// A live transport for `method`: raw sockets where the kernel grants them,
// else the unprivileged path of the methods that have one. `path` names
// the one opened, for -v.
Result<std::unique_ptr<trace::Transport>> OpenLiveTransport(
    crafter::ProbeMethod method, const trace::LiveOptions& live,
    std::string& path) {
  if (Status raised = trace::RaiseRawSocketPrivilege(); !raised.ok()) {
    return Error{"hoplab: " + raised.message()};
  }
  auto raw = trace::LiveTransport::Open(live);
  if (raw.ok()) {
    path = "raw sockets (IP_HDRINCL out; raw ICMP and TCP sockets in)";
    return std::unique_ptr<trace::Transport>(std::move(raw).value());
  }
  if (raw.error().message != trace::kLiveNeedsPrivilegeMessage) {
    return Error{"hoplab: " + raw.error().message};
  }
  if (!trace::DatagramTransport::Supports(method)) {
    return Error{"hoplab: --live with " +
                 std::string(crafter::ProbeMethodName(method)) +
                 " probes needs root or CAP_NET_RAW (raw sockets); -U and -I "
                 "run without"};
  }
  auto datagram = trace::DatagramTransport::Open(method, live);
  if (!datagram.ok()) {
    return Error{std::string(trace::kLiveNeedsPrivilegeMessage) +
                 ", or for -I a ping socket: " + datagram.error().message};
  }
  path = method == crafter::ProbeMethod::kIcmp
             ? "unprivileged (ICMP ping socket)"
             : "unprivileged (UDP socket with IP_RECVERR)";
  return std::unique_ptr<trace::Transport>(std::move(datagram).value());
}

Result<Wiring> WireLive(const TraceCommandOptions& options,
                        trace::TraceOptions& trace_options) {
  Wiring wiring;
  auto live = LiveOptionsFor(options, trace_options.destination);
  if (!live.ok()) {
    return live.error();
  }
  std::string path;
  auto transport = OpenLiveTransport(trace_options.method, *live, path);
  if (!transport.ok()) {
    return transport.error();
  }
  // The sockets are open: nothing else needs privilege, and nothing after
  // this point (names, the --pcap and --dot files) runs with any.
  if (Status dropped = trace::DropAllPrivileges(); !dropped.ok()) {
    return Error{"hoplab: " + dropped.message()};
  }
  if (options.verbosity > 0) {
    std::fprintf(stderr, "hoplab: live path: %s\n", path.c_str());
    std::fprintf(stderr, "hoplab: privileges after opening the sockets: %s\n",
                 trace::DescribePrivileges().c_str());
    if (!options.pcap_path.empty() && path.rfind("unprivileged", 0) == 0) {
      // README, "Live traces and privilege": how such a capture reads.
      std::fprintf(stderr,
                   "hoplab: %s holds the probes as hoplab built them (the "
                   "kernel chose their IP id) and replies rebuilt from what "
                   "the kernel reported (outer IP id 0)\n",
                   options.pcap_path.c_str());
    }
  }
  trace_options.source = *live->source;
  wiring.clock = std::make_unique<trace::SystemClock>();
  wiring.transport = std::move(transport).value();
  if (!options.numeric) {
    wiring.system_resolver = std::make_unique<trace::SystemNameResolver>();
    wiring.resolver = wiring.system_resolver.get();
  }
  wiring.network_name = "live";
  return wiring;
}

// The built-in network, or with --sim the topology (already loaded).
Wiring WireSimulated(const TraceCommandOptions& options,
                     std::optional<sim::Topology> topology, uint64_t seed,
                     trace::TraceOptions& trace_options) {
  Wiring wiring;
  auto clock = std::make_unique<sim::VirtualClock>();
  trace::NameResolver* resolver = nullptr;
  Ipv4Address host = kSimulatedSource;
  if (topology.has_value()) {
    host = topology->host;
    auto network =
        std::make_unique<sim::TopologyNetwork>(std::move(*topology), seed);
    resolver = network.get();
    wiring.network_name = network->Name() + " (simulated)";
    wiring.network = std::move(network);
  } else {
    auto network = std::make_unique<sim::BuiltinNetwork>(seed);
    resolver = network.get();
    wiring.network = std::move(network);
    wiring.network_name =
        std::string(sim::BuiltinNetwork::kName) + " (simulated)";
  }
  wiring.transport =
      std::make_unique<sim::SimTransport>(*wiring.network, *clock);
  wiring.clock = std::move(clock);
  if (trace_options.source.IsUnspecified()) {
    trace_options.source = host;
  }
  if (!options.numeric) {
    wiring.resolver = resolver;
  }
  return wiring;
}

// The topology of --sim, checked to route `destination`; nullopt without
// --sim. Fails with the loader's message or the targets it knows.
Result<std::optional<sim::Topology>> LoadSimTopology(
    const TraceCommandOptions& options, Ipv4Address destination) {
  if (options.sim_path.empty()) {
    return std::optional<sim::Topology>();
  }
  auto topology = sim::LoadTopologyFile(options.sim_path);
  if (!topology.ok()) {
    return Error{"hoplab: " + topology.error().message};
  }
  if (topology->FindTarget(destination) == nullptr) {
    std::string targets;
    for (const sim::Target& target : topology->targets) {
      targets += (targets.empty() ? "" : ", ") + target.address.ToString();
    }
    return Error{"hoplab: " + destination.ToString() +
                 ": not a target of topology " + options.sim_path +
                 " (its targets: " + targets + ")"};
  }
  return std::optional<sim::Topology>(std::move(topology).value());
}

// The signal that asked the trace to stop (SIGINT, SIGTERM), or 0.
volatile std::sig_atomic_t g_stop_signal = 0;

void RecordStopSignal(int signal_number) { g_stop_signal = signal_number; }

// Routes SIGINT and SIGTERM to g_stop_signal while it lives, without
// SA_RESTART so that a wait in the transport returns at once.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction action {};
    action.sa_handler = RecordStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

void PrintCounters(const trace::TraceCounters& counters) {
  std::fprintf(
      stderr,
      "hoplab: %llu probes sent, %llu datagrams received: %llu not "
      "replies, %llu unmatched, %llu late or duplicate, %llu bad "
      "checksum, %llu reassembly timeouts, %llu bad extensions, %llu "
      "past the last hop\n",
      static_cast<unsigned long long>(counters.num_sent),
      static_cast<unsigned long long>(counters.num_received),
      static_cast<unsigned long long>(counters.num_not_replies),
      static_cast<unsigned long long>(counters.num_unmatched),
      static_cast<unsigned long long>(counters.num_late),
      static_cast<unsigned long long>(counters.num_bad_checksum),
      static_cast<unsigned long long>(counters.num_reassembly_timeouts),
      static_cast<unsigned long long>(counters.num_bad_extensions),
      static_cast<unsigned long long>(counters.num_past_last_hop));
}

// What the output of one run needs to know.
struct RunContext {
  const TraceCommandOptions& options;
  const trace::TraceOptions& trace_options;
  Ipv4Address destination;
  Wiring& wiring;
  trace::Transport& transport;
};

struct RunOutcome {
  // Not ok when the transport failed; what was found until then is printed.
  Status status;
  trace::TraceCounters counters;
};

JsonTraceInfo InfoOf(const RunContext& context) {
  return {context.options.target, context.destination.ToString(),
          context.trace_options.method, context.wiring.network_name};
}

// mtr's "Start:" time (ISO 8601 with the UTC offset): local time live,
// UTC on the simulated network so its output repeats everywhere.
std::string StartTime(trace::TimePoint at, bool utc) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(at));
  std::tm parts{};
  if (utc) {
    gmtime_r(&seconds, &parts);
  } else {
    localtime_r(&seconds, &parts);
  }
  char text[64];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S%z", &parts);
  return text;
}

// The tracing host as mtr's "HOST:" column and the graph's source node
// name it: the host name live, the source address in a simulation.
std::string HostName(const RunContext& context) {
  if (context.options.live) {
    char name[256] = {};
    if (gethostname(name, sizeof(name) - 1) == 0 && name[0] != '\0') {
      return name;
    }
  }
  return context.trace_options.source.ToString();
}

// Writes the --dot graph of `report`, when asked for.
Status WriteDot(const RunContext& context, const trace::Report& report) {
  if (context.options.dot_path.empty()) {
    return Status::Ok();
  }
  const std::string graph = RenderDot(
      HostName(context), report, context.destination, context.wiring.resolver);
  std::FILE* file = std::fopen(context.options.dot_path.c_str(), "w");
  if (file == nullptr) {
    return Error{"--dot " + context.options.dot_path + ": " +
                 std::strerror(errno)};
  }
  const bool written =
      std::fwrite(graph.data(), 1, graph.size(), file) == graph.size();
  const int write_error = errno;
  if (std::fclose(file) != 0 || !written) {
    return Error{"--dot " + context.options.dot_path + ": write failed: " +
                 std::strerror(written ? errno : write_error)};
  }
  return Status::Ok();
}

// Prints `text` on stdout as one block.
void PrintBlock(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

RunOutcome RunSingleTrace(const RunContext& context) {
  const TraceCommandOptions& options = context.options;
  trace::Engine engine(context.transport, *context.wiring.clock,
                       context.trace_options);
  engine.set_stop_flag(&g_stop_signal);
  const bool text = !options.json && !options.csv && !options.raw;
  if (text) {
    TraceHeader header{options.target, context.destination.ToString(),
                       options.max_ttl, context.trace_options.packet_size,
                       context.wiring.network_name};
    PrintBlock(RenderTextHeader(header) + "\n");
    engine.set_hop_callback([&](const trace::Hop& hop) {
      PrintBlock(
          RenderTextHop(hop, context.wiring.resolver, options.extensions) +
          "\n");
    });
  }
  auto result = engine.Run();
  const trace::TraceResult& found =
      result.ok() ? *result : engine.partial_result();
  if (options.json) {
    PrintBlock(RenderJson(InfoOf(context), found, context.wiring.resolver) +
               "\n");
  } else if (options.csv) {
    PrintBlock(RenderTraceCsv(found, context.wiring.resolver));
  } else if (options.raw) {
    PrintBlock(RenderRaw({found}, context.wiring.resolver));
  }
  RunOutcome outcome{Status::Ok(), found.counters};
  if (!result.ok()) {
    outcome.status = Status(result.error());
  }
  if (Status drawn = WriteDot(context, trace::BuildReport({found}));
      !drawn.ok() && outcome.status.ok()) {
    outcome.status = drawn;
  }
  return outcome;
}

// "hoplab: cycle K/N" on a terminal's stderr, rewritten in place; nothing
// when stderr is not a terminal (a log file, a pipe, a test).
class Progress {
 public:
  explicit Progress(int num_cycles)
      : num_cycles_(num_cycles), shown_(isatty(STDERR_FILENO) == 1) {}
  ~Progress() {
    if (shown_) {
      // Erases the line (ECMA-48 EL), so the report starts clean.
      std::fprintf(stderr, "\r\033[K");
    }
  }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Show(int cycle, const trace::TraceResult& result) {
    if (shown_) {
      std::fprintf(stderr, "\rhoplab: cycle %d/%d, %zu hops%s\033[K", cycle,
                   num_cycles_, result.hops.size(),
                   result.reached ? ", target reached" : "");
      std::fflush(stderr);
    }
  }

 private:
  int num_cycles_;
  bool shown_;
};

RunOutcome RunReport(const RunContext& context) {
  const TraceCommandOptions& options = context.options;
  trace::CycleOptions cycles;
  cycles.num_cycles = options.num_cycles;
  // Validated with the other flags before any probe left.
  cycles.interval = *ParseInterval(options.interval);
  const std::string start =
      StartTime(context.wiring.clock->Now(), !options.live);
  trace::CycleRunner runner(context.transport, *context.wiring.clock,
                            context.trace_options, cycles);
  runner.set_stop_flag(&g_stop_signal);
  RunOutcome outcome;
  {
    Progress progress(options.num_cycles);
    runner.set_cycle_callback(
        [&](int k, const trace::TraceResult& done) { progress.Show(k, done); });
    if (auto ran = runner.Run(); !ran.ok()) {
      outcome.status = Status(ran.error());
    }
  }
  const std::vector<trace::TraceResult>& found = runner.cycles();
  for (const trace::TraceResult& cycle : found) {
    outcome.counters += cycle.counters;
  }
  const trace::Report report = trace::BuildReport(found);
  const ReportHeader header{start, HostName(context)};
  trace::NameResolver* resolver = context.wiring.resolver;
  if (options.json) {
    PrintBlock(RenderReportJson(InfoOf(context), header, report, resolver) +
               "\n");
  } else if (options.csv) {
    PrintBlock(RenderReportCsv(report, resolver));
  } else if (options.raw) {
    PrintBlock(RenderRaw(found, resolver));
  } else {
    PrintBlock(RenderReportText(header, report, resolver));
  }
  if (Status drawn = WriteDot(context, report);
      !drawn.ok() && outcome.status.ok()) {
    outcome.status = drawn;
  }
  return outcome;
}

}  // namespace

int RunTraceCommand(const TraceCommandOptions& options) {
  // Before any name or file is read: a live trace keeps only CAP_NET_RAW
  // until its sockets are open, any other trace nothing; a set-user-ID
  // hoplab becomes the user who ran it (README, "Live traces and
  // privilege").
  if (Status limited = trace::LimitPrivileges(
          options.live ? trace::PrivilegeNeed::kRawSockets
                       : trace::PrivilegeNeed::kNone);
      !limited.ok()) {
    std::cerr << "hoplab: " << limited.message() << "\n";
    return 1;
  }
  // An unusable target is a usage error, as in traceroute(8).
  auto destination = ResolveTarget(options.target, options.live);
  if (!destination.ok()) {
    std::cerr << destination.error().message << "\n";
    return 2;
  }
  auto topology = LoadSimTopology(options, *destination);
  if (!topology.ok()) {
    std::cerr << topology.error().message << "\n";
    return 2;
  }
  const uint64_t seed = options.seed.value_or(
      topology->has_value() ? (*topology)->seed : uint64_t{1});
  if (!options.live && !topology->has_value() &&
      !sim::BuiltinNetwork::Routes(*destination)) {
    std::cerr << "hoplab: " << destination->ToString()
              << ": not a unicast address; the simulated network routes "
                 "unicast only\n";
    return 2;
  }
  auto converted = ToTraceOptions(options, *destination);
  if (!converted.ok()) {
    std::cerr << "hoplab: " << converted.error().message << "\n";
    return 2;
  }
  trace::TraceOptions& trace_options = *converted;
  if (auto interval = ParseInterval(options.interval); !interval.ok()) {
    std::cerr << "hoplab: " << interval.error().message << "\n";
    return 2;
  }
  const int num_cycles = options.report ? options.num_cycles : 1;
  if (options.live) {
    // traceroute(8) identifies its ICMP probes by its process id.
    std::random_device entropy;
    FillIdentifiers(static_cast<uint16_t>(getpid() & 0xffff),
                    (uint64_t{entropy()} << 32) | entropy(), num_cycles,
                    trace_options);
  } else {
    // Identifiers follow from the seed, so runs repeat byte for byte.
    const uint64_t mixed = sim::SeededRandom::Mix(seed);
    FillIdentifiers(static_cast<uint16_t>(mixed), mixed >> 16, num_cycles,
                    trace_options);
  }
  if (std::string problem =
          trace::ValidateTraceOptions(trace_options, num_cycles);
      !problem.empty()) {
    // A usage error, like the range errors the flag parser reports.
    std::cerr << "hoplab: " << problem << "\n";
    return 2;
  }

  // Raw sockets first (and before any file is created), so that a missing
  // privilege is the first and only thing reported.
  Result<Wiring> wired =
      options.live ? WireLive(options, trace_options)
                   : Result<Wiring>(WireSimulated(options, std::move(*topology),
                                                  seed, trace_options));
  if (!wired.ok()) {
    std::cerr << wired.error().message << "\n";
    return 1;
  }
  Wiring& wiring = *wired;

  // Step: outputs, checked before any probe leaves.
  for (const std::string* output : {&options.pcap_path, &options.dot_path}) {
    for (const std::string* other :
         {&options.sim_path, &options.pcap_path, &options.dot_path}) {
      if (output != other && SameFile(*output, *other)) {
        std::cerr << "hoplab: " << *output
                  << " is named twice among --sim, --pcap and --dot; each "
                     "needs a file of its own\n";
        return 2;
      }
    }
  }
  if (!options.dot_path.empty()) {
    if (Status writable = CheckWritable("--dot", options.dot_path);
        !writable.ok()) {
      std::cerr << "hoplab: " << writable.message() << "\n";
      return 1;
    }
  }

  std::unique_ptr<replay::PcapWriter> pcap;
  std::unique_ptr<replay::RecordingTransport> recording;
  trace::Transport* transport = wiring.transport.get();
  if (!options.pcap_path.empty()) {
    auto opened = replay::PcapWriter::Open(options.pcap_path);
    if (!opened.ok()) {
      std::cerr << "hoplab: " << opened.error().message << "\n";
      return 1;
    }
    pcap = std::move(opened).value();
    recording = std::make_unique<replay::RecordingTransport>(*transport, *pcap);
    transport = recording.get();
  }

  // Ctrl-C or SIGTERM: the hops (or the report's complete cycles) so far
  // are printed and the pcap completed below, as after a normal end.
  StopSignals stop_signals;
  const RunContext context{options, trace_options, *destination, wiring,
                           *transport};
  RunOutcome outcome =
      options.report ? RunReport(context) : RunSingleTrace(context);
  if (options.verbosity > 0) {
    PrintCounters(outcome.counters);
  }
  int status = 0;
  // A failed write closed the file already and ended the run with its own
  // message, which stays the only one.
  if (pcap != nullptr && pcap->is_open()) {
    Status closed = recording->Flush();
    if (closed.ok()) {
      closed = pcap->Close();
    }
    if (!closed.ok()) {
      std::cerr << "hoplab: " << closed.message() << "\n";
      status = 1;
    }
  }
  if (!outcome.status.ok()) {
    std::cerr << "hoplab: " << outcome.status.message() << "\n";
    status = 1;
  }
  if (g_stop_signal != 0) {
    // The shell's convention for a process ended by a signal.
    status = 128 + g_stop_signal;
  }
  return status;
}

}  // namespace hoplab::cli
