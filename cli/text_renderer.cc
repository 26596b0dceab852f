#include "cli/text_renderer.h"

#include <chrono>
#include <cstdio>
#include <optional>

#include "crafter/icmp_extension.h"
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

std::string ExtensionsText(const trace::ProbeResult& probe) {
  if (probe.extensions == nullptr || probe.extensions->objects.empty()) {
    return "";
  }
  std::string text = " <";
  for (size_t i = 0; i < probe.extensions->objects.size(); ++i) {
    text += (i == 0 ? "" : ";") +
            crafter::FormatIcmpExtensionObject(probe.extensions->objects[i]);
  }
  return text + ">";
}

std::string RenderTextHop(const trace::Hop& hop, trace::NameResolver* resolver,
                          bool show_extensions) {
  char ttl[8];
  std::snprintf(ttl, sizeof(ttl), "%2d ", hop.ttl);
  std::string line = ttl;
  std::optional<crafter::Ipv4Address> last_from;
  std::string last_extensions;
  for (const trace::ProbeResult& probe : hop.probes) {
    if (!probe.from.has_value()) {
      line += " *";
      continue;
    }
    const std::string extensions =
        show_extensions ? ExtensionsText(probe) : std::string();
    if (probe.from != last_from || extensions != last_extensions) {
      line += " " + AddressText(*probe.from, resolver) + extensions;
      last_from = probe.from;
      last_extensions = extensions;
    }
    line += MillisecondsText(probe.rtt);
    if (const std::string mark = trace::Annotation(probe); !mark.empty()) {
      line += " " + mark;
    }
  }
  return line;
}

}  // namespace hoplab::cli
