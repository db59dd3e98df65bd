#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "catalog/rpm/rpmdb.h"
#include "catalog/test_util.h"
#include "core/file_util.h"

namespace customs::catalog::rpm {
namespace {

using testing::SharedPkgdb;
using testing::Slurp;
using Row = std::tuple<std::string, std::string, std::string, std::string, std::string>;  // name epoch ver rel arch

std::set<Row> Rows(const std::vector<Package>& packages) {
  std::set<Row> rows;
  for (const Package& p : packages) {
    rows.emplace(p.name, p.epoch.empty() ? "0" : p.epoch, p.rpm_version, p.rpm_release,
                 p.arch.empty() ? "(none)" : p.arch);
  }
  return rows;
}

std::set<Row> ExpectedRows(const nlohmann::json& expected) {
  std::set<Row> rows;
  for (const auto& p : expected["packages"]) {
    std::string epoch = p["epoch"].is_null() ? "0" : std::to_string(p["epoch"].get<long>());
    std::string arch = p["arch"].is_null() ? "(none)" : p["arch"].get<std::string>();
    rows.emplace(p["name"], epoch, p["version"], p["release"], arch);
  }
  return rows;
}

std::vector<Package> CatalogAt(const std::string& image_path, const std::string& content, Diagnostics& diagnostics) {
  FileTree tree = testing::TreeOf({{image_path, content}});
  return RpmCataloger().Catalog(tree, OsInfo{}, diagnostics);
}

// Debian's rpm 4.18 reads sqlite and BerkeleyDB (bdb_ro): run it on a private copy of the database.
std::set<Row> RpmQuery(const std::filesystem::path& database, const std::string& backend, int* exit_code) {
  auto dir = TempDir::Create("catalog-rpm");
  if (!dir) {
    return {};
  }
  std::filesystem::copy_file(database, dir->path() / (backend == "sqlite" ? "rpmdb.sqlite" : "Packages"));
  std::string output = testing::Run("rpm --dbpath " + dir->path().string() + " --define '_db_backend " + backend +
                                        "' -qa --qf '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\\n' 2>/dev/null",
                                    exit_code);
  std::set<Row> rows;
  std::istringstream lines(output);
  std::string name, epoch, version, release, arch;
  while (lines >> name >> epoch >> version >> release >> arch) {
    rows.emplace(name, epoch, version, release, arch);
  }
  return rows;
}

struct Fixture {
  const char* input;     // under pkgdb/
  const char* expected;  // under pkgdb/expected/rpm/
  const char* image_path;
  const char* backend;  // for the live rpm oracle; nullptr when Debian's rpm cannot read the format
};

const Fixture kFixtures[] = {
    {"go-rpmdb/pkg/testdata/libuuid/Packages", "go-rpmdb__pkg__testdata__libuuid__Packages.json",
     "/var/lib/rpm/Packages", "bdb_ro"},
    {"osv-scalibr/extractor/filesystem/os/rpm/testdata/Packages_epoch",
     "osv-scalibr__extractor__filesystem__os__rpm__testdata__Packages_epoch.json", "/var/lib/rpm/Packages", "bdb_ro"},
    {"syft/syft/pkg/cataloger/redhat/testdata/Packages", "syft__syft__pkg__cataloger__redhat__testdata__Packages.json",
     "/var/lib/rpm/Packages", "bdb_ro"},
    {"go-rpmdb/pkg/testdata/cbl-mariner-2.0/rpmdb.sqlite",
     "go-rpmdb__pkg__testdata__cbl-mariner-2.0__rpmdb.sqlite.json", "/var/lib/rpm/rpmdb.sqlite", "sqlite"},
    {"go-rpmdb/pkg/testdata/sle15-bci/Packages.db", "go-rpmdb__SLE15WithNDB.json", "/usr/lib/sysimage/rpm/Packages.db",
     nullptr},
};

TEST(RpmCataloger, MatchesEveryFixtureAndRpmItself) {
  const bool have_rpm = std::system("command -v rpm >/dev/null") == 0;
  int checked = 0;
  for (const std::filesystem::path& root : testing::PkgdbRoots()) {
    for (const Fixture& fixture : kFixtures) {
      if (!std::filesystem::exists(root / fixture.input)) {
        continue;
      }
      SCOPED_TRACE(root / fixture.input);
      ++checked;
      auto expected = nlohmann::json::parse(Slurp(root / "expected" / "rpm" / fixture.expected));
      DiagnosticsCollector diagnostics;
      auto packages = CatalogAt(fixture.image_path, Slurp(root / fixture.input), diagnostics);
      EXPECT_EQ(Rows(packages), ExpectedRows(expected));
      EXPECT_EQ(packages.size(), expected["packages"].size());
      EXPECT_TRUE(diagnostics.Snapshot().empty());
      // Source package, modularity label, size and licence against the fixture's record.
      std::map<std::string, const nlohmann::json*> by_name;
      for (const auto& p : expected["packages"]) {
        by_name[p["name"]] = &p;
      }
      for (const Package& p : packages) {
        const nlohmann::json& want = *by_name.at(p.name);
        EXPECT_EQ(p.source_name, want["src_name"].get<std::string>()) << p.name;
        EXPECT_EQ(p.source_version,
                  want["src_version"].get<std::string>() + "-" + want["src_release"].get<std::string>());
        EXPECT_EQ(p.modularity_label,
                  want["modularitylabel"].is_null() ? "" : want["modularitylabel"].get<std::string>());
        if (want.contains("size")) {
          EXPECT_EQ(p.installed_size, want["size"].get<std::uint64_t>()) << p.name;
        }
        EXPECT_EQ(p.db_path, fixture.image_path);
      }
      if (fixture.backend != nullptr && have_rpm) {
        int exit_code = -1;
        auto live = RpmQuery(root / fixture.input, fixture.backend, &exit_code);
        EXPECT_EQ(exit_code, 0);
        EXPECT_EQ(Rows(packages), live);
      }
    }
  }
  EXPECT_GE(checked, 2);
  CUSTOMS_SKIP_IF_ONLY_VENDORED_PKGDB();
}

// File lists equal `rpm -ql` for the BerkeleyDB and SQLite fixtures.
TEST(RpmCataloger, FileListsMatchRpmQl) {
  if (std::system("command -v rpm >/dev/null") != 0) {
    GTEST_SKIP() << "rpm absent (Debian package rpm)";
  }
  int checked = 0;
  for (const std::filesystem::path& root : testing::PkgdbRoots()) {
    for (const Fixture& fixture : kFixtures) {
      if (fixture.backend == nullptr || std::string(fixture.backend) != "bdb_ro" ||
          !std::filesystem::exists(root / fixture.input)) {
        continue;
      }
      SCOPED_TRACE(root / fixture.input);
      NullDiagnostics diagnostics;
      auto packages = CatalogAt(fixture.image_path, Slurp(root / fixture.input), diagnostics);
      ASSERT_EQ(packages.size(), 1u);  // every BerkeleyDB fixture holds one package
      auto dir = TempDir::Create("catalog-rpm");
      ASSERT_TRUE(dir);
      std::filesystem::copy_file(root / fixture.input, dir->path() / "Packages");
      std::string output = testing::Run("rpm --dbpath " + dir->path().string() +
                                        " --define '_db_backend bdb_ro' -qa --qf '[%{FILENAMES}\\n]' 2>/dev/null");
      std::vector<std::string> want;
      std::istringstream lines(output);
      std::string line;
      while (std::getline(lines, line)) {
        want.push_back(line);
      }
      ASSERT_FALSE(want.empty());
      EXPECT_EQ(packages[0].files, want);
      ++checked;
    }
  }
  EXPECT_GE(checked, 2);
  CUSTOMS_SKIP_IF_ONLY_VENDORED_PKGDB();
}

TEST(RpmCataloger, SqliteWithoutPackagesTableIsADiagnostic) {
  auto path = SharedPkgdb() / "claircore/internal/rpm/sqlite/testdata/no_packages.sqlite";
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "fixture absent: " << path;
  }
  DiagnosticsCollector diagnostics;
  auto packages = CatalogAt("/var/lib/rpm/rpmdb.sqlite", Slurp(path), diagnostics);
  EXPECT_TRUE(packages.empty());
  auto items = diagnostics.Take();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_NE(items[0].message.find("no such table"), std::string::npos) << items[0].message;
}

// Real rpm databases made here by Debian's rpmbuild + rpm (testdata/make_rpmdb.sh): the modularity label, epoch and
// file lists agree with rpm's own queries, and a package added in layer 1 reports layer 1.
TEST(RpmCataloger, RealSqliteDatabasesWithHistory) {
  if (std::system("command -v rpmbuild >/dev/null && command -v rpm >/dev/null") != 0) {
    GTEST_SKIP() << "rpmbuild/rpm absent (Debian package rpm)";
  }
  auto dir = TempDir::Create("catalog-rpmdb");
  ASSERT_TRUE(dir);
  int exit_code = -1;
  testing::Run((testing::RepoTestdata() / "make_rpmdb.sh").string() + " " + dir->path().string(), &exit_code);
  ASSERT_EQ(exit_code, 0);
  const std::string layer0 = Slurp(dir->path() / "layer0" / "rpmdb.sqlite");
  const std::string layer1 = Slurp(dir->path() / "layer1" / "rpmdb.sqlite");
  FileTree tree;
  tree.layers() = {LayerInfo{0, "sha256:base", "", "FROM base"}, LayerInfo{1, "sha256:add", "", "RUN rpm -i other"}};
  FileNode node;
  node.layer = 1;
  node.content = std::make_shared<const std::string>(layer1);
  node.history = {{0, false, std::make_shared<const std::string>(layer0)},
                  {1, false, std::make_shared<const std::string>(layer1)}};
  tree.Put("/var/lib/rpm/rpmdb.sqlite", node);
  DiagnosticsCollector diagnostics;
  auto packages = RpmCataloger().Catalog(tree, OsInfo{"rhel", "9", "", "", ""}, diagnostics);
  EXPECT_TRUE(diagnostics.Snapshot().empty());
  ASSERT_EQ(packages.size(), 2u);
  const Package& other = packages[0];
  const Package& tiny = packages[1];
  EXPECT_EQ(other.name, "customs-other");
  EXPECT_EQ(other.layer.index, 1);
  EXPECT_EQ(other.layer.created_by, "RUN rpm -i other");
  EXPECT_EQ(other.epoch, "");
  EXPECT_EQ(other.modularity_label, "");
  EXPECT_EQ(tiny.name, "customs-tiny");
  EXPECT_EQ(tiny.layer.index, 0);
  EXPECT_EQ(tiny.version, "3:1.2.3-4.el9");
  EXPECT_EQ(tiny.purl, "pkg:rpm/redhat/customs-tiny@1.2.3-4.el9?arch=noarch&distro=rhel-9&epoch=3");
  EXPECT_EQ(tiny.source_name, "customs-tiny");
  EXPECT_EQ(tiny.source_version, "1.2.3-4.el9");
  // rpm's own view of the same database.
  std::string rpm = testing::Run("rpm --dbpath " + (dir->path() / "layer1").string() +
                                 " --define '_db_backend sqlite' -q customs-tiny --qf "
                                 "'%{MODULARITYLABEL}\\n[%{FILENAMES}\\n]' 2>/dev/null");
  std::istringstream lines(rpm);
  std::string label;
  std::getline(lines, label);
  EXPECT_EQ(tiny.modularity_label, label);
  EXPECT_EQ(label, "nodejs:18:9020020230525130117:rhel9");
  std::vector<std::string> files;
  std::string line;
  while (std::getline(lines, line)) {
    files.push_back(line);
  }
  EXPECT_EQ(tiny.files, files);
  EXPECT_EQ(files.size(), 2u);

  // Corrupt copies of the real SQLite database: errors and diagnostics, never a crash.
  std::mt19937 random(7);
  for (int round = 0; round < 30; ++round) {
    std::string mutated = layer1;
    if (round % 3 == 0) {
      mutated.resize(std::uniform_int_distribution<std::size_t>(0, mutated.size())(random));
    }
    for (int flips = 0; flips < 32 && !mutated.empty(); ++flips) {
      mutated[std::uniform_int_distribution<std::size_t>(0, mutated.size() - 1)(random)] = static_cast<char>(random());
    }
    NullDiagnostics quiet;
    (void)CatalogAt("/var/lib/rpm/rpmdb.sqlite", mutated, quiet);
  }
}

TEST(SplitSourceRpm, Shapes) {
  std::string name, version, release;
  ASSERT_TRUE(SplitSourceRpm("util-linux-2.32.1-42.el8_8.src.rpm", &name, &version, &release));
  EXPECT_EQ(name, "util-linux");
  EXPECT_EQ(version, "2.32.1");
  EXPECT_EQ(release, "42.el8_8");
  EXPECT_FALSE(SplitSourceRpm("garbage", &name, &version, &release));
  EXPECT_FALSE(SplitSourceRpm("-1.src.rpm", &name, &version, &release));
}

// Hostile input: every truncation and many random byte flips of real databases and headers must give errors or
// diagnostics, never a crash (run under the asan-ubsan preset too).
TEST(RpmReaders, SurviveTruncationAndCorruption) {
  std::mt19937 random(12345);
  int databases = 0;
  for (const std::filesystem::path& root : testing::PkgdbRoots()) {
    for (const Fixture& fixture : kFixtures) {
      if (!std::filesystem::exists(root / fixture.input)) {
        continue;
      }
      std::string original = Slurp(root / fixture.input);
      if (original.size() > 2'000'000) {
        continue;
      }
      ++databases;
      for (int round = 0; round < 40; ++round) {
        std::string mutated = original;
        std::size_t cut = std::uniform_int_distribution<std::size_t>(0, mutated.size())(random);
        if (round % 2 == 0) {
          mutated.resize(cut);
        }
        for (int flips = 0; flips < 64 && !mutated.empty(); ++flips) {
          mutated[std::uniform_int_distribution<std::size_t>(0, mutated.size() - 1)(random)] =
              static_cast<char>(random());
        }
        NullDiagnostics diagnostics;
        (void)CatalogAt(fixture.image_path, mutated, diagnostics);
      }
    }
  }
  EXPECT_GE(databases, 2);
  // Header blobs: claims that run past the end.
  std::string blob(8 + 16 + 4, '\0');
  blob[3] = 1;                                                     // il = 1
  blob[7] = 4;                                                     // dl = 4
  blob[8 + 2] = 0x03, blob[8 + 3] = static_cast<char>(0xe8);       // tag 1000 (NAME)
  blob[8 + 7] = 6;                                                 // STRING
  blob[8 + 15] = 1;                                                // count 1
  blob[24] = 'a', blob[25] = 'b', blob[26] = 'c', blob[27] = 'd';  // no terminator
  auto header = ParseHeaderBlob(blob);
  ASSERT_FALSE(header);
  EXPECT_EQ(header.error().code(), ErrorCode::kCorrupt);
  blob[7] = static_cast<char>(0xff);  // dl past the blob
  EXPECT_FALSE(ParseHeaderBlob(blob));
  blob[0] = static_cast<char>(0x7f);  // il huge
  EXPECT_FALSE(ParseHeaderBlob(blob));
  EXPECT_FALSE(ParseHeaderBlob(""));
  CUSTOMS_SKIP_IF_ONLY_VENDORED_PKGDB();
}

}  // namespace
}  // namespace customs::catalog::rpm
