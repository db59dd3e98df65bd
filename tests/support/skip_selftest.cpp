// A test of the test harness itself (tests/support/skip_selftest.sh runs it): one case skips when
// CUSTOMS_SELFTEST_SKIP=1, the other always passes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

TEST(SkipSelfTest, SkipsOnRequest) {
  const char* skip = std::getenv("CUSTOMS_SELFTEST_SKIP");
  if (skip != nullptr && std::string(skip) == "1") GTEST_SKIP() << "asked to skip by CUSTOMS_SELFTEST_SKIP";
  SUCCEED();
}

TEST(SkipSelfTest, AlwaysRuns) {
  EXPECT_EQ(1 + 1, 2);
}
