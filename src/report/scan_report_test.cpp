// Golden tests for the scan report writers. Refresh the goldens with
//   CUSTOMS_UPDATE_GOLDENS=1 build/dev/src/report/report_test
// and review the diff.
#include "report/scan_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

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
  curl.version = "7.88.1-10+deb12u5";
  curl.arch = "amd64";
  curl.source_name = "curl";
  curl.source_version = "7.88.1-10+deb12u5";
  curl.purl = "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12";
  curl.layer.index = 1;
  curl.layer.diff_id = "sha256:2222";
  curl.layer.created_by = "RUN apt-get install -y curl";
  catalog::Package bash = curl;
  bash.name = bash.source_name = "bash";
  bash.version = "5.2.15-2+b2";
  bash.source_version = "5.2.15-2";
  bash.purl = "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12";
  bash.layer.index = 0;
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
  r.findings = {critical, unknown};
  match::Finding vexed = critical;
  vexed.id = "CVE-2023-38546";
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

TEST(ScanReportTest, JunitFailsOnlyAtOrAboveFailOn) {
  std::string xml = WriteScanReport(ScanFormat::kJunit, Sample(), Fixed(false));
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\""), std::string::npos) << xml;
}

TEST(ScanReportTest, FormatNames) {
  EXPECT_TRUE(ParseScanFormat("sarif"));
  EXPECT_FALSE(ParseScanFormat("yaml"));
}

}  // namespace
}  // namespace customs::report
