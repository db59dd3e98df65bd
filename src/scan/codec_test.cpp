#include "scan/codec.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/pfr.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "core/file_util.h"
#include "core/utf8.h"
#include "scan/scan.h"
#include "vulndb/importer.h"

namespace customs::scan {
namespace {

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsPair : std::false_type {};
template <class A, class B>
struct IsPair<std::pair<A, B>> : std::true_type {};

// Gives every member, recursively, a value different from its default (enums get enumerator 1, or 0 when 1 is the
// default; every encoded enum has both). A member the codec forgets then comes back at its default and the
// comparison below names it. A member of a type this cannot fill fails to compile here: teach Fill the type and the
// codec the member.
template <class T>
void Fill(T& value, int& counter) {
  ++counter;
  if constexpr (std::is_same_v<T, std::string>) {
    value = "v" + std::to_string(counter);
  } else if constexpr (std::is_same_v<T, bool>) {
    value = true;
  } else if constexpr (std::is_enum_v<T>) {
    value = static_cast<T>(static_cast<int>(value) == 1 ? 0 : 1);
  } else if constexpr (std::is_floating_point_v<T>) {
    value = counter + 0.5;
  } else if constexpr (std::is_integral_v<T>) {
    value = static_cast<T>(counter);
  } else if constexpr (IsVector<T>::value) {
    value.resize(2);
    for (auto& item : value) {
      Fill(item, counter);
    }
  } else if constexpr (IsOptional<T>::value) {
    value.emplace();
    Fill(*value, counter);
  } else if constexpr (IsPair<T>::value) {
    Fill(value.first, counter);
    Fill(value.second, counter);
  } else {
    boost::pfr::for_each_field(value, [&counter](auto& field) { Fill(field, counter); });
  }
}

// Member-wise equality, recursively; reports the path of the first difference.
template <class T>
bool SameAs(const T& a, const T& b, const std::string& path, std::string& diff) {
  if constexpr (std::is_same_v<T, std::string> || std::is_arithmetic_v<T> || std::is_enum_v<T>) {
    if (a == b) {
      return true;
    }
    diff = path;
    return false;
  } else if constexpr (IsVector<T>::value) {
    if (a.size() != b.size()) {
      diff = path + " (size)";
      return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!SameAs(a[i], b[i], path + "[" + std::to_string(i) + "]", diff)) {
        return false;
      }
    }
    return true;
  } else if constexpr (IsOptional<T>::value) {
    if (a.has_value() != b.has_value()) {
      diff = path + " (presence)";
      return false;
    }
    return !a || SameAs(*a, *b, path, diff);
  } else if constexpr (IsPair<T>::value) {
    return SameAs(a.first, b.first, path + ".first", diff) && SameAs(a.second, b.second, path + ".second", diff);
  } else {
    auto ta = boost::pfr::structure_tie(a);
    auto tb = boost::pfr::structure_tie(b);
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return (SameAs(std::get<I>(ta), std::get<I>(tb), path + "." + std::to_string(I), diff) && ...);
    }
    (std::make_index_sequence<std::tuple_size_v<decltype(ta)>>{});
  }
}

template <class T>
T Filled() {
  T value{};
  int counter = 0;
  Fill(value, counter);
  return value;
}

// Every member of every encoded struct survives a round trip (fields are numbered in declaration order in the
// message: ".14" is the fifteenth member).
TEST(CodecTest, InventoryRoundTripKeepsEveryMember) {
  Inventory original = Filled<Inventory>();
  std::string encoded = EncodeInventory(original);
  auto decoded = DecodeInventory(encoded);
  ASSERT_TRUE(decoded) << decoded.error().message();
  std::string diff;
  EXPECT_TRUE(SameAs(original, *decoded, "Inventory", diff))
      << "member " << diff << " was lost: add it to its Fields<> table in src/scan/codec.cpp";
}

TEST(CodecTest, ReportRoundTripKeepsEveryMember) {
  report::ScanReport original = Filled<report::ScanReport>();
  auto decoded = DecodeReport(EncodeReport(original, {.drop_finding_files = false}));
  ASSERT_TRUE(decoded) << decoded.error().message();
  std::string diff;
  EXPECT_TRUE(SameAs(original, *decoded, "ScanReport", diff))
      << "member " << diff << " was lost: add it to its Fields<> table in src/scan/codec.cpp";
}

TEST(CodecTest, ReportDropsOnlyFindingFiles) {
  report::ScanReport original = Filled<report::ScanReport>();
  auto decoded = DecodeReport(EncodeReport(original));
  ASSERT_TRUE(decoded) << decoded.error().message();
  ASSERT_FALSE(decoded->findings.empty());
  EXPECT_TRUE(decoded->findings[0].package.files.empty());
  EXPECT_TRUE(decoded->suppressed[0].finding.package.files.empty());
  EXPECT_EQ(decoded->packages[0].files, original.packages[0].files);
  decoded->findings[0].package.files = original.findings[0].package.files;
  decoded->findings[1].package.files = original.findings[1].package.files;
  decoded->suppressed[0].finding.package.files = original.suppressed[0].finding.package.files;
  decoded->suppressed[1].finding.package.files = original.suppressed[1].finding.package.files;
  std::string diff;
  EXPECT_TRUE(SameAs(original, *decoded, "ScanReport", diff)) << diff;
}

