// `db update` against a real HTTP server on 127.0.0.1 (tests/vulndb/feed_server.py, python3's http.server) that
// serves copies of the shared feed snapshots with failure injection. Nothing is mocked: libcurl talks HTTP to it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "core/file_util.h"
#include "vulndb/test_util.h"
#include "vulndb/updater.h"

namespace customs::vulndb {
namespace {

using testing::kVulnData;

class FeedServer {
 public:
  // Starts the server on a kernel-chosen free port; returns nullopt (with a reason) when it cannot.
  static std::optional<FeedServer> Start(const std::filesystem::path& root, std::string* why) {
    std::filesystem::path script = std::filesystem::path(CUSTOMS_SOURCE_DIR) / "tests" / "vulndb" / "feed_server.py";
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
      *why = "pipe failed";
      return std::nullopt;
    }
    pid_t pid = fork();
    if (pid == 0) {
      dup2(pipe_fds[1], 1);
      close(pipe_fds[0]);
      execlp("python3", "python3", script.c_str(), "--root", root.c_str(), "--slow", "4", "--lifetime", "170", nullptr);
      _exit(127);
    }
    close(pipe_fds[1]);
    FILE* out = fdopen(pipe_fds[0], "r");
    int port = 0;
    if (out == nullptr || std::fscanf(out, "%d", &port) != 1 || port <= 0) {
      *why = "feed_server.py did not start (is python3 installed?)";
      if (out != nullptr) {
        std::fclose(out);
      }
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return std::nullopt;
    }
    std::fclose(out);
    return FeedServer(pid, port);
  }
  FeedServer(FeedServer&& other) noexcept : pid_(other.pid_), port_(other.port_) { other.pid_ = -1; }
  ~FeedServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // The --mirror URL for a mode applied to paths containing `target`.
  std::string Mirror(std::string_view mode, std::string_view target) const {
    return fmt::format("http://127.0.0.1:{}/{}~{}", port_, mode, target);
  }

 private:
  FeedServer(pid_t pid, int port) : pid_(pid), port_(port) {}
  pid_t pid_;
  int port_;
};

std::int64_t Count(const StoreInfo& info, std::string_view source) {
  for (const auto& s : info.sources) {
    if (s.name == source) {
      return s.records;
    }
  }
  return -1;
}

const SourceUpdate* Outcome(const UpdateResult& result, std::string_view name) {
  for (const auto& s : result.sources) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

class UpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kVulnData)) {
      GTEST_SKIP() << "shared data absent: " << kVulnData;
    }
    auto dir = TempDir::Create("vulndb-update-test");
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
    root_ = dir_->path() / "www";
    // The mirror serves the production paths (UpdateSourceNames()/SourceUrls()).
    auto place = [&](const std::filesystem::path& from, const std::string& url_path) {
      std::filesystem::path to = root_ / url_path;
      std::filesystem::create_directories(to.parent_path());
      std::filesystem::copy_file(from, to);
    };
    place(kVulnData / "osv" / "crates.io-all.zip", "crates.io/all.zip");
    place(kVulnData / "kev" / "known_exploited_vulnerabilities.json",
          "sites/default/files/feeds/known_exploited_vulnerabilities.json");
    place(kVulnData / "epss" / "epss_scores-reencoded.csv.gz", "epss_scores-current.csv.gz");
    // crates.io/all.zip.corrupt: the same records with one member's JSON damaged.
    std::vector<std::pair<std::string, std::string>> members;
    for (auto& [name, content] : testing::ReadZip(kVulnData / "osv" / "crates.io-all.zip")) {
      members.emplace_back(name, content);
    }
    corrupt_member_ = members[10].first;
    members[10].second = members[10].second.substr(0, members[10].second.size() / 2);
    ASSERT_TRUE(WriteFileAtomic(root_ / "crates.io" / "all.zip.corrupt", testing::MakeZip(members)));
    std::string why;
    auto server = FeedServer::Start(root_, &why);
    if (!server) {
      GTEST_SKIP() << why;
    }
    server_.emplace(std::move(*server));
    db_ = dir_->path() / "db" / "customs.db";
  }

  UpdateOptions Options(std::string_view mode, std::string_view target) const {
    UpdateOptions options;
    options.db_path = db_;
    options.sources = {"osv-crates.io", "kev", "epss"};
    options.mirror = server_->Mirror(mode, target);
    options.timeout = std::chrono::seconds(20);
    options.connect_timeout = std::chrono::seconds(5);
    options.retries = 1;
    options.backoff = std::chrono::milliseconds(50);
    options.lock_timeout = std::chrono::seconds(5);
    return options;
  }

  // After any update the store opens and still reports the crates.io data.
  StoreInfo ExpectStoreIntact() {
    auto store = Store::Open(db_);
    EXPECT_TRUE(store) << store.error().ToString();
    if (!store) {
      return {};
    }
    auto info = (*store)->Info();
    EXPECT_TRUE(info);
    EXPECT_EQ(Count(*info, "osv-crates.io"), 1206);
    EXPECT_EQ(Count(*info, "kev"), 1404);
    return *info;
  }

  std::optional<TempDir> dir_;
  std::filesystem::path root_;
  std::filesystem::path db_;
  std::optional<FeedServer> server_;
  std::string corrupt_member_;
};

