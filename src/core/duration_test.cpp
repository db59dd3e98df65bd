#include "core/duration.h"

#include <gtest/gtest.h>

namespace customs {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(DurationTest, ParsesUnitsAndSequences) {
  EXPECT_EQ(*ParseDuration("90s"), seconds(90));
  EXPECT_EQ(*ParseDuration("15m"), minutes(15));
  EXPECT_EQ(*ParseDuration("72h"), hours(72));
  EXPECT_EQ(*ParseDuration("7d"), hours(168));
  EXPECT_EQ(*ParseDuration("1h30m"), minutes(90));
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("1m500ms"), milliseconds(60500));
  EXPECT_EQ(*ParseDuration("0s"), milliseconds(0));
}

TEST(DurationTest, BareNumbersTakeTheCallersUnit) {
  EXPECT_EQ(*ParseDuration("30"), seconds(30));
  EXPECT_EQ(*ParseDuration("72", hours(1)), hours(72));
}

TEST(DurationTest, RejectsWhatIsNotADuration) {
  for (const char* text : {"", "h", "-5s", "5 s", "1.5h", "5x", "1h30", "99999999999999999999s", "40000d", "s5"}) {
    auto parsed = ParseDuration(text);
    EXPECT_FALSE(parsed) << text;
    if (!parsed) {
      EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(DurationTest, FormatsTheShortestExactSpelling) {
  EXPECT_EQ(FormatDuration(hours(72)), "3d");
  EXPECT_EQ(FormatDuration(minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1s500ms");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  for (const char* text : {"3d", "1h30m", "45s", "2m", "250ms"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

}  // namespace
}  // namespace customs
