#include "cli/replay_command.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "cli/json_renderer.h"
#include "cli/lazy_subcommand.h"
#include "cli/number_check.h"
#include "cli/output_paths.h"
#include "cli/text_renderer.h"
#include "replay/capture_reader.h"
#include "replay/capture_topology.h"
#include "replay/link_layer.h"
#include "replay/trace_rebuilder.h"
#include "sim/topology_writer.h"
#include "trace/name_resolver.h"
#include "trace/privilege.h"

namespace hoplab::cli {
namespace {

// Bad records are reported one line each up to this many; the rest are
// counted, so a corrupt file does not flood the terminal.
constexpr uint64_t kMaxBadRecordLines = 10;

// What reading the file found besides IPv4.
struct ReadSummary {
  uint64_t num_records = 0;
  uint64_t num_bad = 0;
  uint64_t num_noise = 0;
  // EtherType (or loopback family) -> records.
  std::map<uint32_t, uint64_t> unknown;
  // Set when the framing broke and the rest of the file was not read.
  std::optional<std::string> broken;
};

// Why `value` cannot be a tag type, or nullptr when it can.
const char* NotATagType(unsigned long value) {
  // IEEE 802.3: values up to 1500 (0x05dc) are frame lengths, and
  // 0x0600 is the first EtherType.
  if (value < 0x0600) {
    return "is a frame length, not an EtherType (EtherTypes start at "
           "0x0600)";
  }
  // A tag type equal to the EtherType of the traffic itself would take
  // every such frame for a tag and lose every trace.
  switch (value) {
    case 0x0800:
      return "is IPv4's EtherType, not a tag's: reading it as a VLAN tag "
             "would lose every trace";
    case 0x0806:
      return "is ARP's EtherType, not a tag's";
    case 0x86dd:
      return "is IPv6's EtherType, not a tag's";
  }
  return nullptr;
}

// --tag-type values are hexadecimal, with or without 0x, as tcpdump and
// Wireshark write EtherTypes: 8200 is 0x8200.
Result<std::vector<uint16_t>> ParseTagTypes(
    const std::vector<std::string>& typed) {
  std::vector<uint16_t> types;
  for (const std::string& text : typed) {
    size_t end = 0;
    unsigned long value = 0;
    const bool signed_text =
        !text.empty() && (text[0] == '-' || text[0] == '+');
    try {
      value = std::stoul(text, &end, 16);
    } catch (const std::exception&) {
      end = 0;
    }
    if (signed_text || end == 0 || end != text.size() || value > 0xffff) {
      return Error{"--tag-type " + text +
                   ": expected a hexadecimal EtherType such as 0x8200 or "
                   "8200 (0x0600..0xffff)"};
    }
    if (const char* what = NotATagType(value)) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%04lx", value);
      return Error{"--tag-type " + text + ": " + hex + " " + what};
    }
    types.push_back(static_cast<uint16_t>(value));
  }
  return types;
}

// How messages name the capture: its path, or "stdin" for `-`.
std::string CaptureName(const std::string& path) {
  return path == "-" ? "stdin" : path;
}

// How the trace header names the capture: its file name, or "stdin".
std::string CaptureFileName(const std::string& path) {
  return path == "-" ? CaptureName(path)
                     : std::filesystem::path(path).filename().string();
}

void ReportBadRecord(const std::string& path,
                     const replay::CaptureRecord& record,
                     const std::string& problem, ReadSummary& summary) {
  if (++summary.num_bad <= kMaxBadRecordLines) {
    std::fprintf(stderr, "hoplab: %s, record %llu at offset %llu: %s\n",
                 path.c_str(), static_cast<unsigned long long>(record.number),
                 static_cast<unsigned long long>(record.offset),
                 problem.c_str());
  }
}

// Feeds every IPv4 datagram of the capture to `rebuilder`.
ReadSummary ReadCapture(const std::string& path, replay::CaptureReader& reader,
                        const replay::LinkOptions& link_options,
                        replay::TraceRebuilder& rebuilder) {
  ReadSummary summary;
  while (true) {
    auto next = reader.Next();
    if (!next.ok()) {
      summary.broken = next.error().message;
      return summary;
    }
    if (!next->has_value()) {
      return summary;
    }
    const replay::CaptureRecord& record = **next;
    ++summary.num_records;
    if (!record.problem.empty()) {
      ReportBadRecord(path, record, record.problem, summary);
      continue;
    }
    auto payload =
        replay::StripLinkLayer(record.link_type, record.bytes, link_options);
    if (!payload.ok()) {
      ReportBadRecord(path, record,
                      replay::LinkTypeName(record.link_type) + ": " +
                          payload.error().ToString(),
                      summary);
      continue;
    }
    switch (payload->kind) {
      case replay::LinkPayloadKind::kIpv4:
        if (auto malformed =
                rebuilder.Add(record.at, payload->datagram, record.number)) {
          ReportBadRecord(path, record, *malformed, summary);
        }
        break;
      case replay::LinkPayloadKind::kNoise:
        ++summary.num_noise;
        break;
      case replay::LinkPayloadKind::kUnknown:
        ++summary.unknown[payload->protocol];
        break;
    }
  }
}

// "12 records, 12 IPv4 datagrams: ...": what the capture held.
std::string DescribeCounts(const ReadSummary& summary,
                           const replay::RebuildCounters& counters) {
  char text[512];
  std::snprintf(
      text, sizeof(text),
      "%llu records, %llu IPv4 datagrams: %llu probes (%llu wrong checksum, "
      "%llu unverified (offloaded)), %llu replies (%llu unmatched, %llu "
      "duplicate, %llu late, %llu bad checksum, %llu reassembly timeouts), "
      "%llu ignored as foreign ICMP, %llu other; %llu not IPv4",
      static_cast<unsigned long long>(summary.num_records),
      static_cast<unsigned long long>(counters.num_datagrams),
      static_cast<unsigned long long>(counters.num_probes),
      static_cast<unsigned long long>(counters.num_probe_checksum_wrong),
      static_cast<unsigned long long>(counters.num_probe_checksum_offloaded),
      static_cast<unsigned long long>(counters.num_replies),
      static_cast<unsigned long long>(counters.num_unmatched),
      static_cast<unsigned long long>(counters.num_duplicate),
      static_cast<unsigned long long>(counters.num_late),
      static_cast<unsigned long long>(counters.num_bad_checksum),
      static_cast<unsigned long long>(counters.num_reassembly_timeouts),
      static_cast<unsigned long long>(counters.num_foreign),
      static_cast<unsigned long long>(counters.num_other),
      static_cast<unsigned long long>(summary.num_noise));
  return text;
}

void PrintSummary(const std::string& name, const ReadSummary& summary,
                  const replay::TraceRebuilder& rebuilder, int verbosity,
                  size_t num_traces) {
  if (summary.num_bad > kMaxBadRecordLines) {
    std::fprintf(stderr, "hoplab: %s: %llu bad records skipped in all\n",
                 name.c_str(),
                 static_cast<unsigned long long>(summary.num_bad));
  }
  for (const auto& [protocol, count] : summary.unknown) {
    std::fprintf(stderr,
                 "hoplab: %s: %llu records of unknown EtherType 0x%04x "
                 "skipped (--tag-type reads one as a VLAN tag)\n",
                 name.c_str(), static_cast<unsigned long long>(count),
                 static_cast<unsigned>(protocol));
  }
  if (summary.broken.has_value()) {
    std::fprintf(stderr, "hoplab: %s; the rest of the file is not read\n",
                 summary.broken->c_str());
  }
  const std::string counts = DescribeCounts(summary, rebuilder.counters());
  if (num_traces == 0) {
    std::fprintf(stderr, "hoplab: %s: no trace found in %s\n", name.c_str(),
                 counts.c_str());
  } else if (verbosity > 0) {
    std::fprintf(stderr, "hoplab: %s: %s\n", name.c_str(), counts.c_str());
  }
  if (verbosity == 0) {
    return;
  }
  // Which probes left with a wrong checksum, as tcpdump -v flags them;
  // their destinations drop them, so they stay unanswered.
  const std::vector<replay::WrongProbeChecksum>& wrong =
      rebuilder.wrong_probe_checksums();
  for (size_t i = 0; i < wrong.size() && i < kMaxBadRecordLines; ++i) {
    std::fprintf(stderr, "hoplab: %s, record %llu: probe %s > %s TTL %u: %s\n",
                 name.c_str(), static_cast<unsigned long long>(wrong[i].record),
                 wrong[i].key.source.ToString().c_str(),
                 wrong[i].key.destination.ToString().c_str(),
                 static_cast<unsigned>(wrong[i].ttl),
                 replay::DescribeWrongChecksum(wrong[i]).c_str());
  }
  if (wrong.size() > kMaxBadRecordLines) {
    std::fprintf(stderr,
                 "hoplab: %s: %zu probes with a wrong checksum in all\n",
                 name.c_str(), wrong.size());
  }
}

void PrintTraces(const std::vector<replay::RebuiltTrace>& traces,
                 const std::string& network,
                 const ReplayCommandOptions& options) {
  if (options.json) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const replay::RebuiltTrace& rebuilt : traces) {
      const std::string address = rebuilt.destination.ToString();
      all.push_back(TraceJson({address, address, rebuilt.method, network},
                              rebuilt.result));
    }
    nlohmann::ordered_json out;
    out["schema_version"] = kJsonSchemaVersion;
    out["kind"] = "replay";
    out["traces"] = std::move(all);
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::unique_ptr<trace::NameResolver> resolver;
  if (!options.numeric) {
    resolver = std::make_unique<trace::SystemNameResolver>();
  }
  for (const replay::RebuiltTrace& rebuilt : traces) {
    const std::string address = rebuilt.destination.ToString();
    TraceHeader header{address, address, rebuilt.max_ttl, rebuilt.packet_size,
                       network};
    std::printf("%s\n", RenderTextHeader(header).c_str());
    for (const trace::Hop& hop : rebuilt.result.hops) {
      std::printf("%s\n", RenderTextHop(hop, resolver.get()).c_str());
    }
  }
}

