// The Go binary cataloger against real binaries from the npm registry (go1.16 to go1.21, both build info layouts),
// a binary with replacements built by Debian's go1.19, and hostile variants; `go version -m` is the oracle.
#include "catalog/lang/go.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "catalog/lang/lang_test_util.h"
#include "catalog/lang/record.h"

namespace customs::catalog::lang {
namespace {

using testing::ArtifactsDir;
using testing::ReadFile;

// What `go version -m` says, turned into the packages the cataloger must report: "name version" and a trailing " !"
// for unmatchable ones. Written independently of ParseModInfo.
std::set<std::string> OracleLines(const std::string& oracle) {
  std::set<std::string> out;
  std::istringstream in(oracle);
  std::string line;
  std::getline(in, line);
  const std::size_t go_at = line.rfind(": go");
  if (go_at == std::string::npos) {
    return out;
  }
  std::string go = line.substr(go_at + 4);
  int dots = static_cast<int>(std::count(go.begin(), go.end(), '.'));
  out.insert("stdlib " + go + (dots == 1 ? ".0" : ""));
  std::string pending;  // the last mod/dep line, until we know whether "=>" follows
  auto flush = [&] {
    if (!pending.empty()) {
      out.insert(pending);
    }
    pending.clear();
  };
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, '\t');) {
      f.push_back(field);
    }
    if (f.size() < 4) {
      continue;  // f[0] is the empty field before the leading tab
    }
    if (f[1] == "mod") {
      flush();
      pending = f[2] + " " + f[3] + (f[3] == "(devel)" ? " !" : "");
    } else if (f[1] == "dep") {
      flush();
      pending = f[2] + " " + f[3];
    } else if (f[1] == "=>") {
      if (f[3] == "(devel)" || f[3].empty()) {
        pending += " !";
      } else {
        pending = f[2] + " " + f[3];
      }
      flush();
    }
  }
  flush();
  return out;
}

std::set<std::string> Lines(const std::vector<Package>& packages) {
  std::set<std::string> out;
  for (const Package& p : packages) {
    out.insert(p.name + " " + p.version + (p.unmatchable ? " !" : ""));
  }
  return out;
}

Result<GoBuildInfo> ScanChunked(const std::string& content, std::uint32_t seed, std::size_t max_chunk) {
  return testing::ScanChunked<GoBuildInfoScanner>(content, seed, max_chunk);
}

class GoBinaryTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoBinaryTest, MatchesGoVersionMInEveryChunking) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  const std::string name = GetParam();
  const std::string content = ReadFile(ArtifactsDir() / "go" / name);
  const std::set<std::string> expected = OracleLines(ReadFile(ArtifactsDir() / "oracle" / "go" / (name + ".txt")));
  ASSERT_GE(expected.size(), 2u) << "oracle unreadable for " << name;
  for (auto [seed, max_chunk] :
       {std::pair<std::uint32_t, std::size_t>{0, 0}, {1, 1 << 20}, {2, 65536}, {3, 4093}, {4, 100}}) {
    auto info = ScanChunked(content, seed, max_chunk);
    ASSERT_TRUE(info) << name << " chunks<=" << max_chunk << ": " << info.error().message();
    EXPECT_EQ(Lines(GoPackages(*info, "/bin/x")), expected) << name << " chunks<=" << max_chunk;
  }
  if (name == "esbuild-0.12.0" || name == "replace-demo") {  // tiny chunks: the ELF head arrives byte by byte too
    auto info = ScanChunked(content, 9, 3);
    ASSERT_TRUE(info) << name << " chunks<=3: " << info.error().message();
    EXPECT_EQ(Lines(GoPackages(*info, "/bin/x")), expected) << name << " chunks<=3";
  }
}