TEST(CodecTest, AbsentMembersKeepDefaultsAndUnknownKeysAreIgnored) {
  auto decoded = DecodeInventory(
      R"({"codec":"customs.inventory/v1","target":"x","packages":[{"name":"a","from_the_future":1}],"new":[]})");
  ASSERT_TRUE(decoded) << decoded.error().message();
  EXPECT_EQ(decoded->target, "x");
  ASSERT_EQ(decoded->packages.size(), 1u);
  EXPECT_EQ(decoded->packages[0].name, "a");
  EXPECT_EQ(decoded->packages[0].type, catalog::PackageType::kDeb);
  EXPECT_EQ(decoded->packages[0].layer.index, 0);
}

TEST(CodecTest, BadDocumentsAreCorruptWithThePath) {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {"", "not JSON"},
      {"[]", "not a JSON object"},
      {R"({"target":"x"})", "not a customs.inventory/v1 document"},
      {R"({"codec":"customs.scan-result/v1"})", "not a customs.inventory/v1 document"},
      {R"({"codec":"customs.inventory/v1","packages":{}})", "packages: expected an array"},
      {R"({"codec":"customs.inventory/v1","packages":[{"type":"snap"}]})", "packages: [0]: type: unknown value 'snap'"},
      {R"({"codec":"customs.inventory/v1","layers_read":-1})", "layers_read: integer -1 out of range"},
      {R"({"codec":"customs.inventory/v1","layers":[{"index":1e3}]})", "layers: [0]: index: expected an integer"},
      {R"({"codec":"customs.inventory/v1","config":{"labels":[["a"]]}})", "expected a two-element array"},
  };
  for (const auto& c : cases) {
    auto decoded = DecodeInventory(c.json);
    ASSERT_FALSE(decoded) << c.json;
    EXPECT_EQ(decoded.error().code(), ErrorCode::kCorrupt);
    EXPECT_NE(decoded.error().message().find(c.message), std::string::npos) << decoded.error().message();
  }
}

// Bytes that are not UTF-8 (a hostile image's package name, file path) come back as the same bytes, and the stored
// text is valid UTF-8 (PostgreSQL refuses anything else).
TEST(CodecTest, InvalidUtf8RoundTripsByteForByte) {
  Inventory original;
  original.target = "plain";
  catalog::Package package;
  package.name = std::string("ba\xFFsh\x00\xC0\x80", 8);
  package.version = "1.0\xE2\x82";
  package.files = {"/usr/bin/\xFE"};
  original.packages.push_back(package);
  std::string encoded = EncodeInventory(original);
  EXPECT_TRUE(IsValidUtf8(encoded));
  EXPECT_NE(encoded.find(R"("target":"plain")"), std::string::npos) << encoded;
  auto decoded = DecodeInventory(encoded);
  ASSERT_TRUE(decoded) << decoded.error().message();
  ASSERT_EQ(decoded->packages.size(), 1u);
  EXPECT_EQ(decoded->packages[0].name, package.name);
  EXPECT_EQ(decoded->packages[0].version, package.version);
  EXPECT_EQ(decoded->packages[0].files, package.files);
  for (const char* bad : {R"({"hex":"f"})", R"({"hex":"zz"})", R"({"hex":1})", R"({"hex":"00","x":1})", "{}"}) {
    auto broken = DecodeInventory(fmt::format(R"({{"codec":"customs.inventory/v1","target":{}}})", bad));
    ASSERT_FALSE(broken) << bad;
    EXPECT_EQ(broken.error().code(), ErrorCode::kCorrupt);
    EXPECT_NE(broken.error().message().find("target: expected a string"), std::string::npos)
        << broken.error().message();
  }
}

// A real image: the stored inventory, decoded and matched again, gives the report the direct scan gives.
TEST(CodecTest, RealImageInventoryRoundTripsAndMatchesTheSame) {
  std::filesystem::path image = std::filesystem::path(CUSTOMS_BINARY_DIR) / "testimages" / "pinned" / "oci";
  std::filesystem::path feeds = std::filesystem::path(CUSTOMS_SOURCE_DIR) / "data" / "advisories";
  if (!std::filesystem::exists(image)) {
    GTEST_SKIP() << "test images missing: run scripts/testimages.sh";
  }
  InventoryOptions options;
  options.target = image.string();
  auto inventory = BuildInventory(options);
  ASSERT_TRUE(inventory) << inventory.error().message();
  ASSERT_GT(inventory->packages.size(), 50u);
  auto decoded = DecodeInventory(EncodeInventory(*inventory));
  ASSERT_TRUE(decoded) << decoded.error().message();
  std::string diff;
  EXPECT_TRUE(SameAs(*inventory, *decoded, "Inventory", diff)) << diff;
  EXPECT_EQ(AnalyzerVersion().substr(0, 5), "os:1,");

  auto dir = TempDir::Create("codec-test");
  ASSERT_TRUE(dir);
  DiagnosticsCollector diagnostics;
  vulndb::ImportOptions import;
  import.db_path = dir->path() / "db.sqlite";
  ASSERT_TRUE(vulndb::ImportFeeds({feeds}, import, diagnostics));
  auto store = vulndb::Store::Open(import.db_path);
  ASSERT_TRUE(store);
  auto direct = Evaluate(*inventory, store->get(), ScanPolicy{});
  auto stored = Evaluate(*decoded, store->get(), ScanPolicy{});
  ASSERT_TRUE(direct && stored);
  EXPECT_GT(direct->report.findings.size(), 0u);
  EXPECT_EQ(EncodeReport(direct->report), EncodeReport(stored->report));
  // And the stored result renders the same customs.report/v1 JSON as the result it was encoded from.
  auto result = DecodeReport(EncodeReport(direct->report));
  ASSERT_TRUE(result);
  EXPECT_EQ(report::WriteScanReport(report::ScanFormat::kJson, *result, {}),
            report::WriteScanReport(report::ScanFormat::kJson, direct->report, {}));
}

}  // namespace
}  // namespace customs::scan
