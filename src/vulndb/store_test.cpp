// The store built from all of ../shared/data/vulndata: counts, round trips against the source documents, aliases,
// atomic publication, crash safety and the writer lock.
#include "vulndb/store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/file_util.h"
#include "vulndb/importer.h"
#include "vulndb/store_builder.h"
#include "vulndb/test_util.h"

namespace customs::vulndb {
namespace {

using testing::kVulnData;

class StoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(kVulnData)) {
      return;
    }
    auto dir = TempDir::Create("vulndb-store-test");
    ASSERT_TRUE(dir);
    temp_ = new TempDir(std::move(*dir));
    db_ = temp_->path() / "customs.db";
    DiagnosticsCollector diagnostics;
    auto info = ImportFeeds({kVulnData}, {db_, std::chrono::seconds(5)}, diagnostics);
    ASSERT_TRUE(info) << info.error().ToString();
    auto store = Store::Open(db_);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = store->release();
  }
  static void TearDownTestSuite() {
    delete store_;
    delete temp_;
  }
  void SetUp() override {
    if (store_ == nullptr) {
      GTEST_SKIP() << "shared data absent: " << kVulnData;
    }
  }
  static std::int64_t Count(const StoreInfo& info, std::string_view source) {
    for (const auto& s : info.sources) {
      if (s.name == source) {
        return s.records;
      }
    }
    return -1;
  }
  static const FeedRecord* RecordNamed(const std::vector<FeedRecord>& records, std::string_view id) {
    for (const auto& r : records) {
      if (r.vulnerability.id == id) {
        return &r;
      }
    }
    return nullptr;
  }

  // db show's data for one OSV document equals the document's own fields.
  static void ExpectMatchesOsvDocument(const nlohmann::json& doc) {
    std::string id = doc["id"];
    SCOPED_TRACE(id);
    auto vulnerability = store_->GetVulnerability(id);
    ASSERT_TRUE(vulnerability);
    ASSERT_TRUE(vulnerability->has_value());
    std::vector<std::string> cves;
    for (const auto& alias : doc.value("aliases", nlohmann::json::array())) {
      if (alias.get<std::string>().starts_with("CVE-")) {
        cves.push_back(alias);
      }
    }
    if (cves.size() == 1) {
      EXPECT_EQ((*vulnerability)->id, cves[0]);
    }
    for (const auto& alias : doc.value("aliases", nlohmann::json::array())) {
      auto resolved = store_->Resolve(alias.get<std::string>());
      ASSERT_TRUE(resolved && resolved->has_value()) << alias;
      if (cves.size() <= 1) {
        EXPECT_EQ(**resolved, (*vulnerability)->id) << alias;
      }
    }
    auto records = store_->RecordsFor(id);
    ASSERT_TRUE(records);
    const FeedRecord* record = RecordNamed(*records, id);
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->vulnerability.summary, doc.value("summary", ""));
    EXPECT_EQ(record->vulnerability.details, doc.value("details", ""));
    EXPECT_EQ(record->vulnerability.published, doc.value("published", ""));
    EXPECT_EQ(record->vulnerability.modified, doc.value("modified", ""));
    EXPECT_EQ(record->vulnerability.withdrawn, doc.value("withdrawn", ""));
    EXPECT_EQ(record->vulnerability.aliases, doc.value("aliases", std::vector<std::string>{}));
    std::vector<std::string> urls;
    for (const auto& ref : doc.value("references", nlohmann::json::array())) {
      urls.push_back(ref["url"]);
    }
    EXPECT_EQ(record->vulnerability.references, urls);
    // Affected packages: same packages, ranges and events in the same order.
    auto rows = store_->AffectedFor(id);
    ASSERT_TRUE(rows);
    std::vector<const AffectedPackage*> mine;
    for (const auto& row : *rows) {
      if (row.record_id == id) {
        mine.push_back(&row);
      }
    }
    const auto& affected = doc.value("affected", nlohmann::json::array());
    ASSERT_EQ(mine.size(), affected.size() * std::max<std::size_t>(1, cves.size() > 1 ? cves.size() : 1));
    for (std::size_t i = 0; i < affected.size(); ++i) {
      const AffectedPackage& row = *mine[i];
      EXPECT_EQ(row.package, affected[i]["package"]["name"]);
      const auto& ranges = affected[i].value("ranges", nlohmann::json::array());
      ASSERT_EQ(row.spec.ranges.size(), ranges.size());
      for (std::size_t r = 0; r < ranges.size(); ++r) {
        const auto& events = ranges[r]["events"];
        ASSERT_EQ(row.spec.ranges[r].events.size(), events.size());
        for (std::size_t e = 0; e < events.size(); ++e) {
          EXPECT_EQ(row.spec.ranges[r].events[e].version, events[e].begin().value().get<std::string>());
        }
      }
      EXPECT_EQ(row.spec.versions, affected[i].value("versions", std::vector<std::string>{}));
    }
  }

  static TempDir* temp_;
  static std::filesystem::path db_;
  static Store* store_;
};
TempDir* StoreTest::temp_ = nullptr;
std::filesystem::path StoreTest::db_;
Store* StoreTest::store_ = nullptr;

