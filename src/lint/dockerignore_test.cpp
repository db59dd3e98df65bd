// .dockerignore matching against moby/patternmatcher's own test cases (testdata/dockerignore/patternmatcher.tsv,
// Apache-2.0, see PROVENANCE there) and the ignorefile reader's rules.
#include "lint/dockerignore.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_util.h"

namespace customs::lint {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    std::size_t tab = line.find('\t', pos);
    out.push_back(line.substr(pos, tab == std::string::npos ? std::string::npos : tab - pos));
    if (tab == std::string::npos) {
      return out;
    }
    pos = tab + 1;
  }
}

TEST(DockerIgnore, PatternmatcherCases) {
  auto text =
      ReadFile(fs::path(CUSTOMS_SOURCE_DIR) / "src" / "lint" / "testdata" / "dockerignore" / "patternmatcher.tsv");
  ASSERT_TRUE(text.has_value());
  int checked = 0;
  std::size_t pos = 0;
  while (pos < text->size()) {
    std::size_t nl = text->find('\n', pos);
    std::string line = text->substr(pos, nl - pos);
    pos = nl == std::string::npos ? text->size() : nl + 1;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    auto fields = SplitTabs(line);
    ASSERT_GE(fields.size(), 3u) << line;
    std::string content;
    for (std::size_t k = 2; k < fields.size(); ++k) {
      content += fields[k] + "\n";
    }
    auto ignore = DockerIgnore::Parse(content);
    ASSERT_TRUE(ignore.has_value()) << line << ": " << ignore.error().message();
    EXPECT_EQ(ignore->MatchesOrParentMatches(fields[1]), fields[0] == "excluded") << line;
    ++checked;
  }
  EXPECT_GE(checked, 80);
}

TEST(DockerIgnore, ReaderRules) {
  // ignorefile.ReadAll: comments, blank lines, a leading '/' and surrounding spaces are dropped; a BOM too.
  auto ignore =
      DockerIgnore::Parse("\xEF\xBB\xBFtest1\n/test2\n  /a/file/here  \n\nlastfile\n# a comment\n ! /keep/me\r\n");
  ASSERT_TRUE(ignore.has_value());
  EXPECT_EQ(ignore->size(), 5u);
  EXPECT_TRUE(ignore->MatchesOrParentMatches("test1"));
  EXPECT_TRUE(ignore->MatchesOrParentMatches("test2"));
  EXPECT_TRUE(ignore->MatchesOrParentMatches("a/file/here/below"));
  EXPECT_FALSE(ignore->MatchesOrParentMatches("a/file"));
  EXPECT_FALSE(ignore->MatchesOrParentMatches("#"));
  EXPECT_TRUE(ignore->HasExclusions());
  EXPECT_FALSE(ignore->ExcludesContextRoot());
  // "# comment" is a comment only at the start of the line (before trimming), as in ignorefile.
  auto hash = DockerIgnore::Parse(" #not-a-comment\n");
  ASSERT_TRUE(hash.has_value());
  EXPECT_TRUE(hash->MatchesOrParentMatches("#not-a-comment"));
  // Errors: a lone "!" and a malformed character class.
  EXPECT_FALSE(DockerIgnore::Parse("!\n").has_value());
  EXPECT_FALSE(DockerIgnore::Parse("[\n").has_value());
  // Root patterns.
  for (const char* root : {"*", "**", "**/*"}) {
    auto r = DockerIgnore::Parse(std::string(root) + "\n");
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->ExcludesContextRoot()) << root;
  }
}

TEST(DockerIgnore, CleanPath) {
  EXPECT_EQ(CleanPath(""), ".");
  EXPECT_EQ(CleanPath("./Dockerfile"), "Dockerfile");
  EXPECT_EQ(CleanPath("a//b/../c/"), "a/c");
  EXPECT_EQ(CleanPath("/../x"), "/x");
  EXPECT_EQ(CleanPath("../../x"), "../../x");
  EXPECT_EQ(CleanPath("/"), "/");
}

}  // namespace
}  // namespace customs::lint
