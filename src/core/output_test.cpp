#include "core/output.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>

#include "core/file_util.h"

namespace customs {
namespace {

TEST(OutputTest, AtomicFileOutputWritesOnlyOnCommit) {
  auto dir = TempDir::Create("customs-output-test");
  ASSERT_TRUE(dir);
  const auto path = dir->path() / "report.json";
  ASSERT_TRUE(WriteFileAtomic(path, "old"));
  {
    auto output = AtomicFileOutput::Create(path);
    ASSERT_TRUE(output);
    // More than the buffer, in pieces of every size.
    for (int i = 0; i < 20000; ++i) (*output)->Write(std::string(i % 17, 'x'));
    EXPECT_EQ(*ReadFile(path), "old") << "nothing reaches the file before Commit";
  }  // not committed: the old file stays, the temporary is gone
  EXPECT_EQ(*ReadFile(path), "old");
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir->path())) ++entries;
  EXPECT_EQ(entries, 1);

  auto output = AtomicFileOutput::Create(path);
  ASSERT_TRUE(output);
  std::string expected;
  for (int i = 0; i < 20000; ++i) {
    (*output)->Write(std::string(i % 17, 'a' + i % 26));
    expected += std::string(i % 17, 'a' + i % 26);
  }
  (*output)->Write(std::string(200000, 'z'));
  expected += std::string(200000, 'z');
  ASSERT_TRUE((*output)->Commit());
  EXPECT_EQ(*ReadFile(path), expected);
}

TEST(OutputTest, AtomicFileOutputFailsCleanlyWhereItCannotWrite) {
  EXPECT_FALSE(AtomicFileOutput::Create("/nonexistent/customs/dir/report.json"));
}

TEST(OutputTest, FdOutputReportsAWriteError) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);  // nobody reads: with SIGPIPE ignored, writing fails with EPIPE
  std::signal(SIGPIPE, SIG_IGN);
  FdOutput output(fds[1]);
  output.Write(std::string(100000, 'x'));
  EXPECT_FALSE(output.Finish());
  ::close(fds[1]);
}

}  // namespace
}  // namespace customs
