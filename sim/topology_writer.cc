#include "sim/topology_writer.h"

#include <charconv>
#include <cstdio>
#include <utility>
#include <vector>

namespace hoplab::sim {
namespace {

// Keys of one YAML flow or block map, in the order written.
using Fields = std::vector<std::pair<std::string, std::string>>;

// `text` as a YAML scalar: plain when it is only letters, digits and
// `._-/` (and not something YAML would read as another type), else double
// quoted with `"` and `\` escaped.
std::string Scalar(const std::string& text) {
  bool plain = !text.empty() && text != "true" && text != "false" &&
               text != "null" && text != "~" && text.front() != '-';
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '-' || c == '/';
    plain = plain && ok;
  }
  if (plain) {
    return text;
  }
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The shortest text that reads back to `value`.
std::string Number(double value) {
  char text[32];
  const auto [end, problem] = std::to_chars(text, text + sizeof(text), value);
  return problem == std::errc() ? std::string(text, end) : "0";
}

std::string FlowList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    out += (i == 0 ? "" : ", ") + items[i];
  }
  return out + "]";
}

std::string FlowMap(const Fields& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) {
    out += (i == 0 ? "" : ", ") + fields[i].first + ": " + fields[i].second;
  }
  return out + "}";
}

std::vector<std::string> Scalars(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const std::string& id : ids) {
    out.push_back(Scalar(id));
  }
  return out;
}

// The node keys of README's second table, those not at their default.
void AddBehaviour(const NodeBehaviour& behaviour, bool copy_probe_ttl,
                  Fields& fields) {
  const RouterProfile linux_profile;
  const RouterProfile& profile = behaviour.profile;
  if (copy_probe_ttl) {
    fields.emplace_back("reply_ttl", "copy");
  } else if (profile.initial_ttl != linux_profile.initial_ttl) {
    fields.emplace_back("reply_ttl", std::to_string(profile.initial_ttl));
  }
  if (profile.error_tos != linux_profile.error_tos) {
    fields.emplace_back("reply_tos", std::to_string(profile.error_tos));
  }
  if (profile.max_error_size == kRfc792ErrorSize) {
    fields.emplace_back("quote", "rfc792");
  }
  if (behaviour.silent) {
    fields.emplace_back("silent", "true");
  }
  if (behaviour.reply_probability != 1) {
    fields.emplace_back("reply_probability",
                        Number(behaviour.reply_probability));
  }
  if (behaviour.rate_limit.has_value()) {
    const RateLimit& limit = *behaviour.rate_limit;
    const RateLimit linux_limit;
    fields.emplace_back(
        "rate_limit",
        limit.interval == linux_limit.interval &&
                limit.burst == linux_limit.burst
            ? "linux"
            : FlowMap({{"interval", FormatDuration(limit.interval)},
                       {"burst", std::to_string(limit.burst)}}));
  }
  const ReplyShaping defaults;
  const ReplyShaping& shaping = behaviour.shaping;
  if (shaping.duplicate != 0) {
    fields.emplace_back("duplicate", Number(shaping.duplicate));
  }
  if (shaping.duplicate_delay != defaults.duplicate_delay) {
    fields.emplace_back("duplicate_delay",
                        FormatDuration(shaping.duplicate_delay));
  }
  if (shaping.reorder != 0) {
    fields.emplace_back("reorder", Number(shaping.reorder));
  }
  if (shaping.reorder_delay != defaults.reorder_delay) {
    fields.emplace_back("reorder_delay", FormatDuration(shaping.reorder_delay));
  }
  if (behaviour.reply_delay.count() != 0) {
    fields.emplace_back("reply_delay", FormatDuration(behaviour.reply_delay));
  }
  if (behaviour.return_route.has_value()) {
    fields.emplace_back("return_route",
                        FlowList(Scalars(*behaviour.return_route)));
  }
}

std::string ProtocolName(uint8_t protocol) {
  switch (protocol) {
    case 1:
      return "icmp";
    case 6:
      return "tcp";
    default:
      return "udp";
  }
}

