// Feed parsers against the real upstream snapshots in ../shared/data/vulndata.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/file_util.h"
#include "vulndb/feeds/feed.h"
#include "vulndb/importer.h"
#include "vulndb/test_util.h"

namespace customs::vulndb {
namespace {

using testing::kVulnData;

#define REQUIRE_DATA(path) \
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data absent: " << (path)

const AffectedPackage* FindRow(const FeedBatch& batch, std::string_view id, std::string_view package,
                               std::string_view ecosystem) {
  for (const auto& r : batch.records) {
    if (r.vulnerability.id != id) {
      continue;
    }
    for (const auto& a : r.affected) {
      if (a.package == package && a.ecosystem == ecosystem) {
        return &a;
      }
    }
  }
  return nullptr;
}

TEST(OsvFeedTest, ZipRecordCountsMatchMembers) {
  struct Case {
    const char* file;
    const char* source;
  };
  for (const Case& c : {Case{"Go-all.zip", "osv-go"}, Case{"crates.io-all.zip", "osv-crates.io"},
                        Case{"PyPI-pypa-yaml.zip", "osv-pypi"}}) {
    std::filesystem::path path = kVulnData / "osv" / c.file;
    REQUIRE_DATA(path);
    std::size_t expected = 0;
    for (const auto& [name, content] : testing::ReadZip(path)) {
      expected += name.ends_with(".json") || name.ends_with(".yaml") ? 1 : 0;
    }
    DiagnosticsCollector diagnostics;
    auto batch = ReadFeedInput(path, diagnostics);
    ASSERT_TRUE(batch) << batch.error().ToString();
    EXPECT_EQ(batch->records.size(), expected) << c.file;
    EXPECT_EQ(batch->counts[c.source], static_cast<std::int64_t>(expected)) << c.file;
    EXPECT_EQ(batch->skipped, 0) << c.file;
  }
}

TEST(OsvFeedTest, AcceptanceCounts) {
  REQUIRE_DATA(kVulnData / "osv");
  NullDiagnostics diagnostics;
  EXPECT_EQ(ReadFeedInput(kVulnData / "osv" / "Go-all.zip", diagnostics)->counts["osv-go"], 4291);
  EXPECT_EQ(ReadFeedInput(kVulnData / "osv" / "crates.io-all.zip", diagnostics)->counts["osv-crates.io"], 1206);
  EXPECT_EQ(ReadFeedInput(kVulnData / "osv" / "PyPI-pypa-yaml.zip", diagnostics)->counts["osv-pypi"], 2661);
  EXPECT_EQ(ReadFeedInput(kVulnData / "kev" / "known_exploited_vulnerabilities.json", diagnostics)->counts["kev"],
            1404);
  EXPECT_EQ(ReadFeedInput(kVulnData / "epss" / "epss_scores-reencoded.csv.gz", diagnostics)->epss.size(), 360142u);
}

TEST(OsvFeedTest, CorruptMemberIsSkippedAndNamed) {
  std::string good = R"({"id":"GO-9999-0001","aliases":["CVE-9999-0001"],"affected":[{"package":{"ecosystem":"Go",
    "name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"}]}]}]})";
  std::string zip =
      testing::MakeZip({{"GO-9999-0001.json", good}, {"GO-9999-0002.json", "{\"id\": \"GO-9999-0002\", "}});
  FeedBatch batch;
  DiagnosticsCollector diagnostics;
  ASSERT_TRUE(ParseOsvZip(zip, "test.zip", batch, diagnostics));
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.skipped, 1);
  auto items = diagnostics.Take();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_NE(items[0].subject.find("GO-9999-0002.json"), std::string::npos) << items[0].subject;
  const auto& row = batch.records[0].affected.at(0);
  EXPECT_EQ(row.package, "example.com/m");
  ASSERT_EQ(row.spec.ranges.size(), 1u);
  EXPECT_EQ(row.spec.ranges[0].type, version::Range::Type::kSemver);
  ASSERT_EQ(row.spec.ranges[0].events.size(), 2u);
  EXPECT_EQ(row.spec.ranges[0].events[1].kind, version::RangeEvent::Kind::kFixed);
  EXPECT_EQ(row.spec.ranges[0].events[1].version, "1.2.3");
}

