#include "sim/topology_loader.h"

#include <sys/stat.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <set>
#include <sstream>
#include <utility>

#include "crafter/icmp.h"
#include "crafter/icmp_error.h"

namespace hoplab::sim {
namespace {

using crafter::Ipv4Address;
using Keys = std::initializer_list<const char*>;

// Keys that several node kinds share.
constexpr const char* kBehaviourKeys[] = {
    "profile",         "reply_ttl",         "reply_tos",     "quote",
    "silent",          "reply_probability", "rate_limit",    "duplicate",
    "duplicate_delay", "reorder",           "reorder_delay", "return_route",
    "reply_delay"};

// `text` with every control byte (below 0x20, and 0x7f) written as an
// escape: \n, \t, \r, \0 or \xNN. Messages quote what the file holds,
// and raw control bytes would break the terminal or the line they are
// printed on.
std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\0') {
      out += "\\0";
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

// Whether `text` holds a control byte, which a name printed on a line of
// its own (text, report, --raw and --dot output) cannot carry.
bool HasControlByte(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// Reads one topology document. Every accessor records the first error it
// meets (file, line, key) and returns a default, so a section reads as a
// list of fields; Finish() reports the first error, if any.
class Loader {
 public:
  explicit Loader(const std::string& file) : file_(file) {}

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  void Fail(const YAML::Node& node, const std::string& key,
            const std::string& what) {
    if (failed()) {
      return;
    }
    std::ostringstream out;
    out << "topology " << file_;
    if (node.IsDefined() && node.Mark().line >= 0) {
      out << ", line " << node.Mark().line + 1;
    }
    if (!key.empty()) {
      out << ", key " << key;
    }
    out << ": " << what;
    error_ = Printable(out.str());
  }

  // Fails unless `node` is a map whose keys all appear in `allowed` (and
  // `more`), each once: yaml-cpp keeps the first of two equal keys, so a
  // repeated one would pass silently.
  bool CheckMap(const YAML::Node& node, const std::string& path, Keys allowed,
                std::span<const char* const> more = {}) {
    if (!node.IsDefined() || !node.IsMap()) {
      Fail(node, path, "expected a map of keys");
      return false;
    }
    std::set<std::string> seen;
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (!seen.insert(key).second) {
        Fail(entry.first, Join(path, key), "key given twice");
        return false;
      }
      const auto matches = [&](const char* name) { return key == name; };
      if (std::none_of(allowed.begin(), allowed.end(), matches) &&
          std::none_of(more.begin(), more.end(), matches)) {
        Fail(entry.first, Join(path, key),
             "unknown key (expected one of " + List(allowed, more) + ")");
        return false;
      }
    }
    return true;
  }

  // The whole of `text` as a number; nullopt for anything else.
  template <typename T>
  static std::optional<T> Number(const std::string& text) {
    T value{};
    const auto [end, problem] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || problem != std::errc() ||
        end != text.data() + text.size()) {
      return std::nullopt;
    }
    return value;
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  static std::string Quoted(const YAML::Node& node) {
    if (!node.IsDefined()) {
      return "nothing";
    }
    if (node.IsScalar()) {
      return "'" + node.Scalar() + "'";
    }
    return node.IsSequence() ? "a list" : node.IsMap() ? "a map" : "nothing";
  }

  std::string Text(const YAML::Node& node, const std::string& path,
                   const std::string& fallback = "") {
    if (!node.IsDefined() || node.IsNull()) {
      return fallback;
    }
    if (!node.IsScalar()) {
      Fail(node, path, "expected text, got " + Quoted(node));
      return fallback;
    }
    return node.Scalar();
  }

  // Text that is printed as a name (an id, a reverse name): no control
  // bytes.
  std::string Name(const YAML::Node& node, const std::string& path,
                   const std::string& fallback = "") {
    std::string text = Text(node, path, fallback);
    if (HasControlByte(text)) {
      Fail(node, path,
           "expected a name without control characters, got " + Quoted(node));
      return fallback;
    }
    return text;
  }

  std::string RequiredText(const YAML::Node& map, const char* key,
                           const std::string& path) {
    const YAML::Node node = map[key];
    if (!node.IsDefined()) {
      Fail(map, Join(path, key), "missing");
      return "";
    }
    return Name(node, Join(path, key));
  }

  // An address a node owns: unicast. With `placeholder`, a router's own
  // address may also be a placeholder from 0.0.0.0/8 other than 0.0.0.0,
  // as replay --topology names the routers a capture cannot show (README),
  // answering from the captured address through reply_from.
  Ipv4Address Address(const YAML::Node& node, const std::string& path,
                      bool placeholder = false) {
    const std::string text = Text(node, path);
    const auto address = Ipv4Address::Parse(text);
    if (!address.has_value()) {
      Fail(node, path,
           "expected an IPv4 address like 192.0.2.1, got " + Quoted(node));
      return Ipv4Address();
    }
    // Every address in a topology belongs to one node, which sends and
    // answers from it: a group or broadcast address cannot.
    const bool is_placeholder = placeholder && !address->IsUnspecified() &&
                                (address->value() >> 24) == 0;
    if (!address->IsUnicast() && !is_placeholder) {
      Fail(node, path,
           "expected a unicast address, got " + Quoted(node) +
               (placeholder
                    ? " (multicast 224.0.0.0/4, the reserved and broadcast "
                      "240.0.0.0/4 and 0.0.0.0 are not; 0.0.0.1 to "
                      "0.255.255.255 name placeholders)"
                    : " (0.0.0.0/8, multicast 224.0.0.0/4 and the reserved "
                      "and broadcast 240.0.0.0/4 are not)"));
      return Ipv4Address();
    }
    return *address;
  }

  Ipv4Address RequiredAddress(const YAML::Node& map, const char* key,
                              const std::string& path,
                              bool placeholder = false) {
    if (!map[key].IsDefined()) {
      Fail(map, Join(path, key), "missing");
      return Ipv4Address();
    }
    return Address(map[key], Join(path, key), placeholder);
  }

  uint64_t Unsigned(const YAML::Node& node, const std::string& path,
                    uint64_t max, uint64_t fallback) {
    if (!node.IsDefined()) {
      return fallback;
    }
    const std::optional<uint64_t> value = Number<uint64_t>(Text(node, path));
    if (!value.has_value() || *value > max) {
      Fail(node, path,
           "expected a whole number from 0 to " + std::to_string(max) +
               ", got " + Quoted(node));
      return fallback;
    }
    return *value;
  }

  double Probability(const YAML::Node& node, const std::string& path,
                     double fallback) {
    if (!node.IsDefined()) {
      return fallback;
    }
    const std::optional<double> value = Number<double>(Text(node, path));
    if (!value.has_value() || !(*value >= 0 && *value <= 1)) {
      Fail(node, path,
           "expected a probability from 0 to 1 like 0.25, got " + Quoted(node));
      return fallback;
    }
    return *value;
  }

  bool Bool(const YAML::Node& node, const std::string& path, bool fallback) {
    if (!node.IsDefined()) {
      return fallback;
    }
    const std::string text = Text(node, path);
    if (text == "true" || text == "false") {
      return text == "true";
    }
    Fail(node, path, "expected true or false, got " + Quoted(node));
    return fallback;
  }

  // A number with a unit: ns, us, ms or s ("3ms", "0.25ms", "1s"); a bare
  // 0 is zero.
  trace::Duration Duration(const YAML::Node& node, const std::string& path,
                           trace::Duration fallback) {
    if (!node.IsDefined()) {
      return fallback;
    }
    const std::string text = Text(node, path);
    double value = 0;
    const auto [end, problem] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    const std::string unit(end, text.data() + text.size());
    double nanoseconds_per_unit = 0;
    if (unit == "ns") {
      nanoseconds_per_unit = 1;
    } else if (unit == "us") {
      nanoseconds_per_unit = 1e3;
    } else if (unit == "ms") {
      nanoseconds_per_unit = 1e6;
    } else if (unit == "s") {
      nanoseconds_per_unit = 1e9;
    } else if (unit.empty() && problem == std::errc() && value == 0) {
      return trace::Duration(0);
    }
    const double nanoseconds = value * nanoseconds_per_unit;
    if (problem != std::errc() || nanoseconds_per_unit == 0 ||
        !(nanoseconds >= 0 && nanoseconds <= 3600e9)) {
      Fail(node, path,
           "expected a duration like 3ms (ns, us, ms or s, at most an "
           "hour), got " +
               Quoted(node));
      return fallback;
    }
    return trace::Duration(static_cast<int64_t>(std::llround(nanoseconds)));
  }

  // The index of `node`'s text within `choices`.
  size_t Choice(const YAML::Node& node, const std::string& path, Keys choices,
                size_t fallback) {
    if (!node.IsDefined()) {
      return fallback;
    }
    const std::string text = Text(node, path);
    size_t index = 0;
    for (const char* choice : choices) {
      if (text == choice) {
        return index;
      }
      ++index;
    }
    Fail(node, path,
         "expected one of " + List(choices) + ", got " + Quoted(node));
    return fallback;
  }

  std::vector<std::string> Ids(const YAML::Node& node,
                               const std::string& path) {
    std::vector<std::string> ids;
    if (!node.IsDefined() || !node.IsSequence()) {
      Fail(node, path, "expected a list of node ids, got " + Quoted(node));
      return ids;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      ids.push_back(Text(node[i], path + "[" + std::to_string(i) + "]"));
    }
    return ids;
  }

  static std::string List(Keys choices,
                          std::span<const char* const> more = {}) {
    std::string out;
    const auto add = [&](const char* choice) {
      out += out.empty() ? "" : ", ";
      out += choice;
    };
    std::for_each(choices.begin(), choices.end(), add);
    std::for_each(more.begin(), more.end(), add);
    return out;
  }

 private:
  std::string file_;
  std::string error_;
};

// Where each parsed item sat in the file, for errors found once the whole
// file is read.
struct Marks {
  std::map<std::string, YAML::Node> routes;  // Target id -> its route.
  std::map<std::string, std::pair<YAML::Node, std::string>> return_routes;
  std::vector<YAML::Node> links;
};

// `copy_probe_ttl` is null where reply_ttl may only be a number.
void ReadProfile(Loader& loader, const YAML::Node& node,
                 const std::string& path, RouterProfile& profile,
                 bool* copy_probe_ttl) {
  // Step: the named profile first; single keys then override it.
  if (loader.Choice(node["profile"], Loader::Join(path, "profile"),
                    {"linux", "rfc792"}, 0) == 1) {
    profile.initial_ttl = 255;
    profile.error_tos = 0;
    profile.max_error_size = kRfc792ErrorSize;
  }
  const YAML::Node ttl = node["reply_ttl"];
  if (copy_probe_ttl != nullptr && ttl.IsDefined() && ttl.IsScalar() &&
      ttl.Scalar() == "copy") {
    *copy_probe_ttl = true;
  } else {
    profile.initial_ttl = static_cast<uint8_t>(loader.Unsigned(
        ttl, Loader::Join(path, "reply_ttl"), 255, profile.initial_ttl));
  }
  profile.error_tos = static_cast<uint8_t>(
      loader.Unsigned(node["reply_tos"], Loader::Join(path, "reply_tos"), 255,
                      profile.error_tos));
  if (node["quote"].IsDefined()) {
    profile.max_error_size =
        loader.Choice(node["quote"], Loader::Join(path, "quote"),
                      {"rfc1812", "rfc792"}, 0) == 0
            ? crafter::kRfc1812MaxErrorSize
            : kRfc792ErrorSize;
  }
}

void ReadBehaviour(Loader& loader, const YAML::Node& node,
                   const std::string& path, Marks& marks, const std::string& id,
                   NodeBehaviour& behaviour, bool* copy_probe_ttl) {
  const auto key = [&](const char* name) { return Loader::Join(path, name); };
  ReadProfile(loader, node, path, behaviour.profile, copy_probe_ttl);
  behaviour.silent = loader.Bool(node["silent"], key("silent"), false);
  behaviour.reply_probability = loader.Probability(node["reply_probability"],
                                                   key("reply_probability"), 1);

  // Step: rate_limit is "linux", "off", or {interval, burst}.
  const YAML::Node limit = node["rate_limit"];
  if (limit.IsDefined() && limit.IsScalar()) {
    if (loader.Choice(limit, key("rate_limit"), {"linux", "off"}, 1) == 0) {
      behaviour.rate_limit = RateLimit{};
    }
  } else if (limit.IsDefined() &&
             loader.CheckMap(limit, key("rate_limit"), {"interval", "burst"})) {
    RateLimit rate;
    rate.interval = loader.Duration(limit["interval"],
                                    key("rate_limit.interval"), rate.interval);
    rate.burst = static_cast<uint32_t>(loader.Unsigned(
        limit["burst"], key("rate_limit.burst"), 1000000, rate.burst));
    if (rate.interval.count() == 0) {
      loader.Fail(limit["interval"], key("rate_limit.interval"),
                  "expected a duration above 0");
    }
    behaviour.rate_limit = rate;
  }

  ReplyShaping& shaping = behaviour.shaping;
  shaping.duplicate =
      loader.Probability(node["duplicate"], key("duplicate"), 0);
  shaping.duplicate_delay = loader.Duration(
      node["duplicate_delay"], key("duplicate_delay"), shaping.duplicate_delay);
  shaping.reorder = loader.Probability(node["reorder"], key("reorder"), 0);
  shaping.reorder_delay = loader.Duration(
      node["reorder_delay"], key("reorder_delay"), shaping.reorder_delay);
  behaviour.reply_delay = loader.Duration(
      node["reply_delay"], key("reply_delay"), behaviour.reply_delay);
  if (node["return_route"].IsDefined()) {
    behaviour.return_route =
        loader.Ids(node["return_route"], key("return_route"));
    marks.return_routes[id] = {node["return_route"], key("return_route")};
  }
}

void ReadMpls(Loader& loader, const YAML::Node& node, const std::string& path,
              Mpls& mpls) {
  if (!loader.CheckMap(node, path,
                       {"labels", "ttl_propagation", "icmp_extensions"})) {
    return;
  }
  const YAML::Node labels = node["labels"];
  if (!labels.IsDefined() || !labels.IsSequence() || labels.size() == 0) {
    loader.Fail(labels.IsDefined() ? labels : node, path + ".labels",
                "expected a list of one or more MPLS labels");
    return;
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    // RFC 3032 §2.1: a label is 20 bits.
    mpls.labels.push_back(static_cast<uint32_t>(loader.Unsigned(
        labels[i], path + ".labels[" + std::to_string(i) + "]", 0xfffff, 0)));
  }
  mpls.ttl_propagation =
      loader.Choice(node["ttl_propagation"], path + ".ttl_propagation",
                    {"uniform", "pipe"}, 0) == 0
          ? TtlPropagation::kUniform
          : TtlPropagation::kPipe;
  mpls.icmp_extensions =
      loader.Bool(node["icmp_extensions"], path + ".icmp_extensions", true);
}

// Destination Unreachable codes by traceroute's marks and RFC names
// (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1), or a number.
uint8_t UnreachableCode(Loader& loader, const YAML::Node& node,
                        const std::string& path) {
  static constexpr std::pair<const char*, uint8_t> kNames[] = {
      {"net", 0},
      {"host", 1},
      {"protocol", 2},
      {"port", 3},
      {"frag-needed", 4},
      {"source-route", 5},
      {"net-prohibited", 9},
      {"host-prohibited", 10},
      {"admin", 13},
      {"host-precedence", 14},
      {"precedence-cutoff", 15}};
  if (!node.IsDefined()) {
    return 13;
  }
  const std::string text = loader.Text(node, path);
  for (const auto& [name, code] : kNames) {
    if (text == name) {
      return code;
    }
  }
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
    return static_cast<uint8_t>(loader.Unsigned(node, path, 255, 13));
  }
  loader.Fail(node, path,
              "expected a code 0..255 or one of net, host, protocol, port, "
              "frag-needed, source-route, net-prohibited, host-prohibited, "
              "admin, host-precedence, precedence-cutoff, got " +
                  Loader::Quoted(node));
  return 13;
}

void ReadFirewall(Loader& loader, const YAML::Node& node,
                  const std::string& path, Firewall& firewall) {
  if (!loader.CheckMap(node, path,
                       {"action", "code", "mtu", "protocols", "stage"})) {
    return;
  }
  firewall.reject = loader.Choice(node["action"], path + ".action",
                                  {"reject", "drop"}, 0) == 0;
  firewall.before_ttl = loader.Choice(node["stage"], path + ".stage",
                                      {"forward", "routing"}, 0) == 1;
  firewall.code = UnreachableCode(loader, node["code"], path + ".code");
  firewall.next_hop_mtu = static_cast<uint16_t>(
      loader.Unsigned(node["mtu"], path + ".mtu", 65535, 0));
  const YAML::Node protocols = node["protocols"];
  if (protocols.IsDefined()) {
    if (!protocols.IsSequence()) {
      loader.Fail(protocols, path + ".protocols",
                  "expected a list of icmp, udp, tcp");
      return;
    }
    for (size_t i = 0; i < protocols.size(); ++i) {
      static constexpr uint8_t kNumbers[] = {1, 17, 6};
      firewall.protocols.push_back(kNumbers[loader.Choice(
          protocols[i], path + ".protocols[" + std::to_string(i) + "]",
          {"icmp", "udp", "tcp"}, 0)]);
    }
  }
}

// ttl_expired: {reply: time-exceeded or unreachable, code: C, mtu: M}.
// `code` is required with (and only with) reply: unreachable, `mtu` only
// with code frag-needed.
void ReadTtlExpired(Loader& loader, const YAML::Node& node,
                    const std::string& path,
                    std::optional<ExpiryUnreachable>& expiry) {
  if (!loader.CheckMap(node, path, {"reply", "code", "mtu"})) {
    return;
  }
  const bool unreachable =
      loader.Choice(node["reply"], path + ".reply",
                    {"time-exceeded", "unreachable"}, 0) == 1;
  if (!unreachable) {
    for (const char* key : {"code", "mtu"}) {
      if (node[key].IsDefined()) {
        loader.Fail(node[key], Loader::Join(path, key),
                    "expected only with reply: unreachable");
      }
    }
    return;
  }
  if (!node["code"].IsDefined()) {
    loader.Fail(node, path + ".code",
                "missing (reply: unreachable needs a Destination "
                "Unreachable code)");
    return;
  }
  ExpiryUnreachable& reply = expiry.emplace();
  reply.code = UnreachableCode(loader, node["code"], path + ".code");
  if (node["mtu"].IsDefined()) {
    // RFC 1191 §4: the MTU field belongs to Fragmentation Needed alone.
    if (reply.code != uint8_t(crafter::UnreachableCode::kFragmentationNeeded)) {
      loader.Fail(node["mtu"], path + ".mtu",
                  "expected only with code frag-needed (4)");
    }
    reply.next_hop_mtu = static_cast<uint16_t>(
        loader.Unsigned(node["mtu"], path + ".mtu", 65535, 0));
  }
}

void ReadNat(Loader& loader, const YAML::Node& node, const std::string& path,
             Nat& nat) {
  if (!loader.CheckMap(node, path,
                       {"address", "port_offset", "rewrite_quote"})) {
    return;
  }
  nat.address = loader.RequiredAddress(node, "address", path);
  nat.port_offset = static_cast<uint16_t>(
      loader.Unsigned(node["port_offset"], path + ".port_offset", 65535, 0));
  nat.rewrite_quote =
      loader.Bool(node["rewrite_quote"], path + ".rewrite_quote", true);
}

void ReadRouter(Loader& loader, const YAML::Node& node, const std::string& path,
                Marks& marks, Router& router) {
  if (!loader.CheckMap(node, path,
                       {"id", "address", "reverse_name", "interfaces",
                        "reply_from", "mpls", "firewall", "nat", "ttl_expired"},
                       kBehaviourKeys)) {
    return;
  }
  router.id = loader.RequiredText(node, "id", path);
  router.address =
      loader.RequiredAddress(node, "address", path, /*placeholder=*/true);
  router.reverse_name =
      loader.Name(node["reverse_name"], path + ".reverse_name");
  const YAML::Node interfaces = node["interfaces"];
  if (interfaces.IsDefined() && !interfaces.IsMap()) {
    loader.Fail(interfaces, path + ".interfaces",
                "expected a map from neighbour id to address");
  } else if (interfaces.IsDefined()) {
    for (const auto& entry : interfaces) {
      const std::string neighbour = entry.first.Scalar();
      router.interfaces[neighbour] =
          loader.Address(entry.second, path + ".interfaces." + neighbour);
    }
  }

  // Step: reply_from is ingress, primary, or an address.
  const YAML::Node from = node["reply_from"];
  const std::string from_text = loader.Text(from, path + ".reply_from");
  if (from_text == "primary") {
    router.reply_source = ReplySource::kPrimary;
  } else if (!from_text.empty() && from_text != "ingress") {
    router.reply_source = ReplySource::kFixed;
    router.reply_from = loader.Address(from, path + ".reply_from");
  }

  ReadBehaviour(loader, node, path, marks, router.id, router.behaviour,
                nullptr);
  if (node["mpls"].IsDefined()) {
    ReadMpls(loader, node["mpls"], path + ".mpls", router.mpls.emplace());
  }
  if (node["firewall"].IsDefined()) {
    ReadFirewall(loader, node["firewall"], path + ".firewall",
                 router.firewall.emplace());
  }
  if (node["nat"].IsDefined()) {
    ReadNat(loader, node["nat"], path + ".nat", router.nat.emplace());
  }
  if (node["ttl_expired"].IsDefined()) {
    ReadTtlExpired(loader, node["ttl_expired"], path + ".ttl_expired",
                   router.expiry_unreachable);
  }
}

// A route item is a router id, or {balance, branches} where each branch is
// a router id or a list of them.
void ReadRoute(Loader& loader, const YAML::Node& node, const std::string& path,
               std::vector<Stage>& route) {
  if (!node.IsSequence()) {
    loader.Fail(node, path, "expected a list of router ids and diamonds");
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    const YAML::Node item = node[i];
    Stage stage;
    if (item.IsScalar()) {
      stage.branches.push_back({item.Scalar()});
      route.push_back(std::move(stage));
      continue;
    }
    if (!loader.CheckMap(item, item_path, {"balance", "branches"})) {
      return;
    }
    stage.balance = loader.Choice(item["balance"], item_path + ".balance",
                                  {"per-flow", "per-packet"}, 0) == 0
                        ? Balance::kPerFlow
                        : Balance::kPerPacket;
    const YAML::Node branches = item["branches"];
    if (!branches.IsDefined() || !branches.IsSequence() ||
        branches.size() < 2) {
      loader.Fail(branches.IsDefined() ? branches : item,
                  item_path + ".branches",
                  "expected a list of two or more branches");
      return;
    }
    for (size_t b = 0; b < branches.size(); ++b) {
      const std::string branch_path =
          item_path + ".branches[" + std::to_string(b) + "]";
      if (branches[b].IsScalar()) {
        stage.branches.push_back({branches[b].Scalar()});
      } else {
        stage.branches.push_back(loader.Ids(branches[b], branch_path));
        if (stage.branches.back().empty()) {
          loader.Fail(branches[b], branch_path, "expected a router id or more");
        }
      }
    }
    route.push_back(std::move(stage));
  }
}

void ReadTarget(Loader& loader, const YAML::Node& node, const std::string& path,
                Marks& marks, Target& target) {
  if (!loader.CheckMap(node, path,
                       {"id", "address", "reverse_name", "reply_from", "route",
                        "icmp", "udp", "tcp", "open_tcp_ports"},
                       kBehaviourKeys)) {
    return;
  }
  target.address = loader.RequiredAddress(node, "address", path);
  target.id = loader.Name(node["id"], path + ".id", target.address.ToString());
  target.reverse_name =
      loader.Name(node["reverse_name"], path + ".reverse_name");
  if (node["reply_from"].IsDefined()) {
    target.reply_from =
        loader.Address(node["reply_from"], path + ".reply_from");
  }
  // reply_ttl is a number (the profile's initial TTL) or "copy".
  ReadBehaviour(loader, node, path, marks, target.id, target.behaviour,
                &target.copy_probe_ttl);
  if (node["route"].IsDefined()) {
    ReadRoute(loader, node["route"], path + ".route", target.route);
    marks.routes[target.id] = node["route"];
  } else {
    marks.routes[target.id] = node;
  }
  target.icmp = loader.Choice(node["icmp"], path + ".icmp",
                              {"echo-reply", "silent"}, 0) == 0
                    ? IcmpAnswer::kEchoReply
                    : IcmpAnswer::kSilent;
  target.udp = loader.Choice(node["udp"], path + ".udp",
                             {"port-unreachable", "silent"}, 0) == 0
                   ? UdpAnswer::kPortUnreachable
                   : UdpAnswer::kSilent;
  target.tcp = static_cast<TcpAnswer>(loader.Choice(
      node["tcp"], path + ".tcp", {"by-port", "syn-ack", "rst", "silent"}, 0));
  const YAML::Node ports = node["open_tcp_ports"];
  if (ports.IsDefined()) {
    if (!ports.IsSequence()) {
      loader.Fail(ports, path + ".open_tcp_ports", "expected a list of ports");
      return;
    }
    target.behaviour.profile.open_tcp_ports.clear();
    for (size_t i = 0; i < ports.size(); ++i) {
      target.behaviour.profile.open_tcp_ports.push_back(
          static_cast<uint16_t>(loader.Unsigned(
              ports[i], path + ".open_tcp_ports[" + std::to_string(i) + "]",
              65535, 0)));
    }
  }
}

void ReadLink(Loader& loader, const YAML::Node& node, const std::string& path,
              Link& link) {
  if (!loader.CheckMap(node, path,
                       {"between", "latency", "jitter", "loss", "mtu"})) {
    return;
  }
  const YAML::Node between = node["between"];
  if (!between.IsDefined() || !between.IsSequence() || between.size() != 2) {
    loader.Fail(between.IsDefined() ? between : node, path + ".between",
                "expected two node ids, like [host, gw]");
    return;
  }
  link.a = loader.Text(between[0], path + ".between[0]");
  link.b = loader.Text(between[1], path + ".between[1]");
  link.latency =
      loader.Duration(node["latency"], path + ".latency", trace::Duration(0));
  link.jitter =
      loader.Duration(node["jitter"], path + ".jitter", trace::Duration(0));
  link.loss = loader.Probability(node["loss"], path + ".loss", 0);
  // RFC 791: every host takes 68-byte datagrams, so no link has less.
  link.mtu = static_cast<uint32_t>(
      loader.Unsigned(node["mtu"], path + ".mtu", 65535, 0));
  if (link.mtu != 0 && link.mtu < 68) {
    loader.Fail(node["mtu"], path + ".mtu", "expected 68 or more (RFC 791)");
  }
}

// Checks what only the whole file shows: ids and addresses are unique, ids
// named anywhere exist, and consecutive nodes of every route share a link.
class Checker {
 public:
  Checker(Loader& loader, const Topology& topology, const Marks& marks)
      : loader_(loader), topology_(topology), marks_(marks) {}