Fields RouterFields(const Router& router) {
  Fields fields = {{"id", Scalar(router.id)},
                   {"address", router.address.ToString()}};
  if (!router.reverse_name.empty()) {
    fields.emplace_back("reverse_name", Scalar(router.reverse_name));
  }
  if (!router.interfaces.empty()) {
    Fields interfaces;
    for (const auto& [neighbour, address] : router.interfaces) {
      interfaces.emplace_back(Scalar(neighbour), address.ToString());
    }
    fields.emplace_back("interfaces", FlowMap(interfaces));
  }
  if (router.reply_source == ReplySource::kPrimary) {
    fields.emplace_back("reply_from", "primary");
  } else if (router.reply_source == ReplySource::kFixed) {
    fields.emplace_back("reply_from", router.reply_from.ToString());
  }
  AddBehaviour(router.behaviour, false, fields);
  if (router.mpls.has_value()) {
    std::vector<std::string> labels;
    for (uint32_t label : router.mpls->labels) {
      labels.push_back(std::to_string(label));
    }
    Fields mpls = {{"labels", FlowList(labels)}};
    if (router.mpls->ttl_propagation == TtlPropagation::kPipe) {
      mpls.emplace_back("ttl_propagation", "pipe");
    }
    if (!router.mpls->icmp_extensions) {
      mpls.emplace_back("icmp_extensions", "false");
    }
    fields.emplace_back("mpls", FlowMap(mpls));
  }
  if (router.firewall.has_value()) {
    const Firewall& firewall = *router.firewall;
    Fields rule = {{"action", firewall.reject ? "reject" : "drop"},
                   {"code", std::to_string(firewall.code)}};
    if (firewall.next_hop_mtu != 0) {
      rule.emplace_back("mtu", std::to_string(firewall.next_hop_mtu));
    }
    if (!firewall.protocols.empty()) {
      std::vector<std::string> names;
      for (uint8_t protocol : firewall.protocols) {
        names.push_back(ProtocolName(protocol));
      }
      rule.emplace_back("protocols", FlowList(names));
    }
    if (firewall.before_ttl) {
      rule.emplace_back("stage", "routing");
    }
    fields.emplace_back("firewall", FlowMap(rule));
  }
  if (router.nat.has_value()) {
    Fields nat = {{"address", router.nat->address.ToString()}};
    if (router.nat->port_offset != 0) {
      nat.emplace_back("port_offset", std::to_string(router.nat->port_offset));
    }
    if (!router.nat->rewrite_quote) {
      nat.emplace_back("rewrite_quote", "false");
    }
    fields.emplace_back("nat", FlowMap(nat));
  }
  if (router.expiry_unreachable.has_value()) {
    const ExpiryUnreachable& expiry = *router.expiry_unreachable;
    Fields reply = {{"reply", "unreachable"},
                    {"code", std::to_string(expiry.code)}};
    if (expiry.next_hop_mtu != 0) {
      reply.emplace_back("mtu", std::to_string(expiry.next_hop_mtu));
    }
    fields.emplace_back("ttl_expired", FlowMap(reply));
  }
  return fields;
}

std::string RouteText(const std::vector<Stage>& route) {
  std::vector<std::string> items;
  for (const Stage& stage : route) {
    if (stage.branches.size() == 1 && stage.branches[0].size() == 1) {
      items.push_back(Scalar(stage.branches[0][0]));
      continue;
    }
    std::vector<std::string> branches;
    for (const std::vector<std::string>& branch : stage.branches) {
      branches.push_back(branch.size() == 1 ? Scalar(branch[0])
                                            : FlowList(Scalars(branch)));
    }
    items.push_back(
        FlowMap({{"balance", stage.balance == Balance::kPerFlow ? "per-flow"
                                                                : "per-packet"},
                 {"branches", FlowList(branches)}}));
  }
  return FlowList(items);
}