TEST_F(UpdateTest, DownloadsThenRevalidatesThenSurvivesEveryFailure) {
  DiagnosticsCollector diagnostics;
  // 1. A clean download of three sources.
  auto first = UpdateStore(Options("ok", ""), diagnostics);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_TRUE(first->failed.empty());
  EXPECT_EQ(Outcome(*first, "osv-crates.io")->outcome, "updated");
  ASSERT_TRUE(first->store.has_value());
  EXPECT_EQ(Count(*first->store, "epss"), 360142);
  ExpectStoreIntact();

  // 2. Nothing changed: the server answers 304 to the ETag, and the store is rebuilt from the cache.
  auto second = UpdateStore(Options("ok", ""), diagnostics);
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(Outcome(*second, "osv-crates.io")->outcome, "not modified");
  EXPECT_EQ(Outcome(*second, "kev")->outcome, "not modified");
  ExpectStoreIntact();

  // 3-6. One source misbehaves; it is named, keeps its previous data, and the others still update.
  struct Failure {
    const char* mode;
    const char* expect_in_error;
  };
  for (const Failure& f :
       {Failure{"500", "HTTP 500"}, Failure{"cut", "crates.io/all.zip"}, Failure{"truncate", "zip"}}) {
    SCOPED_TRACE(f.mode);
    auto result = UpdateStore(Options(f.mode, "crates.io"), diagnostics);
    ASSERT_TRUE(result) << result.error().ToString();
    ASSERT_EQ(result->failed, std::vector<std::string>{"osv-crates.io"});
    const SourceUpdate* crates = Outcome(*result, "osv-crates.io");
    EXPECT_EQ(crates->outcome, "failed (kept previous data)");
    EXPECT_NE(crates->error.find(f.expect_in_error), std::string::npos) << crates->error;
    EXPECT_NE(Outcome(*result, "kev")->outcome.find("failed"), 0u);
    ExpectStoreIntact();
  }

  // 7. A slow server hits the timeout.
  UpdateOptions slow = Options("slow", "crates.io");
  slow.timeout = std::chrono::milliseconds(1500);
  slow.retries = 0;
  auto timed_out = UpdateStore(slow, diagnostics);
  ASSERT_TRUE(timed_out) << timed_out.error().ToString();
  EXPECT_EQ(timed_out->failed, std::vector<std::string>{"osv-crates.io"});
  EXPECT_NE(Outcome(*timed_out, "osv-crates.io")->error.find("timed out"), std::string::npos)
      << Outcome(*timed_out, "osv-crates.io")->error;
  ExpectStoreIntact();

  // 8. A corrupt record inside an intact zip: the record is skipped and named, the source updates.
  diagnostics.Take();
  auto corrupt = UpdateStore(Options("corrupt", "crates.io"), diagnostics);
  ASSERT_TRUE(corrupt) << corrupt.error().ToString();
  EXPECT_TRUE(corrupt->failed.empty());
  EXPECT_EQ(Outcome(*corrupt, "osv-crates.io")->outcome, "updated");
  EXPECT_EQ(Count(*corrupt->store, "osv-crates.io"), 1205);
  bool named = false;
  for (const auto& d : diagnostics.Take()) {
    named |= d.subject.find(corrupt_member_) != std::string::npos;
  }
  EXPECT_TRUE(named) << corrupt_member_;
}

TEST_F(UpdateTest, NvdPagesAreFetchedUntilTheTotalIsCovered) {
  // The mirror answers every page request with the 38-CVE fixture page (totalResults 38): one request suffices.
  std::filesystem::create_directories(root_ / "rest" / "json" / "cves");
  std::filesystem::copy_file(kVulnData / "nvd" / "full-page.json", root_ / "rest" / "json" / "cves" / "2.0");
  UpdateOptions options = Options("ok", "");
  options.sources = {"nvd"};
  DiagnosticsCollector diagnostics;
  auto result = UpdateStore(options, diagnostics);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_TRUE(result->failed.empty());
  EXPECT_EQ(Count(*result->store, "nvd"), 38);
  auto store = Store::Open(db_);
  ASSERT_TRUE(store);
  auto v = (*store)->GetVulnerability("CVE-2023-27314");
  ASSERT_TRUE(v && v->has_value());
  ASSERT_FALSE((*v)->cvss.empty());
  EXPECT_DOUBLE_EQ((*v)->cvss[0].base_score, 7.5);
  // The store keeps nvd from the cache when later updates select other sources.
  options.sources = {"kev"};
  auto again = UpdateStore(options, diagnostics);
  ASSERT_TRUE(again);
  EXPECT_EQ(Count(*again->store, "nvd"), 38);
  EXPECT_EQ(Count(*again->store, "kev"), 1404);
}

