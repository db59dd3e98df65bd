// `customs image` / `customs fs` end to end: real images built from the Debian archive, a store imported from the
// real (derived) bookworm tracker feed that ships in data/advisories (so this test never depends on ../shared), and
// an independent reference computed here from dpkg-query output and `dpkg --compare-versions`, never from our own
// code.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "e2e_util.h"

namespace customs::e2e {
namespace {

using nlohmann::json;

// The same bytes as ../shared/data/vulndata/debian/bookworm-derived-tracker-json/ (gzip -9;
// data/advisories/SOURCES.md).
std::string FeedPath() {
  return std::string(CUSTOMS_SOURCE_DIR) + "/data/advisories/debian-bookworm-derived.json.gz";
}

// The feed as JSON, decompressed by gzip(1) rather than by our importer.
const json& Feed() {
  static const json feed = [] {
    CommandResult unzipped = RunCommand("gzip -dc " + Quote(FeedPath()));
    EXPECT_EQ(unzipped.exit_code, 0) << unzipped.err;
    return json::parse(unzipped.out, nullptr, false);
  }();
  return feed;
}

class ImageScanTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new std::string(std::filesystem::temp_directory_path() / ("customs-scan-e2e-" + std::to_string(::getpid())) /
                          "customs.db");
    std::filesystem::create_directories(std::filesystem::path(*db_).parent_path());
    import_ =
        new CommandResult(RunCommand(CustomsBinary() + " db import " + Quote(FeedPath()) + " --db " + Quote(*db_)));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(std::filesystem::path(*db_).parent_path());
    delete db_;
    delete import_;
  }
  void SetUp() override {
    CUSTOMS_REQUIRE_TESTIMAGES();
    ASSERT_EQ(import_->exit_code, 0) << import_->err;
  }
  static json Scan(const std::string& args, int expected_exit = 0) {
    CommandResult result =
        RunCommand(CustomsBinary() + " " + args + " --format json --no-cache --quiet --db " + Quote(*db_));
    EXPECT_EQ(result.exit_code, expected_exit) << args << "\n" << result.err;
    json doc = json::parse(result.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << result.out.substr(0, 400) << result.err;
    return doc;
  }
  static std::string* db_;
  static CommandResult* import_;
};
std::string* ImageScanTest::db_ = nullptr;
CommandResult* ImageScanTest::import_ = nullptr;

// source package -> source version, from dpkg-query on the unpacked root filesystem.
std::map<std::string, std::string> InstalledSources(const std::string& rootfs) {
  CommandResult result = RunCommand("dpkg-query --admindir=" + Quote(rootfs + "/var/lib/dpkg") +
                                    " -W -f='${source:Package} ${source:Version}\\n'");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::map<std::string, std::string> out;
  std::istringstream lines(result.out);
  for (std::string name, version; lines >> name >> version;) out[name] = version;
  return out;
}

// Every (source package, CVE) the feed says is fixed in a version above the installed one.
std::set<std::pair<std::string, std::string>> ExpectedFindings(const std::string& rootfs) {
  auto installed = InstalledSources(rootfs);
  const json& feed = Feed();
  EXPECT_FALSE(feed.is_discarded()) << FeedPath();
  std::map<std::pair<std::string, std::string>, bool> lower_cache;  // (installed, fixed) -> installed < fixed
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& [source, version] : installed) {
    auto it = feed.find(source);
    if (it == feed.end()) continue;
    for (const auto& [cve, record] : it->items()) {
      const json& bookworm = record["releases"]["bookworm"];
      if (bookworm["status"] != "resolved") continue;
      std::string fixed = bookworm["fixed_version"];
      auto key = std::make_pair(version, fixed);
      auto cached = lower_cache.find(key);
      if (cached == lower_cache.end()) {
        int rc = RunCommand("dpkg --compare-versions " + Quote(version) + " lt " + Quote(fixed)).exit_code;
        cached = lower_cache.emplace(key, rc == 0).first;
      }
      if (cached->second) out.emplace(source, cve);
    }
  }
  return out;
}

std::set<std::pair<std::string, std::string>> ReportedFindings(const json& report) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& finding : report["findings"]) {
    out.emplace(finding["package"]["source_name"].get<std::string>(), finding["id"].get<std::string>());
  }
  return out;
}