Fields TargetFields(const Target& target) {
  Fields fields = {{"address", target.address.ToString()}};
  if (target.id != target.address.ToString()) {
    fields.emplace_back("id", Scalar(target.id));
  }
  if (!target.reverse_name.empty()) {
    fields.emplace_back("reverse_name", Scalar(target.reverse_name));
  }
  if (!target.reply_from.IsUnspecified()) {
    fields.emplace_back("reply_from", target.reply_from.ToString());
  }
  if (!target.route.empty()) {
    fields.emplace_back("route", RouteText(target.route));
  }
  if (target.icmp == IcmpAnswer::kSilent) {
    fields.emplace_back("icmp", "silent");
  }
  if (target.udp == UdpAnswer::kSilent) {
    fields.emplace_back("udp", "silent");
  }
  static constexpr const char* kTcpNames[] = {"by-port", "syn-ack", "rst",
                                              "silent"};
  if (target.tcp != TcpAnswer::kByPort) {
    fields.emplace_back("tcp", kTcpNames[static_cast<size_t>(target.tcp)]);
  }
  AddBehaviour(target.behaviour, target.copy_probe_ttl, fields);
  const std::vector<uint16_t>& ports = target.behaviour.profile.open_tcp_ports;
  if (ports != RouterProfile().open_tcp_ports) {
    std::vector<std::string> texts;
    for (uint16_t port : ports) {
      texts.push_back(std::to_string(port));
    }
    fields.emplace_back("open_tcp_ports", FlowList(texts));
  }
  return fields;
}

Fields LinkFields(const Link& link) {
  Fields fields = {{"between", FlowList({Scalar(link.a), Scalar(link.b)})}};
  if (link.latency.count() != 0) {
    fields.emplace_back("latency", FormatDuration(link.latency));
  }
  if (link.jitter.count() != 0) {
    fields.emplace_back("jitter", FormatDuration(link.jitter));
  }
  if (link.loss != 0) {
    fields.emplace_back("loss", Number(link.loss));
  }
  if (link.mtu != 0) {
    fields.emplace_back("mtu", std::to_string(link.mtu));
  }
  return fields;
}

// A block map as a list item: "  - key: value" then "    key: value".
std::string BlockItem(const Fields& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    out += (i == 0 ? "  - " : "    ") + fields[i].first + ": " +
           fields[i].second + "\n";
  }
  return out;
}

}  // namespace

std::string FormatDuration(trace::Duration duration) {
  const int64_t nanoseconds = duration.count();
  if (nanoseconds == 0) {
    return "0";
  }
  // The largest unit below the value, with the decimals it needs.
  struct Unit {
    const char* name;
    int64_t size;
    int decimals;
  };
  static constexpr Unit kUnits[] = {
      {"s", 1000000000, 9}, {"ms", 1000000, 6}, {"us", 1000, 3}};
  for (const Unit& unit : kUnits) {
    if (nanoseconds < unit.size) {
      continue;
    }
    std::string text = std::to_string(nanoseconds / unit.size);
    if (nanoseconds % unit.size != 0) {
      char decimals[16];
      std::snprintf(decimals, sizeof(decimals), ".%0*lld", unit.decimals,
                    static_cast<long long>(nanoseconds % unit.size));
      text += decimals;
      while (text.back() == '0') {
        text.pop_back();
      }
    }
    return text + unit.name;
  }
  return std::to_string(nanoseconds) + "ns";
}

std::string SerializeTopology(const Topology& topology,
                              std::string_view comment) {
  std::string out;
  size_t begin = 0;
  while (begin < comment.size()) {
    size_t end = comment.find('\n', begin);
    end = end == std::string_view::npos ? comment.size() : end;
    const std::string_view line = comment.substr(begin, end - begin);
    out += line.empty() ? "#\n" : "# " + std::string(line) + "\n";
    begin = end + 1;
  }
  out += "name: " + Scalar(topology.name) + "\n";
  if (!topology.description.empty()) {
    out += "description: " + Scalar(topology.description) + "\n";
  }
  out += "seed: " + std::to_string(topology.seed) + "\n";
  out += "host: " + topology.host.ToString() + "\n";
  if (!topology.routers.empty()) {
    out += "routers:\n";
    for (const Router& router : topology.routers) {
      out += "  - " + FlowMap(RouterFields(router)) + "\n";
    }
  }
  if (!topology.links.empty()) {
    out += "links:\n";
    for (const Link& link : topology.links) {
      out += "  - " + FlowMap(LinkFields(link)) + "\n";
    }
  }
  out += "targets:\n";
  for (const Target& target : topology.targets) {
    out += BlockItem(TargetFields(target));
  }
  return out;
}

}  // namespace hoplab::sim
