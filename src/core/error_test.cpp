#include "core/error.h"

#include <gtest/gtest.h>

namespace customs {
namespace {

Result<int> Parse(int value) {
  if (value < 0) return MakeError(ErrorCode::kInvalidArgument, "negative: {}", value);
  return value * 2;
}

Result<int> Twice(int value) {
  CUSTOMS_ASSIGN_OR_RETURN(int doubled, Parse(value));
  return doubled + 1;
}

TEST(ErrorTest, AssignOrReturnPropagates) {
  EXPECT_EQ(*Twice(3), 7);
  auto bad = Twice(-1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "negative: -1");
}

TEST(ErrorTest, ContextIsPrepended) {
  Error error(ErrorCode::kCorrupt, "bad magic");
  EXPECT_EQ(error.WithContext("layer 2").message(), "layer 2: bad magic");
  EXPECT_EQ(error.WithContext("layer 2").ToString(), "corrupt: layer 2: bad magic");
}

}  // namespace
}  // namespace customs
