#include "catalog/apk/apk.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "catalog/test_util.h"

namespace customs::catalog::apk {
namespace {

using testing::SharedPkgdb;
using testing::Slurp;

// Every apk list in pkgdb/expected/apk (field extraction; no apk-tools oracle exists on Debian). A block without a
// version (Trivy's "invalidPackageWithoutAVersion") is the one deliberate difference: it is skipped with a warning.
TEST(ApkCataloger, MatchesEveryExpectedList) {
  for (const std::filesystem::path& root : testing::PkgdbRoots()) {
    SCOPED_TRACE(root.string());
    int checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(root / "expected" / "apk")) {
      SCOPED_TRACE(entry.path().filename().string());
      auto expected = nlohmann::json::parse(Slurp(entry.path()));
      FileTree tree = testing::TreeOf({{"/lib/apk/db/installed", Slurp(root / expected["input"].get<std::string>())}});
      std::set<std::tuple<std::string, std::string, std::string, std::string>> want;
      std::set<std::string> versionless;
      for (const auto& p : expected["packages"]) {
        if (!p.contains("version")) {
          versionless.insert(p["name"]);
          continue;
        }
        want.emplace(p["name"], p["version"], p["arch"], p["source_name_for_matching"]);
      }
      DiagnosticsCollector diagnostics;
      auto packages = ApkCataloger().Catalog(tree, OsInfo{"alpine", "3.20", "", "", ""}, diagnostics);
      std::set<std::tuple<std::string, std::string, std::string, std::string>> got;
      for (const Package& p : packages) {
        got.emplace(p.name, p.version, p.arch, p.source_name);
        EXPECT_EQ(p.source_version, p.version);
        EXPECT_EQ(p.type, PackageType::kApk);
      }
      EXPECT_EQ(got, want);
      EXPECT_EQ(packages.size(), want.size());
      for (const std::string& name : versionless) {
        bool reported = false;
        for (const Diagnostic& d : diagnostics.Snapshot()) {
          reported |= d.message.find(name) != std::string::npos;
        }
        EXPECT_TRUE(reported) << name;
      }
      ++checked;
    }
    EXPECT_GE(checked, root == SharedPkgdb() ? 10 : 1);
  }
  CUSTOMS_SKIP_IF_ONLY_VENDORED_PKGDB();
}

TEST(ApkParser, FilesSizesAndOrigin) {
  const std::string db =
      "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nS:400000\nI:800000\no:musl\nL:MIT\n"
      "F:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1xyz=\nR:libc.musl-x86_64.so.1\nF:usr/lib\n\n"
      "P:busybox\nV:1.36.1-r29\nA:x86_64\nF:bin\nR:busybox\n";
  NullDiagnostics diagnostics;
  auto records = ParseInstalled(db, "/lib/apk/db/installed", diagnostics);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].installed_size, 800000u);
  EXPECT_EQ(records[0].origin, "musl");
  EXPECT_EQ(records[0].files,
            (std::vector<std::string>{"/lib", "/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1", "/usr/lib"}));
  EXPECT_EQ(records[1].origin, "");
  EXPECT_EQ(records[1].files, (std::vector<std::string>{"/bin", "/bin/busybox"}));
  FileTree tree = testing::TreeOf({{"/lib/apk/db/installed", db}});
  auto packages = ApkCataloger().Catalog(tree, OsInfo{}, diagnostics);
  ASSERT_EQ(packages.size(), 2u);
  EXPECT_EQ(packages[0].name, "busybox");
  EXPECT_EQ(packages[0].source_name, "busybox");  // no origin: the package itself
  EXPECT_EQ(packages[0].layer.index, 0);
  EXPECT_EQ(packages[0].layer.digest, "sha256:layer0");
}

TEST(ApkParser, GarbageGivesDiagnosticsNotPackages) {
  DiagnosticsCollector diagnostics;
  auto records = ParseInstalled("asdf\n\nyolo\n", "/lib/apk/db/installed", diagnostics);
  EXPECT_TRUE(records.empty());
  EXPECT_FALSE(diagnostics.Take().empty());
}

}  // namespace
}  // namespace customs::catalog::apk