TEST_F(StoreTest, InfoCountsMatchInputs) {
  auto info = store_->Info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->schema_version, kSchemaVersion);
  EXPECT_EQ(Count(*info, "osv-go"), 4291);
  EXPECT_EQ(Count(*info, "osv-crates.io"), 1206);
  // The pypa export plus GitHub's reviewed PyPI advisories (ghsa/PyPI, one OSV JSON file each).
  std::size_t ghsa_pypi = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kVulnData / "ghsa" / "PyPI")) {
    ghsa_pypi += entry.path().extension() == ".json" ? 1 : 0;
  }
  EXPECT_EQ(Count(*info, "osv-pypi"), 2661 + static_cast<std::int64_t>(ghsa_pypi));
  EXPECT_EQ(Count(*info, "kev"), 1404);
  EXPECT_EQ(Count(*info, "epss"), 360142 + 5);       // the re-encoded full file + the 5-line real-header sample
  EXPECT_EQ(Count(*info, "debian"), 21889 + 7 + 8);  // bookworm-derived + tracker JSON excerpt + CVE/list sample
  EXPECT_EQ(Count(*info, "nvd"), 38 + 1);
  EXPECT_EQ(Count(*info, "ubuntu"), 6);
  auto age = StoreAge(*info);
  ASSERT_TRUE(age);
  EXPECT_LT(*age, kDefaultMaxStoreAge);
  EXPECT_GE(age->count(), 0);
}

TEST_F(StoreTest, ChosenOsvRecordsRoundTrip) {
  int multi_range = 0, withdrawn = 0, aliased = 0, plain = 0;
  for (const char* zip : {"Go-all.zip", "crates.io-all.zip"}) {
    for (const auto& [name, content] : testing::ReadZip(kVulnData / "osv" / zip)) {
      auto doc = nlohmann::json::parse(content);
      bool is_multi = false;
      for (const auto& a : doc.value("affected", nlohmann::json::array())) {
        is_multi |= a.value("ranges", nlohmann::json::array()).size() > 1 ||
                    (a.contains("ranges") && a["ranges"][0]["events"].size() > 2);
      }
      bool is_withdrawn = doc.contains("withdrawn");
      bool is_aliased = doc.value("aliases", nlohmann::json::array()).size() >= 2;
      bool take =
          (is_multi && multi_range < 3) || (is_withdrawn && withdrawn < 3) || (is_aliased && aliased < 3) || plain < 1;
      if (!take) {
        continue;
      }
      multi_range += is_multi;
      withdrawn += is_withdrawn;
      aliased += is_aliased;
      ++plain;
      ExpectMatchesOsvDocument(doc);
    }
  }
  EXPECT_GE(multi_range, 3);
  EXPECT_GE(withdrawn, 1);
  EXPECT_GE(aliased, 3);
}

