#include "cli/replay_command.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "cli/json_renderer.h"
#include "cli/text_renderer.h"
#include "replay/capture_reader.h"
#include "replay/link_layer.h"
#include "replay/trace_rebuilder.h"
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

Result<std::vector<uint16_t>> ParseTagTypes(
    const std::vector<std::string>& typed) {
  std::vector<uint16_t> types;
  for (const std::string& text : typed) {
    size_t end = 0;
    unsigned long value = 0;
    try {
      value = std::stoul(text, &end, 0);
    } catch (const std::exception&) {
      end = 0;
    }
    if (end != text.size() || value < 0x0600 || value > 0xffff) {
      return Error{"--tag-type " + text +
                   ": expected an EtherType such as 0x8200 (0x0600..0xffff)"};
    }
    types.push_back(static_cast<uint16_t>(value));
  }
  return types;
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
        rebuilder.Add(record.at, payload->datagram);
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

void PrintSummary(const std::string& path, const ReadSummary& summary,
                  const replay::RebuildCounters& counters, int verbosity,
                  size_t num_traces) {
  if (summary.num_bad > kMaxBadRecordLines) {
    std::fprintf(stderr, "hoplab: %s: %llu bad records skipped in all\n",
                 path.c_str(),
                 static_cast<unsigned long long>(summary.num_bad));
  }
  for (const auto& [protocol, count] : summary.unknown) {
    std::fprintf(stderr,
                 "hoplab: %s: %llu records of unknown EtherType 0x%04x "
                 "skipped (--tag-type reads one as a VLAN tag)\n",
                 path.c_str(), static_cast<unsigned long long>(count),
                 static_cast<unsigned>(protocol));
  }
  if (summary.broken.has_value()) {
    std::fprintf(stderr, "hoplab: %s; the rest of the file is not read\n",
                 summary.broken->c_str());
  }
  if (num_traces == 0) {
    std::fprintf(stderr, "hoplab: %s: no trace found\n", path.c_str());
  }
  if (verbosity > 0 || num_traces == 0) {
    std::fprintf(
        stderr,
        "hoplab: %s: %llu records, %llu IPv4 datagrams: %llu probes, %llu "
        "replies (%llu unmatched, %llu late or duplicate, %llu bad "
        "checksum), %llu other; %llu not IPv4\n",
        path.c_str(), static_cast<unsigned long long>(summary.num_records),
        static_cast<unsigned long long>(counters.num_datagrams),
        static_cast<unsigned long long>(counters.num_probes),
        static_cast<unsigned long long>(counters.num_replies),
        static_cast<unsigned long long>(counters.num_unmatched),
        static_cast<unsigned long long>(counters.num_late),
        static_cast<unsigned long long>(counters.num_bad_checksum),
        static_cast<unsigned long long>(counters.num_other),
        static_cast<unsigned long long>(summary.num_noise));
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

}  // namespace

CLI::App* AddReplayCommand(CLI::App& app, ReplayCommandOptions& options) {
  CLI::App* command = app.add_subcommand(
      "replay",
      "Rebuild the traces a pcap or pcapng capture holds and print them as "
      "hoplab trace does.");
  command->add_option("file", options.path, "pcap or pcapng capture file")
      ->required();
  command->add_flag("-n", options.numeric,
                    "Print addresses only; no reverse names");
  command->add_flag("--json", options.json,
                    "Print {\"traces\": [...]}, each as hoplab trace --json");
  command->add_option("--tag-type", options.tag_types,
                      "Also read this EtherType as a VLAN tag (e.g. 0x8200); "
                      "repeatable");
  command->add_flag("-v", options.verbosity,
                    "Say on stderr what the capture held besides the traces");
  return command;
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
  auto reader = replay::CaptureReader::Open(options.path);
  if (!reader.ok()) {
    std::cerr << "hoplab: " << reader.error().message << "\n";
    return 1;
  }

  replay::TraceRebuilder rebuilder;
  const ReadSummary summary =
      ReadCapture(options.path, **reader, link_options, rebuilder);
  const std::vector<replay::RebuiltTrace> traces = rebuilder.Rebuild();
  const std::string network =
      std::filesystem::path(options.path).filename().string() + " (capture)";
  PrintTraces(traces, network, options);
  std::fflush(stdout);
  PrintSummary(options.path, summary, rebuilder.counters(), options.verbosity,
               traces.size());
  return summary.broken.has_value() ? 1 : 0;
}

}  // namespace hoplab::cli
