#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "core/utf8.h"

namespace customs {
namespace {

using nlohmann::ordered_json;

// Writes a nlohmann document through JsonWriter, so the two serialisers can be compared on the same tree.
void WriteTree(JsonWriter& writer, const ordered_json& value) {
  switch (value.type()) {
    case ordered_json::value_t::object:
      writer.BeginObject();
      for (const auto& [key, item] : value.items()) {
        writer.Key(key);
        WriteTree(writer, item);
      }
      writer.EndObject();
      break;
    case ordered_json::value_t::array:
      writer.BeginArray();
      for (const auto& item : value) WriteTree(writer, item);
      writer.EndArray();
      break;
    case ordered_json::value_t::string: writer.String(value.get<std::string>()); break;
    case ordered_json::value_t::boolean: writer.Bool(value.get<bool>()); break;
    case ordered_json::value_t::number_integer: writer.Int(value.get<std::int64_t>()); break;
    case ordered_json::value_t::number_unsigned: writer.Uint(value.get<std::uint64_t>()); break;
    case ordered_json::value_t::number_float: writer.Double(value.get<double>()); break;
    default: writer.Null();
  }
}

std::string Written(const ordered_json& value, int indent) {
  StringOutput out;
  JsonWriter writer(out, indent);
  WriteTree(writer, value);
  EXPECT_TRUE(writer.done());
  return out.Take();
}

// nlohmann's layout is the reference: the goldens and every consumer were written against it.
TEST(JsonWriterTest, SameBytesAsNlohmann) {
  ordered_json doc = {
      {"schema", "customs.sbom/v1"},
      {"empty_object", ordered_json::object()},
      {"empty_array", ordered_json::array()},
      {"numbers", {0, -1, 42, 9.8, 0.27, 1.0, 0.00043, 1e-07, 123456789.125, 1e300, -0.5}},
      {"unsigned", std::uint64_t{18446744073709551615ull}},
      {"flags", {true, false, nullptr}},
      {"text", "quote \" backslash \\ slash / tab \t newline \n cr \r bell \x07 nul-free \x1f del \x7f é 日本 🙂"},
      {"nested", {{"a", {{"b", ordered_json::array({ordered_json::object(), ordered_json::array({1})})}}}}},
  };
  EXPECT_EQ(Written(doc, 2), doc.dump(2));
  EXPECT_EQ(Written(doc, 4), doc.dump(4));
  EXPECT_EQ(Written(doc, -1), doc.dump());
  EXPECT_EQ(Written(ordered_json::array(), 2), "[]");
  EXPECT_EQ(Written("top", 2), "\"top\"");
}

TEST(JsonWriterTest, RandomDocumentsMatchNlohmann) {
  std::mt19937 random(7);
  std::function<ordered_json(int)> make = [&](int depth) -> ordered_json {
    switch (depth > 3 ? random() % 4 : random() % 6) {
      case 0: {
        std::string text;
        for (unsigned n = random() % 12; n > 0; --n) text.push_back(static_cast<char>(random() % 0x80));
        return text;
      }
      case 1: return static_cast<std::int64_t>(random()) - (1ll << 31);
      case 2: return static_cast<double>(random() % 10000000) / 1000.0;
      case 3: return random() % 2 == 0;
      case 4: {
        ordered_json object = ordered_json::object();
        for (unsigned n = random() % 4; n > 0; --n) object["k" + std::to_string(random() % 100)] = make(depth + 1);
        return object;
      }
      default: {
        ordered_json array = ordered_json::array();
        for (unsigned n = random() % 4; n > 0; --n) array.push_back(make(depth + 1));
        return array;
      }
    }
  };
  for (int i = 0; i < 500; ++i) {
    ordered_json doc = make(0);
    ASSERT_EQ(Written(doc, 2), doc.dump(2)) << doc.dump();
  }
}

TEST(JsonWriterTest, InvalidUtf8BecomesValidJson) {
  StringOutput out;
  JsonWriter writer(out);
  std::string hostile = "ba\xff\xfesh \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82";
  writer.BeginObject().Field(hostile, hostile).Field("list", std::vector<std::string>{hostile}).EndObject();
  ASSERT_TRUE(IsValidUtf8(out.text()));
  auto parsed = ordered_json::parse(out.text(), nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << out.text();
  const std::string expected = Sanitized(hostile);
  EXPECT_EQ(parsed[expected], expected);
  EXPECT_EQ(parsed["list"][0], expected);
}

// The shortest form that reads back to the same value (where two shortest forms tie, nlohmann and fmt may pick
// different last digits: both read back exactly).
TEST(JsonWriterTest, NumbersReadBackExactly) {
  for (double value : {0.1, 0.99506, 1.0 / 3.0, 2.5e-5, 6.02214076e23, 9.8, 100.0, 3676.49200439453125}) {
    std::string text = JsonDouble(value);
    EXPECT_EQ(std::stod(text), value) << text;
    EXPECT_LE(text.size(), ordered_json(value).dump().size()) << text;
  }
  std::mt19937_64 random(3);
  for (int i = 0; i < 10000; ++i) {
    double value = std::ldexp(static_cast<double>(random() >> 11), -static_cast<int>(random() % 80));
    ASSERT_EQ(std::stod(JsonDouble(value)), value);
  }
  EXPECT_EQ(JsonDouble(0.99506), "0.99506");
  EXPECT_EQ(JsonDouble(std::nan("")), "null");
}

}  // namespace
}  // namespace customs
