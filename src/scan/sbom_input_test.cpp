// sbom-scan's reader: language purls back from real Trivy SBOMs, Syft-shaped SBOMs and our own, every purl variant.
#include "scan/sbom_input.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "catalog/cataloger.h"
#include "core/file_util.h"
#include "report/sbom.h"

namespace customs::scan {
namespace {

const std::filesystem::path kTestData = std::filesystem::path(CUSTOMS_SOURCE_DIR) / "src/scan/testdata";

using Key = std::tuple<std::string, std::string, std::string>;  // type, name, version

std::set<Key> Keys(const Inventory& inventory) {
  std::set<Key> out;
  for (const auto& p : inventory.packages) out.emplace(catalog::PackageTypeName(p.type), p.name, p.version);
  return out;
}

Inventory Read(const std::string& file) {
  auto text = ReadFile(kTestData / file);
  EXPECT_TRUE(text) << file;
  auto inventory = InventoryFromSbom(text ? *text : "", file);
  EXPECT_TRUE(inventory) << (inventory ? "" : inventory.error().ToString());
  return inventory ? std::move(*inventory) : Inventory{};
}

const catalog::Package* Find(const Inventory& inventory, std::string_view name) {
  for (const auto& p : inventory.packages) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

TEST(SbomInputTest, TrivyCycloneDxLanguagePackages) {
  Inventory inventory = Read("trivy-rootfs.cdx.json");
  // Every component with a purl of a type we match, counted from the document itself.
  auto doc = nlohmann::json::parse(*ReadFile(kTestData / "trivy-rootfs.cdx.json"));
  std::size_t expected = 0;
  for (const auto& c : doc["components"]) {
    std::string purl = c.value("purl", "");
    for (const char* type : {"pkg:npm/", "pkg:pypi/", "pkg:golang/"}) expected += purl.starts_with(type) ? 1 : 0;
  }
  EXPECT_EQ(inventory.packages.size(), expected);
  EXPECT_GT(expected, 25u);
  const auto* lodash = Find(inventory, "lodash");
  ASSERT_NE(lodash, nullptr);
  EXPECT_EQ(lodash->type, catalog::PackageType::kNpm);
  EXPECT_EQ(lodash->version, "4.17.15");
  EXPECT_EQ(lodash->location, "app/node_modules/lodash/package.json");
  const auto* traverse = Find(inventory, "@babel/traverse");
  ASSERT_NE(traverse, nullptr) << "the scope comes back from %40babel";
  EXPECT_EQ(traverse->version, "7.22.0");
  const auto* sys = Find(inventory, "golang.org/x/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->type, catalog::PackageType::kGolang);
  EXPECT_EQ(sys->version, "v0.0.0-20210908233432-aa78b53d3365");
  const auto* urllib3 = Find(inventory, "urllib3");
  ASSERT_NE(urllib3, nullptr);
  EXPECT_EQ(urllib3->type, catalog::PackageType::kPypi);
  EXPECT_EQ(urllib3->version, "1.26.12");
  EXPECT_FALSE(inventory.os.detected());
}

TEST(SbomInputTest, TrivySpdxGivesTheSamePackagesAsItsCycloneDx) {
  EXPECT_EQ(Keys(Read("trivy-rootfs.spdx.json")), Keys(Read("trivy-rootfs.cdx.json")));
}

TEST(SbomInputTest, SyftShapedDocuments) {
  Inventory inventory = Read("syft-shape.cdx.json");
  const std::set<Key> want = {
      {"maven", "org.apache.logging.log4j:log4j-core", "2.8"},
      {"maven", "log4j-core", "2.8"},
      {"npm", "@babel/traverse", "7.22.0"},
      {"npm", "lodash", "4.17.15"},
      {"golang", "stdlib", "1.19.5"},
      {"golang", "golang.org/x/sys", "v0.0.0-20210908233432-aa78b53d3365"},
      {"golang", "github.com/evanw/esbuild", "(devel)"},
      {"pypi", "urllib3", "1.26.12"},
      {"gem", "rexml", "3.2.5"},
      {"cargo", "time", "0.1.44"},
      {"composer", "guzzlehttp/guzzle", "7.4.0"},
      {"nuget", "Newtonsoft.Json", "12.0.1"},
  };
  EXPECT_EQ(Keys(inventory), want) << "pkg:generic is not matched";
  EXPECT_EQ(Keys(Read("syft-shape.spdx.json")), want);
  for (const auto& p : inventory.packages) {
    if (p.name == "log4j-core") {
      EXPECT_TRUE(p.group_unknown) << "a maven purl without a namespace has no groupId";
    }
    if (p.name == "org.apache.logging.log4j:log4j-core") {
      EXPECT_FALSE(p.group_unknown);
      EXPECT_EQ(p.location, "/opt/app/lib/log4j-core-2.8.jar");
    }
    if (p.name == "github.com/evanw/esbuild") {
      EXPECT_TRUE(p.unmatchable);
    }
  }
}

TEST(SbomInputTest, OurOwnSbomRoundTripsLanguageFields) {
  std::vector<catalog::Package> packages;
  auto add = [&](catalog::PackageType type, std::string name, std::string version) -> catalog::Package& {
    catalog::Package p;
    p.type = type;
    p.name = std::move(name);
    p.version = std::move(version);
    p.location = "/app/" + p.name;
    p.evidence = "test";
    p.purl = catalog::MakePurl(p, catalog::OsInfo{});
    packages.push_back(std::move(p));
    return packages.back();
  };
  add(catalog::PackageType::kMaven, "org.apache.logging.log4j:log4j-core", "2.14.1");
  auto& jar = add(catalog::PackageType::kMaven, "log4j-core", "2.8");
  jar.group_unknown = true;
  jar.purl = catalog::MakePurl(jar, catalog::OsInfo{});
  auto& owned = add(catalog::PackageType::kPypi, "urllib3", "1.26.12");
  owned.owner = "deb:python3-urllib3";
  auto& devel = add(catalog::PackageType::kGolang, "example.com/app", "(devel)");
  devel.unmatchable = true;
  devel.unmatchable_reason = "main module at (devel)";
  add(catalog::PackageType::kNpm, "@babel/traverse", "7.22.0");
  add(catalog::PackageType::kComposer, "guzzlehttp/guzzle", "7.4.0");
  add(catalog::PackageType::kNuget, "Newtonsoft.Json", "12.0.1");
  report::SbomDocument doc;
  doc.target = "test";
  doc.kind = "rootfs";
  doc.packages = packages;
  std::string text = report::WriteSbom(report::SbomFormat::kCycloneDx, doc, {});
  auto inventory = InventoryFromSbom(text, "ours");
  ASSERT_TRUE(inventory) << inventory.error().ToString();
  ASSERT_EQ(inventory->packages.size(), packages.size());
  for (const auto& want : packages) {
    const auto* got = Find(*inventory, want.name);
    ASSERT_NE(got, nullptr) << want.name;
    EXPECT_EQ(got->type, want.type) << want.name;
    EXPECT_EQ(got->version, want.version) << want.name;
    EXPECT_EQ(got->owner, want.owner) << want.name;
    EXPECT_EQ(got->group_unknown, want.group_unknown) << want.name;
    EXPECT_EQ(got->unmatchable, want.unmatchable) << want.name;
    EXPECT_EQ(got->location, want.location) << want.name;
  }
}

// A scan report lists a jar without pom.properties that the advisories resolved under the resolved purl, with its
// group_unknown property still set (the groupId was inferred). Read back, the purl's groupId is what a match uses.
TEST(SbomInputTest, ResolvedJarReadsBackByItsGroupId) {
  catalog::Package jar;
  jar.type = catalog::PackageType::kMaven;
  jar.name = "log4j-core";
  jar.version = "2.8";
  jar.group_unknown = true;
  jar.location = "/app/node_modules/amplify-dynamodb-simulator/emulator/DynamoDBLocal_lib/log4j-core-2.8.jar";
  jar.purl = "pkg:maven/org.apache.logging.log4j/log4j-core@2.8";
  report::SbomDocument doc;
  doc.target = "test";
  doc.kind = "rootfs";
  doc.packages = {jar};
  std::string text = report::WriteSbom(report::SbomFormat::kCycloneDx, doc, {});
  ASSERT_NE(text.find("customs:package:group_unknown"), std::string::npos);
  auto inventory = InventoryFromSbom(text, "ours");
  ASSERT_TRUE(inventory) << inventory.error().ToString();
  ASSERT_EQ(inventory->packages.size(), 1U);
  EXPECT_EQ(inventory->packages[0].name, "org.apache.logging.log4j:log4j-core");
  EXPECT_FALSE(inventory->packages[0].group_unknown);
  EXPECT_EQ(inventory->packages[0].location, jar.location);
}

TEST(SbomInputTest, PurlVariants) {
  struct Case {
    const char* purl;
    catalog::PackageType type;
    const char* name;
    const char* version;
  };
  for (const Case& c : {
           Case{"pkg:maven/org.apache.logging.log4j/log4j-core@2.8?type=jar", catalog::PackageType::kMaven,
                "org.apache.logging.log4j:log4j-core", "2.8"},
           Case{"pkg:npm/%40babel/traverse@7.22.0", catalog::PackageType::kNpm, "@babel/traverse", "7.22.0"},
           Case{"pkg:npm/@babel/traverse@7.22.0", catalog::PackageType::kNpm, "@babel/traverse", "7.22.0"},
           Case{"pkg:NPM/lodash@4.17.15#lib/x.js", catalog::PackageType::kNpm, "lodash", "4.17.15"},
           Case{"pkg:golang/github.com/gorilla/websocket@v1.5.0", catalog::PackageType::kGolang,
                "github.com/gorilla/websocket", "v1.5.0"},
           Case{"pkg:golang/stdlib@v1.19.5", catalog::PackageType::kGolang, "stdlib", "1.19.5"},
           Case{"pkg:golang/stdlib@go1.21.0", catalog::PackageType::kGolang, "stdlib", "1.21.0"},
           Case{"pkg:pypi/jinja2@3.1.2", catalog::PackageType::kPypi, "jinja2", "3.1.2"},
           Case{"pkg:gem/rexml@3.2.5?platform=ruby", catalog::PackageType::kGem, "rexml", "3.2.5"},
           Case{"pkg:cargo/time@0.1.44", catalog::PackageType::kCargo, "time", "0.1.44"},
           Case{"pkg:composer/symfony/http-kernel@v6.4.0", catalog::PackageType::kComposer, "symfony/http-kernel",
                "v6.4.0"},
           Case{"pkg:nuget/System.Text.Encodings.Web@4.5.0", catalog::PackageType::kNuget, "System.Text.Encodings.Web",
                "4.5.0"},
           Case{"pkg:npm/a%20b@1.0.0%2Bbuild", catalog::PackageType::kNpm, "a b", "1.0.0+build"},
       }) {
    auto purl = ParsePurl(c.purl);
    ASSERT_TRUE(purl) << c.purl;
    auto package = PackageFromPurl(*purl);
    ASSERT_TRUE(package) << c.purl;
    EXPECT_EQ(package->type, c.type) << c.purl;
    EXPECT_EQ(package->name, c.name) << c.purl;
    EXPECT_EQ(package->version, c.version) << c.purl;
  }
  EXPECT_FALSE(PackageFromPurl(*ParsePurl("pkg:generic/openssl@3.0.0")));
  EXPECT_TRUE(PackageFromPurl(*ParsePurl("pkg:npm/lodash"))->unmatchable) << "no version: nothing to compare";
  EXPECT_FALSE(ParsePurl("npm/lodash@1"));
  EXPECT_FALSE(ParsePurl("pkg:npm"));
}

}  // namespace
}  // namespace customs::scan