  void Run(const YAML::Node& root) {
    CheckIds(root);
    for (size_t i = 0; i < topology_.links.size(); ++i) {
      const Link& link = topology_.links[i];
      const std::string path = "links[" + std::to_string(i) + "].between";
      for (const std::string& end : {link.a, link.b}) {
        if (!IsNode(end)) {
          loader_.Fail(marks_.links[i], path,
                       "no node has the id '" + end + "'");
        }
      }
      if (topology_.FindLink(link.a, link.b) != &link) {
        loader_.Fail(marks_.links[i], path,
                     "a second link between " + link.a + " and " + link.b);
      }
    }
    for (size_t i = 0; i < topology_.routers.size(); ++i) {
      const Router& router = topology_.routers[i];
      for (const auto& [neighbour, address] : router.interfaces) {
        if (topology_.FindLink(router.id, neighbour) == nullptr) {
          loader_.Fail(
              root["routers"][i]["interfaces"],
              "routers[" + std::to_string(i) + "].interfaces." + neighbour,
              "no link joins " + router.id + " and " + neighbour);
        }
      }
      CheckReturnRoute(router.id, router.behaviour);
    }
    for (size_t i = 0; i < topology_.targets.size(); ++i) {
      CheckRoute(topology_.targets[i], "targets[" + std::to_string(i) + "]");
      CheckReturnRoute(topology_.targets[i].id, topology_.targets[i].behaviour);
    }
  }

