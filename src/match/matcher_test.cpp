#include "match/matcher.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace customs::match {
namespace {

// An in-memory AdvisoryIndex: the seam the matcher is designed around (the SQLite store is tested in vulndb and
// end to end in tests/e2e).
class FakeIndex final : public vulndb::AdvisoryIndex {
 public:
  void Add(vulndb::AffectedPackage a) { rows_[a.ecosystem + "/" + a.package].push_back(std::move(a)); }
  void AddVulnerability(vulndb::Vulnerability v) { vulns_[v.id] = std::move(v); }
  Result<std::vector<vulndb::AffectedPackage>> FindAffected(std::string_view ecosystem,
                                                            std::string_view package) const override {
    auto it = rows_.find(std::string(ecosystem) + "/" + std::string(package));
    return it == rows_.end() ? std::vector<vulndb::AffectedPackage>{} : it->second;
  }
  Result<std::optional<vulndb::Vulnerability>> GetVulnerability(std::string_view id) const override {
    auto it = vulns_.find(std::string(id));
    if (it == vulns_.end()) return std::optional<vulndb::Vulnerability>();
    return std::optional<vulndb::Vulnerability>(it->second);
  }
  bool HasEcosystem(std::string_view ecosystem) const override {
    for (const auto& [key, _] : rows_) {
      if (key.starts_with(std::string(ecosystem) + "/")) return true;
    }
    return false;
  }
  Result<std::vector<std::string>> MavenPackagesByArtifactId(std::string_view artifact_id) const override {
    std::vector<std::string> out;
    for (const auto& [key, _] : rows_) {
      if (key.starts_with("Maven/") && key.ends_with(":" + std::string(artifact_id))) out.push_back(key.substr(6));
    }
    return out;
  }

 private:
  std::map<std::string, std::vector<vulndb::AffectedPackage>> rows_;
  std::map<std::string, vulndb::Vulnerability> vulns_;
};

catalog::OsInfo Bookworm() {
  catalog::OsInfo os;
  os.family = "debian";
  os.version = "12";
  os.codename = "bookworm";
  return os;
}

catalog::Package Deb(std::string name, std::string version, std::string source, std::string source_version) {
  catalog::Package p;
  p.name = std::move(name);
  p.version = std::move(version);
  p.source_name = std::move(source);
  p.source_version = std::move(source_version);
  return p;
}

vulndb::AffectedPackage Row(std::string id, std::string package, vulndb::AffectedStatus status,
                            std::string fixed = "") {
  vulndb::AffectedPackage a;
  a.vulnerability_id = std::move(id);
  a.record_id = a.vulnerability_id;
  a.source = "debian";
  a.ecosystem = "debian:12";
  a.package = std::move(package);
  a.status = status;
  a.fixed_version = std::move(fixed);
  return a;
}

TEST(MatcherTest, SourceVersionNotBinaryVersion) {
  FakeIndex index;
  // Fixed in the source version 5.2.15-2: the binNMU binary 5.2.15-2+b13 is NOT affected.
  index.Add(Row("CVE-1", "bash", vulndb::AffectedStatus::kFixed, "5.2.15-2"));
  // The epoch is on the binary only (bsdutils 1:2.38 from util-linux 2.38): compare the source version.
  index.Add(Row("CVE-2", "util-linux", vulndb::AffectedStatus::kFixed, "2.38.1-6"));
  NullDiagnostics diagnostics;
  auto result = MatchPackages({Deb("bash", "5.2.15-2+b13", "bash", "5.2.15-2"),
                               Deb("bsdutils", "1:2.38.1-5+deb12u3", "util-linux", "2.38.1-5+deb12u3")},
                              Bookworm(), index, diagnostics);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->findings.size(), 1u);
  EXPECT_EQ(result->findings[0].id, "CVE-2");
  EXPECT_EQ(result->findings[0].package.name, "bsdutils");
  EXPECT_EQ(result->findings[0].fixed_version, "2.38.1-6");
  EXPECT_EQ(result->findings[0].status, FindingStatus::kFixed);
}

