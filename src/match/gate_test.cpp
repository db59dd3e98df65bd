#include "match/gate.h"

#include <gtest/gtest.h>

namespace customs::match {
namespace {

using vulndb::Severity;

Finding Make(std::string id, Severity severity, std::string fixed, std::string package = "curl") {
  Finding f;
  f.id = std::move(id);
  f.severity = severity;
  f.fixed_version = std::move(fixed);
  f.package.name = package;
  f.package.source_name = package;
  f.package.version = "7.88.1-10+deb12u5";
  f.package.purl = "pkg:deb/debian/" + package + "@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12";
  return f;
}

std::vector<Finding> Sample() {
  return {Make("CVE-CRIT-FIXED", Severity::kCritical, "8.0"), Make("CVE-HIGH-NOFIX", Severity::kHigh, ""),
          Make("CVE-LOW-FIXED", Severity::kLow, "8.0"), Make("CVE-UNKNOWN", Severity::kUnknown, "8.0")};
}

struct GateCase {
  const char* name;
  std::optional<Severity> fail_on;
  std::set<Severity> severities;
  bool ignore_unfixed;
  std::string ignore_file;
  std::string vex;
  int exit_code;
  std::size_t shown;
};

class GateCaseTest : public ::testing::TestWithParam<GateCase> {};

TEST_P(GateCaseTest, ExitCodeAndShown) {
  const GateCase& c = GetParam();
  GateOptions options;
  options.fail_on = c.fail_on;
  options.severities = c.severities;
  options.ignore_unfixed = c.ignore_unfixed;
  options.exit_code = 7;
  options.today = "2026-11-28";
  auto ignores = ParseIgnoreFile(c.ignore_file);
  ASSERT_TRUE(ignores) << ignores.error().message();
  std::vector<VexStatement> vex;
  if (!c.vex.empty()) {
    auto parsed = ParseVex(c.vex, "test.vex.json");
    ASSERT_TRUE(parsed) << parsed.error().message();
    vex = *parsed;
  }
  NullDiagnostics diagnostics;
  GateResult result = ApplyGate(Sample(), options, *ignores, vex, diagnostics);
  EXPECT_EQ(result.exit_code, c.exit_code);
  EXPECT_EQ(result.shown.size(), c.shown);
}

const char* kOpenVex = R"({"statements":[{"vulnerability":{"name":"CVE-CRIT-FIXED"},
  "products":[{"@id":"pkg:deb/debian/curl"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]})";
const char* kOpenVexAffected = R"({"statements":[{"vulnerability":"CVE-CRIT-FIXED","status":"affected"}]})";
const char* kCycloneVex = R"({"bomFormat":"CycloneDX","vulnerabilities":[{"id":"CVE-CRIT-FIXED",
  "analysis":{"state":"resolved"},"affects":[{"ref":"pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5"}]}]})";
const char* kOtherPackageVex = R"({"statements":[{"vulnerability":{"name":"CVE-CRIT-FIXED"},
  "products":[{"@id":"pkg:deb/debian/openssl"}],"status":"not_affected"}]})";