// Temporary inputs, removed when the test binary exits.
std::string WriteTemp(const std::string& name, const std::string& content) {
  auto path = std::filesystem::temp_directory_path() / ("customs-gate-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << content;
  return path.string();
}

struct TempCleanup {
  ~TempCleanup() {
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::temp_directory_path())) {
      if (entry.path().filename().string().starts_with("customs-gate-" + std::to_string(::getpid()) + "-")) {
        std::error_code ec;
        std::filesystem::remove(entry.path(), ec);
      }
    }
  }
} temp_cleanup;

TEST_F(ImageScanTest, EveryFindingExplainedAndNoneMissing) {
  for (const char* image : {"bookworm", "pinned"}) {
    const std::string dir = TestImagesDir() + "/" + image;
    auto expected = ExpectedFindings(dir + "/rootfs");
    json report = Scan("image " + Quote(dir + "/oci"));
    auto reported = ReportedFindings(report);
    std::vector<std::pair<std::string, std::string>> missing, extra;
    std::set_difference(expected.begin(), expected.end(), reported.begin(), reported.end(),
                        std::back_inserter(missing));
    std::set_difference(reported.begin(), reported.end(), expected.begin(), expected.end(), std::back_inserter(extra));
    EXPECT_TRUE(missing.empty()) << image << ": " << missing.size() << " missing, first " << missing[0].first << " "
                                 << missing[0].second;
    EXPECT_TRUE(extra.empty()) << image << ": " << extra.size() << " unexplained, first " << extra[0].first << " "
                               << extra[0].second;
    if (std::string(image) == "pinned") {
      EXPECT_GT(expected.size(), 0u) << "the pinned image should carry known-fixed CVEs";
    }
  }
}

TEST_F(ImageScanTest, AllImageKindsGiveTheSameFindings) {
  const std::string dir = TestImagesDir() + "/pinned";
  auto reference = ReportedFindings(Scan("image " + Quote(dir + "/oci")));
  EXPECT_EQ(ReportedFindings(Scan("image " + Quote(dir + "/docker-archive.tar"))), reference);
  EXPECT_EQ(ReportedFindings(Scan("fs " + Quote(dir + "/rootfs"))), reference);
  const std::string bookworm = TestImagesDir() + "/bookworm";
  auto multi = ReportedFindings(Scan("image " + Quote(bookworm + "/oci")));
  EXPECT_EQ(ReportedFindings(Scan("image " + Quote(bookworm + "/oci-archive.tar"))), multi);
  EXPECT_EQ(ReportedFindings(Scan("image " + Quote(bookworm + "/docker-archive.tar"))), multi);
}

TEST_F(ImageScanTest, SbomScanOfOurCycloneDxAndSpdxGivesTheSameFindings) {
  const std::string image = Quote(TestImagesDir() + "/pinned/oci");
  auto reference = ReportedFindings(Scan("image " + image));
  ASSERT_FALSE(reference.empty());
  for (const char* format : {"cyclonedx", "spdx"}) {
    std::string sbom = WriteTemp(std::string("sbom.") + format + ".json", "");
    CommandResult made =
        RunCommand(CustomsBinary() + " sbom --no-cache --format " + format + " -o " + Quote(sbom) + " " + image);
    ASSERT_EQ(made.exit_code, 0) << made.err;
    EXPECT_EQ(ReportedFindings(Scan("sbom-scan " + Quote(sbom))), reference) << format;
  }
}

// The layer that brought each installed "package version" in, computed from the OCI layout with tar(1) and the
// layers' own dpkg status files, not by our image reader: the first layer of the unbroken run of layers whose status
// file lists the package at its final version as installed. Also each layer's history instruction (1-based
// indices, as in the report).
struct LayerTruth {
  std::map<std::string, int> introduced_by;  // "name version" -> layer index
  std::map<int, std::string> created_by;     // layer index -> history created_by
};

std::set<std::string> InstalledInStatus(const std::string& status) {
  std::set<std::string> out;
  std::istringstream stanzas(status);
  std::string line, name, version, state;
  auto flush = [&] {
    if (!name.empty() && state == "install ok installed") out.insert(name + " " + version);
    name.clear(), version.clear(), state.clear();
  };
  while (std::getline(stanzas, line)) {
    if (line.empty()) flush();
    if (line.starts_with("Package: ")) name = line.substr(9);
    if (line.starts_with("Version: ")) version = line.substr(9);
    if (line.starts_with("Status: ")) state = line.substr(8);
  }
  flush();
  return out;
}