TEST_F(StoreTest, WithdrawnRecordsAreNotMatched) {
  for (const auto& [name, content] : testing::ReadZip(kVulnData / "osv" / "Go-all.zip")) {
    auto doc = nlohmann::json::parse(content);
    if (!doc.contains("withdrawn") || doc.value("affected", nlohmann::json::array()).empty()) {
      continue;
    }
    std::string package = doc["affected"][0]["package"]["name"];
    auto rows = store_->FindAffected("Go", package);
    ASSERT_TRUE(rows);
    for (const auto& row : *rows) {
      EXPECT_NE(row.record_id, doc["id"].get<std::string>());
    }
    auto all = store_->AffectedFor(doc["id"].get<std::string>());
    ASSERT_TRUE(all);
    EXPECT_FALSE(all->empty());
    return;
  }
  GTEST_SKIP() << "no withdrawn Go record with packages in this snapshot";
}

TEST_F(StoreTest, AliasesMergeIntoOneCve) {
  auto v = store_->GetVulnerability("GHSA-6vm3-jj99-7229");
  ASSERT_TRUE(v && v->has_value());
  EXPECT_EQ((*v)->id, "CVE-2020-36567");
  auto by_go = store_->GetVulnerability("GO-2020-0001");
  ASSERT_TRUE(by_go && by_go->has_value());
  EXPECT_EQ((*by_go)->id, "CVE-2020-36567");
  EXPECT_EQ((*by_go)->summary, "Arbitrary log line injection in github.com/gin-gonic/gin");
  auto missing = store_->GetVulnerability("CVE-1900-0001");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
}

TEST_F(StoreTest, BookwormRowsMatchTrackerJson) {
  auto text = ReadFile(kVulnData / "debian" / "bookworm-derived-tracker-json" / "debian-bookworm-derived.json");
  ASSERT_TRUE(text);
  auto doc = nlohmann::json::parse(*text);
  int checked = 0;
  int index = 0;
  for (const auto& [package, cves] : doc.items()) {
    if (index++ % 40 != 0) {
      continue;
    }
    auto rows = store_->FindAffected("debian:12", package);
    ASSERT_TRUE(rows);
    for (const auto& [cve, entry] : cves.items()) {
      auto canonical = store_->Resolve(cve);
      ASSERT_TRUE(canonical && canonical->has_value()) << cve;
      bool found = false;
      for (const auto& row : *rows) {
        if (row.source == "debian" && row.record_id == cve) {
          found = true;
          EXPECT_EQ(row.vulnerability_id, **canonical);
          EXPECT_EQ(row.fixed_version, entry["releases"]["bookworm"]["fixed_version"].get<std::string>());
          EXPECT_EQ(row.status, AffectedStatus::kFixed);
        }
      }
      EXPECT_TRUE(found) << package << " " << cve;
      ++checked;
    }
  }
  EXPECT_GT(checked, 150);
  EXPECT_TRUE(store_->HasEcosystem("debian:12"));
  EXPECT_TRUE(store_->HasEcosystem("alpine:3.20"));
  EXPECT_TRUE(store_->HasEcosystem("Go"));
  EXPECT_FALSE(store_->HasEcosystem("alpine:3.99"));
}

TEST_F(StoreTest, KevAndEpssAttachToTheCve) {
  auto text = ReadFile(kVulnData / "kev" / "known_exploited_vulnerabilities.json");
  auto kev = nlohmann::json::parse(*text);
  for (int i : {0, 100, 1403}) {
    const auto& entry = kev["vulnerabilities"][i];
    auto v = store_->GetVulnerability(entry["cveID"].get<std::string>());
    ASSERT_TRUE(v && v->has_value());
    ASSERT_TRUE((*v)->kev.has_value());
    EXPECT_EQ((*v)->kev->date_added, entry["dateAdded"]);
    EXPECT_EQ((*v)->kev->due_date, entry["dueDate"]);
    EXPECT_EQ((*v)->kev->known_ransomware, entry["knownRansomwareCampaignUse"] == "Known");
  }
  auto csv = Gunzip(*ReadFile(kVulnData / "epss" / "epss_scores-reencoded.csv.gz"));
  ASSERT_TRUE(csv);
  std::size_t line_start = csv->find("\nCVE-2021-44228,");
  ASSERT_NE(line_start, std::string::npos);
  std::string line = csv->substr(line_start + 1, csv->find('\n', line_start + 1) - line_start - 1);
  auto v = store_->GetVulnerability("CVE-2021-44228");
  ASSERT_TRUE(v && v->has_value() && (*v)->epss.has_value());
  EXPECT_EQ(line, fmt::format("CVE-2021-44228,{:.5f},{:.5f}", (*v)->epss->score, (*v)->epss->percentile));
  EXPECT_TRUE((*v)->kev.has_value());  // Log4Shell is in KEV
}

