// Data-driven comparator tests: testdata/<scheme>.txt, apk-tools' version.data (from ../shared), and the
// differential dpkg/rpm pairs whose answers came from the real tools (scripts/version_refgen.py).
#include "version/version.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "version/schemes.h"

namespace customs::version {
namespace {

const std::filesystem::path kTestData = std::filesystem::path(CUSTOMS_SOURCE_DIR) / "src/version/testdata";

std::string Trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> Split(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

char OpOf(int c) {
  return c < 0 ? '<' : (c > 0 ? '>' : '=');
}
char Reverse(char op) {
  return op == '<' ? '>' : (op == '>' ? '<' : '=');
}

// Runs one testdata file; returns the number of checks made.
void RunDataFile(Scheme scheme, const std::string& file, int* checks_out) {
  std::ifstream in(kTestData / file);
  ASSERT_TRUE(in.good()) << file;
  int& checks = *checks_out;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const std::string where = file + ":" + std::to_string(line_no);
    if (line[0] == '!') {
      const std::string v = Trim(line.substr(1));
      auto r = Compare(scheme, v, v);
      EXPECT_FALSE(r.has_value()) << where << ": '" << v << "' should be rejected";
      if (!r) {
        EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << where;
      }
      ++checks;
      continue;
    }
    if (line.rfind("sorted:", 0) == 0) {
      const auto vs = Split(line.substr(7));
      for (size_t i = 0; i < vs.size(); ++i) {
        for (size_t j = 0; j < vs.size(); ++j) {
          auto r = Compare(scheme, vs[i], vs[j]);
          ASSERT_TRUE(r.has_value()) << where << ": " << r.error().message();
          const char want = i < j ? '<' : (i > j ? '>' : '=');
          EXPECT_EQ(OpOf(*r), want) << where << ": " << vs[i] << " vs " << vs[j];
          ++checks;
        }
      }
      continue;
    }
    const auto parts = Split(line);
    ASSERT_EQ(parts.size(), 3u) << where << ": bad test line";
    const char op = parts[1][0];
    auto r = Compare(scheme, parts[0], parts[2]);
    ASSERT_TRUE(r.has_value()) << where << ": " << r.error().message();
    EXPECT_EQ(OpOf(*r), op) << where << ": " << line;
    auto rr = Compare(scheme, parts[2], parts[0]);
    ASSERT_TRUE(rr.has_value()) << where;
    EXPECT_EQ(OpOf(*rr), Reverse(op)) << where << " (reversed): " << line;
    checks += 2;
  }
}

TEST(VersionDataTest, Dpkg) {
  int checks = 0;
  RunDataFile(Scheme::kDeb, "dpkg.txt", &checks);
  EXPECT_GT(checks, 20);
}
TEST(VersionDataTest, Rpm) {
  int checks = 0;
  RunDataFile(Scheme::kRpm, "rpm.txt", &checks);
  EXPECT_GT(checks, 20);
}
TEST(VersionDataTest, SemverOrgPrecedence) {
  int checks = 0;
  RunDataFile(Scheme::kSemver, "semver.txt", &checks);
  EXPECT_GT(checks, 20);
}
TEST(VersionDataTest, Go) {
  int checks = 0;
  RunDataFile(Scheme::kGo, "go.txt", &checks);
  EXPECT_GT(checks, 20);
}
TEST(VersionDataTest, Pep440SpecExamples) {
  int checks = 0;
  RunDataFile(Scheme::kPep440, "pep440.txt", &checks);
  EXPECT_GT(checks, 20);
}
TEST(VersionDataTest, MavenComparableVersion) {
  int checks = 0;
  RunDataFile(Scheme::kMaven, "maven.txt", &checks);
  EXPECT_GT(checks, 20);
}
TEST(VersionDataTest, RubyGems) {
  int checks = 0;
  RunDataFile(Scheme::kGem, "gem.txt", &checks);
  EXPECT_GT(checks, 20);
}

TEST(VersionDataTest, NuGetDocumentedBehaviour) {
  int checks = 0;
  RunDataFile(Scheme::kNuget, "nuget.txt", &checks);
  EXPECT_GT(checks, 60);
}
TEST(VersionDataTest, ComposerDocumentedBehaviour) {
  int checks = 0;
  RunDataFile(Scheme::kComposer, "composer.txt", &checks);
  EXPECT_GT(checks, 60);
}

TEST(VersionDataTest, ApkToolsVersionData) {
  const std::filesystem::path path = std::filesystem::path(CUSTOMS_SHARED_DATA) / "versions/apk-version.data";
  std::ifstream in(path);
  if (!in.good()) GTEST_SKIP() << "apk-tools test vectors absent: " << path;
  int checks = 0, invalid_seen = 0, line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    const bool marked_invalid = line.find("invalid") != std::string::npos;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const auto parts = Split(line);
    if (parts.size() != 3) continue;
    const char op = parts[1][0];
    // apk compares even invalid versions (version.data has a few); the lenient comparator is apk's exact logic.
    EXPECT_EQ(OpOf(internal::CompareApkLenient(parts[0], parts[2])), op) << "line " << line_no << ": " << line;
    EXPECT_EQ(OpOf(internal::CompareApkLenient(parts[2], parts[0])), Reverse(op)) << "line " << line_no;
    const bool valid = internal::ApkValid(parts[0]) && internal::ApkValid(parts[2]);
    if (marked_invalid) {
      ++invalid_seen;
      EXPECT_FALSE(valid) << "line " << line_no << " is marked invalid";
      EXPECT_FALSE(Compare(Scheme::kApk, parts[0], parts[2]).has_value()) << "line " << line_no;
    } else if (valid) {
      auto r = Compare(Scheme::kApk, parts[0], parts[2]);
      ASSERT_TRUE(r.has_value()) << "line " << line_no;
      EXPECT_EQ(OpOf(*r), op) << "line " << line_no;
    }
    ++checks;
  }
  EXPECT_GT(checks, 700);
  EXPECT_GE(invalid_seen, 1);
}

std::string ReadGzip(const std::filesystem::path& path) {
  std::string buf;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return buf;
  char chunk[1 << 16];
  int n;
  while ((n = gzread(f, chunk, sizeof chunk)) > 0) buf.append(chunk, static_cast<size_t>(n));
  gzclose(f);
  return buf;
}

// "A B R" lines from a gzip file.
std::vector<std::array<std::string, 3>> ReadPairs(const std::filesystem::path& path) {
  std::vector<std::array<std::string, 3>> out;
  std::istringstream in(ReadGzip(path));
  for (std::string line; std::getline(in, line);) {
    const auto parts = Split(line);
    if (parts.size() == 3) out.push_back({parts[0], parts[1], parts[2]});
  }
  return out;
}

void RunDifferential(Scheme scheme, const char* file) {
  const auto pairs = ReadPairs(kTestData / file);
  ASSERT_GE(pairs.size(), 100000u) << file;
  int disagreements = 0, counts[3] = {0, 0, 0};
  for (const auto& [a, b, want] : pairs) {
    auto r = Compare(scheme, a, b);
    if (!r) {
      ADD_FAILURE() << file << ": we reject '" << a << "' / '" << b
                    << "' which the reference accepted: " << r.error().message();
      if (++disagreements > 20) break;
      continue;
    }
    ++counts[*r + 1];
    if (OpOf(*r) != want[0]) {
      ADD_FAILURE() << file << ": " << a << " " << OpOf(*r) << " " << b << " but the reference says " << want;
      if (++disagreements > 20) break;
    }
  }
  EXPECT_EQ(disagreements, 0);
  // The generator must exercise all three outcomes.
  EXPECT_GT(counts[0], 1000);
  EXPECT_GT(counts[1], 1000);
  EXPECT_GT(counts[2], 1000);
}

TEST(VersionDifferentialTest, DpkgCompareVersions) {
  RunDifferential(Scheme::kDeb, "dpkg_pairs.txt.gz");
}
TEST(VersionDifferentialTest, RpmVercmp) {
  RunDifferential(Scheme::kRpm, "rpm_pairs.txt.gz");
}

// composer/semver's own answers (scripts/version_refgen_composer.py): normalize() of every generated string, and
// the order of every pair ("!" = Composer rejects a side or it is a dev branch, so we must reject it too).
TEST(VersionDifferentialTest, ComposerNormalize) {
  std::istringstream in(ReadGzip(kTestData / "composer_normalize.txt.gz"));
  int checked = 0, valid = 0, disagreements = 0;
  for (std::string line; std::getline(in, line);) {
    const auto parts = Split(line);
    if (parts.size() != 2) continue;
    auto mine = internal::NormalizeComposer(parts[0]);
    const std::string got = mine ? *mine : "!";
    if (got != parts[1]) {
      ADD_FAILURE() << "normalize('" << parts[0] << "') = '" << got << "', composer/semver says '" << parts[1] << "'";
      if (++disagreements > 20) break;
    }
    ++checked;
    valid += parts[1] != "!";
  }
  EXPECT_GT(checked, 20000);
  EXPECT_GT(valid, 10000);
}

TEST(VersionDifferentialTest, ComposerComparator) {
  const auto pairs = ReadPairs(kTestData / "composer_pairs.txt.gz");
  ASSERT_GE(pairs.size(), 20000u);
  int disagreements = 0, counts[4] = {0, 0, 0, 0};
  for (const auto& [a, b, want] : pairs) {
    auto r = Compare(Scheme::kComposer, a, b);
    if (want == "!") {
      ++counts[3];
      if (r) {
        ADD_FAILURE() << a << " " << OpOf(*r) << " " << b << " but Composer has no order for them";
        if (++disagreements > 20) break;
      }
      continue;
    }
    if (!r) {
      ADD_FAILURE() << "we reject '" << a << "' / '" << b << "' which Composer orders: " << r.error().message();
      if (++disagreements > 20) break;
      continue;
    }
    ++counts[*r + 1];
    if (OpOf(*r) != want[0]) {
      ADD_FAILURE() << a << " " << OpOf(*r) << " " << b << " but composer/semver says " << want;
      if (++disagreements > 20) break;
    }
  }
  EXPECT_EQ(disagreements, 0);
  for (int c : counts) EXPECT_GT(c, 1000);
}

TEST(VersionSchemeTest, NamesRoundTrip) {
  for (Scheme s : {Scheme::kDeb, Scheme::kRpm, Scheme::kApk, Scheme::kSemver, Scheme::kGo, Scheme::kPep440,
                   Scheme::kMaven, Scheme::kGem, Scheme::kNuget, Scheme::kComposer}) {
    auto back = ParseSchemeName(SchemeName(s));
    ASSERT_TRUE(back.has_value()) << SchemeName(s);
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(ParseSchemeName("nope").has_value());
}

TEST(VersionSchemeTest, Ecosystems) {
  EXPECT_EQ(SchemeForEcosystem("Go"), Scheme::kGo);
  EXPECT_EQ(SchemeForEcosystem("PyPI"), Scheme::kPep440);
  EXPECT_EQ(SchemeForEcosystem("crates.io"), Scheme::kSemver);
  EXPECT_EQ(SchemeForEcosystem("npm"), Scheme::kSemver);
  EXPECT_EQ(SchemeForEcosystem("Maven"), Scheme::kMaven);
  EXPECT_EQ(SchemeForEcosystem("RubyGems"), Scheme::kGem);
  EXPECT_EQ(SchemeForEcosystem("NuGet"), Scheme::kNuget);
  EXPECT_EQ(SchemeForEcosystem("Packagist"), Scheme::kComposer);
  EXPECT_EQ(SchemeForEcosystem("Debian"), Scheme::kDeb);
  EXPECT_EQ(SchemeForEcosystem("debian:12"), Scheme::kDeb);
  EXPECT_EQ(SchemeForEcosystem("Ubuntu:22.04:LTS"), Scheme::kDeb);
  EXPECT_EQ(SchemeForEcosystem("Alpine"), Scheme::kApk);
  EXPECT_EQ(SchemeForEcosystem("alpine:3.20"), Scheme::kApk);
  EXPECT_EQ(SchemeForEcosystem("Red Hat"), Scheme::kRpm);
  EXPECT_EQ(SchemeForEcosystem("rhel:9"), Scheme::kRpm);
  EXPECT_EQ(SchemeForEcosystem("SUSE"), Scheme::kRpm);
  EXPECT_FALSE(SchemeForEcosystem("Nonexistent").has_value());
}

}  // namespace
}  // namespace customs::version