TEST(MatcherTest, StatusesMapAndNotAffectedProducesNothing) {
  FakeIndex index;
  index.Add(Row("CVE-A", "openssl", vulndb::AffectedStatus::kAffectedNoFix));
  index.Add(Row("CVE-B", "openssl", vulndb::AffectedStatus::kWillNotFix));
  index.Add(Row("CVE-C", "openssl", vulndb::AffectedStatus::kNotAffected));
  index.Add(Row("CVE-D", "openssl", vulndb::AffectedStatus::kEndOfLife));
  NullDiagnostics diagnostics;
  auto result = MatchPackages({Deb("libssl3", "3.0.17-1~deb12u2", "openssl", "3.0.17-1~deb12u2")}, Bookworm(), index,
                              diagnostics);
  ASSERT_TRUE(result);
  std::map<std::string, FindingStatus> got;
  for (const auto& f : result->findings) got[f.id] = f.status;
  EXPECT_EQ(got.size(), 3u);
  EXPECT_EQ(got["CVE-A"], FindingStatus::kAffected);
  EXPECT_EQ(got["CVE-B"], FindingStatus::kWillNotFix);
  EXPECT_EQ(got["CVE-D"], FindingStatus::kEndOfLife);
}

TEST(MatcherTest, UnknownReleaseIsADiagnosticNotACleanResult) {
  FakeIndex index;
  index.Add(Row("CVE-1", "bash", vulndb::AffectedStatus::kFixed, "9"));
  catalog::OsInfo alpine;
  alpine.family = "alpine";
  alpine.version = "3.21.2";
  DiagnosticsCollector diagnostics;
  auto result = MatchPackages({Deb("musl", "1.2.5-r0", "musl", "1.2.5-r0")}, alpine, index, diagnostics);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->findings.empty());
  auto d = diagnostics.Take();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].level, DiagnosticLevel::kIncomplete);
  EXPECT_NE(d[0].message.find("no advisories for alpine 3.21.2"), std::string::npos) << d[0].message;
  EXPECT_EQ(d[0].subject, "alpine:3.21");
}

TEST(MatcherTest, SeverityPrefersTheDistroThenNvdAndNamesTheSource) {
  FakeIndex index;
  auto row = Row("CVE-S", "curl", vulndb::AffectedStatus::kFixed, "8");
  index.Add(row);
  vulndb::Vulnerability v;
  v.id = "CVE-S";
  v.aliases = {"GHSA-x"};
  v.severities.push_back({"nvd", vulndb::Severity::kCritical, "CRITICAL"});
  v.cvss.push_back({"nvd@nist.gov", "3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8});
  v.kev = vulndb::Kev{"2024-01-01", "2024-01-21", false};
  index.AddVulnerability(v);
  NullDiagnostics diagnostics;
  auto result =
      MatchPackages({Deb("curl", "7.88.1-10+deb12u5", "curl", "7.88.1-10+deb12u5")}, Bookworm(), index, diagnostics);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->findings.size(), 1u);
  EXPECT_EQ(result->findings[0].severity, vulndb::Severity::kCritical);
  EXPECT_EQ(result->findings[0].severity_source, "nvd");
  ASSERT_TRUE(result->findings[0].kev);
  EXPECT_EQ(result->findings[0].kev->date_added, "2024-01-01");
  // A distro rating wins.
  FakeIndex distro;
  row.severity = vulndb::Severity::kLow;
  distro.Add(row);
  distro.AddVulnerability(v);
  result =
      MatchPackages({Deb("curl", "7.88.1-10+deb12u5", "curl", "7.88.1-10+deb12u5")}, Bookworm(), distro, diagnostics);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->findings[0].severity, vulndb::Severity::kLow);
  EXPECT_EQ(result->findings[0].severity_source, "debian");
}

TEST(MatcherTest, UnparseableFixedVersionIsADiagnostic) {
  FakeIndex index;
  index.Add(Row("CVE-1", "bash", vulndb::AffectedStatus::kFixed, "not a version"));
  DiagnosticsCollector diagnostics;
  auto result = MatchPackages({Deb("bash", "5.2.15-2+b13", "bash", "5.2.15-2")}, Bookworm(), index, diagnostics);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->findings.empty());
  EXPECT_EQ(diagnostics.Take().size(), 1u);
}

