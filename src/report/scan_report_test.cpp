// Golden tests for the scan report writers. Refresh the goldens with
//   CUSTOMS_UPDATE_GOLDENS=1 build/dev/src/report/report_test
// and review the diff.
#include "report/scan_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "report/sbom.h"

namespace customs::report {
namespace {

ScanReport Sample() {
  ScanReport r;
  r.target = "registry.example/app:1";
  r.kind = "registry";
  r.os.family = "debian";
  r.os.version = "12";
  r.os.codename = "bookworm";
  catalog::Package curl;
  curl.name = "curl";
  // Installed below the fix (7.88.1-10+deb12u4, DSA-5525-1): FixtureDoesNotContradictItself checks with dpkg.
  curl.version = "7.88.1-10+deb12u3";
  curl.arch = "amd64";
  curl.source_name = "curl";
  curl.source_version = "7.88.1-10+deb12u3";
  curl.purl = "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u3?arch=amd64&distro=debian-12";
  curl.layer.index = 1;
  curl.layer.diff_id = "sha256:2222";
  curl.layer.created_by = "RUN apt-get install -y curl";
  catalog::Package bash = curl;
  bash.name = bash.source_name = "bash";
  bash.version = "5.2.15-2+b2";
  bash.source_version = "5.2.15-2";
  bash.purl = "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12";
  bash.layer.index = 0;
  bash.layer.diff_id = "sha256:1111";
  bash.layer.created_by = "ADD rootfs.tar /";
  r.packages = {bash, curl};
  match::Finding critical;
  critical.id = "CVE-2023-38545";
  critical.aliases = {"DSA-5525-1"};
  critical.severity = vulndb::Severity::kCritical;
  critical.severity_source = "nvd";
  critical.status = match::FindingStatus::kFixed;
  critical.package = curl;
  critical.fixed_version = "7.88.1-10+deb12u4";
  critical.cvss = vulndb::Cvss{"nvd@nist.gov", "3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8};
  critical.kev = vulndb::Kev{"2024-01-01", "2024-01-22", false};
  critical.epss = vulndb::Epss{0.27, 0.96};
  critical.title = "SOCKS5 heap buffer overflow";
  critical.references = {"https://curl.se/docs/CVE-2023-38545.html"};
  critical.source = "debian";
  critical.record_id = "CVE-2023-38545";
  match::Finding unknown = critical;
  unknown.id = "CVE-2026-0001";
  unknown.aliases.clear();
  unknown.severity = vulndb::Severity::kUnknown;
  unknown.severity_source = "";
  unknown.status = match::FindingStatus::kAffected;
  unknown.fixed_version = "";
  unknown.cvss.reset();
  unknown.kev.reset();
  unknown.epss.reset();
  unknown.package = bash;
  unknown.title = "";
  unknown.references.clear();
  unknown.record_id = "CVE-2026-0001";
  r.findings = {critical, unknown};
  match::Finding vexed = critical;
  vexed.id = "CVE-2023-38546";
  vexed.record_id = "CVE-2023-38546";
  vexed.severity = vulndb::Severity::kLow;
  vexed.severity_source = "debian";
  vexed.cvss.reset();
  vexed.kev.reset();
  vexed.title = "cookie injection with none file";
  vexed.references = {"https://curl.se/docs/CVE-2023-38546.html"};
  r.suppressed = {{vexed, "vex:team.vex.json", "not_affected (vulnerable_code_not_in_execute_path)"}};
  r.diagnostics = {{DiagnosticLevel::kWarning, "match", "alpine:3.21", "no advisories for alpine 3.21 in the store"}};
  r.fail_on = vulndb::Severity::kHigh;
  return r;
}

std::string ReadGolden(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void CheckGolden(const std::string& name, const std::string& actual) {
  std::string path = std::string(CUSTOMS_SOURCE_DIR) + "/src/report/testdata/" + name;
  if (const char* update = std::getenv("CUSTOMS_UPDATE_GOLDENS"); update && *update == '1') {
    std::ofstream(path, std::ios::binary) << actual;
  }
  std::string expected = ReadGolden(path);
  ASSERT_FALSE(expected.empty()) << "missing golden " << path << " (CUSTOMS_UPDATE_GOLDENS=1 writes it)";
  EXPECT_EQ(actual, expected) << name;
}

ScanWriteOptions Fixed(bool color) {
  ScanWriteOptions o;
  o.color = color;
  o.tool_version = "0.1.0";
  o.timestamp = "2026-11-28T00:00:00Z";
  o.uuid = "00000000-0000-4000-8000-000000000000";
  return o;
}

TEST(ScanReportGolden, Table) {
  CheckGolden("scan.table.txt", WriteScanReport(ScanFormat::kTable, Sample(), Fixed(false)));
}

TEST(ScanReportGolden, TableWithColour) {
  std::string text = WriteScanReport(ScanFormat::kTable, Sample(), Fixed(true));
  EXPECT_NE(text.find("\033[1;31mCRITICAL"), std::string::npos);
  CheckGolden("scan.table.color.txt", text);
}

TEST(ScanReportGolden, NoColourMeansNoEscapes) {
  std::string text = WriteScanReport(ScanFormat::kTable, Sample(), Fixed(false));
  EXPECT_EQ(text.find('\033'), std::string::npos);
}

TEST(ScanReportGolden, Json) {
  CheckGolden("scan.json", WriteScanReport(ScanFormat::kJson, Sample(), Fixed(false)));
}
TEST(ScanReportGolden, Sarif) {
  CheckGolden("scan.sarif", WriteScanReport(ScanFormat::kSarif, Sample(), Fixed(false)));
}
TEST(ScanReportGolden, Markdown) {
  CheckGolden("scan.md", WriteScanReport(ScanFormat::kMarkdown, Sample(), Fixed(false)));
}
TEST(ScanReportGolden, Junit) {
  CheckGolden("scan.junit.xml", WriteScanReport(ScanFormat::kJunit, Sample(), Fixed(false)));
}
TEST(ScanReportGolden, CycloneDx) {
  CheckGolden("scan.cdx.json", WriteScanReport(ScanFormat::kCycloneDx, Sample(), Fixed(false)));
}

TEST(ScanReportTest, JsonSchemaFields) {
  auto doc = nlohmann::json::parse(WriteScanReport(ScanFormat::kJson, Sample(), Fixed(false)));
  EXPECT_EQ(doc["schema"], "customs.report/v1");
  const auto& f = doc["findings"][0];
  for (const char* key : {"id", "aliases", "severity", "severity_source", "status", "package", "fixed_version", "cvss",
                          "kev", "epss", "title", "references"}) {
    EXPECT_TRUE(f.contains(key)) << key;
  }
  EXPECT_EQ(f["package"]["layer"]["created_by"], "RUN apt-get install -y curl");
  EXPECT_EQ(doc["suppressed"][0]["suppressed_by"], "vex:team.vex.json");
  EXPECT_EQ(doc["summary"]["by_severity"]["CRITICAL"], 1);
}

// customs image --usage: every format says whether each finding is in use; without it none says anything.
TEST(ScanReportTest, InUseInEveryFormatOnlyWhenEvaluated) {
  ScanReport r = Sample();
  for (ScanFormat format : {ScanFormat::kTable, ScanFormat::kJson, ScanFormat::kSarif, ScanFormat::kCycloneDx,
                            ScanFormat::kJunit, ScanFormat::kMarkdown}) {
    std::string text = WriteScanReport(format, r, Fixed(false));
    EXPECT_EQ(text.find("in_use"), std::string::npos) << static_cast<int>(format);
    EXPECT_EQ(text.find("IN USE"), std::string::npos) << static_cast<int>(format);
  }
  r.usage_evaluated = true;
  ASSERT_GE(r.findings.size(), 2u);
  r.findings[0].in_use = match::InUse::kTrue;
  for (std::size_t i = 1; i < r.findings.size(); ++i) r.findings[i].in_use = match::InUse::kFalse;
  auto doc = nlohmann::json::parse(WriteScanReport(ScanFormat::kJson, r, Fixed(false)));
  EXPECT_EQ(doc["findings"][0]["in_use"], "true");
  EXPECT_EQ(doc["findings"][1]["in_use"], "false");
  EXPECT_EQ(doc["summary"]["by_in_use"]["true"], 1);
  auto sarif = nlohmann::json::parse(WriteScanReport(ScanFormat::kSarif, r, Fixed(false)));
  EXPECT_EQ(sarif["runs"][0]["results"][0]["properties"]["in_use"], "true");
  auto cdx = nlohmann::json::parse(WriteScanReport(ScanFormat::kCycloneDx, r, Fixed(false)));
  bool found = false;
  for (const auto& v : cdx["vulnerabilities"]) {
    if (v["id"] != r.findings[0].id) continue;
    found = true;
    EXPECT_EQ(v["properties"][0]["name"], "customs:in_use");
    EXPECT_EQ(v["properties"][0]["value"], "true");
  }
  EXPECT_TRUE(found);
  std::string table = WriteScanReport(ScanFormat::kTable, r, Fixed(false));
  EXPECT_NE(table.find("IN USE"), std::string::npos) << table;
  std::string markdown = WriteScanReport(ScanFormat::kMarkdown, r, Fixed(false));
  EXPECT_NE(markdown.find("| In use |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| true |"), std::string::npos) << markdown;
  std::string junit = WriteScanReport(ScanFormat::kJunit, r, Fixed(false));
  EXPECT_NE(junit.find("in use: "), std::string::npos) << junit;
}

// A language finding: the package's own fields in JSON, its properties in CycloneDX, its rule family in SARIF.
TEST(ScanReportTest, LanguageFindingCarriesItsPackageFields) {
  ScanReport r = Sample();
  catalog::Package jar;
  jar.type = catalog::PackageType::kMaven;
  jar.name = "log4j-core";
  jar.version = "2.8";
  jar.group_unknown = true;
  jar.location = "/app/lib/log4j-core-2.8.jar";
  jar.evidence = "file name";
  jar.confidence = catalog::Confidence::kMedium;
  jar.purl = "pkg:maven/org.apache.logging.log4j/log4j-core@2.8";
  r.packages.push_back(jar);
  match::Finding f = r.findings[0];
  f.id = "CVE-2021-44228";
  f.package = jar;
  f.matched_as = "org.apache.logging.log4j:log4j-core";
  r.findings.push_back(f);
  auto doc = nlohmann::json::parse(WriteScanReport(ScanFormat::kJson, r, Fixed(false)));
  const auto& got = doc["findings"].back();
  EXPECT_EQ(got["matched_as"], "org.apache.logging.log4j:log4j-core");
  EXPECT_EQ(got["package"]["location"], jar.location);
  EXPECT_EQ(got["package"]["evidence"], "file name");
  EXPECT_EQ(got["package"]["confidence"], "medium");
  EXPECT_EQ(got["package"]["group_unknown"], true);
  EXPECT_FALSE(doc["findings"][0]["package"].contains("location")) << "OS packages carry no language fields";
  auto sarif = nlohmann::json::parse(WriteScanReport(ScanFormat::kSarif, r, Fixed(false)));
  const auto& rules = sarif["runs"][0]["tool"]["driver"]["rules"];
  EXPECT_EQ(rules.front()["name"], "OsPackageVulnerability");
  EXPECT_EQ(rules.back()["id"], "CVE-2021-44228");
  EXPECT_EQ(rules.back()["name"], "LanguagePackageVulnerability");
  auto bom = nlohmann::json::parse(WriteScanReport(ScanFormat::kCycloneDx, r, Fixed(false)));
  bool listed = false;
  for (const auto& c : bom["components"]) {
    if (c.value("purl", "") != jar.purl) continue;
    listed = true;
    std::set<std::string> names;
    for (const auto& p : c["properties"]) names.insert(p["name"].get<std::string>());
    EXPECT_TRUE(names.count("customs:package:location") && names.count("customs:package:group_unknown"));
  }
  EXPECT_TRUE(listed);
}

TEST(ScanReportTest, JunitFailsOnlyAtOrAboveFailOn) {
  std::string xml = WriteScanReport(ScanFormat::kJunit, Sample(), Fixed(false));
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\""), std::string::npos) << xml;
}

// --- Independent checks of the goldens ---------------------------------------------------------------------------
// A golden is what the writer wrote once; these tests check the files on disk against the fixture by another path
// (the fixture's own fields, counted and named here), so a golden that was regenerated from a wrong writer fails.
// SARIF and CycloneDX goldens are also validated against the official schemas (tests/e2e/schema_validation.sh).

std::string Golden(const std::string& name) {
  return ReadGolden(std::string(CUSTOMS_SOURCE_DIR) + "/src/report/testdata/" + name);
}

// The names a reader of each format expects, spelled out here rather than taken from the writers.
std::string SeverityWord(vulndb::Severity s) {
  switch (s) {
    case vulndb::Severity::kUnknown: return "UNKNOWN";
    case vulndb::Severity::kNegligible: return "NEGLIGIBLE";
    case vulndb::Severity::kLow: return "LOW";
    case vulndb::Severity::kMedium: return "MEDIUM";
    case vulndb::Severity::kHigh: return "HIGH";
    case vulndb::Severity::kCritical: return "CRITICAL";
  }
  return "?";
}
std::string StatusWord(match::FindingStatus s) {
  switch (s) {
    case match::FindingStatus::kFixed: return "fixed";
    case match::FindingStatus::kAffected: return "affected";
    case match::FindingStatus::kWillNotFix: return "will_not_fix";
    case match::FindingStatus::kEndOfLife: return "end_of_life";
  }
  return "?";
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

// A "fixed" finding's installed source version is below its fixed version (dpkg itself decides), an "affected" one
// has no fixed version, and each layer has one digest.
TEST(ScanReportFixture, DoesNotContradictItself) {
  ScanReport r = Sample();
  std::vector<match::Finding> all = r.findings;
  for (const auto& s : r.suppressed) {
    all.push_back(s.finding);
  }
  for (const auto& f : all) {
    SCOPED_TRACE(f.id);
    if (f.status == match::FindingStatus::kFixed) {
      ASSERT_FALSE(f.fixed_version.empty());
      const std::string command =
          "dpkg --compare-versions '" + f.package.source_version + "' lt '" + f.fixed_version + "'";
      EXPECT_EQ(std::system(command.c_str()), 0) << command;
    } else {
      EXPECT_TRUE(f.fixed_version.empty());
    }
  }
  std::map<int, std::string> digests;
  for (const auto& p : r.packages) {
    auto [it, inserted] = digests.emplace(p.layer.index, p.layer.diff_id);
    EXPECT_EQ(it->second, p.layer.diff_id) << "layer " << p.layer.index << " has two digests";
    std::string encoded_version = p.version;
    for (std::size_t at = encoded_version.find('+'); at != std::string::npos; at = encoded_version.find('+', at)) {
      encoded_version.replace(at, 1, "%2B");
    }
    EXPECT_NE(p.purl.find("@" + encoded_version + "?"), std::string::npos) << p.purl;
  }
  EXPECT_EQ(digests.size(), r.packages.size()) << "each package of the sample comes from its own layer";
}

TEST(ScanReportGoldenCheck, JsonGoldenAgreesWithTheFixture) {
  ScanReport r = Sample();
  auto doc = nlohmann::json::parse(Golden("scan.json"), nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  ASSERT_EQ(doc["findings"].size(), r.findings.size());
  std::map<std::string, int> by_severity, by_status;
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const match::Finding& want = r.findings[i];
    const auto& got = doc["findings"][i];
    SCOPED_TRACE(want.id);
    EXPECT_EQ(got["id"], want.id);
    EXPECT_EQ(got["severity"], SeverityWord(want.severity));
    EXPECT_EQ(got["status"], StatusWord(want.status));
    EXPECT_EQ(got["fixed_version"], want.fixed_version);
    EXPECT_EQ(got["package"]["name"], want.package.name);
    EXPECT_EQ(got["package"]["version"], want.package.version);
    EXPECT_EQ(got["package"]["source_version"], want.package.source_version);
    EXPECT_EQ(got["package"]["purl"], want.package.purl);
    EXPECT_EQ(got["package"]["layer"]["index"], want.package.layer.index + 1) << "layers are numbered from 1";
    EXPECT_EQ(got["package"]["layer"]["digest"], want.package.layer.diff_id);
    EXPECT_EQ(got["package"]["layer"]["created_by"], want.package.layer.created_by);
    EXPECT_EQ(got["title"], want.title);
    EXPECT_EQ(got["references"].size(), want.references.size());
    EXPECT_EQ(got["aliases"].size(), want.aliases.size());
    if (want.cvss) {
      EXPECT_EQ(got["cvss"]["vector"], want.cvss->vector);
      EXPECT_DOUBLE_EQ(got["cvss"]["score"].get<double>(), want.cvss->base_score);
    } else {
      EXPECT_TRUE(got["cvss"].is_null());
    }
    EXPECT_EQ(got["kev"].is_null(), !want.kev.has_value());
    if (want.epss) {
      EXPECT_DOUBLE_EQ(got["epss"]["score"].get<double>(), want.epss->score);
    }
    ++by_severity[SeverityWord(want.severity)];
    ++by_status[StatusWord(want.status)];
  }
  EXPECT_EQ(doc["summary"]["packages"], r.packages.size());
  EXPECT_EQ(doc["summary"]["findings"], r.findings.size());
  for (const char* level : {"CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE", "UNKNOWN"}) {
    EXPECT_EQ(doc["summary"]["by_severity"][level], by_severity[level]) << level;
  }
  for (const auto& [status, count] : by_status) {
    EXPECT_EQ(doc["summary"]["by_status"][status], count) << status;
  }
  ASSERT_EQ(doc["suppressed"].size(), r.suppressed.size());
  EXPECT_EQ(doc["suppressed"][0]["id"], r.suppressed[0].finding.id);
  EXPECT_EQ(doc["suppressed"][0]["suppressed_by"], r.suppressed[0].by);
  ASSERT_EQ(doc["diagnostics"].size(), r.diagnostics.size());
  EXPECT_EQ(doc["diagnostics"][0]["message"], r.diagnostics[0].message);
}

// One table row per finding, carrying what the fixture says; the totals line recounted.
TEST(ScanReportGoldenCheck, TableGoldenRowsAreTheFixtureFindings) {
  ScanReport r = Sample();
  for (const char* name : {"scan.table.txt", "scan.table.color.txt"}) {
    SCOPED_TRACE(name);
    const std::string text = Golden(name);
    ASSERT_FALSE(text.empty());
    std::size_t rows = 0;
    for (const std::string& line : Lines(text)) {
      for (const auto& f : r.findings) {
        if (line.find(f.id) == std::string::npos || line.find("Suppressed") != std::string::npos ||
            line.starts_with("  ")) {
          continue;
        }
        ++rows;
        for (const std::string& field :
             {f.package.name, f.package.version, SeverityWord(f.severity), StatusWord(f.status),
              std::to_string(f.package.layer.index + 1) + " " + f.package.layer.created_by}) {
          EXPECT_NE(line.find(field), std::string::npos) << field << " missing from: " << line;
        }
        if (!f.fixed_version.empty()) {
          EXPECT_NE(line.find(f.fixed_version), std::string::npos) << line;
        }
        // The KEV column says "yes" exactly for the known-exploited findings.
        EXPECT_EQ(line.find("yes") != std::string::npos, f.kev.has_value()) << line;
      }
    }
    EXPECT_EQ(rows, r.findings.size());
    std::map<std::string, int> by_severity;
    for (const auto& f : r.findings) {
      ++by_severity[SeverityWord(f.severity)];
    }
    std::string totals = "Total: " + std::to_string(r.findings.size()) + " (";
    for (const char* level : {"CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE", "UNKNOWN"}) {
      totals += std::string(level) + ": " + std::to_string(by_severity[level]) + (level[0] == 'U' ? ")" : ", ");
    }
    if (std::string(name) == "scan.table.txt") {
      EXPECT_NE(text.find(totals), std::string::npos) << totals;
    }
    for (const auto& s : r.suppressed) {
      EXPECT_NE(text.find(s.finding.id + " "), std::string::npos);
    }
  }
}

TEST(ScanReportGoldenCheck, MarkdownJunitSarifCycloneDxGoldensCountTheFixture) {
  ScanReport r = Sample();
  // Markdown: one table row per finding, "| SEVERITY | ID | package | installed | fixed |".
  const std::string md = Golden("scan.md");
  for (const auto& f : r.findings) {
    const std::string row = "| " + SeverityWord(f.severity) + " | " + f.id + " | " + f.package.name + " | " +
                            f.package.version + " | " + (f.fixed_version.empty() ? "-" : f.fixed_version) + " |";
    EXPECT_EQ(Count(md, row), 1u) << row;
  }
  EXPECT_EQ(Count(md, "\n| ") - 2, r.findings.size() + 1) << "severity table (2 rows) + header + one row per finding";
  // JUnit: one test case per package with findings; a failure for each package with a finding at or above fail-on.
  const std::string xml = Golden("scan.junit.xml");
  std::set<std::string> packages, failing;
  for (const auto& f : r.findings) {
    packages.insert(f.package.name);
    if (f.severity >= r.fail_on) {
      failing.insert(f.package.name);
    }
  }
  EXPECT_EQ(Count(xml, "<testcase "), packages.size());
  EXPECT_EQ(Count(xml, "<failure "), failing.size());
  EXPECT_NE(
      xml.find("tests=\"" + std::to_string(packages.size()) + "\" failures=\"" + std::to_string(failing.size()) + "\""),
      std::string::npos);
  // SARIF: one result per finding, one rule per vulnerability id.
  auto sarif = nlohmann::json::parse(Golden("scan.sarif"), nullptr, false);
  ASSERT_FALSE(sarif.is_discarded());
  std::set<std::string> ids;
  for (const auto& f : r.findings) {
    ids.insert(f.id);
  }
  ASSERT_EQ(sarif["runs"].size(), 1u);
  ASSERT_EQ(sarif["runs"][0]["results"].size(), r.findings.size());
  EXPECT_EQ(sarif["runs"][0]["tool"]["driver"]["rules"].size(), ids.size());
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    EXPECT_EQ(sarif["runs"][0]["results"][i]["ruleId"], r.findings[i].id);
  }
  // CycloneDX: a component per package, a vulnerability per id affecting the finding packages' purls.
  auto cdx = nlohmann::json::parse(Golden("scan.cdx.json"), nullptr, false);
  ASSERT_FALSE(cdx.is_discarded());
  std::set<std::string> purls;
  for (const auto& c : cdx["components"]) {
    if (c.contains("purl")) {
      purls.insert(c["purl"]);
    }
  }
  for (const auto& p : r.packages) {
    EXPECT_EQ(purls.count(p.purl), 1u) << p.purl;
  }
  ASSERT_EQ(cdx["vulnerabilities"].size(), ids.size());
  for (const auto& v : cdx["vulnerabilities"]) {
    std::set<std::string> affects, want;
    for (const auto& a : v["affects"]) {
      affects.insert(a["ref"]);
    }
    for (const auto& f : r.findings) {
      if (f.id == v["id"]) {
        want.insert(f.package.purl);
      }
    }
    EXPECT_EQ(affects, want) << v["id"];
  }
}

TEST(ScanReportTest, FormatNames) {
  EXPECT_TRUE(ParseScanFormat("sarif"));
  EXPECT_FALSE(ParseScanFormat("yaml"));
}

}  // namespace
}  // namespace customs::report
