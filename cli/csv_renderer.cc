#include "cli/csv_renderer.h"

#include <chrono>
#include <cstdio>
#include <optional>

#include "trace/annotation.h"

namespace hoplab::cli {

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) {
    return value;
  }
  std::string quoted = "\"";
  for (char c : value) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

std::string RenderTraceCsv(const trace::TraceResult& result,
                           trace::NameResolver* resolver) {
  std::string text = "ttl,probe,address,name,rtt_ms,annotation\n";
  for (const trace::Hop& hop : result.hops) {
    for (size_t i = 0; i < hop.probes.size(); ++i) {
      const trace::ProbeResult& probe = hop.probes[i];
      text += std::to_string(hop.ttl) + "," + std::to_string(i + 1) + ",";
      if (!probe.from.has_value()) {
        text += ",,,\n";
        continue;
      }
      std::string name;
      if (resolver != nullptr) {
        name = resolver->ReverseName(*probe.from).value_or("");
      }
      char rtt[32];
      std::snprintf(
          rtt, sizeof(rtt), "%.3f",
          std::chrono::duration<double, std::milli>(probe.rtt).count());
      text += probe.from->ToString() + "," + CsvField(name) + "," + rtt + "," +
              CsvField(trace::Annotation(probe)) + "\n";
    }
  }
  return text;
}

}  // namespace hoplab::cli
