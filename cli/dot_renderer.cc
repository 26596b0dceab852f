#include "cli/dot_renderer.h"

#include <optional>
#include <set>
#include <vector>

namespace hoplab::cli {
namespace {

// A DOT string literal: quotes and backslashes escaped, a line break as
// DOT's centred "\n".
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::string NodeId(crafter::Ipv4Address address) {
  std::string id = "r_" + address.ToString();
  for (char& c : id) {
    if (c == '.') {
      c = '_';
    }
  }
  return id;
}

}  // namespace

std::string RenderDot(const std::string& source, const trace::Report& report,
                      crafter::Ipv4Address destination,
                      trace::NameResolver* resolver) {
  std::string text =
      "digraph hoplab {\n"
      "  rankdir=TB;\n"
      "  node [shape=box, fontname=\"monospace\"];\n"
      "  source [label=" +
      Quoted(source) + ", shape=ellipse];\n";
  std::set<uint32_t> drawn;
  std::vector<std::string> previous = {"source"};
  std::string edges;
  for (const trace::ReportHop& hop : report.hops) {
    const std::string ttl = std::to_string(hop.ttl);
    std::vector<std::string> level;
    std::string rank = "  { rank=same;";
    if (hop.responders.empty()) {
      level.push_back("silent_" + ttl);
      text += "  silent_" + ttl + " [label=" + Quoted(ttl + ". *") +
              ", style=dashed];\n";
    }
    for (crafter::Ipv4Address address : hop.responders) {
      const std::string id = NodeId(address);
      level.push_back(id);
      // A responder seen again at a later TTL (a loop) keeps its node.
      if (!drawn.insert(address.value()).second) {
        continue;
      }
      std::string label = ttl + ". " + address.ToString();
      if (resolver != nullptr) {
        if (std::optional<std::string> name = resolver->ReverseName(address)) {
          label += "\n" + *name;
        }
      }
      text += "  " + id + " [label=" + Quoted(label) +
              (address == destination ? ", shape=doublecircle" : "") + "];\n";
    }
    for (const std::string& id : level) {
      rank += " " + id + ";";
    }
    text += rank + " }\n";
    for (const std::string& from : previous) {
      for (const std::string& to : level) {
        edges += "  " + from + " -> " + to + ";\n";
      }
    }
    previous = std::move(level);
  }
  return text + edges + "}\n";
}

}  // namespace hoplab::cli