TEST(MatcherTest, OsvRangesAreEvaluatedNotTakenAsNoFix) {
  FakeIndex index;
  auto row = Row("CVE-U", "curl", vulndb::AffectedStatus::kFixed);
  version::Range range;
  range.events = {{version::RangeEvent::Kind::kIntroduced, "0"},
                  {version::RangeEvent::Kind::kFixed, "7.88.1-10+deb12u6"}};
  row.spec.ranges.push_back(range);
  index.Add(row);
  NullDiagnostics diagnostics;
  auto old =
      MatchPackages({Deb("curl", "7.88.1-10+deb12u5", "curl", "7.88.1-10+deb12u5")}, Bookworm(), index, diagnostics);
  ASSERT_TRUE(old);
  ASSERT_EQ(old->findings.size(), 1u);
  EXPECT_EQ(old->findings[0].fixed_version, "7.88.1-10+deb12u6");
  auto fixed =
      MatchPackages({Deb("curl", "7.88.1-10+deb12u6", "curl", "7.88.1-10+deb12u6")}, Bookworm(), index, diagnostics);
  ASSERT_TRUE(fixed);
  EXPECT_TRUE(fixed->findings.empty()) << "a version at or above the fix is not affected";
}

TEST(MatcherTest, SeveralRowsKeepTheNearestFix) {
  FakeIndex index;
  index.Add(Row("CVE-N", "openssl", vulndb::AffectedStatus::kAffectedNoFix));
  auto later = Row("CVE-N", "openssl", vulndb::AffectedStatus::kFixed, "3.0.22-1~deb12u1");
  later.record_id = "DSA-2";
  index.Add(later);
  auto nearest = Row("CVE-N", "openssl", vulndb::AffectedStatus::kFixed, "3.0.20-1~deb12u2");
  nearest.record_id = "DSA-1";
  index.Add(nearest);
  NullDiagnostics diagnostics;
  auto result = MatchPackages({Deb("libssl3", "3.0.17-1~deb12u2", "openssl", "3.0.17-1~deb12u2")}, Bookworm(), index,
                              diagnostics);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->findings.size(), 1u) << "one finding per vulnerability and package";
  EXPECT_EQ(result->findings[0].fixed_version, "3.0.20-1~deb12u2");
  EXPECT_EQ(result->findings[0].record_id, "DSA-1");
  EXPECT_EQ(result->findings[0].status, FindingStatus::kFixed);
}

// ---- Language packages ----

catalog::Package Lang(catalog::PackageType type, std::string name, std::string version) {
  catalog::Package p;
  p.type = type;
  p.name = std::move(name);
  p.version = std::move(version);
  p.location = "/app/" + p.name;
  return p;
}

vulndb::AffectedPackage OsvRow(std::string id, std::string ecosystem, std::string package, std::string introduced,
                               std::string fixed, std::string source = "osv") {
  vulndb::AffectedPackage a;
  a.vulnerability_id = id;
  a.record_id = std::move(id);
  a.source = std::move(source);
  a.ecosystem = std::move(ecosystem);
  a.package = std::move(package);
  version::Range range;
  range.events.push_back({version::RangeEvent::Kind::kIntroduced, std::move(introduced)});
  if (!fixed.empty()) range.events.push_back({version::RangeEvent::Kind::kFixed, std::move(fixed)});
  a.spec.ranges.push_back(range);
  a.status =
      a.spec.ranges[0].events.size() > 1 ? vulndb::AffectedStatus::kFixed : vulndb::AffectedStatus::kAffectedNoFix;
  return a;
}

std::vector<Diagnostic> OfLevel(const std::vector<Diagnostic>& all, DiagnosticLevel level) {
  std::vector<Diagnostic> out;
  for (const auto& d : all) {
    if (d.level == level) out.push_back(d);
  }
  return out;
}