 private:
  bool IsNode(const std::string& id) const {
    return id == kHostNodeId || topology_.FindRouter(id) != nullptr ||
           std::any_of(topology_.targets.begin(), topology_.targets.end(),
                       [&](const Target& t) { return t.id == id; });
  }

  void CheckIds(const YAML::Node& root) {
    std::set<std::string> ids = {kHostNodeId};
    std::set<uint32_t> addresses = {topology_.host.value()};
    const auto claim = [&](const YAML::Node& node, const std::string& path,
                           const std::string& id, Ipv4Address address) {
      if (!ids.insert(id).second) {
        loader_.Fail(node["id"].IsDefined() ? node["id"] : node, path + ".id",
                     "the id '" + id + "' is taken");
      }
      if (!addresses.insert(address.value()).second) {
        loader_.Fail(node["address"], path + ".address",
                     address.ToString() + " is taken by another node");
      }
    };
    for (size_t i = 0; i < topology_.routers.size(); ++i) {
      claim(root["routers"][i], "routers[" + std::to_string(i) + "]",
            topology_.routers[i].id, topology_.routers[i].address);
    }
    for (size_t i = 0; i < topology_.targets.size(); ++i) {
      claim(root["targets"][i], "targets[" + std::to_string(i) + "]",
            topology_.targets[i].id, topology_.targets[i].address);
    }
  }