INSTANTIATE_TEST_SUITE_P(RealBinaries, GoBinaryTest,
                         ::testing::Values("esbuild-0.12.0", "esbuild-0.14.0", "turbo-1.2.16", "esbuild-0.19.12",
                                           "buf-1.28.1", "replace-demo", "replace-demo-stripped",
                                           "esbuild-0.12.0-nosections", "esbuild-0.19.12-nosections"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST(GoBinary, LayoutsAndReplacements) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  auto old = ScanChunked(ReadFile(ArtifactsDir() / "go" / "esbuild-0.12.0"), 7, 8192);
  ASSERT_TRUE(old) << old.error().message();
  EXPECT_FALSE(old->inline_layout);
  EXPECT_EQ(old->go_version, "go1.16.3");
  auto fresh = ScanChunked(ReadFile(ArtifactsDir() / "go" / "turbo-1.2.16"), 7, 8192);
  ASSERT_TRUE(fresh) << fresh.error().message();
  EXPECT_TRUE(fresh->inline_layout);

  auto demo = ScanChunked(ReadFile(ArtifactsDir() / "go" / "replace-demo"), 7, 8192);
  ASSERT_TRUE(demo) << demo.error().message();
  std::vector<Package> packages = GoPackages(*demo, "/usr/local/bin/demo");
  const Package* fork = nullptr;
  const Package* local = nullptr;
  const Package* main_module = nullptr;
  const Package* stdlib = nullptr;
  for (const Package& p : packages) {
    if (p.name == "example.com/greetfork") {
      fork = &p;
    }
    if (p.name == "example.com/local") {
      local = &p;
    }
    if (p.name == "example.com/customs-demo") {
      main_module = &p;
    }
    if (p.name == "stdlib") {
      stdlib = &p;
    }
    EXPECT_NE(p.name, "example.com/greet") << "a replaced module is reported as its replacement";
    EXPECT_EQ(p.location, "/usr/local/bin/demo");
    EXPECT_EQ(p.type, PackageType::kGolang);
  }
  ASSERT_NE(fork, nullptr);
  EXPECT_EQ(fork->version, "v1.1.0");
  EXPECT_FALSE(fork->unmatchable);
  EXPECT_NE(fork->evidence.find("replaces example.com/greet v1.0.0"), std::string::npos) << fork->evidence;
  ASSERT_NE(local, nullptr);
  EXPECT_TRUE(local->unmatchable);
  EXPECT_NE(local->unmatchable_reason.find("./local"), std::string::npos);
  ASSERT_NE(main_module, nullptr);
  EXPECT_TRUE(main_module->unmatchable);
  ASSERT_NE(stdlib, nullptr);
  EXPECT_EQ(stdlib->version, "1.19.8");
}

TEST(GoBinary, HostileInputsGiveErrorsNotPackages) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  auto claims = ScanChunked(ReadFile(ArtifactsDir() / "go" / "claims-2g"), 1, 65536);
  ASSERT_FALSE(claims);
  EXPECT_EQ(claims.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(claims.error().message().find("2147483648"), std::string::npos) << claims.error().message();
  for (const char* name : {"truncated-inline", "truncated-pointer"}) {
    auto truncated = ScanChunked(ReadFile(ArtifactsDir() / "go" / name), 1, 65536);
    ASSERT_FALSE(truncated) << name;
    EXPECT_EQ(truncated.error().code(), ErrorCode::kCorrupt) << name << ": " << truncated.error().message();
  }
  auto not_go = ScanChunked(ReadFile(ArtifactsDir() / "go" / "not-go"), 1, 4096);
  ASSERT_FALSE(not_go);
  EXPECT_EQ(not_go.error().code(), ErrorCode::kNotFound);
  auto rust = ScanChunked(ReadFile(ArtifactsDir() / "rust" / "rg-plain"), 1, 65536);
  ASSERT_FALSE(rust);
  EXPECT_EQ(rust.error().code(), ErrorCode::kNotFound);
}

TEST(GoBinary, UpxMarkedElfIsReportedAsPacked) {
  // No UPX is packaged in Debian 12 (upx-ucl left after bullseye) or found on npm, so this is the one synthetic
  // input: a real ELF header (from /usr/bin/true's first bytes) followed by UPX's "UPX!" mark, as UPX writes it after
  // the program headers. It checks only that the packed case is named, not how UPX packs.
  std::string elf = ReadFile("/usr/bin/true");
  ASSERT_GT(elf.size(), 4096u);
  std::string packed = elf.substr(0, 0xe8) + "UPX!" + std::string(8192, '\x5a');
  GoBuildInfoScanner scanner;
  scanner.Feed(packed);
  auto result = scanner.Finish();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kUnsupported);
}