TEST(LanguageMatchTest, ScratchImageWithAGoBinaryHasGoFindings) {
  FakeIndex index;
  index.Add(OsvRow("GO-2023-1570", "Go", "stdlib", "0", "1.19.6", "osv-go"));
  index.Add(OsvRow("GO-2022-0001", "Go", "stdlib", "0", "1.19.5", "osv-go"));  // fixed in what is installed
  index.Add(OsvRow("GO-2024-0002", "Go", "github.com/x/net", "0", "0.7.0", "osv-go"));
  DiagnosticsCollector diagnostics;
  // The toolchain as the cataloger names it, and a dependency at a v-prefixed module version.
  auto result = MatchPackages({Lang(catalog::PackageType::kGolang, "stdlib", "go1.19.5"),
                               Lang(catalog::PackageType::kGolang, "github.com/x/net", "v0.6.0")},
                              catalog::OsInfo{}, index, diagnostics);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->findings.size(), 2u);
  std::set<std::string> ids;
  for (const auto& f : result->findings) ids.insert(f.id);
  EXPECT_EQ(ids, (std::set<std::string>{"GO-2023-1570", "GO-2024-0002"}));
  for (const auto& f : result->findings) {
    if (f.id == "GO-2023-1570") EXPECT_EQ(f.fixed_version, "1.19.6");
  }
  EXPECT_TRUE(OfLevel(diagnostics.Take(), DiagnosticLevel::kIncomplete).empty())
      << "no OS packages and no OS: nothing was missed";
}

TEST(LanguageMatchTest, OsOwnedAndUnmatchablePackagesAreNotMatched) {
  FakeIndex index;
  index.Add(OsvRow("GHSA-pypi", "PyPI", "urllib3", "0", "2.0.7"));
  index.Add(OsvRow("GO-main", "Go", "example.com/app", "0", ""));
  auto owned = Lang(catalog::PackageType::kPypi, "urllib3", "1.26.12");
  owned.owner = "deb:python3-urllib3";
  auto devel = Lang(catalog::PackageType::kGolang, "example.com/app", "(devel)");
  devel.unmatchable = true;
  devel.unmatchable_reason = "main module at (devel)";
  DiagnosticsCollector diagnostics;
  auto result = MatchPackages({owned, devel}, Bookworm(), index, diagnostics);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->findings.empty());
  EXPECT_TRUE(OfLevel(diagnostics.Take(), DiagnosticLevel::kIncomplete).empty());
  // --os-owned match: the distro's own package is matched against PyPI too; (devel) never is.
  MatchOptions options;
  options.match_os_owned = true;
  result = MatchPackages({owned, devel}, Bookworm(), index, diagnostics, options);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->findings.size(), 1u);
  EXPECT_EQ(result->findings[0].id, "GHSA-pypi");
  EXPECT_EQ(result->findings[0].package.owner, "deb:python3-urllib3");
}