  // Every step of `ids` (host and responder included) crosses a link.
  void CheckChain(const std::vector<std::string>& ids, const YAML::Node& node,
                  const std::string& path) {
    for (size_t i = 0; i + 1 < ids.size(); ++i) {
      if (!IsNode(ids[i + 1])) {
        loader_.Fail(node, path, "no node has the id '" + ids[i + 1] + "'");
        return;
      }
      if (topology_.FindLink(ids[i], ids[i + 1]) == nullptr) {
        loader_.Fail(node, path,
                     "no link joins " + ids[i] + " and " + ids[i + 1]);
        return;
      }
    }
  }

  void CheckRoute(const Target& target, const std::string& path) {
    // Every way through the diamonds, one branch per stage at a time:
    // checking each stage against its neighbours covers them all.
    const YAML::Node node = marks_.routes.at(target.id);
    std::vector<std::string> before = {kHostNodeId};
    for (const Stage& stage : target.route) {
      std::vector<std::string> after;
      for (const std::vector<std::string>& branch : stage.branches) {
        for (const std::string& from : before) {
          std::vector<std::string> chain = {from};
          chain.insert(chain.end(), branch.begin(), branch.end());
          CheckChain(chain, node, path + ".route");
        }
        for (const std::string& id : branch) {
          if (topology_.FindRouter(id) == nullptr && IsNode(id)) {
            loader_.Fail(node, path + ".route", "'" + id + "' is not a router");
          }
        }
        after.push_back(branch.back());
      }
      before = std::move(after);
    }
    for (const std::string& from : before) {
      CheckChain({from, target.id}, node, path + ".route");
    }
  }