TEST(OsvFeedTest, TruncatedZipFailsTheContainer) {
  std::filesystem::path path = kVulnData / "osv" / "crates.io-all.zip";
  REQUIRE_DATA(path);
  auto content = ReadFile(path);
  ASSERT_TRUE(content);
  std::string half = content->substr(0, content->size() / 2);
  FeedBatch batch;
  NullDiagnostics diagnostics;
  auto status = ParseOsvZip(half, "half.zip", batch, diagnostics);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kCorrupt);
}

TEST(OsvFeedTest, UbuntuEcosystemsAndVendorPriority) {
  REQUIRE_DATA(kVulnData / "ubuntu" / "osv");
  DiagnosticsCollector diagnostics;
  auto batch = ReadFeedInput(kVulnData / "ubuntu" / "osv", diagnostics);
  ASSERT_TRUE(batch) << batch.error().ToString();
  EXPECT_EQ(batch->counts["ubuntu"], 6);
  const AffectedPackage* row = FindRow(*batch, "USN-5614-1", "wayland", "ubuntu:18.04");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->status, AffectedStatus::kFixed);
  EXPECT_EQ(row->fixed_version, "1.16.0-1ubuntu1.1~18.04.4");
  EXPECT_NE(FindRow(*batch, "UBUNTU-CVE-2021-3782", "wayland", "ubuntu-pro:16.04"), nullptr);
  const AffectedPackage* cve_row = FindRow(*batch, "UBUNTU-CVE-2021-3782", "wayland", "ubuntu:18.04");
  ASSERT_NE(cve_row, nullptr);
  ASSERT_TRUE(cve_row->severity.has_value());
  EXPECT_EQ(*cve_row->severity, Severity::kMedium);
  EXPECT_EQ(cve_row->severity_raw, "medium");
}

TEST(EcosystemTest, Normalization) {
  EXPECT_EQ(NormalizeEcosystem("Ubuntu:22.04:LTS"), "ubuntu:22.04");
  EXPECT_EQ(NormalizeEcosystem("Ubuntu:Pro:16.04:LTS"), "ubuntu-pro:16.04");
  EXPECT_EQ(NormalizeEcosystem("Debian:12"), "debian:12");
  EXPECT_EQ(NormalizeEcosystem("Alpine:v3.20"), "alpine:3.20");
  EXPECT_EQ(NormalizeEcosystem("crates.io"), "crates.io");
  EXPECT_EQ(*DebianReleaseNumber("bookworm"), "12");
  EXPECT_FALSE(DebianReleaseNumber("nosuchrelease"));
}

TEST(DebianFeedTest, BookwormDerivedCountsAndFixedVersions) {
  std::filesystem::path path = kVulnData / "debian" / "bookworm-derived-tracker-json" / "debian-bookworm-derived.json";
  REQUIRE_DATA(path);
  auto text = ReadFile(path);
  ASSERT_TRUE(text);
  auto doc = nlohmann::json::parse(*text);
  std::int64_t expected = 0;
  for (const auto& [package, cves] : doc.items()) {
    expected += static_cast<std::int64_t>(cves.size());
  }
  EXPECT_EQ(expected, 21889);
  DiagnosticsCollector diagnostics;
  auto batch = ReadFeedInput(path, diagnostics);
  ASSERT_TRUE(batch) << batch.error().ToString();
  EXPECT_EQ(batch->counts["debian"], expected);
  EXPECT_EQ(batch->skipped, 0);
  // Spot-check every 1000th entry against the document.
  std::int64_t index = 0;
  int checked = 0;
  for (const auto& [package, cves] : doc.items()) {
    for (const auto& [cve, entry] : cves.items()) {
      if (index++ % 1000 != 0) {
        continue;
      }
      const auto& release = entry["releases"]["bookworm"];
      const AffectedPackage* row = FindRow(*batch, cve, package, "debian:12");
      ASSERT_NE(row, nullptr) << package << " " << cve;
      EXPECT_EQ(row->fixed_version, release["fixed_version"].get<std::string>() == "0" ? "" : release["fixed_version"]);
      EXPECT_EQ(row->severity_raw, release["urgency"].get<std::string>());
      ++checked;
    }
  }
  EXPECT_GE(checked, 21);
}