INSTANTIATE_TEST_SUITE_P(
    Matrix, GateCaseTest,
    ::testing::Values(
        GateCase{"no_fail_on_never_fails", std::nullopt, {}, false, "", "", 0, 4},
        GateCase{"fail_on_critical", Severity::kCritical, {}, false, "", "", 7, 4},
        GateCase{"fail_on_high_counts_critical", Severity::kHigh, {}, false, "", "", 7, 4},
        GateCase{"severity_filter_hides_critical", Severity::kHigh, {Severity::kLow}, false, "", "", 0, 1},
        GateCase{"severity_filter_keeps_high", Severity::kHigh, {Severity::kHigh}, false, "", "", 7, 1},
        GateCase{"ignore_unfixed_then_critical_remains", Severity::kHigh, {}, true, "", "", 7, 3},
        GateCase{
            "ignore_unfixed_and_ignore_critical", Severity::kHigh, {}, true, "CVE-CRIT-FIXED # accepted\n", "", 0, 2},
        GateCase{
            "ignore_scoped_to_other_package", Severity::kCritical, {}, false, "CVE-CRIT-FIXED openssl\n", "", 7, 4},
        GateCase{
            "ignore_scoped_by_purl", Severity::kCritical, {}, false, "CVE-CRIT-FIXED pkg:deb/debian/curl\n", "", 0, 3},
        GateCase{"expired_ignore_stops_ignoring",
                 Severity::kCritical,
                 {},
                 false,
                 "CVE-CRIT-FIXED exp:2025-01-01 # old\n",
                 "",
                 7,
                 4},
        GateCase{
            "future_expiry_still_ignores", Severity::kCritical, {}, false, "CVE-CRIT-FIXED exp:2027-01-01\n", "", 0, 3},
        GateCase{"openvex_not_affected_suppresses", Severity::kCritical, {}, false, "", kOpenVex, 0, 3},
        GateCase{"openvex_affected_does_not", Severity::kCritical, {}, false, "", kOpenVexAffected, 7, 4},
        GateCase{"cyclonedx_resolved_suppresses", Severity::kCritical, {}, false, "", kCycloneVex, 0, 3},
        GateCase{"vex_for_other_product_does_not", Severity::kCritical, {}, false, "", kOtherPackageVex, 7, 4},
        GateCase{"unknown_below_low", Severity::kLow, {Severity::kUnknown}, false, "", "", 0, 1}),
    [](const ::testing::TestParamInfo<GateCase>& info) { return std::string(info.param.name); });

TEST(GateTest, ExpiredEntryIsReported) {
  auto ignores = ParseIgnoreFile("CVE-CRIT-FIXED exp:2025-01-01\n");
  ASSERT_TRUE(ignores);
  GateOptions options;
  options.today = "2026-11-28";
  DiagnosticsCollector diagnostics;
  ApplyGate(Sample(), options, *ignores, {}, diagnostics);
  auto d = diagnostics.Take();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].message.find("expired on 2025-01-01"), std::string::npos);
}

TEST(GateTest, SuppressedSaysByWhat) {
  auto vex = ParseVex(kOpenVex, "team.vex.json");
  ASSERT_TRUE(vex);
  NullDiagnostics diagnostics;
  GateResult result = ApplyGate(Sample(), GateOptions{}, {}, *vex, diagnostics);
  ASSERT_EQ(result.suppressed.size(), 1u);
  EXPECT_EQ(result.suppressed[0].by, "vex:team.vex.json");
  EXPECT_NE(result.suppressed[0].reason.find("not_affected"), std::string::npos);
}

TEST(GateTest, RealUbuntuOpenVex) {
  std::string path = std::string(CUSTOMS_SHARED_DATA) + "/vulndata/ubuntu/openvex-CVE-2023-38545.json";
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) GTEST_SKIP() << "shared data missing: " << path;
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
  std::fclose(f);
  auto vex = ParseVex(text, "ubuntu.json");
  ASSERT_TRUE(vex) << vex.error().message();
  ASSERT_FALSE(vex->empty());
  for (const auto& s : *vex) {
    EXPECT_EQ(s.vulnerability, "CVE-2023-38545");
    EXPECT_TRUE(s.status == "not_affected" || s.status == "fixed") << s.status;
  }
}

TEST(GateTest, BadInputs) {
  EXPECT_FALSE(ParseIgnoreFile("CVE-1 exp:tomorrow\n"));
  EXPECT_FALSE(ParseVex("{not json", "x"));
  EXPECT_FALSE(ParseVex("{\"a\":1}", "x"));
  EXPECT_FALSE(ParseSeverityList("HIGH,SEVERE"));
  EXPECT_EQ(ParseSeverityList("high, critical")->size(), 2u);
}

}  // namespace
}  // namespace customs::match
