#include "core/file_util.h"

#include <gtest/gtest.h>

namespace customs {
namespace {

TEST(FileUtilTest, AtomicWriteThenRead) {
  auto dir = TempDir::Create("customs-test");
  ASSERT_TRUE(dir);
  auto path = dir->path() / "x.txt";
  ASSERT_TRUE(WriteFileAtomic(path, "hello"));
  ASSERT_TRUE(WriteFileAtomic(path, "world"));
  auto content = ReadFile(path);
  ASSERT_TRUE(content);
  EXPECT_EQ(*content, "world");
  // No temporary file is left behind.
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir->path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(FileUtilTest, MissingFileIsNotFound) {
  auto content = ReadFile("/nonexistent/customs/file");
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code(), ErrorCode::kNotFound);
}

TEST(FileUtilTest, SizeLimitIsEnforced) {
  auto dir = TempDir::Create();
  ASSERT_TRUE(dir);
  ASSERT_TRUE(WriteFileAtomic(dir->path() / "big", std::string(100, 'x')));
  auto content = ReadFile(dir->path() / "big", 10);
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code(), ErrorCode::kInvalidArgument);
}

TEST(FileUtilTest, TempDirIsRemoved) {
  std::filesystem::path where;
  {
    auto dir = TempDir::Create();
    ASSERT_TRUE(dir);
    where = dir->path();
    EXPECT_TRUE(std::filesystem::exists(where));
  }
  EXPECT_FALSE(std::filesystem::exists(where));
}

}  // namespace
}  // namespace customs