TEST(DebianFeedTest, TrackerStatuses) {
  std::filesystem::path path = kVulnData / "debian" / "tracker-json-excerpt" / "debian.json";
  REQUIRE_DATA(path);
  DiagnosticsCollector diagnostics;
  auto batch = ReadFeedInput(path, diagnostics);
  ASSERT_TRUE(batch) << batch.error().ToString();
  const AffectedPackage* not_affected = FindRow(*batch, "CVE-2007-2383", "prototypejs", "debian:9");
  ASSERT_NE(not_affected, nullptr);
  EXPECT_EQ(not_affected->status, AffectedStatus::kNotAffected);
  EXPECT_EQ(not_affected->severity, Severity::kNegligible);  // "unimportant"
  const AffectedPackage* fixed = FindRow(*batch, "CVE-2008-7220", "prototypejs", "debian:10");
  ASSERT_NE(fixed, nullptr);
  EXPECT_EQ(fixed->status, AffectedStatus::kFixed);
  EXPECT_EQ(fixed->fixed_version, "1.6.0.2-1");
  EXPECT_EQ(fixed->severity, Severity::kHigh);  // "high**"
  const AffectedPackage* sope = FindRow(*batch, "CVE-2025-53603", "sope", "debian:12");
  ASSERT_NE(sope, nullptr);
  EXPECT_EQ(sope->fixed_version, "5.8.0-1+deb12u1");
  bool saw_end_of_life = false;
  for (const auto& r : batch->records) {
    for (const auto& a : r.affected) {
      saw_end_of_life |= a.status == AffectedStatus::kEndOfLife;
    }
  }
  EXPECT_TRUE(saw_end_of_life);
}

TEST(DebianFeedTest, TrackerNodsaIgnoredIsWillNotFix) {
  std::string json = R"({"openssl": {"CVE-2024-0001": {"releases": {
      "bookworm": {"status": "open", "repositories": {"bookworm": "3.0.11-1"}, "urgency": "low",
                   "nodsa": "Minor issue", "nodsa_reason": "ignored"},
      "bullseye": {"status": "open", "repositories": {}, "urgency": "low", "nodsa": "Minor", "nodsa_reason": "postponed"},
      "trixie": {"status": "undetermined", "repositories": {}, "urgency": "not yet assigned"}}}}})";
  FeedBatch batch;
  NullDiagnostics diagnostics;
  ASSERT_TRUE(ParseDebianTracker(json, "inline", batch, diagnostics));
  EXPECT_EQ(FindRow(batch, "CVE-2024-0001", "openssl", "debian:12")->status, AffectedStatus::kWillNotFix);
  EXPECT_EQ(FindRow(batch, "CVE-2024-0001", "openssl", "debian:11")->status, AffectedStatus::kAffectedNoFix);
  EXPECT_EQ(FindRow(batch, "CVE-2024-0001", "openssl", "debian:13")->status, AffectedStatus::kAffectedNoFix);
}

TEST(DebianFeedTest, DsaListEntries) {
  std::filesystem::path path = kVulnData / "debian" / "tracker-reconstructed" / "DSA-list.sample";
  REQUIRE_DATA(path);
  FeedBatch batch;
  NullDiagnostics diagnostics;
  auto text = ReadFile(path);
  ASSERT_TRUE(ParseDebianDsaList(*text, "DSA-list.sample", batch, diagnostics));
  const AffectedPackage* row = FindRow(batch, "DSA-5430-1", "openjdk-17", "debian:12");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->fixed_version, "17.0.7+7-1~deb12u1");
  EXPECT_NE(FindRow(batch, "DSA-5430-1", "openjdk-17", "debian:11"), nullptr);
  for (const auto& r : batch.records) {
    if (r.vulnerability.id == "DSA-5430-1") {
      EXPECT_EQ(r.vulnerability.aliases.size(), 7u);
      EXPECT_EQ(r.vulnerability.published, "2023-06-16");
    }
  }
  std::filesystem::path full = kVulnData / "debian" / "tracker-2023-04" / "DSA-list";
  auto dsa = ReadFeedInput(full, diagnostics);
  ASSERT_TRUE(dsa);
  EXPECT_EQ(dsa->counts["debian-dsa"], 5406);
  auto dla = ReadFeedInput(kVulnData / "debian" / "tracker-2023-04" / "DLA-list", diagnostics);
  ASSERT_TRUE(dla);
  EXPECT_EQ(dla->counts["debian-dla"], 3534);
}

