// RenderReportText: mtr's report table, column for column.

#include "cli/report_renderer.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

#include "tests/cli/fake_resolver.h"
#include "trace/report.h"

namespace hoplab::cli {
namespace {

trace::Report OneHop(int num_sent, double rtt_ms) {
  trace::ReportHop hop;
  hop.ttl = 1;
  hop.responders = {crafter::Ipv4Address::FromOctets(192, 0, 2, 1)};
  hop.num_sent = num_sent;
  hop.num_received = num_sent;
  hop.last_ms = hop.mean_ms = hop.best_ms = hop.worst_ms = rtt_ms;
  trace::Report report;
  report.hops.push_back(hop);
  return report;
}

std::string HopRow(const trace::Report& report) {
  const std::string text = RenderReportText(
      ReportHeader{"2026-01-01T00:00:00+0000", "host"}, report, nullptr);
  const size_t second_newline = text.find('\n', text.find('\n') + 1);
  return text.substr(second_newline + 1);
}

TEST(RenderReportTextTest, PutsEveryValueInMtrsColumns) {
  EXPECT_EQ(HopRow(OneHop(10, 12.25)),
            "  1.|-- 192.0.2.1                  0.0%    10   12.2  12.2  12.2 "
            " 12.2   0.0\n");
}

TEST(RenderReportTextTest, ValuesWiderThanTheirColumnKeepEveryDigit) {
  const std::string row = HopRow(OneHop(100000, 123456.5));
  EXPECT_NE(row.find(" 100000 "), std::string::npos) << row;
  EXPECT_NE(row.find(" 123456.5 123456.5"), std::string::npos) << row;
}

// A hop answered by 192.0.2.1 and 192.0.2.2, as RenderReportCsv prints
// it with names from `names`.
std::string CsvRowOfTwoResponders(std::map<std::string, std::string> names) {
  trace::Report report = OneHop(2, 1.0);
  report.hops[0].responders.push_back(
      crafter::Ipv4Address::FromOctets(192, 0, 2, 2));
  testing_util::FakeResolver resolver(std::move(names));
  const std::string text = RenderReportCsv(report, &resolver);
  return text.substr(text.find('\n') + 1);
}

TEST(RenderReportCsvTest, LeavesTheNamesEmptyWhenNoResponderHasOne) {
  EXPECT_EQ(CsvRowOfTwoResponders({}),
            "1,192.0.2.1;192.0.2.2,,0.0,2,2,1.000,1.000,1.000,1.000,0.000,"
            "none\n");
}

TEST(RenderReportCsvTest, KeepsNamesInStepWithTheirAddresses) {
  EXPECT_EQ(CsvRowOfTwoResponders({{"192.0.2.2", "b.example"}}),
            "1,192.0.2.1;192.0.2.2,;b.example,0.0,2,2,1.000,1.000,1.000,"
            "1.000,0.000,none\n");
  EXPECT_EQ(
      CsvRowOfTwoResponders(
          {{"192.0.2.1", "a.example"}, {"192.0.2.2", "b.example"}}),
      "1,192.0.2.1;192.0.2.2,a.example;b.example,0.0,2,2,1.000,1.000,1.000,"
      "1.000,0.000,none\n");
}

}  // namespace
}  // namespace hoplab::cli