TEST(LanguageMatchTest, JarWithoutGroupIdResolvesOnlyWhenTheArtifactIdIsUnique) {
  FakeIndex index;
  index.Add(OsvRow("CVE-2021-44228", "Maven", "org.apache.logging.log4j:log4j-core", "2.4", "2.12.2", "osv-maven"));
  index.Add(OsvRow("GHSA-a", "Maven", "org.example:common", "0", "2.0", "osv-maven"));
  index.Add(OsvRow("GHSA-b", "Maven", "com.other:common", "0", "2.0", "osv-maven"));
  auto log4j = Lang(catalog::PackageType::kMaven, "log4j-core", "2.8");
  log4j.group_unknown = true;
  log4j.confidence = catalog::Confidence::kMedium;
  auto common = Lang(catalog::PackageType::kMaven, "common", "1.0");
  common.group_unknown = true;
  auto unknown = Lang(catalog::PackageType::kMaven, "nobody-knows-me", "1.0");
  unknown.group_unknown = true;
  DiagnosticsCollector diagnostics;
  auto result = MatchPackages({log4j, common, unknown}, catalog::OsInfo{}, index, diagnostics);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->findings.size(), 1u);
  EXPECT_EQ(result->findings[0].id, "CVE-2021-44228");
  EXPECT_EQ(result->findings[0].package.name, "log4j-core");
  EXPECT_EQ(result->findings[0].matched_as, "org.apache.logging.log4j:log4j-core");
  EXPECT_EQ(result->findings[0].fixed_version, "2.12.2");
  // The resolved identity's purl, for the finding and (by index) for the inventory's package.
  EXPECT_EQ(result->findings[0].package.purl, "pkg:maven/org.apache.logging.log4j/log4j-core@2.8");
  ASSERT_EQ(result->resolved_maven.size(), 1u);
  EXPECT_EQ(result->resolved_maven[0].index, 0u);
  EXPECT_EQ(result->resolved_maven[0].name, "org.apache.logging.log4j:log4j-core");
  EXPECT_EQ(result->resolved_maven[0].purl, "pkg:maven/org.apache.logging.log4j/log4j-core@2.8");
  auto warnings = OfLevel(diagnostics.Take(), DiagnosticLevel::kWarning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].message.find("com.other:common, org.example:common"), std::string::npos) << warnings[0].message;
}

TEST(LanguageMatchTest, RustSecInformationalAdvisoriesAreNoVulnerabilities) {
  FakeIndex index;
  auto unmaintained = OsvRow("RUSTSEC-2020-0071", "crates.io", "time", "0", "", "osv-crates.io");
  unmaintained.informational = "unmaintained";
  index.Add(unmaintained);
  index.Add(OsvRow("RUSTSEC-2020-0159", "crates.io", "time", "0", "0.2.23", "osv-crates.io"));
  NullDiagnostics diagnostics;
  auto result =
      MatchPackages({Lang(catalog::PackageType::kCargo, "time", "0.1.44")}, catalog::OsInfo{}, index, diagnostics);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->findings.size(), 1u);
  EXPECT_EQ(result->findings[0].id, "RUSTSEC-2020-0159");
  MatchOptions options;
  options.include_informational = true;
  result = MatchPackages({Lang(catalog::PackageType::kCargo, "time", "0.1.44")}, catalog::OsInfo{}, index, diagnostics,
                         options);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->findings.size(), 2u);
}

TEST(LanguageMatchTest, EcosystemWithoutAdvisoriesIsIncompleteOncePerEcosystem) {
  FakeIndex index;
  index.Add(OsvRow("GHSA-npm", "npm", "lodash", "0", "4.17.21"));
  index.Add(Row("CVE-1", "bash", vulndb::AffectedStatus::kFixed, "9"));
  DiagnosticsCollector diagnostics;
  auto result = MatchPackages(
      {Lang(catalog::PackageType::kNpm, "lodash", "4.17.15"), Lang(catalog::PackageType::kPypi, "requests", "2.0.0"),
       Lang(catalog::PackageType::kPypi, "urllib3", "1.26.0"), Lang(catalog::PackageType::kPypi, "jinja2", "2.0")},
      catalog::OsInfo{}, index, diagnostics);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->findings.size(), 1u);
  auto incomplete = OfLevel(diagnostics.Take(), DiagnosticLevel::kIncomplete);
  ASSERT_EQ(incomplete.size(), 1u);
  EXPECT_EQ(incomplete[0].subject, "PyPI");
  EXPECT_NE(incomplete[0].message.find("3 PyPI packages were not checked"), std::string::npos) << incomplete[0].message;
}

TEST(LanguageMatchTest, AVersionTheSchemeCannotReadIsIncompleteWhenAdvisoriesExist) {
  FakeIndex index;
  index.Add(OsvRow("GHSA-1", "npm", "lodash", "0", "4.17.21"));
  index.Add(OsvRow("GHSA-2", "npm", "lodash", "0", "4.17.12"));
  DiagnosticsCollector diagnostics;
  auto result = MatchPackages({Lang(catalog::PackageType::kNpm, "lodash", "not-a-version"),
                               Lang(catalog::PackageType::kNpm, "left-pad", "also-not-one")},
                              catalog::OsInfo{}, index, diagnostics);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->findings.empty());
  auto incomplete = OfLevel(diagnostics.Take(), DiagnosticLevel::kIncomplete);
  ASSERT_EQ(incomplete.size(), 1u) << "one per package, and none for a package no advisory names";
  EXPECT_NE(incomplete[0].message.find("lodash not-a-version"), std::string::npos) << incomplete[0].message;
}