TEST_F(UpdateTest, CliNamesTheFailedSourceAndExitsNonZero) {
  std::filesystem::path binary = std::filesystem::path(CUSTOMS_BINARY_DIR) / "cli" / "customs";
  if (!std::filesystem::exists(binary)) {
    GTEST_SKIP() << "customs binary not built: " << binary;
  }
  std::string command = fmt::format(
      "'{}' db update --db '{}' --source kev --source osv-crates.io --mirror '{}' --retries 0 --timeout 20 2>&1",
      binary.string(), db_.string(), server_->Mirror("500", "known_exploited"));
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    output += buffer;
  }
  int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3) << output;
  EXPECT_NE(output.find("failed sources: kev"), std::string::npos) << output;
  auto store = Store::Open(db_);
  ASSERT_TRUE(store) << output;
  auto info = (*store)->Info();
  EXPECT_EQ(Count(*info, "osv-crates.io"), 1206);
  EXPECT_EQ(Count(*info, "kev"), -1);  // never downloaded, so absent rather than stale
}

// Every language ecosystem is downloaded from osv.dev's <ECOSYSTEM>/all.zip; here the mirror serves zips of the
// shared GHSA records per ecosystem, and one of them fails.
TEST_F(UpdateTest, EveryLanguageExportDownloadsAndOneFailureIsNamed) {
  std::map<std::string, std::int64_t> expected;  // source -> records
  std::vector<std::string> sources;
  for (const auto& [source, ecosystem] :
       std::vector<std::pair<std::string, std::string>>{{"osv-maven", "Maven"},
                                                        {"osv-npm", "npm"},
                                                        {"osv-nuget", "NuGet"},
                                                        {"osv-packagist", "Packagist"},
                                                        {"osv-rubygems", "RubyGems"}}) {
    std::vector<std::pair<std::string, std::string>> members;
    for (const auto& file : std::filesystem::directory_iterator(kVulnData / "ghsa" / ecosystem)) {
      members.emplace_back(file.path().filename().string(), *ReadFile(file.path()));
    }
    ASSERT_FALSE(members.empty()) << ecosystem;
    std::filesystem::create_directories(root_ / ecosystem);
    ASSERT_TRUE(WriteFileAtomic(root_ / ecosystem / "all.zip", testing::MakeZip(members)));
    expected[source] = static_cast<std::int64_t>(members.size());
    sources.push_back(source);
    // Each source's production URL is that path on osv.dev's bucket.
    EXPECT_EQ(SourceUrls(source),
              std::vector<std::string>{"https://osv-vulnerabilities.storage.googleapis.com/" + ecosystem + "/all.zip"});
  }
  UpdateOptions options = Options("ok", "");
  options.sources = sources;
  DiagnosticsCollector diagnostics;
  auto first = UpdateStore(options, diagnostics);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_TRUE(first->failed.empty());
  for (const auto& [source, n] : expected) {
    EXPECT_EQ(Outcome(*first, source)->outcome, "updated") << source;
    EXPECT_EQ(Count(*first->store, source), n) << source;
  }
  options.mirror = server_->Mirror("500", "npm/");
  auto second = UpdateStore(options, diagnostics);
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(second->failed, std::vector<std::string>{"osv-npm"});
  EXPECT_EQ(Outcome(*second, "osv-npm")->outcome, "failed (kept previous data)");
  // (another mirror URL than the first run's, so no conditional request: a fresh download)
  EXPECT_EQ(Outcome(*second, "osv-maven")->outcome, "updated");
  for (const auto& [source, n] : expected) EXPECT_EQ(Count(*second->store, source), n) << source;
  // The default set includes every language export.
  for (const auto& source : sources) {
    auto names = UpdateSourceNames();
    EXPECT_NE(std::find(names.begin(), names.end(), source), names.end()) << source;
  }
}

TEST(MirrorTest, ReplacesSchemeAndHost) {
  EXPECT_EQ(ApplyMirror("https://osv-vulnerabilities.storage.googleapis.com/Go/all.zip", "http://m:8080/x/"),
            "http://m:8080/x/Go/all.zip");
  EXPECT_EQ(ApplyMirror("https://security-tracker.debian.org/tracker/data/json", "http://127.0.0.1:1"),
            "http://127.0.0.1:1/tracker/data/json");
  for (const auto& name : UpdateSourceNames()) {
    EXPECT_FALSE(SourceUrls(name).empty()) << name;
  }
}

}  // namespace
}  // namespace customs::vulndb