TEST(GoBinary, ToolchainVersions) {
  EXPECT_EQ(GoToolchainSemver("go1.19.5"), "1.19.5");
  EXPECT_EQ(GoToolchainSemver("go1.20"), "1.20.0");
  EXPECT_EQ(GoToolchainSemver("go1.21rc2"), "1.21.0-rc.2");
  EXPECT_EQ(GoToolchainSemver("go1.20.12 X:boringcrypto"), "1.20.12");
  EXPECT_EQ(GoToolchainSemver("devel go1.22-abcdef"), std::nullopt);
  EXPECT_EQ(GoToolchainSemver("go1.x"), std::nullopt);
}

TEST(GoBinary, ModInfoErrors) {
  GoBuildInfo info;
  EXPECT_FALSE(ParseModInfo("=>\tx\tv1\n", &info));
  GoBuildInfo ok;
  ASSERT_TRUE(ParseModInfo("path\ta/b\nmod\ta/b\t(devel)\t\ndep\tc/d\tv1.0.0\th1:x=\nbuild\tGOOS=linux\n", &ok));
  EXPECT_EQ(ok.deps.size(), 1u);
  EXPECT_EQ(ok.path, "a/b");
}

TEST(GoBinary, VisitorRecordsAndDiagnostics) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  GoBinaryCataloger cataloger;
  FileTree tree;
  DiagnosticsCollector diagnostics;
  std::vector<testing::TestFile> layer0 = {
      {"/usr/local/bin/esbuild", ReadFile(ArtifactsDir() / "go" / "esbuild-0.12.0"), 0755},
      {"/usr/local/bin/turbo", ReadFile(ArtifactsDir() / "go" / "turbo-1.2.16"), 0755},
      {"/usr/local/bin/claims", ReadFile(ArtifactsDir() / "go" / "claims-2g"), 0755},
      {"/usr/local/bin/true", ReadFile(ArtifactsDir() / "go" / "not-go"), 0755},
      {"/data/esbuild-not-executable", ReadFile(ArtifactsDir() / "go" / "esbuild-0.14.0"), 0644},
  };
  testing::AddLayer(tree, *cataloger.extractor(), layer0, 0, diagnostics);
  // Layer 1 replaces turbo with esbuild 0.19.12 and deletes esbuild.
  std::vector<testing::TestFile> layer1 = {
      {"/usr/local/bin/turbo", ReadFile(ArtifactsDir() / "go" / "esbuild-0.19.12"), 0755}};
  testing::AddLayer(tree, *cataloger.extractor(), layer1, 1, diagnostics, {"/usr/local/bin/esbuild"});
  std::vector<Package> packages = cataloger.Catalog(tree, OsInfo{}, diagnostics);
  std::set<std::string> seen;
  for (const Package& p : packages) {
    seen.insert(p.location + " " + p.name + " " + p.version);
    EXPECT_EQ(p.layer.index, 1) << p.name;
    EXPECT_EQ(p.files, std::vector<std::string>{"/usr/local/bin/turbo"});
  }
  EXPECT_TRUE(seen.count("/usr/local/bin/turbo stdlib 1.20.12")) << "the overwriting layer's binary";
  EXPECT_FALSE(seen.count("/usr/local/bin/turbo stdlib 1.18.1")) << "the overwritten binary is gone";
  int warnings = 0;
  for (const Diagnostic& d : diagnostics.Snapshot()) {
    if (d.subject == "/usr/local/bin/claims") {
      ++warnings;
      EXPECT_EQ(d.level, DiagnosticLevel::kWarning);
    }
    EXPECT_NE(d.subject, "/usr/local/bin/true") << "a non-Go ELF is silent";
  }
  EXPECT_EQ(warnings, 1);
}

}  // namespace
}  // namespace customs::catalog::lang