TEST(DebianFeedTest, CveListStatesPerRelease) {
  std::filesystem::path path = kVulnData / "debian" / "tracker-reconstructed" / "CVE-list.sample";
  REQUIRE_DATA(path);
  DiagnosticsCollector diagnostics;
  auto batch = ReadFeedInput(path, diagnostics);
  ASSERT_TRUE(batch) << batch.error().ToString();
  EXPECT_EQ(batch->counts["debian"], 8);
  const AffectedPackage* postponed = FindRow(*batch, "CVE-2024-5535", "openssl", "debian:12");
  ASSERT_NE(postponed, nullptr);
  EXPECT_EQ(postponed->status, AffectedStatus::kAffectedNoFix);
  const AffectedPackage* sid = FindRow(*batch, "CVE-2024-5535", "openssl", "debian:sid");
  ASSERT_NE(sid, nullptr);
  EXPECT_EQ(sid->status, AffectedStatus::kFixed);
  EXPECT_EQ(sid->fixed_version, "3.3.2-1");
  EXPECT_EQ(FindRow(*batch, "CVE-2024-3094", "xz-utils", "debian:12")->status, AffectedStatus::kNotAffected);
  EXPECT_EQ(FindRow(*batch, "CVE-2023-45853", "minizip", "debian:sid"), nullptr);  // <removed>
  const AffectedPackage* apt = FindRow(*batch, "CVE-2011-3374", "apt", "debian:sid");
  ASSERT_NE(apt, nullptr);
  EXPECT_EQ(apt->status, AffectedStatus::kAffectedNoFix);
  EXPECT_EQ(apt->severity, Severity::kNegligible);
  for (const auto& r : batch->records) {
    if (r.vulnerability.id == "CVE-2023-38545") {
      EXPECT_EQ(r.vulnerability.related, std::vector<std::string>{"DSA-5523-1"});
    }
    if (r.vulnerability.id == "CVE-2023-4911") {
      EXPECT_EQ(r.vulnerability.details,
                "buffer overflow in dynamic loader's processing of the GLIBC_TUNABLES environment variable");
    }
  }
}

TEST(AlpineFeedTest, SecdbJsonAndYaml) {
  std::filesystem::path path = kVulnData / "alpine" / "secdb-v3.20-subset" / "main.json";
  REQUIRE_DATA(path);
  auto text = ReadFile(path);
  auto doc = nlohmann::json::parse(*text);
  std::size_t expected = 0;
  for (const auto& p : doc["packages"]) {
    for (const auto& [version, ids] : p["pkg"]["secfixes"].items()) {
      expected += ids.size();
    }
  }
  DiagnosticsCollector diagnostics;
  auto batch = ReadFeedInput(path, diagnostics);
  ASSERT_TRUE(batch) << batch.error().ToString();
  EXPECT_EQ(batch->records.size(), expected);
  const AffectedPackage* zero = FindRow(*batch, "CVE-2021-42373", "busybox", "alpine:3.20");
  ASSERT_NE(zero, nullptr);
  EXPECT_EQ(zero->status, AffectedStatus::kNotAffected);
  const AffectedPackage* fixed = FindRow(*batch, "CVE-2021-30139", "apk-tools", "alpine:3.20");
  ASSERT_NE(fixed, nullptr);
  EXPECT_EQ(fixed->fixed_version, "2.12.5-r0");

  auto yaml = ReadFeedInput(kVulnData / "alpine" / "secdb-legacy-yaml" / "v3.11" / "main.yaml", diagnostics);
  ASSERT_TRUE(yaml) << yaml.error().ToString();
  const AffectedPackage* ansible = FindRow(*yaml, "CVE-2019-14904", "ansible", "alpine:3.11");
  ASSERT_NE(ansible, nullptr);
  EXPECT_EQ(ansible->fixed_version, "2.9.3-r0");
}

