// GitHub advisories (OSV JSON, ../shared/data/vulndata/ghsa), CVE JSON 5 records (cvelist/) and the RustSec export:
// import in every layout, names compared in their ecosystem's form, the Maven artifactId index, severities by source,
// KEV/EPSS by alias, and numbers printed as they came in. Expected values are computed from the input files.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/file_util.h"
#include "vulndb/importer.h"
#include "vulndb/store.h"
#include "vulndb/test_util.h"

namespace customs::vulndb {
namespace {

using nlohmann::json;
using testing::kVulnData;

const std::filesystem::path kGhsa = kVulnData / "ghsa";
const std::filesystem::path kCvelist = kVulnData / "cvelist";

#define REQUIRE_DATA(path) \
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data absent: " << (path)

json ReadJson(const std::filesystem::path& path) {
  auto text = ReadFile(path);
  return text ? json::parse(*text, nullptr, false) : json();
}

// Every GHSA document in ghsa/<ECOSYSTEM>/*.json.
std::vector<std::pair<std::string, json>> GhsaDocuments() {
  std::vector<std::pair<std::string, json>> out;
  for (const auto& dir : std::filesystem::directory_iterator(kGhsa)) {
    if (!dir.is_directory()) continue;
    for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
      if (file.path().extension() == ".json") out.emplace_back(dir.path().filename().string(), ReadJson(file.path()));
    }
  }
  return out;
}

std::string SourceOf(const std::string& ecosystem) {
  std::string lower = ecosystem;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return "osv-" + lower;
}

class LanguageDataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(kGhsa) || !std::filesystem::exists(kCvelist)) return;
    auto dir = TempDir::Create("vulndb-language-test");
    ASSERT_TRUE(dir);
    temp_ = new TempDir(std::move(*dir));
    db_ = temp_->path() / "customs.db";
    DiagnosticsCollector diagnostics;
    auto info = ImportFeeds({kGhsa, kCvelist, kVulnData / "kev", kVulnData / "epss", kVulnData / "osv"},
                            {db_, std::chrono::seconds(5)}, diagnostics);
    ASSERT_TRUE(info) << info.error().ToString();
    info_ = new StoreInfo(*info);
    auto store = Store::Open(db_);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = store->release();
  }
  static void TearDownTestSuite() {
    delete store_;
    delete info_;
    delete temp_;
    store_ = nullptr;
  }
  void SetUp() override {
    if (store_ == nullptr) GTEST_SKIP() << "shared data absent: " << kGhsa << ", " << kCvelist;
  }
  static std::int64_t Count(std::string_view source) {
    for (const auto& s : info_->sources) {
      if (s.name == source) return s.records;
    }
    return -1;
  }
  static TempDir* temp_;
  static std::filesystem::path db_;
  static StoreInfo* info_;
  static Store* store_;
};
TempDir* LanguageDataTest::temp_ = nullptr;
std::filesystem::path LanguageDataTest::db_;
StoreInfo* LanguageDataTest::info_ = nullptr;
Store* LanguageDataTest::store_ = nullptr;

TEST_F(LanguageDataTest, GhsaRecordsCountPerEcosystem) {
  std::map<std::string, std::int64_t> files;
  for (const auto& [ecosystem, doc] : GhsaDocuments()) ++files[SourceOf(ecosystem)];
  ASSERT_GE(files.size(), 6u);
  for (const auto& [source, n] : files) {
    if (source == "osv-pypi") continue;  // shares its source with the pypa export (store_test counts both)
    EXPECT_EQ(Count(source), n) << source;
  }
  std::int64_t cve_files = 0;
  for (const auto& f : std::filesystem::directory_iterator(kCvelist)) cve_files += f.path().extension() == ".json";
  EXPECT_EQ(Count("cve"), cve_files);
}

