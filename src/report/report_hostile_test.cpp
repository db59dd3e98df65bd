// Every writer, fed what a hostile image and feed can hold (invalid UTF-8 from the Unicode standard's examples,
// terminal escapes, XML-illegal control characters, markup), must write a valid document; and every format must name
// an incomplete scan. The documents are read back with parsers that are not ours (report/testing/output_check.h).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "report/sbom.h"
#include "report/scan_report.h"
#include "report/testing/output_check.h"

namespace customs::report {
namespace {

using nlohmann::json;

const std::vector<std::string> kHostile = {
    "ba\xff\xfesh",         // bytes that never appear in UTF-8
    "1.0\xc0\xaf",          // an overlong '/'
    "amd\xed\xa0\x80",      // an encoded surrogate
    "src\xf4\x90\x80\x80",  // above U+10FFFF
    "cut\xe2\x82",          // a truncated sequence
    "RUN \x1b]0;pwned\x07\x1b[2J \xc2\x9b"
    "31m done",                              // terminal escapes, a C1 CSI
    std::string("nul\0in\x01side\x7f", 13),  // XML-illegal controls
    "<script>&amp;</script> \"quoted\" 'single' | `tick` *bold* [link](x)",
    "multi\nline\r\ttext",
    "\xef\xbf\xbe\xef\xbf\xbf",  // U+FFFE U+FFFF: not XML characters
    "",
    "plain",
};

ScanWriteOptions Options() {
  ScanWriteOptions o;
  o.tool_version = "0.1.0";
  o.timestamp = "2026-11-28T00:00:00Z";
  o.uuid = "00000000-0000-4000-8000-000000000000";
  return o;
}

// The checkers can fail: each rejects what the writers must never produce.
TEST(ReportHostileTest, CheckersRejectBrokenDocuments) {
  EXPECT_NE(testing::JsonProblem("{\"a\": \"\xff\"}"), "");
  EXPECT_NE(testing::JsonProblem("{\"a\": 1,}"), "");
  EXPECT_EQ(testing::JsonProblem("{\"a\": \"\\u001b\"}"), "");
  EXPECT_NE(testing::XmlProblem("<a>\x01</a>"), "");
  EXPECT_NE(testing::XmlProblem("<a>&</a>"), "");
  EXPECT_NE(testing::XmlProblem("<a>\xef\xbf\xbe</a>"), "");
  EXPECT_NE(testing::XmlProblem("<a b=\"<\"/>"), "");
  EXPECT_EQ(testing::XmlProblem("<a b=\"&lt;\">\xc3\xa9</a>"), "");
  EXPECT_NE(testing::TextProblem("a\x1b[2J"), "");
  EXPECT_NE(testing::TextProblem("a\xc2\x9b"), "");
  EXPECT_NE(testing::TextProblem("a\xff"), "");
  EXPECT_EQ(testing::TextProblem("line\n\xc3\xa9\n"), "");
}

TEST(ReportHostileTest, EveryFormatStaysValidWhateverTheStrings) {
  // Shift the strings so each lands in every field at least once.
  for (std::size_t shift = 0; shift < kHostile.size(); ++shift) {
    std::vector<std::string> strings(kHostile.begin() + static_cast<long>(shift), kHostile.end());
    strings.insert(strings.end(), kHostile.begin(), kHostile.begin() + static_cast<long>(shift));
    EXPECT_EQ(testing::CheckEveryFormat(testing::ReportFromStrings(strings, 8)), "") << "shift " << shift;
  }
}

TEST(ReportHostileTest, InvalidPackageFieldsKeepTheirBytesEscaped) {
  ScanReport r = testing::ReportFromStrings({"plain"}, 1);
  r.packages[0].name = "ba\xffsh";
  r.packages[0].version = "1.0\xc0\xaf";
  json sbom = json::parse(WriteSbom(SbomFormat::kJson, testing::SbomFromReport(r), {}));
  const json& p = sbom["packages"][0];
  EXPECT_EQ(p["name"], "ba" + std::string(kReplacementCharacter) + "sh");
  EXPECT_EQ(p["raw_escaped"]["name"], "ba\\xFFsh");
  EXPECT_EQ(p["raw_escaped"]["version"], "1.0\\xC0\\xAF");
  EXPECT_FALSE(p["raw_escaped"].contains("arch")) << "valid fields are not repeated";
  json cdx = json::parse(WriteSbom(SbomFormat::kCycloneDx, testing::SbomFromReport(r), {}));
  bool found = false;
  for (const auto& property : cdx["components"][1]["properties"]) {
    if (property["name"] == "customs:raw:name") found = property["value"] == "ba\\xFFsh";
  }
  EXPECT_TRUE(found) << cdx["components"][1].dump();
}

TEST(ReportHostileTest, TableNeverPassesAnEscapeSequenceToTheTerminal) {
  ScanReport r = testing::ReportFromStrings({"pkg"}, 1);
  r.findings[0].package.layer.created_by = "RUN \x1b]0;pwned\x07 true";
  r.findings[0].package.name = "evil\x1b[2J";
  std::string table = WriteScanReport(ScanFormat::kTable, r, Options());
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  EXPECT_NE(table.find("evil" + std::string(kReplacementCharacter) + "[2J"), std::string::npos) << table;
}

// One incomplete reason beside a warning: each format names it, read back by an independent parser.
ScanReport IncompleteReport() {
  ScanReport r = testing::ReportFromStrings({"pkg", "1.0"}, 2);
  r.diagnostics = {
      {DiagnosticLevel::kWarning, "catalog/dpkg", "/var/lib/dpkg/status", "skipped the stanza at line 9"},
      {DiagnosticLevel::kIncomplete, "catalog/rpm", "/var/lib/rpm/Packages", "cannot read the rpm database"},
  };
  return r;
}

TEST(ReportIncompleteTest, TableHasASectionAndAFinalLine) {
  std::string table = WriteScanReport(ScanFormat::kTable, IncompleteReport(), Options());
  EXPECT_NE(table.find("\nIncomplete: the scan may have missed vulnerabilities\n"
                       "  catalog/rpm: /var/lib/rpm/Packages: cannot read the rpm database\n"),
            std::string::npos)
      << table;
  EXPECT_TRUE(table.ends_with("\nINCOMPLETE SCAN: 1 reason above\n")) << table;
  EXPECT_NE(table.find("warning: /var/lib/dpkg/status"), std::string::npos) << "warnings stay in Diagnostics";
  std::string sbom = WriteSbom(SbomFormat::kTable, testing::SbomFromReport(IncompleteReport()), {});
  EXPECT_TRUE(sbom.ends_with("\nINCOMPLETE: 1 reason above\n")) << sbom;
}

TEST(ReportIncompleteTest, JsonNamesTheLevelAndCountsIt) {
  json doc = json::parse(WriteScanReport(ScanFormat::kJson, IncompleteReport(), Options()));
  EXPECT_EQ(doc["summary"]["incomplete"], 1);
  EXPECT_EQ(doc["diagnostics"][1]["level"], "incomplete");
  EXPECT_EQ(doc["diagnostics"][1]["source"], "catalog/rpm");
  json complete = json::parse(WriteScanReport(ScanFormat::kJson, testing::ReportFromStrings({"x"}, 1), Options()));
  complete = json::parse(WriteScanReport(
      ScanFormat::kJson,
      [] {
        ScanReport r = testing::ReportFromStrings({"x"}, 1);
        r.diagnostics.clear();
        return r;
      }(),
      Options()));
  EXPECT_EQ(complete["summary"]["incomplete"], 0);
}

TEST(ReportIncompleteTest, SarifInvocationFailsWithANotificationPerReason) {
  json doc = json::parse(WriteScanReport(ScanFormat::kSarif, IncompleteReport(), Options()));
  const json& invocation = doc["runs"][0]["invocations"][0];
  EXPECT_EQ(invocation["executionSuccessful"], false);
  int errors = 0;
  for (const auto& n : invocation["toolExecutionNotifications"]) {
    if (n["level"] == "error") {
      ++errors;
      EXPECT_EQ(n["message"]["text"], "catalog/rpm: /var/lib/rpm/Packages: cannot read the rpm database");
      EXPECT_EQ(n["properties"]["customs-level"], "incomplete");
    }
  }
  EXPECT_EQ(errors, 1);
  ScanReport complete = IncompleteReport();
  complete.diagnostics.resize(1);
  json ok = json::parse(WriteScanReport(ScanFormat::kSarif, complete, Options()));
  EXPECT_EQ(ok["runs"][0]["invocations"][0]["executionSuccessful"], true);
}

TEST(ReportIncompleteTest, JunitHasAFailingCasePerReason) {
  std::string xml = WriteScanReport(ScanFormat::kJunit, IncompleteReport(), Options());
  EXPECT_EQ(testing::XmlProblem(xml), "");
  EXPECT_NE(xml.find("<testcase classname=\"customs.incomplete\" name=\"catalog/rpm: /var/lib/rpm/Packages\">\n"
                     "      <failure message=\"incomplete scan: vulnerabilities may have been missed\" "
                     "type=\"incomplete\">cannot read the rpm database</failure>"),
            std::string::npos)
      << xml;
  // Two packages and one reason; the reason fails, and so does each package with a finding at or above MEDIUM.
  EXPECT_NE(xml.find("tests=\"3\""), std::string::npos) << xml;
}

TEST(ReportIncompleteTest, MarkdownWarns) {
  std::string md = WriteScanReport(ScanFormat::kMarkdown, IncompleteReport(), Options());
  EXPECT_NE(md.find("> **Incomplete scan**: vulnerabilities may have been missed (1 reason):\n"
                    "> - catalog/rpm: /var/lib/rpm/Packages: cannot read the rpm database\n"),
            std::string::npos)
      << md;
}

TEST(ReportIncompleteTest, CycloneDxAndSpdxCarryItInTheDocument) {
  for (const std::string& text : {WriteScanReport(ScanFormat::kCycloneDx, IncompleteReport(), Options()),
                                  WriteSbom(SbomFormat::kCycloneDx, testing::SbomFromReport(IncompleteReport()), {})}) {
    json doc = json::parse(text);
    ASSERT_EQ(doc["metadata"]["properties"].size(), 1u) << doc["metadata"].dump();
    EXPECT_EQ(doc["metadata"]["properties"][0]["name"], "customs:incomplete");
    EXPECT_EQ(doc["metadata"]["properties"][0]["value"],
              "catalog/rpm: /var/lib/rpm/Packages: cannot read the rpm database");
  }
  json spdx = json::parse(WriteSbom(SbomFormat::kSpdx, testing::SbomFromReport(IncompleteReport()), {}));
  ASSERT_EQ(spdx["annotations"].size(), 1u);
  EXPECT_EQ(spdx["annotations"][0]["annotationType"], "OTHER");
  EXPECT_EQ(spdx["annotations"][0]["comment"],
            "customs:incomplete: catalog/rpm: /var/lib/rpm/Packages: cannot read the rpm database");
}

// The goldens in testdata/ were refreshed when these fields appeared; these read them back independently.
TEST(ReportIncompleteTest, GoldenSampleIsCompleteAndSaysSo) {
  ScanReport r = testing::ReportFromStrings({"x"}, 1);
  r.diagnostics = {{DiagnosticLevel::kWarning, "match", "alpine:3.21", "no advisories for alpine 3.21 in the store"}};
  json sarif = json::parse(WriteScanReport(ScanFormat::kSarif, r, Options()));
  const json& invocation = sarif["runs"][0]["invocations"][0];
  EXPECT_EQ(invocation["executionSuccessful"], true);
  ASSERT_EQ(invocation["toolExecutionNotifications"].size(), 1u);
  EXPECT_EQ(invocation["toolExecutionNotifications"][0]["level"], "warning");
}

}  // namespace
}  // namespace customs::report