TEST(LanguageMatchTest, OsWithoutDataAndOsPackagesWithoutOsAreIncomplete) {
  FakeIndex index;
  index.Add(OsvRow("GHSA-npm", "npm", "lodash", "0", "4.17.21"));
  catalog::OsInfo alpine;
  alpine.family = "alpine";
  alpine.version = "3.21.2";
  DiagnosticsCollector diagnostics;
  auto result = MatchPackages(
      {Deb("musl", "1.2.5-r0", "musl", "1.2.5-r0"), Lang(catalog::PackageType::kNpm, "lodash", "4.17.15")}, alpine,
      index, diagnostics);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->findings.size(), 1u) << "language packages are matched although the OS has no data";
  auto incomplete = OfLevel(diagnostics.Take(), DiagnosticLevel::kIncomplete);
  ASSERT_EQ(incomplete.size(), 1u);
  EXPECT_EQ(incomplete[0].subject, "alpine:3.21");
  result = MatchPackages({Deb("musl", "1.2.5-r0", "musl", "1.2.5-r0")}, catalog::OsInfo{}, index, diagnostics);
  ASSERT_TRUE(result);
  incomplete = OfLevel(diagnostics.Take(), DiagnosticLevel::kIncomplete);
  ASSERT_EQ(incomplete.size(), 1u);
  EXPECT_NE(incomplete[0].message.find("operating system not detected"), std::string::npos);
  // No packages at all (scratch, a static binary): nothing was missed.
  result = MatchPackages({}, catalog::OsInfo{}, index, diagnostics);
  ASSERT_TRUE(result);
  EXPECT_TRUE(diagnostics.Take().empty());
}