TEST_F(StoreTest, MultiCveDsaFansOutPerCve) {
  // DSA-5430-1 fixes seven openjdk-17 CVEs: each CVE gets the row, the DSA is "related", not an alias.
  auto rows = store_->AffectedFor("CVE-2023-21930");
  ASSERT_TRUE(rows);
  bool found = false;
  for (const auto& row : *rows) {
    if (row.record_id == "DSA-5430-1" && row.ecosystem == "debian:12") {
      found = true;
      EXPECT_EQ(row.fixed_version, "17.0.7+7-1~deb12u1");
    }
  }
  EXPECT_TRUE(found);
  auto v = store_->GetVulnerability("CVE-2023-21930");
  ASSERT_TRUE(v && v->has_value());
  EXPECT_NE(std::find((*v)->related.begin(), (*v)->related.end(), "DSA-5430-1"), (*v)->related.end());
  EXPECT_EQ(std::find((*v)->aliases.begin(), (*v)->aliases.end(), "DSA-5430-1"), (*v)->aliases.end());
}

TEST_F(StoreTest, ConcurrentReaders) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto rows = store_->FindAffected("debian:12", "openssl");
        if (!rows || rows->empty()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
}

// ---- publication, crash safety, locking ----

// The KEV feed as shipped in data/advisories (the shared snapshot, gzipped): tests that need one small real feed use it
// and run without ../shared.
const std::filesystem::path kRepoKev =
    std::filesystem::path(CUSTOMS_SOURCE_DIR) / "data" / "advisories" / "known_exploited_vulnerabilities.json.gz";

#define CUSTOMS_REQUIRE_VULNDATA()                                                                \
  do {                                                                                            \
    if (!std::filesystem::exists(kVulnData)) GTEST_SKIP() << "shared data absent: " << kVulnData; \
  } while (false)

class PublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("vulndb-publish-test");
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
    db_ = dir_->path() / "customs.db";
  }
  StoreInfo ImportOrDie(const std::vector<std::filesystem::path>& inputs) {
    NullDiagnostics diagnostics;
    auto info = ImportFeeds(inputs, {db_, std::chrono::seconds(5)}, diagnostics);
    EXPECT_TRUE(info) << info.error().ToString();
    return info ? *info : StoreInfo{};
  }
  std::optional<TempDir> dir_;
  std::filesystem::path db_;
};

TEST_F(PublishTest, FailedImportKeepsThePreviousStore) {
  CUSTOMS_REQUIRE_VULNDATA();
  StoreInfo before = ImportOrDie({kVulnData / "kev" / "known_exploited_vulnerabilities.json"});
  auto content = ReadFile(kVulnData / "osv" / "crates.io-all.zip");
  ASSERT_TRUE(content);
  std::filesystem::path truncated = dir_->path() / "truncated.zip";
  ASSERT_TRUE(WriteFileAtomic(truncated, content->substr(0, content->size() / 3)));
  NullDiagnostics diagnostics;
  auto failed = ImportFeeds({kVulnData / "epss" / "epss_scores-sample-realheader.csv", truncated},
                            {db_, std::chrono::seconds(5)}, diagnostics);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message().find("truncated.zip"), std::string::npos) << failed.error().message();
  auto store = Store::Open(db_);
  ASSERT_TRUE(store);
  auto after = (*store)->Info();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->built_at, before.built_at);
  ASSERT_EQ(after->sources.size(), 1u);
  EXPECT_EQ(after->sources[0].name, "kev");
  for (const auto& entry : std::filesystem::directory_iterator(dir_->path())) {
    EXPECT_FALSE(entry.path().filename().string().find(".tmp-") != std::string::npos) << entry.path();
  }
}

