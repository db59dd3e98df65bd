// `customs sbom` end to end on the lang-binary image (scripts/testimages.sh, build_lang_binary): jars, Go and Rust
// binaries in four layers over bookworm. The oracles were written when the image was built: Python's zipfile for every
// pom.properties of the final tree, `go version -m` for every Go binary, the crate list put into the Rust binary.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "e2e_util.h"

namespace customs::e2e {
namespace {

using nlohmann::json;

std::string LangDir() {
  return TestImagesDir() + "/lang-binary";
}

json Sbom(const std::string& args, const std::string& cache) {
  CommandResult result = RunCommand(CustomsBinary() + " sbom --format json --cache-dir " + Quote(cache) + " " + args);
  EXPECT_EQ(result.exit_code, 0) << args << "\n" << result.err;
  json doc = json::parse(result.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << result.out.substr(0, 500);
  return doc;
}

std::string FreshCache(const char* tag) {
  return (std::filesystem::temp_directory_path() / ("customs-lang-e2e-" + std::to_string(::getpid()) + "-" + tag))
      .string();
}

std::multiset<std::string> OfType(const json& sbom, const std::string& type, bool only_pom = false) {
  std::multiset<std::string> out;
  for (const auto& p : sbom["packages"]) {
    if (p["type"] != type) continue;
    const std::string name = p["name"];
    if (only_pom && name.find(':') == std::string::npos) continue;
    out.insert(name + " " + p["version"].get<std::string>());
  }
  return out;
}

// `go version -m` output -> "name version" for stdlib, the main module, and each dependency (its replacement when
// replaced by a module; the original when replaced by a directory).
void AddGoOracle(const std::string& text, std::multiset<std::string>* out) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  out->insert("stdlib " + line.substr(line.rfind(": go") + 4));
  std::string pending;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, '\t');) f.push_back(field);
    if (f.size() < 4) continue;
    if (f[1] == "mod" || f[1] == "dep") {
      if (!pending.empty()) out->insert(pending);
      pending = f[2] + " " + f[3];
    } else if (f[1] == "=>") {
      if (f[3] != "(devel)") pending = f[2] + " " + f[3];
      out->insert(pending);
      pending.clear();
    }
  }
  if (!pending.empty()) out->insert(pending);
}

class LangBinaryE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(TestImagesDir() + "/.stamp") || !std::filesystem::exists(LangDir() + "/oracle")) {
      GTEST_SKIP() << "the lang-binary test image is missing in " << LangDir()
                   << " (run scripts/testimages.sh; `make test` does)";
    }
  }
};

TEST_F(LangBinaryE2e, InventoryMatchesTheOracles) {
  const std::string cache = FreshCache("a");
  json oci = Sbom(Quote(LangDir() + "/oci"), cache);
  std::filesystem::remove_all(cache);

  std::multiset<std::string> go_expected;
  for (const auto& entry : std::filesystem::directory_iterator(LangDir() + "/oracle/golang")) {
    AddGoOracle(ReadAll(entry.path()), &go_expected);
  }
  ASSERT_GT(go_expected.size(), 50u);
  EXPECT_EQ(OfType(oci, "golang"), go_expected);

  std::multiset<std::string> pom_expected;
  std::istringstream maven(ReadAll(LangDir() + "/oracle/maven.tsv"));
  for (std::string line; std::getline(maven, line);) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string location, name, version;
    std::getline(fields, location, '\t');
    std::getline(fields, name, '\t');
    std::getline(fields, version, '\t');
    pom_expected.insert(name + " " + version);
  }
  ASSERT_GT(pom_expected.size(), 40u);
  EXPECT_EQ(OfType(oci, "maven", /*only_pom=*/true), pom_expected);
  // The artifactId-only jar and the OS-owned Debian jar are both there.
  std::multiset<std::string> maven_all = OfType(oci, "maven");
  EXPECT_EQ(maven_all.count("log4j-core 2.8"), 3u) << "the emulator's jar, the war's copy, and the war in the fat jar";
  EXPECT_EQ(maven_all.count("org.apache.logging.log4j:log4j-core 2.19.0"), 1u);

  std::multiset<std::string> cargo_expected;
  std::istringstream cargo(ReadAll(LangDir() + "/oracle/cargo.tsv"));
  for (std::string line; std::getline(cargo, line);) {
    std::istringstream fields(line);
    std::string name, version;
    fields >> name >> version;
    if (!name.empty()) cargo_expected.insert(name + " " + version);
  }
  EXPECT_EQ(OfType(oci, "cargo"), cargo_expected);

  // The root filesystem gives the same language packages.
  const std::string cache2 = FreshCache("b");
  json rootfs = Sbom("--rootfs " + Quote(LangDir() + "/rootfs"), cache2);
  std::filesystem::remove_all(cache2);
  for (const char* type : {"golang", "maven", "cargo"}) EXPECT_EQ(OfType(rootfs, type), OfType(oci, type)) << type;
}

