// The gate never passes by not looking: a package database that exists but yields nothing readable is an incomplete
// diagnostic; one bad record among good ones stays a warning; no database at all is no diagnostic.
#include <gtest/gtest.h>

#include <random>

#include "catalog/cataloger.h"
#include "catalog/test_util.h"

namespace customs::catalog {
namespace {

using testing::PutFile;
using testing::TreeOf;

constexpr const char* kGood = "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2-1\n\n";

struct Catalogued {
  std::vector<Package> packages;
  std::vector<Diagnostic> diagnostics;
  std::size_t Count(DiagnosticLevel level) const {
    std::size_t n = 0;
    for (const auto& d : diagnostics) n += d.level == level ? 1 : 0;
    return n;
  }
  std::string Dump() const {
    std::string out;
    for (const auto& d : diagnostics) {
      out += std::string(DiagnosticLevelName(d.level)) + " " + d.subject + ": " + d.message + "\n";
    }
    return out;
  }
};

Catalogued CatalogAll(const FileTree& tree) {
  Catalogued out;
  DiagnosticsCollector diagnostics;
  for (const auto& cataloger : DefaultCatalogers()) {
    for (auto& p : cataloger->Catalog(tree, OsInfo{}, diagnostics)) out.packages.push_back(std::move(p));
  }
  out.diagnostics = diagnostics.Take();
  return out;
}

std::string RandomBytes(std::size_t n, unsigned seed) {
  std::mt19937 random(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(random());
  return out;
}

TEST(IncompleteTest, DpkgStatusOfRandomBytes) {
  auto result = CatalogAll(TreeOf({{"/var/lib/dpkg/status", RandomBytes(64 * 1024, 1)}}));
  EXPECT_TRUE(result.packages.empty());
  ASSERT_EQ(result.Count(DiagnosticLevel::kIncomplete), 1u) << result.Dump();
}

TEST(IncompleteTest, DpkgEveryStanzaRejected) {
  auto result = CatalogAll(TreeOf({{"/var/lib/dpkg/status", "Package: bash\nStatus: install ok installed\n\n"}}));
  ASSERT_EQ(result.Count(DiagnosticLevel::kIncomplete), 1u) << result.Dump();
  EXPECT_NE(result.Dump().find("1 of 1 rejected"), std::string::npos) << result.Dump();
}

TEST(IncompleteTest, OneBadStanzaAmongGoodOnesIsAWarning) {
  auto result = CatalogAll(
      TreeOf({{"/var/lib/dpkg/status", std::string(kGood) + "Package: broken\nStatus: install ok installed\n\n"}}));
  EXPECT_EQ(result.packages.size(), 1u);
  EXPECT_EQ(result.Count(DiagnosticLevel::kIncomplete), 0u) << result.Dump();
  EXPECT_EQ(result.Count(DiagnosticLevel::kWarning), 1u) << result.Dump();
}

TEST(IncompleteTest, EmptyOrAllRemovedStatusIsNotIncomplete) {
  for (const char* status : {"", "\n\n", "Package: gone\nStatus: purge ok not-installed\n\n"}) {
    auto result = CatalogAll(TreeOf({{"/var/lib/dpkg/status", status}}));
    EXPECT_TRUE(result.packages.empty());
    EXPECT_EQ(result.Count(DiagnosticLevel::kIncomplete), 0u) << status << "\n" << result.Dump();
  }
}

TEST(IncompleteTest, StatusFileThatWasNotCaptured) {
  FileTree tree = TreeOf({});
  FileNode big;
  big.type = FileType::kRegular;
  big.size = 10ull << 30;  // over the walker's limit: the walker left its content out
  tree.Put("/var/lib/dpkg/status", big);
  auto result = CatalogAll(tree);
  ASSERT_EQ(result.Count(DiagnosticLevel::kIncomplete), 1u) << result.Dump();
  EXPECT_NE(result.Dump().find("10737418240 bytes"), std::string::npos) << result.Dump();
}

TEST(IncompleteTest, StatusFileIsALinkToNothing) {
  for (FileType type : {FileType::kHardLink, FileType::kSymlink}) {
    FileTree tree = TreeOf({});
    FileNode link;
    link.type = type;
    link.link_target = type == FileType::kHardLink ? "nowhere/status" : "/nowhere/status";
    tree.Put("/var/lib/dpkg/status", link);
    auto result = CatalogAll(tree);
    ASSERT_EQ(result.Count(DiagnosticLevel::kIncomplete), 1u) << result.Dump();
    EXPECT_NE(result.Dump().find("/nowhere/status, which the image does not have"), std::string::npos) << result.Dump();
  }
}

TEST(IncompleteTest, StatusDNothingValidVersusOneBadFile) {
  auto none = CatalogAll(TreeOf({{"/var/lib/dpkg/status.d/a", "garbage"}, {"/var/lib/dpkg/status.d/b", "x: y"}}));
  EXPECT_EQ(none.Count(DiagnosticLevel::kIncomplete), 1u) << none.Dump();
  auto some = CatalogAll(TreeOf({{"/var/lib/dpkg/status.d/a", "garbage"},
                                 {"/var/lib/dpkg/status.d/b", "Package: b\nArchitecture: amd64\nVersion: 1\n"}}));
  EXPECT_EQ(some.packages.size(), 1u);
  EXPECT_EQ(some.Count(DiagnosticLevel::kIncomplete), 0u) << some.Dump();
}

TEST(IncompleteTest, ApkInstalledOfGarbage) {
  auto result = CatalogAll(TreeOf({{"/lib/apk/db/installed", RandomBytes(4096, 2)}}));
  EXPECT_TRUE(result.packages.empty());
  EXPECT_EQ(result.Count(DiagnosticLevel::kIncomplete), 1u) << result.Dump();
  auto good = CatalogAll(TreeOf({{"/lib/apk/db/installed", "P:musl\nV:1.2.5-r0\nA:x86_64\n\nnot a line\n"}}));
  EXPECT_EQ(good.packages.size(), 1u);
  EXPECT_EQ(good.Count(DiagnosticLevel::kIncomplete), 0u) << good.Dump();
}

TEST(IncompleteTest, CorruptRpmDatabase) {
  for (const char* path : {"/var/lib/rpm/Packages", "/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/Packages.db"}) {
    std::string garbage = RandomBytes(8192, 3);
    if (std::string_view(path).ends_with("sqlite")) garbage = std::string("SQLite format 3\0", 16) + garbage;
    if (std::string_view(path).ends_with("Packages.db")) garbage = "RpmP" + garbage;
    auto result = CatalogAll(TreeOf({{path, garbage}}));
    EXPECT_TRUE(result.packages.empty()) << path;
    EXPECT_EQ(result.Count(DiagnosticLevel::kIncomplete), 1u) << path << "\n" << result.Dump();
  }
}

TEST(IncompleteTest, NoDatabaseAtAllIsNotIncomplete) {
  auto result = CatalogAll(TreeOf({{"/app",
                                    "\x7f"
                                    "ELF"},
                                   {"/etc/os-release", "ID=debian\n"}}));
  EXPECT_TRUE(result.packages.empty());
  EXPECT_TRUE(result.diagnostics.empty()) << result.Dump();
  std::size_t paths = 0;
  for (const auto& cataloger : DefaultCatalogers()) paths += cataloger->DatabasePaths().size();
  EXPECT_GE(paths, 8u) << "every OS cataloger says where it looks";
}

}  // namespace
}  // namespace customs::catalog