// A language finding's severity: its record's own CVSS (v4 before v3), GitHub's word, then NVD's or the CVE record's
// CVSS (CNA before ADP); the source is always named.
TEST(LanguageMatchTest, SeverityOrderNamesTheSource) {
  struct Case {
    std::vector<vulndb::Cvss> cvss;
    std::vector<vulndb::SourceSeverity> words;
    vulndb::Severity want;
    std::string source;
  };
  const vulndb::Cvss ghsa_v3{"ghsa", "3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0};
  const vulndb::Cvss ghsa_v4{"ghsa", "4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 6.9};
  const vulndb::Cvss nvd{"nvd@nist.gov", "3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5};
  const vulndb::Cvss cna{"cna:apache", "3.1", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N", 3.3};
  const vulndb::Cvss adp{"adp:CISA-ADP", "3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8};
  const vulndb::Cvss other_osv{"osv-pypi", "3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8};
  const vulndb::SourceSeverity ghsa_word{"ghsa", vulndb::Severity::kMedium, "MODERATE"};
  const std::vector<Case> cases = {
      {{cna, adp, nvd, ghsa_v3, ghsa_v4}, {ghsa_word}, vulndb::Severity::kMedium, "cvss:ghsa"},  // v4: 6.9
      {{cna, adp, nvd, ghsa_v3}, {ghsa_word}, vulndb::Severity::kCritical, "cvss:ghsa"},
      {{cna, adp, nvd, other_osv}, {ghsa_word}, vulndb::Severity::kMedium, "ghsa"},
      {{cna, adp, nvd}, {}, vulndb::Severity::kHigh, "cvss:nvd@nist.gov"},
      {{adp, cna}, {}, vulndb::Severity::kLow, "cvss:cna:apache"},
      {{adp}, {}, vulndb::Severity::kCritical, "cvss:adp:CISA-ADP"},
      {{other_osv}, {}, vulndb::Severity::kUnknown, ""},
  };
  for (const auto& c : cases) {
    FakeIndex index;
    auto row = OsvRow("CVE-2021-44228", "Maven", "org.apache.logging.log4j:log4j-core", "2.4", "2.12.2", "osv-maven");
    row.record_id = "GHSA-jfh8-c2jp-5v3q";
    index.Add(row);
    vulndb::Vulnerability v;
    v.id = "CVE-2021-44228";
    v.cvss = c.cvss;
    v.severities = c.words;
    v.kev = vulndb::Kev{"2021-12-10", "2021-12-24", true};
    index.AddVulnerability(v);
    NullDiagnostics diagnostics;
    auto result = MatchPackages({Lang(catalog::PackageType::kMaven, "org.apache.logging.log4j:log4j-core", "2.8")},
                                catalog::OsInfo{}, index, diagnostics);
    ASSERT_TRUE(result);
    ASSERT_EQ(result->findings.size(), 1u);
    const Finding& f = result->findings[0];
    EXPECT_EQ(f.severity, c.want) << c.source;
    EXPECT_EQ(f.severity_source, c.source);
    ASSERT_TRUE(f.kev) << "KEV attaches through the CVE";
    if (c.source.starts_with("cvss:")) {
      ASSERT_TRUE(f.cvss);
      EXPECT_EQ("cvss:" + f.cvss->source, c.source) << "the vector shown is the one the severity came from";
    }
  }
}

// An OS finding whose distro gives no rating takes the CVE record's CVSS: CNA first, then CISA's ADP.
TEST(MatcherTest, DistroWithoutRatingTakesTheCveRecordsCvss) {
  const vulndb::Cvss cna{"cna:openssl", "3.1", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9};
  const vulndb::Cvss adp{"adp:CISA-ADP", "3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8};
  const vulndb::SourceSeverity cna_word{"cna:openssl", vulndb::Severity::kLow, "Low"};
  struct Case {
    std::vector<vulndb::Cvss> cvss;
    std::vector<vulndb::SourceSeverity> words;
    vulndb::Severity want;
    std::string source;
  };
  for (const Case& c : std::vector<Case>{{{adp, cna}, {cna_word}, vulndb::Severity::kMedium, "cvss:cna:openssl"},
                                         {{adp}, {cna_word}, vulndb::Severity::kCritical, "cvss:adp:CISA-ADP"},
                                         {{}, {cna_word}, vulndb::Severity::kLow, "cna:openssl"},
                                         {{}, {}, vulndb::Severity::kUnknown, ""}}) {
    FakeIndex index;
    auto row = Row("CVE-2025-9230", "openssl", vulndb::AffectedStatus::kFixed, "3.0.18-1~deb12u1");
    row.severity = vulndb::Severity::kUnknown;  // the tracker's "not yet assigned"
    index.Add(row);
    vulndb::Vulnerability v;
    v.id = "CVE-2025-9230";
    v.cvss = c.cvss;
    v.severities = c.words;
    index.AddVulnerability(v);
    NullDiagnostics diagnostics;
    auto result = MatchPackages({Deb("libssl3", "3.0.17-1~deb12u2", "openssl", "3.0.17-1~deb12u2")}, Bookworm(), index,
                                diagnostics);
    ASSERT_TRUE(result);
    ASSERT_EQ(result->findings.size(), 1u);
    EXPECT_EQ(result->findings[0].severity, c.want) << c.source;
    EXPECT_EQ(result->findings[0].severity_source, c.source);
  }
}

TEST(OsNamespaceTest, Cases) {
  catalog::OsInfo os;
  os.family = "ubuntu";
  os.version = "22.04";
  EXPECT_EQ(OsNamespace(os), "ubuntu:22.04");
  os.family = "alpine";
  os.version = "3.20.3";
  EXPECT_EQ(OsNamespace(os), "alpine:3.20");
  os.family = "debian";
  os.version = "12.7";
  EXPECT_EQ(OsNamespace(os), "debian:12");
  EXPECT_EQ(OsNamespace(catalog::OsInfo{}), "");
}

}  // namespace
}  // namespace customs::match