TEST_F(LangBinaryE2e, LayersDeletedAndOverwrittenFiles) {
  const std::string cache = FreshCache("c");
  json oci = Sbom(Quote(LangDir() + "/oci"), cache);
  std::map<std::string, std::string> created_by;  // "name version" -> created_by, for unique ones
  for (const auto& p : oci["packages"]) {
    created_by[p["name"].get<std::string>() + " " + p["version"].get<std::string>()] = p["layer"]["created_by"];
  }
  // /usr/local/bin/tool: turbo (go1.18.1) in layer 3, overwritten by esbuild 0.14.0 (go1.17.2) in layer 4.
  EXPECT_EQ(created_by.count("stdlib 1.18.1"), 0u) << "the overwritten binary is gone";
  EXPECT_NE(created_by["stdlib 1.17.2"].find("rm /opt/tmp"), std::string::npos) << created_by["stdlib 1.17.2"];
  EXPECT_NE(created_by["stdlib 1.21.4"].find("COPY apps"), std::string::npos);
  EXPECT_NE(created_by["org.apache.logging.log4j:log4j-core 2.19.0"].find("liblog4j2-java"), std::string::npos);
  // The jar deleted in layer 4 is not reported: commons-cli 1.2 appears once per surviving copy only.
  std::multiset<std::string> maven = OfType(oci, "maven");
  std::istringstream oracle(ReadAll(LangDir() + "/oracle/maven.tsv"));
  std::size_t surviving = 0;
  for (std::string line; std::getline(oracle, line);) {
    if (line.find("\tcommons-cli:commons-cli\t1.2") != std::string::npos) ++surviving;
    EXPECT_EQ(line.find("/opt/tmp/"), std::string::npos);
  }
  EXPECT_EQ(maven.count("commons-cli:commons-cli 1.2"), surviving);
  // A warm rescan replays the cached records: the same inventory.
  json warm = Sbom(Quote(LangDir() + "/oci"), cache);
  std::filesystem::remove_all(cache);
  EXPECT_EQ(warm["packages"], oci["packages"]);
}

TEST_F(LangBinaryE2e, HostileArtifactsGiveDiagnosticsNotCrashes) {
  // The hostile variants of scripts/lang-binary-artifacts.sh in one root filesystem: a zip bomb, a jar nested 50
  // deep, truncated archives, a truncated Go binary, a build info claiming 2^31 bytes, a non-Go ELF.
  const std::string artifacts = LangDir() + "/artifacts";
  const auto root = std::filesystem::temp_directory_path() / ("customs-lang-hostile-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "app");
  for (const char* jar : {"bomb.jar", "nested50.jar", "truncated.war", "truncated-header.jar"}) {
    std::filesystem::copy_file(artifacts + "/java/built/" + jar, root / "app" / jar);
  }
  for (const char* bin : {"truncated-inline", "truncated-pointer", "claims-2g", "not-go"}) {
    std::filesystem::copy_file(artifacts + "/go/" + bin, root / "app" / bin);
  }
  const std::string cache = FreshCache("h");
  json doc = Sbom("--rootfs " + Quote(root.string()), cache);
  std::filesystem::remove_all(cache);
  std::filesystem::remove_all(root);
  std::map<std::string, std::string> level_by_subject;
  bool bomb_limit = false;
  bool depth_limit = false;
  for (const auto& d : doc["diagnostics"]) {
    const std::string subject = d["subject"];
    const std::string message = d["message"];
    level_by_subject[subject] = d["level"];
    if (subject.starts_with("/app/bomb.jar") && message.find("limit") != std::string::npos) bomb_limit = true;
    if (subject.starts_with("/app/nested50.jar") && message.find("nested more than") != std::string::npos) {
      depth_limit = true;
    }
  }
  EXPECT_TRUE(bomb_limit) << doc["diagnostics"].dump(1);
  EXPECT_TRUE(depth_limit) << doc["diagnostics"].dump(1);
  EXPECT_EQ(level_by_subject["/app/truncated-header.jar"], "warning");
  EXPECT_EQ(level_by_subject["/app/truncated.war"], "warning");
  EXPECT_EQ(level_by_subject["/app/claims-2g"], "warning");
  EXPECT_EQ(level_by_subject["/app/truncated-inline"], "warning");
  EXPECT_EQ(level_by_subject["/app/truncated-pointer"], "warning");
  EXPECT_EQ(level_by_subject.count("/app/not-go"), 0u) << "a non-Go ELF is silent";
  for (const auto& p : doc["packages"]) {
    EXPECT_NE(p["type"], "golang") << "no invented Go packages: " << p.dump();
  }
}

}  // namespace
}  // namespace customs::e2e