TEST(AlpineFeedTest, NullSecfixesEntryIsSkippedWithDiagnostic) {
  std::filesystem::path path = kVulnData / "alpine" / "secdb-legacy-yaml" / "v3.6" / "main.yaml";
  REQUIRE_DATA(path);
  DiagnosticsCollector diagnostics;
  auto batch = ReadFeedInput(path, diagnostics);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->skipped, 1);  // heimdal 7.4.0-r0 has no CVE list upstream
  auto items = diagnostics.Take();
  ASSERT_FALSE(items.empty());
  EXPECT_NE(items[0].subject.find("heimdal 7.4.0-r0"), std::string::npos);
}

TEST(NvdKevEpssTest, Counts) {
  REQUIRE_DATA(kVulnData / "nvd");
  NullDiagnostics diagnostics;
  auto nvd = ReadFeedInput(kVulnData / "nvd" / "full-page.json", diagnostics);
  ASSERT_TRUE(nvd);
  EXPECT_EQ(nvd->counts["nvd"], 38);
  const FeedRecord& first = nvd->records.at(0);
  EXPECT_EQ(first.vulnerability.id, "CVE-2023-27314");
  ASSERT_FALSE(first.vulnerability.cvss.empty());
  EXPECT_DOUBLE_EQ(first.vulnerability.cvss[0].base_score, 7.5);
  EXPECT_EQ(first.vulnerability.severities.at(0).source, "nvd");
  EXPECT_EQ(first.vulnerability.severities.at(0).severity, Severity::kHigh);

  auto sample = ReadFeedInput(kVulnData / "epss" / "epss_scores-sample-realheader.csv", diagnostics);
  ASSERT_TRUE(sample);
  ASSERT_EQ(sample->epss.size(), 5u);
  EXPECT_EQ(sample->epss[4].first, "CVE-1999-0005");
  EXPECT_DOUBLE_EQ(sample->epss[4].second.score, 0.91963);
  EXPECT_DOUBLE_EQ(sample->epss[4].second.percentile, 0.99214);
}

TEST(FormatTest, DetectsEachFeed) {
  EXPECT_EQ(DetectFormat("x.json", R"({"catalogVersion": "1", "vulnerabilities": [)"), FeedFormat::kKev);
  EXPECT_EQ(DetectFormat("x.json", R"({"resultsPerPage": 1, "vulnerabilities": [)"), FeedFormat::kNvd);
  EXPECT_EQ(DetectFormat("x.json", R"({"id": "GO-1", "modified": "x", "affected": [])"), FeedFormat::kOsvJson);
  EXPECT_EQ(DetectFormat("x.json", R"({"pkg": {"CVE-1": {"releases": {)"), FeedFormat::kDebianTracker);
  EXPECT_EQ(DetectFormat("list", "[01 Aug 2002] DSA-141 mpack - buffer overflow\n"), FeedFormat::kDebianDsaList);
  EXPECT_EQ(DetectFormat("e.csv", "#model_version:v1\ncve,epss,percentile\n"), FeedFormat::kEpss);
  EXPECT_EQ(DetectFormat("main.yaml", "---\ndistroversion: v3.11\n"), FeedFormat::kAlpineSecdb);
  EXPECT_EQ(DetectFormat("README.md", "# readme\n"), FeedFormat::kUnknown);
  EXPECT_EQ(DetectFormat("s.json", R"({"$schema": "x", "type": "object", "catalogVersion")"), FeedFormat::kUnknown);
}

}  // namespace
}  // namespace customs::vulndb