  void CheckReturnRoute(const std::string& id, const NodeBehaviour& behaviour) {
    if (!behaviour.return_route.has_value()) {
      return;
    }
    std::vector<std::string> chain = {id};
    chain.insert(chain.end(), behaviour.return_route->begin(),
                 behaviour.return_route->end());
    chain.push_back(kHostNodeId);
    const auto& [node, path] = marks_.return_routes.at(id);
    CheckChain(chain, node, path);
  }

  Loader& loader_;
  const Topology& topology_;
  const Marks& marks_;
};

std::string StemOf(const std::string& file) {
  const size_t slash = file.find_last_of('/');
  std::string stem = slash == std::string::npos ? file : file.substr(slash + 1);
  const size_t dot = stem.find('.');
  return dot == std::string::npos || dot == 0 ? stem : stem.substr(0, dot);
}

template <typename T, typename ReadOne>
void ReadList(Loader& loader, const YAML::Node& root, const char* key,
              std::vector<T>& out, ReadOne read_one) {
  const YAML::Node list = root[key];
  if (!list.IsDefined() || list.IsNull()) {
    return;
  }
  if (!list.IsSequence()) {
    loader.Fail(list, key, "expected a list");
    return;
  }
  for (size_t i = 0; i < list.size() && !loader.failed(); ++i) {
    read_one(list[i], std::string(key) + "[" + std::to_string(i) + "]",
             out.emplace_back());
  }
}

// ", line 3, column 7" for a mark yaml-cpp gives with an exception; ""
// when it gives none.
std::string YamlWhere(const YAML::Mark& mark) {
  if (mark.is_null()) {
    return "";
  }
  return ", line " + std::to_string(mark.line + 1) + ", column " +
         std::to_string(mark.column + 1);
}

}  // namespace