// Every package row of every GHSA document is findable under its ecosystem and name, in any spelling the ecosystem
// treats as the same name; withdrawn records are not.
TEST_F(LanguageDataTest, EveryGhsaPackageIsFoundUnderItsEcosystemsNameRules) {
  int checked = 0, withdrawn = 0;
  for (const auto& [folder, doc] : GhsaDocuments()) {
    const std::string id = doc["id"];
    const bool is_withdrawn = doc.contains("withdrawn");
    for (const auto& affected : doc.value("affected", json::array())) {
      const std::string ecosystem = affected["package"]["ecosystem"];
      const std::string name = affected["package"]["name"];
      std::vector<std::string> spellings = {name};
      if (ecosystem == "PyPI") {
        std::string upper = name;
        for (char& c : upper) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        spellings.push_back(upper);
      } else if (ecosystem == "NuGet" || ecosystem == "Packagist") {
        std::string upper = name;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        spellings.push_back(upper);
      }
      for (const auto& spelling : spellings) {
        auto rows = store_->FindAffected(ecosystem, spelling);
        ASSERT_TRUE(rows);
        bool found = false;
        for (const auto& row : *rows) found |= row.record_id == id && row.package == name;
        EXPECT_EQ(found, !is_withdrawn) << id << " " << ecosystem << " " << spelling;
        ++checked;
      }
      withdrawn += is_withdrawn;
    }
  }
  EXPECT_GT(checked, 200);
  // npm and Maven names are case-sensitive: another spelling finds nothing.
  EXPECT_FALSE(store_->FindAffected("npm", "lodash")->empty());
  EXPECT_TRUE(store_->FindAffected("npm", "LODASH")->empty());
}

TEST_F(LanguageDataTest, MavenArtifactIdIndexIsComputedFromTheRows) {
  std::map<std::string, std::set<std::string>> by_artifact;
  for (const auto& [folder, doc] : GhsaDocuments()) {
    if (doc.contains("withdrawn")) continue;
    for (const auto& affected : doc.value("affected", json::array())) {
      if (affected["package"]["ecosystem"] != "Maven") continue;
      std::string name = affected["package"]["name"];
      by_artifact[name.substr(name.rfind(':') + 1)].insert(name);
    }
  }
  ASSERT_TRUE(by_artifact.count("log4j-core"));
  for (const auto& [artifact, names] : by_artifact) {
    auto got = store_->MavenPackagesByArtifactId(artifact);
    ASSERT_TRUE(got);
    EXPECT_EQ(std::set<std::string>(got->begin(), got->end()), names) << artifact;
  }
  EXPECT_EQ(*store_->MavenPackagesByArtifactId("log4j-core"),
            std::vector<std::string>{"org.apache.logging.log4j:log4j-core"});
  EXPECT_TRUE(store_->MavenPackagesByArtifactId("no-such-artifact")->empty());
}

TEST_F(LanguageDataTest, Log4ShellIsOneCriticalKnownExploitedVulnerability) {
  auto v = store_->GetVulnerability("GHSA-jfh8-c2jp-5v3q");
  ASSERT_TRUE(v && v->has_value());
  EXPECT_EQ((*v)->id, "CVE-2021-44228");
  ASSERT_TRUE((*v)->kev) << "KEV attaches through the CVE the GHSA names";
  bool ghsa_cvss = false, ghsa_word = false, adp_cvss = false;
  for (const auto& c : (*v)->cvss) {
    ghsa_cvss |= c.source == "ghsa" && c.base_score == 10.0;
    adp_cvss |= c.source == "adp:CISA-ADP";
  }
  for (const auto& s : (*v)->severities) ghsa_word |= s.source == "ghsa" && s.severity == Severity::kCritical;
  EXPECT_TRUE(ghsa_cvss);
  EXPECT_TRUE(ghsa_word);
  EXPECT_TRUE(adp_cvss);
}

