// `customs sbom` of the lang-meta test image (scripts/testimages.sh, build_lang_meta) against the real tools run on
// its final tree: importlib.metadata and dpkg-query -S (Python, OS ownership), RubyGems, composer show, npm ls.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "e2e_util.h"

namespace customs::e2e {
namespace {

namespace fs = std::filesystem;

fs::path LangMetaDir() {
  return fs::path(TestImagesDir()) / "lang-meta";
}

#define REQUIRE_LANG_META()                                                                                  \
  do {                                                                                                       \
    CUSTOMS_REQUIRE_TESTIMAGES();                                                                            \
    if (!fs::exists(LangMetaDir() / "oracle" / "importlib.txt")) {                                           \
      GTEST_SKIP() << "lang-meta test image missing in " << LangMetaDir() << " (run scripts/testimages.sh)"; \
    }                                                                                                        \
  } while (false)

std::set<std::string> OracleLines(const std::string& name) {
  std::set<std::string> out;
  std::ifstream in(LangMetaDir() / "oracle" / name);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      out.insert(line);
    }
  }
  return out;
}

nlohmann::json Sbom(const std::string& target, const std::string& extra = "") {
  CommandResult result = RunCommand(CustomsBinary() + " sbom " + Quote(target) + " -f json --no-cache " + extra);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return nlohmann::json::parse(result.out, nullptr, false);
}

std::string Owner(const nlohmann::json& package) {
  const std::string owner = package.value("owner", "");
  if (owner.empty()) {
    return "-";
  }
  EXPECT_TRUE(owner.starts_with("deb:")) << owner;
  return owner.substr(4);
}

std::set<std::string> Rows(const nlohmann::json& sbom, const std::string& type, bool with_owner,
                           const std::string& location_prefix = "") {
  std::set<std::string> out;
  for (const auto& package : sbom["packages"]) {
    if (package["type"] != type) {
      continue;
    }
    const std::string location = package.value("location", "");
    if (!location.starts_with(location_prefix)) {
      continue;
    }
    std::string row = location + " " + package["name"].get<std::string>() + " " + package["version"].get<std::string>();
    if (with_owner) {
      row += " " + Owner(package);
    }
    out.insert(row);
  }
  return out;
}

TEST(LangMetaE2E, PythonEqualsImportlibAndOwnershipEqualsDpkg) {
  REQUIRE_LANG_META();
  nlohmann::json sbom = Sbom((LangMetaDir() / "oci").string());
  ASSERT_TRUE(sbom.is_object());
  const std::set<std::string> want = OracleLines("importlib.txt");
  EXPECT_EQ(Rows(sbom, "pypi", true), want);
  // The oracle itself shows both kinds: Debian's own packages and pip's /usr/local installs, which nobody owns.
  int owned = 0;
  int local = 0;
  for (const std::string& row : want) {
    if (row.starts_with("/usr/local/")) {
      ++local;
      EXPECT_TRUE(row.ends_with(" -")) << row;
    } else if (!row.ends_with(" -")) {
      ++owned;
    }
  }
  EXPECT_GE(owned, 8);
  EXPECT_EQ(local, 2);  // pip and setuptools; wheel was uninstalled in the last layer
  // The same project can be both: Debian's pip (owned) and pip's own copy in /usr/local (not).
  for (const auto& package : sbom["packages"]) {
    if (package["type"] != "pypi") {
      continue;
    }
    const std::string location = package["location"];
    const std::string created_by = package["layer"]["created_by"];
    if (location.starts_with("/usr/local/")) {
      EXPECT_TRUE(created_by.starts_with("RUN pip install")) << location << ": " << created_by;
    } else {
      EXPECT_TRUE(created_by.starts_with("ADD rootfs.tar")) << location << ": " << created_by;
    }
  }
}

TEST(LangMetaE2E, GemsEqualRubyGems) {
  REQUIRE_LANG_META();
  nlohmann::json sbom = Sbom((LangMetaDir() / "oci").string());
  ASSERT_TRUE(sbom.is_object());
  EXPECT_EQ(Rows(sbom, "gem", true), OracleLines("rubygems.txt"));
}

TEST(LangMetaE2E, ComposerEqualsComposerShow) {
  REQUIRE_LANG_META();
  nlohmann::json sbom = Sbom((LangMetaDir() / "oci").string());
  ASSERT_TRUE(sbom.is_object());
  std::set<std::string> got;
  for (const auto& package : sbom["packages"]) {
    if (package["type"] != "composer") {
      continue;
    }
    EXPECT_EQ(package["location"], "/srv/php/vendor/composer/installed.json");
    got.insert(package["name"].get<std::string>() + " " + package["version"].get<std::string>());
  }
  EXPECT_EQ(got, OracleLines("composer.txt"));
}

// npm ls lines "/app/node_modules/x:x@1.0.0" -> "/app/node_modules/x/package.json x 1.0.0".
std::set<std::string> NpmLsRows() {
  std::set<std::string> out;
  for (const std::string& line : OracleLines("npm-ls.txt")) {
    const std::size_t colon = line.find(':');
    if (line.substr(0, colon) == "/app") {
      continue;  // the project itself
    }
    const std::string spec = line.substr(colon + 1);
    const std::size_t at = spec.rfind('@');
    out.insert(line.substr(0, colon) + "/package.json " + spec.substr(0, at) + " " + spec.substr(at + 1));
  }
  return out;
}

