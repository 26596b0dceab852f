#include "tests/integration/trace_outcome.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crafter/ipv4_address.h"

namespace hoplab::integration {
namespace {

constexpr std::string_view kHeaderStart = "traceroute to ";

std::vector<std::string_view> SplitWords(std::string_view line) {
  std::vector<std::string_view> words;
  size_t start = line.find_first_not_of(" \t");
  while (start != std::string_view::npos) {
    size_t end = line.find_first_of(" \t", start);
    words.push_back(line.substr(start, end - start));
    start = line.find_first_not_of(" \t", end);
  }
  return words;
}

template <typename T>
std::optional<T> ParseNumber(std::string_view word) {
  T value{};
  auto [end, error] = std::from_chars(word.begin(), word.end(), value);
  if (error != std::errc() || end != word.end()) {
    return std::nullopt;
  }
  return value;
}

Error LineError(size_t line_number, std::string_view expected,
                std::string_view found) {
  return Error{"line " + std::to_string(line_number) + ": expected " +
               std::string(expected) + ", found '" + std::string(found) + "'"};
}

// One hop line: the TTL, then per probe "*" or "[address] RTT ms [!X]".
Result<HopOutcome> ParseHopLine(std::string_view line, size_t line_number) {
  std::vector<std::string_view> words = SplitWords(line);
  HopOutcome hop;
  std::optional<int> ttl = ParseNumber<int>(words.at(0));
  if (!ttl.has_value()) {
    return LineError(line_number, "a hop number", words[0]);
  }
  hop.ttl = *ttl;

  std::optional<std::string> from;
  for (size_t i = 1; i < words.size(); ++i) {
    std::string_view word = words[i];
    std::optional<double> rtt = ParseNumber<double>(word);
    if (word == "*") {
      hop.probes.push_back(ProbeOutcome{});
    } else if (word.starts_with('!') && !hop.probes.empty() &&
               hop.probes.back().rtt_ms.has_value()) {
      hop.probes.back().annotation = std::string(word);
    } else if (crafter::Ipv4Address::Parse(word).has_value()) {
      from = std::string(word);
    } else if (rtt.has_value() && from.has_value() && i + 1 < words.size() &&
               words[i + 1] == "ms") {
      hop.probes.push_back(ProbeOutcome{from, rtt, std::nullopt});
      ++i;
    } else {
      return LineError(line_number, "'*', an address, 'RTT ms' or '!X'", word);
    }
  }
  return hop;
}

Error JsonError(const std::string& path, std::string_view expected) {
  return Error{path + ": expected " + std::string(expected)};
}

// A string member, or nullopt for null.
Result<std::optional<std::string>> StringOrNull(const nlohmann::json& parent,
                                                const char* key,
                                                const std::string& path) {
  auto it = parent.find(key);
  if (it == parent.end() || !(it->is_string() || it->is_null())) {
    return JsonError(path + "." + key, "a string or null");
  }
  if (it->is_null()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(it->get<std::string>());
}

Result<ProbeOutcome> ProbeFromJson(const nlohmann::json& probe,
                                   const std::string& path) {
  if (!probe.is_object()) {
    return JsonError(path, "an object");
  }
  auto from = StringOrNull(probe, "from", path);
  auto annotation = StringOrNull(probe, "annotation", path);
  if (!from.ok() || !annotation.ok()) {
    return from.ok() ? annotation.error() : from.error();
  }
  auto rtt = probe.find("rtt_ms");
  if (rtt == probe.end() || !(rtt->is_number() || rtt->is_null())) {
    return JsonError(path + ".rtt_ms", "a number or null");
  }
  ProbeOutcome out{*from, std::nullopt, *annotation};
  if (rtt->is_number()) {
    out.rtt_ms = rtt->get<double>();
  }
  return out;
}

Result<HopOutcome> HopFromJson(const nlohmann::json& hop,
                               const std::string& path) {
  if (!hop.is_object() || !hop.contains("ttl") ||
      !hop["ttl"].is_number_integer()) {
    return JsonError(path + ".ttl", "an integer");
  }
  if (!hop.contains("probes") || !hop["probes"].is_array()) {
    return JsonError(path + ".probes", "an array");
  }
  HopOutcome out;
  out.ttl = hop["ttl"].get<int>();
  for (size_t i = 0; i < hop["probes"].size(); ++i) {
    auto probe = ProbeFromJson(hop["probes"][i],
                               path + ".probes[" + std::to_string(i) + "]");
    if (!probe.ok()) {
      return probe.error();
    }
    out.probes.push_back(*probe);
  }
  return out;
}

}  // namespace

Result<TraceOutcome> ParseTracerouteText(std::string_view text) {
  TraceOutcome trace;
  size_t line_number = 0;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    ++line_number;
    if (line_number == 1) {
      if (!line.starts_with(kHeaderStart)) {
        return LineError(1, "'traceroute to ...'", line);
      }
      trace.header = line;
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) {
      continue;
    }
    auto hop = ParseHopLine(line, line_number);
    if (!hop.ok()) {
      return hop.error();
    }
    trace.hops.push_back(*hop);
  }
  if (line_number == 0) {
    return Error{"no output: expected a 'traceroute to ...' line"};
  }
  return trace;
}

Result<TraceOutcome> ParseHoplabJson(std::string_view text) {
  nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded()) {
    return Error{"not JSON: '" + std::string(text.substr(0, 80)) + "'"};
  }
  if (!document.is_object() || !document.contains("hops") ||
      !document["hops"].is_array()) {
    return JsonError("hops", "an array");
  }
  TraceOutcome trace;
  for (size_t i = 0; i < document["hops"].size(); ++i) {
    auto hop =
        HopFromJson(document["hops"][i], "hops[" + std::to_string(i) + "]");
    if (!hop.ok()) {
      return hop.error();
    }
    trace.hops.push_back(*hop);
  }
  return trace;
}

std::string DescribeHops(const TraceOutcome& trace) {
  std::string out;
  for (const HopOutcome& hop : trace.hops) {
    out += std::to_string(hop.ttl);
    for (const ProbeOutcome& probe : hop.probes) {
      out += "  " + probe.from.value_or("*");
      if (probe.annotation.has_value()) {
        out += " " + *probe.annotation;
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace hoplab::integration