// "1 (icmp to 192.0.2.9, 6 hops), 2 (...)": the traces to choose from.
std::string TraceChoices(const std::vector<replay::RebuiltTrace>& traces) {
  std::string out;
  for (size_t i = 0; i < traces.size(); ++i) {
    out += (i == 0 ? "" : ", ") + std::to_string(i + 1) + " (" +
           std::string(crafter::ProbeMethodName(traces[i].method)) + " to " +
           traces[i].destination.ToString() + ", " +
           std::to_string(traces[i].result.hops.size()) + " hops)";
  }
  return out;
}

// The flags of `hoplab trace` that send the probes of `options`.
std::string TraceArguments(const trace::TraceOptions& options) {
  std::string out;
  switch (options.method) {
    case crafter::ProbeMethod::kIcmp:
      out = "-I";
      break;
    case crafter::ProbeMethod::kUdp:
      out = "-U";
      break;
    case crafter::ProbeMethod::kTcp:
      out = "-T";
      break;
  }
  if (options.paris) {
    out += " --paris";
  }
  if (options.method != crafter::ProbeMethod::kIcmp) {
    out += " -p " + std::to_string(options.destination_port);
  }
  if (options.first_ttl != trace::kDefaultFirstTtl) {
    out += " -f " + std::to_string(options.first_ttl);
  }
  if (options.limit_retries != trace::kDefaultLimitRetries) {
    out += " --limit-retries " + std::to_string(options.limit_retries);
  }
  out += " -m " + std::to_string(options.max_ttl) + " -q " +
         std::to_string(options.num_queries) + " " +
         options.destination.ToString();
  if (options.packet_size != crafter::kDefaultProbeSize) {
    out += " " + std::to_string(options.packet_size);
  }
  return out;
}