Result<Topology> ParseTopology(std::string_view text, const std::string& file) {
  YAML::Node root;
  try {
    // yaml-cpp reports syntax errors by exception; they stop here.
    root = YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& problem) {
    // yaml-cpp calls this "bad file"; what is wrong is the depth.
    return Error{"topology " + file + YamlWhere(problem.mark) +
                 ": nested too deep for yaml-cpp (a topology needs a handful "
                 "of levels)"};
  } catch (const YAML::Exception& problem) {
    return Error{Printable("topology " + file + YamlWhere(problem.mark) + ": " +
                           problem.msg)};
  }
  Loader loader(file);
  Topology topology;
  topology.name = StemOf(file);
  Marks marks;
  if (loader.CheckMap(root, "",
                      {"name", "description", "seed", "host", "routers",
                       "links", "targets"})) {
    topology.name = loader.Name(root["name"], "name", topology.name);
    topology.description = loader.Text(root["description"], "description");
    topology.seed = loader.Unsigned(root["seed"], "seed", UINT64_MAX, 1);
    if (root["host"].IsDefined()) {
      topology.host = loader.Address(root["host"], "host");
    }
    const auto read_router = [&](const YAML::Node& node,
                                 const std::string& path, Router& router) {
      ReadRouter(loader, node, path, marks, router);
    };
    const auto read_target = [&](const YAML::Node& node,
                                 const std::string& path, Target& target) {
      ReadTarget(loader, node, path, marks, target);
    };
    const auto read_link = [&](const YAML::Node& node, const std::string& path,
                               Link& link) {
      ReadLink(loader, node, path, link);
      marks.links.push_back(node);
    };
    ReadList(loader, root, "routers", topology.routers, read_router);
    ReadList(loader, root, "targets", topology.targets, read_target);
    ReadList(loader, root, "links", topology.links, read_link);
    if (!loader.failed() && topology.targets.empty()) {
      loader.Fail(root, "targets", "expected at least one target");
    }
  }
  if (!loader.failed()) {
    Checker(loader, topology, marks).Run(root);
  }
  if (loader.failed()) {
    return Error{loader.error()};
  }
  return topology;
}