// Each CVE record's CVSS vectors arrive under "cna:<short name>" / "adp:<short name>", exactly as the file has them.
TEST_F(LanguageDataTest, CveRecordsKeepEveryContainersVectors) {
  int vectors = 0;
  for (const auto& file : std::filesystem::directory_iterator(kCvelist)) {
    if (file.path().extension() != ".json") continue;
    json doc = ReadJson(file.path());
    const std::string id = doc["cveMetadata"]["cveId"];
    std::set<std::pair<std::string, std::string>> want;
    auto collect = [&](const json& container, const std::string& prefix) {
      std::string name =
          container.contains("providerMetadata") ? container["providerMetadata"].value("shortName", "") : std::string();
      if (name.empty()) name = doc["cveMetadata"].value("assignerShortName", "unknown");
      for (const auto& m : container.value("metrics", json::array())) {
        for (const char* key : {"cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0"}) {
          if (m.contains(key)) want.emplace(prefix + name, m[key]["vectorString"]);
        }
      }
    };
    collect(doc["containers"]["cna"], "cna:");
    for (const auto& adp : doc["containers"].value("adp", json::array())) collect(adp, "adp:");
    auto v = store_->GetVulnerability(id);
    ASSERT_TRUE(v && v->has_value()) << id;
    std::set<std::pair<std::string, std::string>> got;
    for (const auto& c : (*v)->cvss) {
      if (c.source.starts_with("cna:") || c.source.starts_with("adp:")) got.emplace(c.source, c.vector);
    }
    EXPECT_EQ(got, want) << id;
    vectors += static_cast<int>(want.size());
  }
  EXPECT_GT(vectors, 40);
  // OpenSSL rates in words only; Red Hat both.
  auto openssl = store_->GetVulnerability("CVE-2026-63072");
  ASSERT_TRUE(openssl && openssl->has_value());
  bool moderate = false;
  for (const auto& s : (*openssl)->severities) moderate |= s.source == "cna:openssl" && s.raw == "Moderate";
  EXPECT_TRUE(moderate);
}

TEST_F(LanguageDataTest, RustSecInformationalKindsAreKept) {
  std::map<std::string, std::string> kinds;  // record id -> informational
  for (const auto& [name, content] : testing::ReadZip(kVulnData / "osv" / "crates.io-all.zip")) {
    json doc = json::parse(content, nullptr, false);
    if (!doc.is_object()) continue;
    for (const auto& a : doc.value("affected", json::array())) {
      if (a.contains("database_specific") && a["database_specific"].value("informational", json()).is_string()) {
        kinds[doc["id"]] = a["database_specific"]["informational"];
      }
    }
  }
  ASSERT_GT(kinds.size(), 400u);
  int checked = 0;
  for (const auto& [id, kind] : kinds) {
    auto rows = store_->AffectedFor(id);
    ASSERT_TRUE(rows);
    for (const auto& row : *rows) {
      if (row.record_id == id) {
        EXPECT_EQ(row.informational, kind) << id;
        ++checked;
      }
    }
    if (checked > 300) break;
  }
  EXPECT_GT(checked, 300);
}

TEST_F(LanguageDataTest, DbShowPrintsEpssAsItCameIn) {
  std::filesystem::path binary = std::filesystem::path(CUSTOMS_BINARY_DIR) / "cli" / "customs";
  if (!std::filesystem::exists(binary)) GTEST_SKIP() << "customs binary not built: " << binary;
  // The EPSS file says 0.99506 for CVE-2024-6387; read it from the input, not from here.
  std::string want;
  auto csv = Gunzip(*ReadFile(kVulnData / "epss" / "epss_scores-reencoded.csv.gz"));
  ASSERT_TRUE(csv);
  std::size_t at = csv->find("\nCVE-2024-6387,");
  ASSERT_NE(at, std::string::npos);
  std::string line = csv->substr(at + 1, csv->find('\n', at + 1) - at - 1);
  want = line.substr(line.find(',') + 1, line.rfind(',') - line.find(',') - 1);
  for (const char* format : {"json", "table"}) {
    std::string command =
        fmt::format("'{}' db show --db '{}' --format {} CVE-2024-6387", binary.string(), db_.string(), format);
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[4096];
    while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
    ASSERT_EQ(pclose(pipe), 0) << output;
    EXPECT_NE(output.find(want), std::string::npos) << format << ": " << output;
    EXPECT_EQ(output.find("0.9950599999999999"), std::string::npos) << output;
  }
}