// Writes the topology of trace `number` (from 1) to --topology and says on
// stderr how to run it and what it does not reproduce. Returns the exit
// status.
int WriteTopology(const ReplayCommandOptions& options,
                  const replay::RebuiltTrace& rebuilt, size_t number,
                  bool several) {
  std::string name = options.path == "-"
                         ? CaptureName(options.path)
                         : std::filesystem::path(options.path).stem().string();
  if (several) {
    name += "-" + std::to_string(number);
  }
  const replay::CaptureTopology built =
      replay::BuildCaptureTopology(rebuilt, name);
  const std::string command = "hoplab trace -n --sim " + options.topology_path +
                              " " + TraceArguments(built.options);
  std::string comment =
      "Written by hoplab replay --topology from " +
      CaptureFileName(options.path) + ", trace " + std::to_string(number) +
      " (" + std::string(crafter::ProbeMethodName(rebuilt.method)) + " to " +
      rebuilt.destination.ToString() + ").\nRe-run it with:\n  " + command +
      "\nRouter rT stands at TTL T; rTa, rTb, ... share TTL T behind a "
      "per-packet\nbalancer whose branches repeat in the captured order. "
      "0.0.0.0/8 addresses are\nplaceholders for routers the capture does "
      "not show.";
  for (const std::string& warning : built.warnings) {
    comment += "\nNot reproduced: " + warning;
  }
  const std::string text = sim::SerializeTopology(built.topology, comment);

  std::FILE* file = std::fopen(options.topology_path.c_str(), "w");
  if (file == nullptr) {
    std::fprintf(stderr, "hoplab: --topology %s: cannot write: %s\n",
                 options.topology_path.c_str(), std::strerror(errno));
    return 1;
  }
  const bool written =
      std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !written) {
    std::fprintf(stderr, "hoplab: --topology %s: write failed\n",
                 options.topology_path.c_str());
    return 1;
  }
  std::fprintf(stderr, "hoplab: wrote %s (trace %zu); re-run it with:\n  %s\n",
               options.topology_path.c_str(), number, command.c_str());
  for (const std::string& warning : built.warnings) {
    std::fprintf(stderr, "hoplab: %s: not reproduced: %s\n",
                 options.topology_path.c_str(), warning.c_str());
  }
  return 0;
}

