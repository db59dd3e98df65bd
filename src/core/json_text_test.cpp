#include "core/json_text.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <random>

namespace customs {
namespace {

TEST(JsonTextTest, EpssPrintsAsItCameIn) {
  // nlohmann's Grisu2 prints this double as 0.9950599999999999; it was read from the text "0.99506".
  const double score = std::strtod("0.99506", nullptr);
  EXPECT_EQ(ShortestDouble(score), "0.99506");
  EXPECT_EQ(JsonText(nlohmann::json{{"score", score}}), R"({"score":0.99506})");
  EXPECT_EQ(ShortestDouble(9.8), "9.8");
  EXPECT_EQ(ShortestDouble(10.0), "10.0");
  EXPECT_EQ(ShortestDouble(0.0), "0.0");
  EXPECT_EQ(ShortestDouble(1e-05), "1e-05");
  EXPECT_EQ(ShortestDouble(std::numeric_limits<double>::quiet_NaN()), "null");
}

TEST(JsonTextTest, EveryDoubleIsShortestAndReadsBack) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int i = 0; i < 200000; ++i) {
    // EPSS-like values with five decimals, and arbitrary doubles.
    double value = (i % 2 == 0) ? std::round(unit(random) * 100000) / 100000 : unit(random) * std::pow(10, i % 40 - 20);
    std::string text = ShortestDouble(value);
    ASSERT_EQ(std::strtod(text.c_str(), nullptr), value) << text;
    std::string grisu = nlohmann::json(value).dump();
    ASSERT_LE(text.size(), grisu.size() + 2) << text << " vs " << grisu;  // +2: our ".0" on integral values
    if (i % 2 == 0) {
      // A value with at most five decimals prints with at most five decimals.
      auto dot = text.find('.');
      ASSERT_TRUE(dot == std::string::npos || text.find('e') != std::string::npos || text.size() - dot - 1 <= 5)
          << text;
    }
  }
}

TEST(JsonTextTest, SameLayoutAsDump) {
  nlohmann::ordered_json doc = {
      {"b", 1},
      {"a", {{"x", nlohmann::ordered_json::array()}, {"y", nlohmann::ordered_json::object()}}},
      {"list", {1, "two", nullptr, true, {{"k", "v"}}}},
      {"text", "quote \" and \\ and \n"}};
  EXPECT_EQ(JsonText(doc, 2), doc.dump(2));
  EXPECT_EQ(JsonText(doc), doc.dump());
  nlohmann::json plain = nlohmann::json::parse(R"({"z": [1, 2, {"q": false}], "a": "b", "n": -3})");
  EXPECT_EQ(JsonText(plain, 4), plain.dump(4));
}

TEST(JsonTextTest, InvalidUtf8IsReplacedNotThrown) {
  nlohmann::json doc = {{"name", std::string("bad\xff\xfe"
                                             "byte")}};
  std::string text = JsonText(doc, 2);
  EXPECT_NE(text.find("bad\xEF\xBF\xBD"), std::string::npos) << text;
  EXPECT_FALSE(nlohmann::json::parse(text, nullptr, false).is_discarded());
}

}  // namespace
}  // namespace customs
