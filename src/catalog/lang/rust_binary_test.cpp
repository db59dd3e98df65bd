// The Rust binary cataloger. No binary built by cargo-auditable exists on npm or in Debian 12 here and crates.io is
// unreachable, so the artifact script gives Debian's real ripgrep binary a `.dep-v0` section in cargo-auditable's
// documented format listing the real crates Debian built it from (objcopy --add-section); see
// scripts/lang-binary-artifacts.sh. The oracle is that crate list.
#include "catalog/lang/rust_binary.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "catalog/lang/lang_test_util.h"

namespace customs::catalog::lang {
namespace {

using testing::ArtifactsDir;
using testing::ReadFile;

Result<std::string> Scan(const std::string& content, std::uint32_t seed, std::size_t max_chunk) {
  return testing::ScanChunked<DepV0Scanner>(content, seed, max_chunk);
}

TEST(RustBinary, AuditableRipgrepMatchesItsCrateList) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  std::set<std::string> expected;
  std::istringstream oracle(ReadFile(ArtifactsDir() / "oracle" / "rust-rg.tsv"));
  for (std::string line; std::getline(oracle, line);) {
    std::istringstream fields(line);
    std::string name, version, source;
    fields >> name >> version >> source;
    expected.insert(name + " " + version + (source == "crates.io" ? "" : " !"));
  }
  ASSERT_GT(expected.size(), 40u);
  const std::string content = ReadFile(ArtifactsDir() / "rust" / "rg-auditable");
  for (auto [seed, max_chunk] : {std::pair<std::uint32_t, std::size_t>{0, 0}, {1, 65536}, {2, 4099}, {3, 97}}) {
    auto json = Scan(content, seed, max_chunk);
    ASSERT_TRUE(json) << "chunks<=" << max_chunk << ": " << json.error().message();
    auto packages = ParseAuditableJson(*json, "/usr/bin/rg");
    ASSERT_TRUE(packages) << packages.error().message();
    std::set<std::string> got;
    for (const Package& p : *packages) {
      got.insert(p.name + " " + p.version + (p.unmatchable ? " !" : ""));
      EXPECT_EQ(p.type, PackageType::kCargo);
      EXPECT_EQ(p.location, "/usr/bin/rg");
    }
    EXPECT_EQ(got, expected) << "chunks<=" << max_chunk;
  }
}

TEST(RustBinary, WithoutSectionHeadersTheJsonShapeDecides) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  std::string content = ReadFile(ArtifactsDir() / "rust" / "rg-auditable");
  // e_shoff, e_shnum, e_shstrndx zeroed (ELF64 little-endian offsets 0x28, 0x3c, 0x3e).
  std::fill(content.begin() + 0x28, content.begin() + 0x30, '\0');
  std::fill(content.begin() + 0x3c, content.begin() + 0x40, '\0');
  auto json = Scan(content, 5, 32768);
  ASSERT_TRUE(json) << json.error().message();
  EXPECT_TRUE(json->starts_with("{\"packages\":["));
}

TEST(RustBinary, PlainAndGoBinariesHaveNoAuditData) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  for (auto path : {ArtifactsDir() / "rust" / "rg-plain", ArtifactsDir() / "go" / "esbuild-0.19.12",
                    ArtifactsDir() / "go" / "replace-demo", ArtifactsDir() / "go" / "not-go"}) {
    auto json = Scan(ReadFile(path), 1, 65536);
    ASSERT_FALSE(json) << path;
    EXPECT_EQ(json.error().code(), ErrorCode::kNotFound) << path << ": " << json.error().message();
  }
}

TEST(RustBinary, CorruptSectionIsAnErrorNotPackages) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  std::string content = ReadFile(ArtifactsDir() / "rust" / "rg-auditable");
  const std::string section = ReadFile(ArtifactsDir() / "rust" / "dep-v0.zlib");
  const std::size_t at = content.find(section);
  ASSERT_NE(at, std::string::npos);
  for (std::size_t i = 40; i < section.size(); i += 7) {
    content[at + i] = static_cast<char>(content[at + i] ^ 0x5a);
  }
  auto json = Scan(content, 1, 65536);
  ASSERT_FALSE(json);
  EXPECT_EQ(json.error().code(), ErrorCode::kCorrupt) << json.error().message();
  // Truncated inside the section: the stream never ends, and the section headers are gone too.
  auto truncated = Scan(content.substr(0, at + section.size() / 2), 1, 65536);
  ASSERT_FALSE(truncated);
}

TEST(RustBinary, OnlyCratesIoCratesAreMatchable) {
  auto packages = ParseAuditableJson(
      R"({"packages":[{"name":"app","version":"0.1.0","source":"local","dependencies":[1,2,3],"root":true},)"
      R"({"name":"serde","version":"1.0.100","source":"crates.io"},)"
      R"({"name":"fork","version":"0.2.0","source":"git"},)"
      R"({"name":"cc","version":"1.0.79","source":"crates.io","kind":"build"},)"
      R"({"name":"internal","version":"3.0.0","source":"registry"}]})",
      "/app");
  ASSERT_TRUE(packages);
  ASSERT_EQ(packages->size(), 5u);
  EXPECT_TRUE((*packages)[0].unmatchable);
  EXPECT_FALSE((*packages)[1].unmatchable);
  EXPECT_TRUE((*packages)[2].unmatchable);
  EXPECT_FALSE((*packages)[3].unmatchable);
  EXPECT_NE((*packages)[3].evidence.find("build"), std::string::npos);
  EXPECT_TRUE((*packages)[4].unmatchable);
  EXPECT_FALSE(ParseAuditableJson("{\"packages\":[{\"name\":1}]}", "/x"));
  EXPECT_FALSE(ParseAuditableJson("not json", "/x"));
}

}  // namespace
}  // namespace customs::catalog::lang
