#include "cli/text_renderer.h"

#include <chrono>
#include <cstdio>
#include <optional>

#include "trace/annotation.h"

namespace hoplab::cli {
namespace {

std::string AddressText(crafter::Ipv4Address address,
                        trace::NameResolver* resolver) {
  const std::string numeric = address.ToString();
  if (resolver == nullptr) {
    return numeric;
  }
  const std::optional<std::string> name = resolver->ReverseName(address);
  return name.value_or(numeric) + " (" + numeric + ")";
}

std::string MillisecondsText(trace::Duration rtt) {
  const double ms = std::chrono::duration<double, std::milli>(rtt).count();
  char text[32];
  std::snprintf(text, sizeof(text), "  %.3f ms", ms);
  return text;
}

}  // namespace

std::string RenderTextHeader(const TraceHeader& header) {
  return "traceroute to " + header.target + " (" + header.address + "), " +
         std::to_string(header.max_ttl) + " hops max, " +
         std::to_string(header.packet_size) + " byte packets, " +
         header.network + " network";
}

std::string RenderTextHop(const trace::Hop& hop,
                          trace::NameResolver* resolver) {
  char ttl[8];
  std::snprintf(ttl, sizeof(ttl), "%2d ", hop.ttl);
  std::string line = ttl;
  std::optional<crafter::Ipv4Address> last_from;
  for (const trace::ProbeResult& probe : hop.probes) {
    if (!probe.from.has_value()) {
      line += " *";
      continue;
    }
    if (probe.from != last_from) {
      line += " " + AddressText(*probe.from, resolver);
      last_from = probe.from;
    }
    line += MillisecondsText(probe.rtt);
    if (const std::string mark = trace::Annotation(probe); !mark.empty()) {
      line += " " + mark;
    }
  }
  return line;
}

}  // namespace hoplab::cli
