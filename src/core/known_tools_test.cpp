#include "core/known_tools.h"

#include <gtest/gtest.h>

#include <set>

namespace customs {
namespace {

TEST(KnownToolsTest, TheDataFileParsesCompletely) {
  // Every non-comment line of the data file becomes a tool: a malformed line would silently drop a tool otherwise.
  std::size_t lines = 0;
  std::string_view text = KnownToolsText();
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line[0] != '#') ++lines;
    start = end + 1;
  }
  EXPECT_EQ(KnownTools().size(), lines);
  std::set<ToolKind> kinds;
  for (const auto& tool : KnownTools()) kinds.insert(tool.kind);
  EXPECT_EQ(kinds.size(), 4u);
}

TEST(KnownToolsTest, PackagesAndBinariesResolve) {
  ASSERT_NE(ToolForPackage(ToolKind::kAttackerTool, "netcat-openbsd"), nullptr);
  EXPECT_EQ(ToolForPackage(ToolKind::kAttackerTool, "netcat-openbsd")->name, "netcat");
  EXPECT_EQ(ToolForBinary(ToolKind::kAttackerTool, "nc")->name, "netcat");
  EXPECT_EQ(ToolForPackage(ToolKind::kCompiler, "gcc-12")->name, "gcc");
  EXPECT_EQ(ToolForPackage(ToolKind::kCompiler, "libssl-dev")->name, "dev-packages");
  EXPECT_EQ(ToolForBinary(ToolKind::kCompiler, "cc1")->name, "gcc");
  EXPECT_EQ(ToolForPackage(ToolKind::kAttackerTool, "libcurl4"), nullptr) << "the library is not the tool";
  EXPECT_EQ(ToolForPackage(ToolKind::kCompiler, "gcc-12-base"), nullptr) << "every Debian image has it";
  EXPECT_EQ(ToolForPackage(ToolKind::kCompiler, "libgcc-s1"), nullptr);
  EXPECT_EQ(ToolForPackage(ToolKind::kCompiler, "golang-1.19-go")->name, "go");
  EXPECT_NE(ToolForBinary(ToolKind::kShell, "bash"), nullptr);
  EXPECT_EQ(ToolForBinary(ToolKind::kShell, "bashful"), nullptr);
}

}  // namespace
}  // namespace customs