LayerTruth LayerTruthOf(const std::string& oci) {
  auto blob = [&](const std::string& digest) { return oci + "/blobs/sha256/" + digest.substr(7); };
  json index = json::parse(ReadAll(oci + "/index.json"));
  json manifest = json::parse(ReadAll(blob(index["manifests"][0]["digest"])));
  json config = json::parse(ReadAll(blob(manifest["config"]["digest"])));
  LayerTruth truth;
  int layer = 0;
  for (const auto& entry : config["history"]) {
    if (!entry.value("empty_layer", false)) truth.created_by[++layer] = entry.value("created_by", "");
  }
  std::map<std::string, int> since;  // installed now -> first layer of its current run
  layer = 0;
  for (const auto& descriptor : manifest["layers"]) {
    ++layer;
    const std::string path = blob(descriptor["digest"]);
    CommandResult list = RunCommand("tar -tzf " + Quote(path));
    EXPECT_EQ(list.exit_code, 0) << list.err;
    std::string member;
    std::istringstream names(list.out);
    for (std::string name; std::getline(names, name);) {
      if (name == "var/lib/dpkg/status" || name == "./var/lib/dpkg/status") member = name;
    }
    if (member.empty()) continue;  // this layer left the database alone
    CommandResult status = RunCommand("tar -xzOf " + Quote(path) + " " + Quote(member));
    EXPECT_EQ(status.exit_code, 0) << status.err;
    std::map<std::string, int> next;
    for (const auto& installed : InstalledInStatus(status.out)) {
      auto it = since.find(installed);
      next[installed] = it == since.end() ? layer : it->second;
    }
    since = std::move(next);
  }
  truth.introduced_by = std::move(since);
  return truth;
}

TEST_F(ImageScanTest, FindingsNameTheLayerInstruction) {
  // The multi-layer bookworm image must have findings, some of them in packages a later layer installed
  // (`apt-get install curl ...`), and each finding must name the layer that brought its package in, with that layer's
  // history instruction, as read from the layout by tar(1).
  const std::string oci = TestImagesDir() + "/bookworm/oci";
  LayerTruth truth = LayerTruthOf(oci);
  ASSERT_GE(truth.created_by.size(), 2u);
  ASSERT_GT(truth.introduced_by.size(), 80u);
  json report = Scan("image " + Quote(oci));
  ASSERT_FALSE(report["findings"].empty()) << "the bookworm image should carry known-fixed CVEs";
  int beyond_first = 0;
  for (const auto& finding : report["findings"]) {
    const json& package = finding["package"];
    const std::string key = package["name"].get<std::string>() + " " + package["version"].get<std::string>();
    auto expected = truth.introduced_by.find(key);
    ASSERT_NE(expected, truth.introduced_by.end()) << key << " is not installed in the last status file";
    EXPECT_EQ(package["layer"]["index"], expected->second) << finding.dump();
    EXPECT_EQ(package["layer"]["created_by"], truth.created_by[expected->second]) << finding.dump();
    if (package["layer"]["index"].get<int>() != 1) ++beyond_first;
  }
  EXPECT_GT(beyond_first, 0) << "no finding is attributed to a layer other than the first";
  // The single-layer pinned image: everything comes from its one layer.
  json pinned = Scan("image " + Quote(TestImagesDir() + "/pinned/oci"));
  ASSERT_FALSE(pinned["findings"].empty());
  for (const auto& finding : pinned["findings"]) {
    EXPECT_EQ(finding["package"]["layer"]["created_by"], "ADD rootfs.tar / # bookworm with pinned older packages");
    EXPECT_EQ(finding["package"]["layer"]["index"], 1);
  }
}

