#include "cli/report_renderer.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/csv_renderer.h"

namespace hoplab::cli {
namespace {

// mtr's report layout: the host field ends at column 33 and every data
// column is 6 wide, except a 1-column blank between Snt and Last.
constexpr size_t kHostColumns = 33;
constexpr size_t kDataColumns = 6;

// Writes `text` at column `at` of `line`, cutting off what was there, as
// mtr's snprintf into its line buffer does.
void WriteAt(std::string& line, size_t at, const std::string& text) {
  line.resize(at, ' ');
  line += text;
}

std::string Format(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

std::string NameOf(crafter::Ipv4Address address,
                   trace::NameResolver* resolver) {
  if (resolver != nullptr) {
    if (std::optional<std::string> name = resolver->ReverseName(address)) {
      return *name;
    }
  }
  return address.ToString();
}

std::string HopLine(const trace::ReportHop& hop,
                    trace::NameResolver* resolver) {
  char start[16];
  std::snprintf(start, sizeof(start), " %2d.|-- ", hop.ttl);
  std::string line = start;
  line += hop.responders.empty() ? "???" : NameOf(hop.responders[0], resolver);
  // The host field is cut at its column, and so is 100.0%'s "%", as mtr
  // cuts them.
  WriteAt(line, kHostColumns, Format(" %4.1f%%", hop.LossPercent()));
  WriteAt(line, kHostColumns + kDataColumns, Format(" %5.0f", hop.num_sent));
  size_t at = kHostColumns + 2 * kDataColumns;
  // Deviation: mtr lets a value wider than its column (Snt from 100000
  // cycles) lose its last digit under the next one; here it pushes the
  // rest of the line right instead.
  const auto column = [&](const std::string& text, size_t width) {
    if (line.size() > at) {
      line += text;
      at = line.size();
      return;
    }
    WriteAt(line, at, text);
    at += width;
  };
  column(" ", 1);
  for (double value :
       {hop.last_ms, hop.mean_ms, hop.best_ms, hop.worst_ms, hop.stdev_ms}) {
    column(Format(" %5.1f", value), kDataColumns);
  }
  if (hop.loss_kind == trace::LossKind::kIcmpLimited) {
    line += " [icmp-limited]";
  }
  return line;
}

}  // namespace

std::string RenderReportText(const ReportHeader& header,
                             const trace::Report& report,
                             trace::NameResolver* resolver) {
  std::string text = "Start: " + header.start + "\n";
  std::string title = "HOST: " + header.host;
  WriteAt(title, kHostColumns, " Loss%   Snt   Last   Avg  Best  Wrst StDev");
  text += title + "\n";
  for (const trace::ReportHop& hop : report.hops) {
    text += HopLine(hop, resolver) + "\n";
    for (size_t i = 1; i < hop.responders.size(); ++i) {
      text += (i == 1 ? "    |  `|-- " : "    |   |-- ") +
              hop.responders[i].ToString() + "\n";
    }
  }
  return text;
}

std::string RenderReportJson(const JsonTraceInfo& info,
                             const ReportHeader& header,
                             const trace::Report& report,
                             trace::NameResolver* resolver) {
  nlohmann::ordered_json hops = nlohmann::ordered_json::array();
  for (const trace::ReportHop& hop : report.hops) {
    nlohmann::ordered_json responders = nlohmann::ordered_json::array();
    for (crafter::Ipv4Address address : hop.responders) {
      nlohmann::ordered_json name = nullptr;
      if (resolver != nullptr) {
        if (auto found = resolver->ReverseName(address)) {
          name = *found;
        }
      }
      responders.push_back({{"address", address.ToString()}, {"name", name}});
    }
    nlohmann::ordered_json out;
    out["ttl"] = hop.ttl;
    out["responders"] = std::move(responders);
    out["sent"] = hop.num_sent;
    out["received"] = hop.num_received;
    out["loss_percent"] = RoundMicro(hop.LossPercent());
    out["loss_kind"] = trace::LossKindName(hop.loss_kind);
    out["last_ms"] = RoundMicro(hop.last_ms);
    out["avg_ms"] = RoundMicro(hop.mean_ms);
    out["best_ms"] = RoundMicro(hop.best_ms);
    out["worst_ms"] = RoundMicro(hop.worst_ms);
    out["stdev_ms"] = RoundMicro(hop.stdev_ms);
    hops.push_back(std::move(out));
  }
  nlohmann::ordered_json out = JsonPreamble(info, "report");
  out["start"] = header.start;
  out["host"] = header.host;
  out["cycles"] = report.num_cycles;
  out["reached"] = report.reached;
  out["hops"] = std::move(hops);
  return out.dump();
}

std::string RenderReportCsv(const trace::Report& report,
                            trace::NameResolver* resolver) {
  std::string text =
      "hop,addresses,names,loss_percent,sent,received,last_ms,avg_ms,"
      "best_ms,worst_ms,stdev_ms,loss_kind\n";
  for (const trace::ReportHop& hop : report.hops) {
    std::string addresses;
    std::string names;
    bool any_named = false;
    for (size_t i = 0; i < hop.responders.size(); ++i) {
      const std::string separator = i == 0 ? "" : ";";
      addresses += separator + hop.responders[i].ToString();
      names += separator;
      if (resolver != nullptr) {
        const std::optional<std::string> name =
            resolver->ReverseName(hop.responders[i]);
        any_named = any_named || (name.has_value() && !name->empty());
        names += name.value_or("");
      }
    }
    // No name at all is an empty field, as for a single responder, not
    // a row of bare separators.
    if (!any_named) {
      names.clear();
    }
    text += std::to_string(hop.ttl) + "," + CsvField(addresses) + "," +
            CsvField(names) + "," + Format("%.1f", hop.LossPercent()) + "," +
            std::to_string(hop.num_sent) + "," +
            std::to_string(hop.num_received);
    for (double value :
         {hop.last_ms, hop.mean_ms, hop.best_ms, hop.worst_ms, hop.stdev_ms}) {
      text += "," + Format("%.3f", value);
    }
    text += std::string(",") + trace::LossKindName(hop.loss_kind) + "\n";
  }
  return text;
}

}  // namespace hoplab::cli