TEST(LangMetaE2E, NodeModulesEqualNpmLsInEveryImageFormat) {
  REQUIRE_LANG_META();
  const std::set<std::string> want = NpmLsRows();
  ASSERT_GE(want.size(), 75u);
  for (const char* target : {"oci", "docker-archive.tar"}) {
    SCOPED_TRACE(target);
    nlohmann::json sbom = Sbom((LangMetaDir() / target).string());
    ASSERT_TRUE(sbom.is_object());
    EXPECT_EQ(Rows(sbom, "npm", false), want);
    // lodash was removed in the last layer; the old minimist and the nested duplicate stay.
    const auto rows = Rows(sbom, "npm", false);
    EXPECT_FALSE(rows.contains("/app/node_modules/lodash/package.json lodash 4.17.15"));
    EXPECT_TRUE(rows.contains("/app/node_modules/minimist/package.json minimist 1.2.0"));
    EXPECT_TRUE(rows.contains("/app/node_modules/mkdirp/node_modules/minimist/package.json minimist 0.0.8"));
    for (const auto& package : sbom["packages"]) {
      if (package["type"] == "npm") {
        EXPECT_EQ(package["layer"]["created_by"], "COPY app /app && composer install");
      }
    }
  }
}

TEST(LangMetaE2E, WarmCacheGivesTheSamePackages) {
  REQUIRE_LANG_META();
  const fs::path cache = fs::temp_directory_path() / ("customs-lang-cache-" + std::to_string(::getpid()));
  fs::remove_all(cache);
  const std::string target = (LangMetaDir() / "oci").string();
  auto run = [&] {
    CommandResult result =
        RunCommand(CustomsBinary() + " sbom " + Quote(target) + " -f json --cache-dir " + Quote(cache.string()));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out, nullptr, false);
  };
  nlohmann::json cold = run();
  nlohmann::json warm = run();
  fs::remove_all(cache);
  ASSERT_TRUE(cold.is_object() && warm.is_object());
  for (const char* type : {"npm", "pypi", "gem", "composer"}) {
    EXPECT_EQ(Rows(warm, type, true), Rows(cold, type, true)) << type;
  }
  EXPECT_EQ(Rows(warm, "npm", false), NpmLsRows());
}

TEST(LangMetaE2E, FsScanAlsoReadsTheLockfile) {
  REQUIRE_LANG_META();
  nlohmann::json sbom = Sbom((LangMetaDir() / "rootfs").string());
  ASSERT_TRUE(sbom.is_object());
  // node_modules as in the image, plus the lockfile npm rewrote when it uninstalled lodash.
  EXPECT_EQ(Rows(sbom, "npm", false, "/app/node_modules/"), NpmLsRows());
  std::set<std::string> locked;
  for (const auto& package : sbom["packages"]) {
    if (package["type"] == "npm" && package["location"] == "/app/package-lock.json") {
      EXPECT_EQ(package["evidence"], "package-lock.json");
      locked.insert(package["name"].get<std::string>() + " " + package["version"].get<std::string>());
    }
  }
  std::set<std::string> want;
  for (const std::string& row : NpmLsRows()) {
    want.insert(row.substr(row.find(' ') + 1));
  }
  EXPECT_EQ(locked, want);
  // And the Python rows of a root filesystem equal the image's.
  EXPECT_EQ(Rows(sbom, "pypi", true), OracleLines("importlib.txt"));
}

// The host's own global node_modules (a nodejs .deb bundles npm and its dependencies there; `npm install -g` adds or
// replaces some): every package.json's owner must be what `dpkg-query -S` says.
TEST(LangMetaE2E, HostNodeModulesOwnershipEqualsDpkgQuery) {
  const fs::path modules = "/usr/lib/node_modules";
  if (!fs::exists(modules / "npm" / "package.json") ||
      RunCommand("dpkg-query -S " + (modules / "npm" / "package.json").string()).exit_code != 0) {
    GTEST_SKIP() << "this host's nodejs package installs no node_modules tree (Debian's own nodejs does not)";
  }
  const fs::path root = fs::temp_directory_path() / ("customs-lang-host-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "var/lib/dpkg/info");
  fs::create_directories(root / "usr/lib");
  fs::copy_file("/var/lib/dpkg/status", root / "var/lib/dpkg/status");
  for (const auto& entry : fs::directory_iterator("/var/lib/dpkg/info")) {
    if (entry.path().extension() == ".list")
      fs::copy_file(entry.path(), root / "var/lib/dpkg/info" / entry.path().filename());
  }
  fs::copy(modules, root / "usr/lib/node_modules", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  nlohmann::json sbom = Sbom(root.string());
  fs::remove_all(root);
  ASSERT_TRUE(sbom.is_object());
  int checked = 0;
  int owned = 0;
  std::string paths;
  std::vector<std::string> locations;
  for (const auto& package : sbom["packages"]) {
    if (package["type"] == "npm") locations.push_back(package["location"]);
  }
  ASSERT_GE(locations.size(), 20u);
  for (const std::string& location : locations) paths += " " + Quote(location);
  // dpkg-query -S prints "package: path" for each path it knows, and complains about the others.
  CommandResult query = RunCommand("(dpkg-query -S" + paths + " 2>/dev/null; true)");
  std::map<std::string, std::string> want;
  std::istringstream lines(query.out);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t colon = line.find(": ");
    if (colon != std::string::npos) want[line.substr(colon + 2)] = line.substr(0, line.find(':'));
  }
  for (const auto& package : sbom["packages"]) {
    if (package["type"] != "npm") continue;
    const std::string location = package["location"];
    const std::string expected = want.contains(location) ? "deb:" + want[location] : "";
    EXPECT_EQ(package.value("owner", ""), expected) << location;
    ++checked;
    owned += expected.empty() ? 0 : 1;
  }
  EXPECT_GT(owned, 0);
  EXPECT_EQ(checked, static_cast<int>(locations.size()));
}

}  // namespace
}  // namespace customs::e2e