// Adds the argument and flags of `hoplab replay` to `command`.
void AddReplayFlags(CLI::App* command, ReplayCommandOptions& options) {
  command
      ->add_option("file", options.path,
                   "pcap or pcapng capture file; - reads standard input")
      ->required();
  command->add_flag("-n", options.numeric,
                    "Print addresses only; no reverse names");
  command->add_flag("--json", options.json,
                    "Print {\"traces\": [...]}, each as hoplab trace --json");
  command->add_option("--tag-type", options.tag_types,
                      "Also read this EtherType, in hexadecimal as tcpdump "
                      "prints it (8200 or 0x8200), as a VLAN tag; "
                      "repeatable. IPv4, ARP, IPv6 and values below 0x0600 "
                      "are refused");
  command
      ->add_option("--trace", options.trace_number,
                   "Only the Nth trace of the capture (from 1), printed "
                   "and written with --topology")
      ->check(WholeNumberIn(1, INT32_MAX));
  command->add_option("--topology", options.topology_path,
                      "Write a topology file reproducing the trace, for "
                      "hoplab trace --sim FILE");
  command->add_flag("-v", options.verbosity,
                    "Say on stderr what the capture held besides the traces, "
                    "and which probes carry a wrong checksum");
}

}  // namespace

CLI::App* AddReplayCommand(CLI::App& app, ReplayCommandOptions& options) {
  return AddLazySubcommand(
      app, "replay",
      "Rebuild the traces a pcap or pcapng capture holds and print them as "
      "hoplab trace does.",
      [&options](CLI::App& command) { AddReplayFlags(&command, options); });
}

int RunReplayCommand(const ReplayCommandOptions& options) {
  // Reading a capture needs no privilege: none is kept while its
  // untrusted bytes are parsed.
  if (Status limited = trace::LimitPrivileges(trace::PrivilegeNeed::kNone);
      !limited.ok()) {
    std::cerr << "hoplab: " << limited.message() << "\n";
    return 1;
  }
  auto tag_types = ParseTagTypes(options.tag_types);
  if (!tag_types.ok()) {
    std::cerr << "hoplab: " << tag_types.error().message << "\n";
    return 2;
  }
  replay::LinkOptions link_options{*tag_types};
  if (SameFile(options.path, options.topology_path)) {
    std::cerr << "hoplab: --topology " << options.topology_path
              << " would write over the capture it reads\n";
    return 2;
  }
  auto reader = replay::CaptureReader::Open(options.path);
  if (!reader.ok()) {
    std::cerr << "hoplab: " << reader.error().message << "\n";
    return 1;
  }

  replay::TraceRebuilder rebuilder;
  const std::string name = CaptureName(options.path);
  const ReadSummary summary =
      ReadCapture(name, **reader, link_options, rebuilder);
  std::vector<replay::RebuiltTrace> traces = rebuilder.Rebuild();
  const bool several = traces.size() > 1;
  size_t number = 1;
  if (options.trace_number.has_value()) {
    if (*options.trace_number < 1 ||
        size_t(*options.trace_number) > traces.size()) {
      std::cerr << "hoplab: --trace " << *options.trace_number << ": " << name
                << " holds "
                << (traces.empty() ? "no trace"
                                   : std::to_string(traces.size()) +
                                         " trace(s): " + TraceChoices(traces))
                << "\n";
      return 2;
    }
    number = size_t(*options.trace_number);
    traces = {traces[number - 1]};
  } else if (!options.topology_path.empty() && several) {
    std::cerr << "hoplab: --topology: " << name << " holds " << traces.size()
              << " traces; choose one with --trace N: " << TraceChoices(traces)
              << "\n";
    return 2;
  }
  const std::string network = CaptureFileName(options.path) + " (capture)";
  PrintTraces(traces, network, options);
  std::fflush(stdout);
  PrintSummary(name, summary, rebuilder, options.verbosity, traces.size());
  if (options.verbosity > 0) {
    for (const replay::RebuiltTrace& rebuilt : traces) {
      for (const replay::ReassemblyTimeout& timeout :
           rebuilt.reassembly_timeouts) {
        std::fprintf(stderr,
                     "hoplab: %s: fragment reassembly timeout at %s (probe "
                     "TTL %u)\n",
                     name.c_str(), timeout.from.ToString().c_str(),
                     static_cast<unsigned>(timeout.probe_ttl));
      }
    }
  }
  int status = summary.broken.has_value() ? 1 : 0;
  if (!options.topology_path.empty()) {
    if (traces.empty()) {
      std::fprintf(stderr,
                   "hoplab: --topology %s: %s holds no trace to "
                   "reproduce; nothing written\n",
                   options.topology_path.c_str(), name.c_str());
      return 1;
    }
    status = std::max(status,
                      WriteTopology(options, traces.front(), number, several));
  }
  return status;
}

}  // namespace hoplab::cli
