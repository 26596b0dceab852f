#include "cli/dot_renderer.h"

#include <cstdint>
#include <optional>
#include <string>
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

// The node of `address` at `ttl`: "h<ttl>_a_b_c_d".
std::string NodeId(uint8_t ttl, crafter::Ipv4Address address) {
  std::string id = "h" + std::to_string(ttl) + "_" + address.ToString();
  for (char& c : id) {
    if (c == '.') {
      c = '_';
    }
  }
  return id;
}

// "<ttl>. a.b.c.d", its marks, and its name on a second line.
std::string NodeLabel(uint8_t ttl, crafter::Ipv4Address address,
                      const std::vector<std::string>& marks,
                      trace::NameResolver* resolver) {
  std::string label = std::to_string(ttl) + ". " + address.ToString();
  for (const std::string& mark : marks) {
    label += " " + mark;
  }
  if (resolver != nullptr) {
    if (std::optional<std::string> name = resolver->ReverseName(address)) {
      label += "\n" + *name;
    }
  }
  return label;
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
  std::vector<std::string> previous = {"source"};
  std::string edges;
  for (const trace::ReportHop& hop : report.hops) {
    // Step: this TTL's nodes, each (TTL, responder) once, and their rank.
    const std::string ttl = std::to_string(hop.ttl);
    std::vector<std::string> level;
    if (hop.responders.empty()) {
      level.push_back("silent_" + ttl);
      text += "  silent_" + ttl + " [label=" + Quoted(ttl + ". *") +
              ", style=dashed];\n";
    }
    for (size_t i = 0; i < hop.responders.size(); ++i) {
      const crafter::Ipv4Address address = hop.responders[i];
      const std::vector<std::string> no_marks;
      const std::vector<std::string>& marks =
          i < hop.marks.size() ? hop.marks[i] : no_marks;
      level.push_back(NodeId(hop.ttl, address));
      text += "  " + level.back() + " [label=" +
              Quoted(NodeLabel(hop.ttl, address, marks, resolver)) +
              (address == destination ? ", shape=doublecircle" : "") + "];\n";
    }
    std::string rank = "  { rank=same;";
    for (const std::string& id : level) {
      rank += " " + id + ";";
    }
    text += rank + " }\n";

    // Step: an edge from each node of the TTL before to each of this one.
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