TEST_F(PublishTest, KillDuringImportLeavesTheOldStore) {
  CUSTOMS_REQUIRE_VULNDATA();
  std::filesystem::path binary = std::filesystem::path(CUSTOMS_BINARY_DIR) / "cli" / "customs";
  if (!std::filesystem::exists(binary)) {
    GTEST_SKIP() << "customs binary not built: " << binary;
  }
  StoreInfo before = ImportOrDie({kVulnData / "kev" / "known_exploited_vulnerabilities.json"});
  for (int delay_ms : {150, 600, 1200}) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      execl(binary.c_str(), "customs", "db", "import", kVulnData.c_str(), "--db", db_.c_str(), nullptr);
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    auto store = Store::Open(db_);
    ASSERT_TRUE(store) << store.error().ToString();
    auto info = (*store)->Info();
    ASSERT_TRUE(info);
    if (WIFSIGNALED(status)) {
      EXPECT_EQ(info->built_at, before.built_at) << "killed after " << delay_ms << " ms";
    } else {
      before = *info;  // it finished before the kill: the new store is complete
    }
    auto rows = (*store)->GetVulnerability("CVE-2021-44228");
    ASSERT_TRUE(rows && rows->has_value());
  }
  // The next writer removes the dead writer's temporary file.
  ImportOrDie({kVulnData / "kev" / "known_exploited_vulnerabilities.json"});
  for (const auto& entry : std::filesystem::directory_iterator(dir_->path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST_F(PublishTest, SecondWriterWaitsThenFailsClearly) {
  auto lock = WriterLock::Acquire(db_, std::chrono::milliseconds(100));
  ASSERT_TRUE(lock);
  NullDiagnostics diagnostics;
  auto blocked = ImportFeeds({kRepoKev}, {db_, std::chrono::milliseconds(300)}, diagnostics);
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code(), ErrorCode::kCancelled);
  EXPECT_NE(blocked.error().message().find("another customs process"), std::string::npos);
  EXPECT_NE(blocked.error().message().find(std::to_string(getpid())), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(db_));
}

TEST_F(PublishTest, TwoConcurrentImportProcessesBothSucceedInTurn) {
  CUSTOMS_REQUIRE_VULNDATA();
  std::filesystem::path binary = std::filesystem::path(CUSTOMS_BINARY_DIR) / "cli" / "customs";
  if (!std::filesystem::exists(binary)) {
    GTEST_SKIP() << "customs binary not built: " << binary;
  }
  std::vector<pid_t> children;
  for (const char* input : {"kev/known_exploited_vulnerabilities.json", "osv/crates.io-all.zip"}) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      std::string path = (kVulnData / input).string();
      execl(binary.c_str(), "customs", "db", "import", path.c_str(), "--db", db_.c_str(), "--lock-timeout", "60",
            nullptr);
      _exit(127);
    }
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto store = Store::Open(db_);
  ASSERT_TRUE(store);
  auto info = (*store)->Info();
  ASSERT_TRUE(info);
  ASSERT_EQ(info->sources.size(), 1u);  // the one that published last
  EXPECT_TRUE(info->sources[0].name == "kev" || info->sources[0].name == "osv-crates.io");
}

