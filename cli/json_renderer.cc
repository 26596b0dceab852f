#include "cli/json_renderer.h"

#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include "crafter/icmp_extension.h"
#include "trace/annotation.h"

namespace hoplab::cli {
namespace {

nlohmann::ordered_json ObjectJson(const crafter::IcmpExtensionObject& object) {
  nlohmann::ordered_json out = {{"class", object.class_num},
                                {"c_type", object.c_type},
                                {"text", FormatIcmpExtensionObject(object)}};
  if (!object.mpls_labels.empty()) {
    nlohmann::ordered_json labels = nlohmann::ordered_json::array();
    for (const crafter::MplsLabelEntry& entry : object.mpls_labels) {
      labels.push_back({{"label", entry.label},
                        {"exp", entry.traffic_class},
                        {"s", entry.bottom_of_stack ? 1 : 0},
                        {"ttl", entry.ttl}});
    }
    out["mpls"] = std::move(labels);
  }
  if (object.interface.has_value()) {
    const crafter::InterfaceInformation& info = *object.interface;
    static constexpr const char* kRoles[] = {"incoming", "sub-ip", "outgoing",
                                             "next-hop"};
    nlohmann::ordered_json interface = {{"role", kRoles[size_t(info.role)]}};
    if (info.if_index) interface["if_index"] = *info.if_index;
    if (info.ipv4) interface["address"] = info.ipv4->ToString();
    if (info.name) interface["name"] = *info.name;
    if (info.mtu) interface["mtu"] = *info.mtu;
    out["interface"] = std::move(interface);
  }
  return out;
}

// {"objects": [...], "notes": ["length attribute inconsistent ..."]}.
nlohmann::ordered_json ExtensionsJson(const crafter::IcmpExtensions& found) {
  nlohmann::ordered_json objects = nlohmann::ordered_json::array();
  for (const crafter::IcmpExtensionObject& object : found.objects) {
    objects.push_back(ObjectJson(object));
  }
  return {{"objects", std::move(objects)},
          {"notes", crafter::DescribeIcmpExtensionAnomalies(found)}};
}

nlohmann::ordered_json ProbeJson(const trace::ProbeResult& probe,
                                 trace::NameResolver* resolver) {
  nlohmann::ordered_json out = {{"from", nullptr},
                                {"name", nullptr},
                                {"rtt_ms", nullptr},
                                {"annotation", nullptr}};
  if (!probe.from.has_value()) {
    return out;
  }
  out["from"] = probe.from->ToString();
  if (resolver != nullptr) {
    if (std::optional<std::string> name = resolver->ReverseName(*probe.from)) {
      out["name"] = std::move(*name);
    }
  }
  // Microsecond resolution, as traceroute prints.
  out["rtt_ms"] =
      RoundMicro(std::chrono::duration<double, std::milli>(probe.rtt).count());
  if (const std::string mark = trace::Annotation(probe); !mark.empty()) {
    out["annotation"] = mark;
  }
  if (probe.extensions != nullptr) {
    out["extensions"] = ExtensionsJson(*probe.extensions);
  }
  return out;
}

}  // namespace

nlohmann::ordered_json JsonPreamble(const JsonTraceInfo& info,
                                    const char* kind) {
  // ordered_json keeps the documented key order.
  nlohmann::ordered_json out;
  out["schema_version"] = kJsonSchemaVersion;
  out["kind"] = kind;
  out["target"] = info.target;
  out["address"] = info.address;
  out["method"] = std::string(crafter::ProbeMethodName(info.method));
  out["network"] = info.network;
  return out;
}

double RoundMicro(double value) { return std::round(value * 1000.0) / 1000.0; }

std::string RenderJson(const JsonTraceInfo& info,
                       const trace::TraceResult& result,
                       trace::NameResolver* resolver) {
  return TraceJson(info, result, resolver).dump();
}

nlohmann::ordered_json TraceJson(const JsonTraceInfo& info,
                                 const trace::TraceResult& result,
                                 trace::NameResolver* resolver) {
  nlohmann::ordered_json hops = nlohmann::ordered_json::array();
  for (const trace::Hop& hop : result.hops) {
    nlohmann::ordered_json probes = nlohmann::ordered_json::array();
    for (const trace::ProbeResult& probe : hop.probes) {
      probes.push_back(ProbeJson(probe, resolver));
    }
    hops.push_back({{"ttl", hop.ttl}, {"probes", std::move(probes)}});
  }
  nlohmann::ordered_json out = JsonPreamble(info, "trace");
  out["reached"] = result.reached;
  out["interrupted"] = result.interrupted;
  out["hops"] = std::move(hops);
  return out;
}

}  // namespace hoplab::cli
