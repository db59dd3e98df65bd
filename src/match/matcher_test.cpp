#include "match/matcher.h"

#include <gtest/gtest.h>

#include <map>

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