// GitHub's advisory-database layout (advisories/github-reviewed/YYYY/MM/<ID>/<ID>.json, with README and workflow files
// beside), as a directory and as a zip of the repository: the same records as the flat folders.
TEST(GhsaLayoutTest, RepositoryLayoutAsDirectoryAndZip) {
  REQUIRE_DATA(kGhsa / "PROVENANCE.tsv");
  auto dir = TempDir::Create("ghsa-layout");
  ASSERT_TRUE(dir);
  std::filesystem::path repo = dir->path() / "advisory-database";
  std::ifstream tsv(kGhsa / "PROVENANCE.tsv");
  std::map<std::string, std::filesystem::path> flat;  // id -> file in ghsa/<ECO>/
  for (const auto& [folder, doc] : GhsaDocuments())
    flat[doc["id"]] = kGhsa / folder / (doc["id"].get<std::string>() + ".json");
  std::vector<std::pair<std::string, std::string>> members;
  int placed = 0;
  for (std::string line; std::getline(tsv, line);) {
    std::vector<std::string> cols;
    std::size_t start = 0;
    while (true) {
      std::size_t tab = line.find('\t', start);
      cols.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (cols.size() < 3 || !flat.count(cols[0])) continue;
    std::filesystem::path target = repo / cols[2];
    std::filesystem::create_directories(target.parent_path());
    std::filesystem::copy_file(flat[cols[0]], target);
    members.emplace_back("advisory-database-main/" + cols[2], *ReadFile(flat[cols[0]]));
    ++placed;
  }
  ASSERT_EQ(placed, static_cast<int>(flat.size()));
  ASSERT_TRUE(WriteFileAtomic(repo / "README.md", "# GitHub Advisory Database\n"));
  std::filesystem::create_directories(repo / ".github" / "workflows");
  ASSERT_TRUE(WriteFileAtomic(repo / ".github" / "workflows" / "lint.yml", "name: lint\non: [push]\n"));
  members.emplace_back("advisory-database-main/README.md", "# GitHub Advisory Database\n");
  members.emplace_back("advisory-database-main/package.json", R"({"name": "tools", "version": "1.0.0"})");

  std::int64_t expected = static_cast<std::int64_t>(flat.size());
  DiagnosticsCollector diagnostics;
  auto from_dir = ReadFeedInput(repo, diagnostics);
  ASSERT_TRUE(from_dir) << from_dir.error().ToString();
  EXPECT_EQ(static_cast<std::int64_t>(from_dir->records.size()), expected);
  EXPECT_EQ(from_dir->skipped, 0);

  std::filesystem::path zip = dir->path() / "advisory-database-main.zip";
  ASSERT_TRUE(WriteFileAtomic(zip, testing::MakeZip(members)));
  auto from_zip = ReadFeedInput(zip, diagnostics);
  ASSERT_TRUE(from_zip) << from_zip.error().ToString();
  EXPECT_EQ(static_cast<std::int64_t>(from_zip->records.size()), expected);
  EXPECT_EQ(from_zip->skipped, 1) << "package.json is named as no advisory";
  std::set<std::string> a, b;
  for (const auto& r : from_dir->records) a.insert(r.vulnerability.id);
  for (const auto& r : from_zip->records) b.insert(r.vulnerability.id);
  EXPECT_EQ(a, b);
}

TEST(CveRecordTest, DamagedAndRejectedRecords) {
  FeedBatch batch;
  DiagnosticsCollector diagnostics;
  ASSERT_TRUE(ParseCveRecord(R"({"dataType": "CVE_RECORD", "cveMetadata": {)", "x.json", batch, diagnostics));
  ASSERT_TRUE(ParseCveRecord(R"({"dataType": "CVE_RECORD", "containers": {}})", "y.json", batch, diagnostics));
  EXPECT_EQ(batch.skipped, 2);
  EXPECT_TRUE(batch.records.empty());
  ASSERT_TRUE(ParseCveRecord(R"({"dataType": "CVE_RECORD", "dataVersion": "5.1",
      "cveMetadata": {"cveId": "CVE-2020-0001", "state": "REJECTED", "dateRejected": "2021-01-01T00:00:00"},
      "containers": {"cna": {"providerMetadata": {"shortName": "x"}, "rejectedReasons": [{"lang": "en",
      "value": "duplicate"}]}}})",
                             "z.json", batch, diagnostics));
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].vulnerability.withdrawn, "2021-01-01T00:00:00");
  EXPECT_EQ(DetectFormat("z.json", R"({"containers": {"cna": {"providerMetadata": {}}}})"), FeedFormat::kCveRecord);
}

}  // namespace
}  // namespace customs::vulndb