// `make demo` imports the committed sample when the feeds are unreachable.
TEST_F(PublishTest, DemoSampleImports) {
  std::filesystem::path sample = std::filesystem::path(CUSTOMS_SOURCE_DIR) / "data" / "advisories";
  ASSERT_TRUE(std::filesystem::exists(sample));
  StoreInfo info = ImportOrDie({sample});
  std::map<std::string, std::int64_t> counts;
  for (const auto& s : info.sources) {
    counts[s.name] = s.records;
  }
  EXPECT_EQ(counts["debian"], 21889);
  EXPECT_EQ(counts["kev"], 1404);
  EXPECT_GT(counts["epss"], 10000);
  // The zips' records, counted from their members (ghsa: <ECOSYSTEM>/<ID>.json).
  std::map<std::string, std::int64_t> members;
  for (const auto& [name, content] : testing::ReadZip(sample / "ghsa-reviewed-subset.zip")) {
    std::string ecosystem = name.substr(0, name.find('/'));
    for (char& c : ecosystem) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ++members["osv-" + ecosystem];
  }
  members["osv-go"] = static_cast<std::int64_t>(testing::ReadZip(sample / "osv-go-stdlib-subset.zip").size());
  members["cve"] = static_cast<std::int64_t>(testing::ReadZip(sample / "cvelist-subset.zip").size());
  ASSERT_GE(members.size(), 8u);
  for (const auto& [source, n] : members) EXPECT_EQ(counts[source], n) << source;
  auto store = Store::Open(db_);
  ASSERT_TRUE(store);
  auto rows = (*store)->FindAffected("debian:12", "openssl");
  ASSERT_TRUE(rows);
  EXPECT_FALSE(rows->empty());
  // The demo's headline: a jar without a groupId resolves to log4j-core, whose Log4Shell is known-exploited.
  EXPECT_EQ(*(*store)->MavenPackagesByArtifactId("log4j-core"),
            std::vector<std::string>{"org.apache.logging.log4j:log4j-core"});
  auto log4shell = (*store)->GetVulnerability("CVE-2021-44228");
  ASSERT_TRUE(log4shell && log4shell->has_value());
  EXPECT_TRUE((*log4shell)->kev);
  EXPECT_FALSE((*store)->FindAffected("Go", "stdlib")->empty());
}

TEST(StoreAgeTest, WarnsOnlyWhenOlderThanTheLimit) {
  StoreInfo info;
  info.built_at = "2026-11-20T00:00:00Z";
  auto built = std::chrono::system_clock::from_time_t(1795132800);  // 2026-11-20T00:00:00Z
  EXPECT_EQ(StoreAge(info, built + std::chrono::hours(5))->count(), 5 * 3600);
  EXPECT_FALSE(StaleStoreWarning(info, kDefaultMaxStoreAge, built + std::chrono::hours(71)));
  auto warning = StaleStoreWarning(info, kDefaultMaxStoreAge, built + std::chrono::hours(100));
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("4.2 days ago"), std::string::npos) << *warning;
  EXPECT_NE(warning->find("customs db update"), std::string::npos);
  info.built_at = "garbage";
  EXPECT_TRUE(StaleStoreWarning(info));
}

TEST_F(PublishTest, PathsWithUriCharactersWork) {
  std::filesystem::path odd = dir_->path() / "a dir?with#odd%chars";
  std::filesystem::create_directories(odd);
  db_ = odd / "customs.db";
  ImportOrDie({kRepoKev});
  auto store = Store::Open(db_);
  ASSERT_TRUE(store) << store.error().ToString();
  auto v = (*store)->GetVulnerability("CVE-2021-44228");
  ASSERT_TRUE(v && v->has_value());
  EXPECT_TRUE((*v)->kev.has_value());
}

TEST(StoreOpenTest, MissingAndForeignFilesAreClearErrors) {
  auto missing = Store::Open("/nonexistent/customs.db");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("customs db update"), std::string::npos);
  auto dir = TempDir::Create("vulndb-open-test");
  ASSERT_TRUE(dir);
  std::filesystem::path junk = dir->path() / "junk.db";
  ASSERT_TRUE(WriteFileAtomic(junk, "this is not sqlite"));
  auto foreign = Store::Open(junk);
  ASSERT_FALSE(foreign);
}

}  // namespace
}  // namespace customs::vulndb
