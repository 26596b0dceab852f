#include "cli/json_renderer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "crafter/icmp.h"
#include "crafter/icmp_extension.h"
#include "tests/cli/fake_resolver.h"

namespace hoplab::cli {
namespace {

using crafter::Ipv4Address;
using nlohmann::ordered_json;

trace::ProbeResult Answer(const char* from, std::chrono::nanoseconds rtt) {
  trace::ProbeResult probe;
  probe.from = Ipv4Address::Parse(from);
  probe.rtt = rtt;
  return probe;
}

std::vector<std::string> Keys(const ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) {
    keys.push_back(item.key());
  }
  return keys;
}

// A two-hop trace: hop 1 answered twice and once silent, hop 2 a network
// unreachable.
trace::TraceResult TwoHops() {
  trace::TraceResult result;
  trace::ProbeResult unreachable =
      Answer("198.51.100.1", std::chrono::microseconds(8135));
  unreachable.kind = crafter::ReplyKind::kDestinationUnreachable;
  unreachable.icmp_type = 3;
  unreachable.icmp_code = 0;
  result.hops = {
      trace::Hop{1,
                 {Answer("192.0.2.1", std::chrono::nanoseconds(525'400)),
                  trace::ProbeResult{},
                  Answer("192.0.2.1", std::chrono::nanoseconds(42'602'501))}},
      trace::Hop{2, {unreachable}},
  };
  return result;
}

const JsonTraceInfo kInfo{"198.51.100.7", "198.51.100.7",
                          crafter::ProbeMethod::kIcmp, "builtin (simulated)"};

TEST(JsonRendererTest, PrintsOneLineThatNlohmannParses) {
  const std::string text = RenderJson(kInfo, TwoHops(), nullptr);

  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_TRUE(ordered_json::accept(text)) << text;
}

TEST(JsonRendererTest, PutsTheTopLevelKeysInTheDocumentedOrder) {
  const ordered_json json =
      ordered_json::parse(RenderJson(kInfo, TwoHops(), nullptr));

  EXPECT_EQ(Keys(json),
            (std::vector<std::string>{"schema_version", "kind", "target",
                                      "address", "method", "network", "reached",
                                      "interrupted", "hops"}));
  EXPECT_EQ(json["schema_version"], kJsonSchemaVersion);
  EXPECT_EQ(json["kind"], "trace");
  EXPECT_EQ(json["target"], "198.51.100.7");
  EXPECT_EQ(json["method"], "icmp");
  EXPECT_EQ(json["network"], "builtin (simulated)");
  EXPECT_EQ(json["reached"], false);
  EXPECT_EQ(json["interrupted"], false);
}

TEST(JsonRendererTest, NamesEachResponderWhereItHasAName) {
  // Names for some addresses and none for the rest.
  testing_util::FakeResolver resolver(
      std::map<std::string, std::string>{{"192.0.2.1", "gw.home.hoplab.test"}});
  const ordered_json named =
      ordered_json::parse(RenderJson(kInfo, TwoHops(), &resolver));
  const ordered_json numeric =
      ordered_json::parse(RenderJson(kInfo, TwoHops(), nullptr));

  const ordered_json& hop1 = named["hops"][0]["probes"];
  EXPECT_EQ(Keys(hop1[0]),
            (std::vector<std::string>{"from", "name", "rtt_ms", "annotation"}));
  EXPECT_EQ(hop1[0]["name"], "gw.home.hoplab.test");
  // No reply, no name; an address without one has null.
  EXPECT_TRUE(hop1[1]["name"].is_null());
  EXPECT_EQ(named["hops"][1]["probes"][0]["from"], "198.51.100.1");
  EXPECT_TRUE(named["hops"][1]["probes"][0]["name"].is_null());
  // -n: every name null, nothing else changes.
  EXPECT_TRUE(numeric["hops"][0]["probes"][0]["name"].is_null());
  ordered_json without_names = named;
  without_names["hops"][0]["probes"][0]["name"] = nullptr;
  without_names["hops"][0]["probes"][2]["name"] = nullptr;
  EXPECT_EQ(without_names, numeric);
}

TEST(JsonRendererTest, SaysWhenASignalEndedTheTrace) {
  trace::TraceResult stopped = TwoHops();
  stopped.interrupted = true;
  const ordered_json json =
      ordered_json::parse(RenderJson(kInfo, stopped, nullptr));

  EXPECT_EQ(json["interrupted"], true);
  EXPECT_EQ(json["hops"].size(), 2u);
}

TEST(JsonRendererTest, ListsEveryHopWithItsProbesInOrder) {
  const ordered_json json =
      ordered_json::parse(RenderJson(kInfo, TwoHops(), nullptr));

  const ordered_json& hops = json["hops"];
  ASSERT_TRUE(hops.is_array());
  ASSERT_EQ(hops.size(), 2u);
  EXPECT_EQ(Keys(hops[0]), (std::vector<std::string>{"ttl", "probes"}));
  EXPECT_EQ(hops[0]["ttl"], 1);
  EXPECT_EQ(hops[1]["ttl"], 2);
  ASSERT_EQ(hops[0]["probes"].size(), 3u);
  ASSERT_EQ(hops[1]["probes"].size(), 1u);
}

TEST(JsonRendererTest, GivesAnAnsweredProbeItsAddressAndRttInMilliseconds) {
  const ordered_json json =
      ordered_json::parse(RenderJson(kInfo, TwoHops(), nullptr));

  const ordered_json& probe = json["hops"][0]["probes"][0];
  EXPECT_EQ(Keys(probe),
            (std::vector<std::string>{"from", "name", "rtt_ms", "annotation"}));
  EXPECT_EQ(probe["from"], "192.0.2.1");
  ASSERT_TRUE(probe["rtt_ms"].is_number());
  EXPECT_DOUBLE_EQ(probe["rtt_ms"].get<double>(), 0.525);
  EXPECT_TRUE(probe["annotation"].is_null());
  // Microsecond resolution: 42.602501 ms rounds to 42.603.
  EXPECT_DOUBLE_EQ(json["hops"][0]["probes"][2]["rtt_ms"].get<double>(),
                   42.603);
}

TEST(JsonRendererTest, GivesAStarNullsForAddressRttAndAnnotation) {
  const ordered_json json =
      ordered_json::parse(RenderJson(kInfo, TwoHops(), nullptr));

  const ordered_json& star = json["hops"][0]["probes"][1];
  EXPECT_EQ(Keys(star),
            (std::vector<std::string>{"from", "name", "rtt_ms", "annotation"}));
  EXPECT_TRUE(star["from"].is_null());
  EXPECT_TRUE(star["rtt_ms"].is_null());
  EXPECT_TRUE(star["annotation"].is_null());
}

TEST(JsonRendererTest, CarriesTracerouteMarkAsAnnotation) {
  const ordered_json json =
      ordered_json::parse(RenderJson(kInfo, TwoHops(), nullptr));

  EXPECT_EQ(json["hops"][1]["probes"][0]["annotation"], "!N");
}

TEST(JsonRendererTest, PrintsAnEmptyTraceWithAnEmptyHopList) {
  trace::TraceResult result;
  result.reached = true;

  const ordered_json json =
      ordered_json::parse(RenderJson(kInfo, result, nullptr));

  EXPECT_EQ(json["reached"], true);
  ASSERT_TRUE(json["hops"].is_array());
  EXPECT_TRUE(json["hops"].empty());
}

TEST(JsonRendererTest, GivesExtensionsTheirLabelsInterfacesAndNotes) {
  trace::TraceResult result;
  trace::ProbeResult probe =
      Answer("192.0.2.1", std::chrono::microseconds(9305));
  const std::vector<crafter::MplsLabelEntry> stack = {{84016, 5, true, 1}};
  crafter::InterfaceInformation info;
  info.if_index = 5;
  info.ipv4 = Ipv4Address::FromOctets(192, 0, 2, 1);
  crafter::IcmpExtensions extensions;
  extensions.offset = 128;
  extensions.anomalies = crafter::kExtensionChecksumNotComputed;
  extensions.objects = {crafter::MplsLabelStackObject(stack),
                        crafter::InterfaceInformationObject(info)};
  probe.extensions =
      std::make_shared<const crafter::IcmpExtensions>(extensions);
  result.hops.push_back({4, {probe}});

  const ordered_json json =
      ordered_json::parse(RenderJson({}, result, nullptr));
  const ordered_json& ext = json["hops"][0]["probes"][0]["extensions"];
  EXPECT_EQ(ext["notes"][0], "extension checksum not computed (0x0000)");
  EXPECT_EQ(ext["objects"][0]["class"], 1);
  EXPECT_EQ(ext["objects"][0]["text"], "MPLS:L=84016,E=5,S=1,T=1");
  EXPECT_EQ(ext["objects"][0]["mpls"][0],
            ordered_json({{"label", 84016}, {"exp", 5}, {"s", 1}, {"ttl", 1}}));
  EXPECT_EQ(
      ext["objects"][1]["interface"],
      ordered_json(
          {{"role", "incoming"}, {"if_index", 5}, {"address", "192.0.2.1"}}));
}

TEST(JsonRendererTest, LeavesExtensionsOutWhenTheReplyHadNone) {
  trace::TraceResult result;
  result.hops.push_back(
      {1, {Answer("192.0.2.1", std::chrono::microseconds(525))}});
  const ordered_json json =
      ordered_json::parse(RenderJson({}, result, nullptr));
  EXPECT_FALSE(json["hops"][0]["probes"][0].contains("extensions"));
}

}  // namespace
}  // namespace hoplab::cli