TEST_F(ImageScanTest, GateExitCodesThroughTheBinary) {
  const std::string image = Quote(TestImagesDir() + "/pinned/oci");
  // The vulnerability gate on its own (--scanners vuln): the audit's findings (curl is an attacker tool) share the gate
  // by default, which tests/e2e/audit_e2e_test.cpp covers.
  auto run = [&](const std::string& args) {
    return RunCommand(CustomsBinary() + " image " + image + " --scanners vuln --no-cache --quiet --db " + Quote(*db_) +
                      " " + args);
  };
  EXPECT_EQ(RunCommand(CustomsBinary() + " image " + image + " --no-cache --quiet --fail-on HIGH --db " + Quote(*db_))
                .exit_code,
            1)
      << "by default the audit shares the gate: the pinned image ships curl (an attacker tool, HIGH)";
  json report = Scan("image " + image);
  ASSERT_FALSE(report["findings"].empty());
  std::set<std::string> ids;
  for (const auto& f : report["findings"]) ids.insert(f["id"].get<std::string>());
  // The derived feed has no severities: every finding is UNKNOWN, and all have a fixed version.
  EXPECT_EQ(run("").exit_code, 0) << "without --fail-on the exit code is 0 whatever was found";
  EXPECT_EQ(run("--fail-on UNKNOWN").exit_code, 1);
  EXPECT_EQ(run("--fail-on UNKNOWN --exit-code 9").exit_code, 9);
  EXPECT_EQ(run("--fail-on LOW").exit_code, 0) << "UNKNOWN is below LOW";
  EXPECT_EQ(run("--ignore-unfixed --fail-on UNKNOWN").exit_code, 1) << "all pinned findings have fixes";
  EXPECT_EQ(run("--severity HIGH,CRITICAL --fail-on UNKNOWN").exit_code, 0) << "the gate counts shown findings only";
  std::string all, expired;
  for (const auto& id : ids) {
    all += id + " # accepted for the test\n";
    expired += id + " exp:2020-01-01\n";
  }
  EXPECT_EQ(run("--fail-on UNKNOWN --ignore-file " + Quote(WriteTemp("all", all))).exit_code, 0);
  // One id left out keeps the gate failing.
  std::string all_but_one = all.substr(all.find('\n') + 1);
  EXPECT_EQ(run("--fail-on UNKNOWN --ignore-file " + Quote(WriteTemp("most", all_but_one))).exit_code, 1);
  CommandResult stale = run("--fail-on UNKNOWN --format json --ignore-file " + Quote(WriteTemp("expired", expired)));
  EXPECT_EQ(stale.exit_code, 1) << "expired entries stop ignoring";
  EXPECT_NE(stale.out.find("expired on 2020-01-01"), std::string::npos);
  // VEX: not_affected for every id (no products: applies to all).
  json vex = {{"@context", "https://openvex.dev/ns/v0.2.0"}, {"statements", json::array()}};
  for (const auto& id : ids)
    vex["statements"].push_back({{"vulnerability", {{"name", id}}}, {"status", "not_affected"}});
  CommandResult vexed = run("--fail-on UNKNOWN --format json --vex " + Quote(WriteTemp("vex.json", vex.dump())));
  EXPECT_EQ(vexed.exit_code, 0) << vexed.err;
  json vexed_report = json::parse(vexed.out);
  EXPECT_TRUE(vexed_report["findings"].empty());
  EXPECT_EQ(vexed_report["suppressed"].size(), report["findings"].size());
  // Usage errors are 2; failures to scan are 3.
  EXPECT_EQ(run("--fail-on SEVERE").exit_code, 2);
  EXPECT_EQ(run("--format yaml").exit_code, 2);
  CommandResult no_db = RunCommand(CustomsBinary() + " image " + image + " --db /nonexistent/customs.db");
  EXPECT_EQ(no_db.exit_code, 3);
  EXPECT_NE(no_db.err.find("customs db update"), std::string::npos) << "say exactly how to get a store";
  CommandResult bad_image = RunCommand(CustomsBinary() + " image /etc/hostname --db " + Quote(*db_));
  EXPECT_EQ(bad_image.exit_code, 3);
}

TEST_F(ImageScanTest, EveryReportFormatIsWellFormed) {
  const std::string image = Quote(TestImagesDir() + "/pinned/oci");
  for (const char* format : {"sarif", "cyclonedx"}) {
    CommandResult r = RunCommand(CustomsBinary() + " image " + image + " --no-cache --quiet --format " + format +
                                 " --db " + Quote(*db_));
    ASSERT_EQ(r.exit_code, 0) << format << r.err;
    json doc = json::parse(r.out, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << format;
    if (std::string(format) == "sarif") {
      EXPECT_EQ(doc["version"], "2.1.0");
      EXPECT_FALSE(doc["runs"][0]["results"].empty());
    } else {
      EXPECT_EQ(doc["specVersion"], "1.5");
      EXPECT_FALSE(doc["vulnerabilities"].empty());
    }
  }
  CommandResult junit = RunCommand(CustomsBinary() + " image " + image +
                                   " --no-cache --quiet --format junit --fail-on UNKNOWN --db " + Quote(*db_));
  EXPECT_EQ(junit.exit_code, 1);
  EXPECT_NE(junit.out.find("<failure"), std::string::npos);
  CommandResult markdown =
      RunCommand(CustomsBinary() + " image " + image + " --no-cache --quiet --format markdown --db " + Quote(*db_));
  EXPECT_NE(markdown.out.find("| Severity | Vulnerability |"), std::string::npos);
}

}  // namespace
}  // namespace customs::e2e