Result<Topology> LoadTopologyFile(const std::string& path) {
  const std::string name = "topology " + Printable(path);
  // What cannot be a topology file is refused before a byte is read: a
  // device such as /dev/zero would never end.
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    return Error{name + ": cannot be read: " + std::strerror(errno)};
  }
  if (S_ISDIR(info.st_mode)) {
    return Error{name + ": is a directory, not a topology file"};
  }
  if (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode) ||
      S_ISSOCK(info.st_mode)) {
    return Error{name + ": is a device, not a topology file"};
  }
  const std::string too_big = name + ": larger than " +
                              std::to_string(kMaxTopologyFileSize >> 20) +
                              " MiB, more than any topology file holds";
  if (S_ISREG(info.st_mode) &&
      static_cast<uint64_t>(info.st_size) > kMaxTopologyFileSize) {
    return Error{too_big};
  }

  // A FIFO or standard input has no size: read up to one byte past the
  // limit.
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Error{name + ": cannot be read: " + std::strerror(errno)};
  }
  std::string text(kMaxTopologyFileSize + 1, '\0');
  const size_t size = std::fread(text.data(), 1, text.size(), file);
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) {
    return Error{name + ": read failed: " + std::strerror(error)};
  }
  if (size > kMaxTopologyFileSize) {
    return Error{too_big};
  }
  text.resize(size);
  return ParseTopology(text, path);
}

}  // namespace hoplab::sim
