// rpm matching with real data, as far as this machine has it. Red Hat's own fixed versions for RHEL 8 and 9 come from
// the Red Hat entries of CVE JSON 5 records (../shared/data/vulndata/cvelist); the installed packages are the real
// package lists of Red Hat's UBI 8.0 image (the container catalog's rpm manifest, recorded by claircore) and of a
// Rocky Linux 9 image (recorded with `rpm -qa` by go-rpmdb). The reference compares versions with rpm's own vercmp
// (`rpm --eval '%{lua: print(rpm.vercmp(A, B))}'`), never with our code.
//
// This is a matcher-level test, not end to end: no importer here turns Red Hat data into the store's "rhel:N" rows,
// so the rows are made by this test from the CVE records (docs/STATUS.md says so).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "match/matcher.h"

namespace customs::match {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kShared = CUSTOMS_SHARED_DATA;

json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), nullptr, false);
}

// rpm's answer: -1, 0 or 1.
int RpmVercmp(const std::string& a, const std::string& b) {
  for (const std::string& v : {a, b}) {
    EXPECT_TRUE(std::regex_match(v, std::regex("[0-9A-Za-z.:_+~^-]+"))) << v;  // safe inside the shell quotes
  }
  std::string command = "rpm --eval '%{lua: print(rpm.vercmp(\"" + a + "\", \"" + b + "\"))}'";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return 99;
  }
  char buffer[64] = {};
  std::string out = fgets(buffer, sizeof buffer, pipe) != nullptr ? buffer : "";
  int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command;
  return std::stoi(out.empty() ? "99" : out);
}

class Index final : public vulndb::AdvisoryIndex {
 public:
  void Add(vulndb::AffectedPackage a) { rows_[a.ecosystem + "/" + a.package].push_back(std::move(a)); }
  Result<std::vector<vulndb::AffectedPackage>> FindAffected(std::string_view ecosystem,
                                                            std::string_view package) const override {
    auto it = rows_.find(std::string(ecosystem) + "/" + std::string(package));
    return it == rows_.end() ? std::vector<vulndb::AffectedPackage>{} : it->second;
  }
  Result<std::optional<vulndb::Vulnerability>> GetVulnerability(std::string_view) const override {
    return std::optional<vulndb::Vulnerability>();
  }
  bool HasEcosystem(std::string_view ecosystem) const override {
    for (const auto& [key, rows] : rows_) {
      if (key.starts_with(std::string(ecosystem) + "/")) {
        return true;
      }
    }
    return false;
  }
  const std::map<std::string, std::vector<vulndb::AffectedPackage>>& rows() const { return rows_; }

 private:
  std::map<std::string, std::vector<vulndb::AffectedPackage>> rows_;
};

// The "Red Hat Enterprise Linux 8" and "... 9" entries of the CVE records: source package, fixed EVR.
Index RedHatRows(int* count) {
  Index index;
  *count = 0;
  for (const char* cve : {"CVE-2023-4911", "CVE-2024-6387"}) {
    json doc = ReadJson(kShared / "vulndata/cvelist" / (std::string(cve) + ".json"));
    EXPECT_FALSE(doc.is_discarded()) << cve;
    if (doc.is_discarded()) {
      continue;
    }
    std::set<std::pair<std::string, std::string>> seen;
    std::vector<json> containers = {doc["containers"]["cna"]};
    for (const auto& adp : doc["containers"].value("adp", json::array())) {
      containers.push_back(adp);
    }
    for (const auto& container : containers) {
      for (const auto& affected : container.value("affected", json::array())) {
        const std::string product = affected.value("product", "");
        if (affected.value("vendor", "") != "Red Hat" ||
            (product != "Red Hat Enterprise Linux 8" && product != "Red Hat Enterprise Linux 9")) {
          continue;
        }
        for (const auto& v : affected.value("versions", json::array())) {
          if (v.value("versionType", "") != "rpm" || v.value("status", "") != "unaffected") {
            continue;
          }
          const std::string ecosystem = "rhel:" + product.substr(product.size() - 1);
          if (!seen.emplace(ecosystem, affected["packageName"].get<std::string>()).second) {
            continue;
          }
          vulndb::AffectedPackage row;
          row.vulnerability_id = row.record_id = cve;
          row.source = "redhat";
          row.ecosystem = ecosystem;
          row.package = affected["packageName"];
          row.status = vulndb::AffectedStatus::kFixed;
          row.fixed_version = v["version"];
          index.Add(std::move(row));
          ++*count;
        }
      }
    }
  }
  return index;
}

struct Installed {
  catalog::Package package;  // as the rpm cataloger reports it: source version from SOURCERPM, which has no epoch
  std::string source_evr;    // the reference's view: the source package's epoch:version-release where known
};

std::vector<Installed> Ubi8() {
  std::vector<Installed> out;
  json doc = ReadJson(kShared / "pkgdb/expected/rpm/claircore__ubi8_ubi.rpm-manifest.json");
  EXPECT_FALSE(doc.is_discarded());
  if (doc.is_discarded()) {
    return out;
  }
  for (const auto& p : doc["images"][0]["packages"]) {  // the x86_64 image
    Installed i;
    i.package.type = catalog::PackageType::kRpm;
    i.package.name = p["name"];
    i.package.version = p["version"].get<std::string>() + "-" + p["release"].get<std::string>();
    i.package.arch = p["arch"];
    i.package.source_name = p["srpm_name"];
    // "glibc-0:2.28-42.el8_0.1.src" -> epoch 0, "2.28-42.el8_0.1"
    std::smatch m;
    const std::string nevra = p["srpm_nevra"];
    EXPECT_TRUE(std::regex_match(nevra, m, std::regex("(.*)-([0-9]+):([^-]+)-([^-]+)\\.src"))) << nevra;
    i.package.source_version = m[3].str() + "-" + m[4].str();
    i.source_evr = m[2].str() + ":" + i.package.source_version;
    out.push_back(std::move(i));
  }
  return out;
}

std::vector<Installed> Rocky9() {
  std::vector<Installed> out;
  json doc = ReadJson(kShared / "pkgdb/expected/rpm/go-rpmdb__Rockylinux9WithSQLite3.json");
  EXPECT_FALSE(doc.is_discarded());
  if (doc.is_discarded()) {
    return out;
  }
  for (const auto& p : doc["packages"]) {
    Installed i;
    i.package.type = catalog::PackageType::kRpm;
    i.package.name = p["name"];
    i.package.version = p["version"].get<std::string>() + "-" + p["release"].get<std::string>();
    i.package.arch = p["arch"];
    i.package.source_name = p["src_name"];
    i.package.source_version = p["src_version"].get<std::string>() + "-" + p["src_release"].get<std::string>();
    i.source_evr = i.package.source_version;  // no source epoch recorded: rpm reads a missing epoch as 0
    out.push_back(std::move(i));
  }
  return out;
}

// (binary package, id) -> fixed version, by rpm's comparison of the source EVR with Red Hat's fixed EVR.
std::map<std::pair<std::string, std::string>, std::string> Reference(const std::vector<Installed>& installed,
                                                                     const Index& index, const std::string& ns) {
  std::map<std::pair<std::string, std::string>, std::string> out;
  for (const auto& i : installed) {
    auto rows = index.rows().find(ns + "/" + i.package.source_name);
    if (rows == index.rows().end()) {
      continue;
    }
    for (const auto& row : rows->second) {
      if (RpmVercmp(i.source_evr, row.fixed_version) < 0) {
        out[{i.package.name, row.vulnerability_id}] = row.fixed_version;
      }
    }
  }
  return out;
}

std::vector<catalog::Package> Packages(const std::vector<Installed>& installed) {
  std::vector<catalog::Package> out;
  out.reserve(installed.size());
  for (const auto& i : installed) {
    out.push_back(i.package);
  }
  return out;
}

class RpmMatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* path : {"vulndata/cvelist/CVE-2023-4911.json", "vulndata/cvelist/CVE-2024-6387.json",
                             "pkgdb/expected/rpm/claircore__ubi8_ubi.rpm-manifest.json",
                             "pkgdb/expected/rpm/go-rpmdb__Rockylinux9WithSQLite3.json"}) {
      if (!fs::exists(kShared / path)) {
        GTEST_SKIP() << "shared data absent: " << (kShared / path);
      }
    }
    if (std::system("command -v rpm >/dev/null") != 0) {
      GTEST_SKIP() << "rpm absent (Debian package rpm)";
    }
  }
};

TEST_F(RpmMatchTest, RedHatFixedVersionsAgainstUbi8AndRocky9) {
  int rows = 0;
  Index index = RedHatRows(&rows);
  ASSERT_EQ(rows, 3) << "glibc (RHEL 8 and 9) and openssh (RHEL 9)";

  struct Case {
    const char* name;
    catalog::OsInfo os;
    std::vector<Installed> installed;
    std::size_t min_findings;
  };
  std::vector<Case> cases;
  cases.push_back({"ubi8", catalog::OsInfo{"rhel", "8.0", "", "Red Hat Enterprise Linux 8.0", ""}, Ubi8(), 3});
  cases.push_back({"rocky9", catalog::OsInfo{"rocky", "9.3", "", "Rocky Linux 9.3", ""}, Rocky9(), 0});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_GT(c.installed.size(), 100u);
    const std::string ns = OsNamespace(c.os);
    auto want = Reference(c.installed, index, ns);
    EXPECT_GE(want.size(), c.min_findings);
    DiagnosticsCollector diagnostics;
    auto result = MatchPackages(Packages(c.installed), c.os, index, diagnostics);
    ASSERT_TRUE(result) << result.error().ToString();
    std::map<std::pair<std::string, std::string>, std::string> got;
    for (const auto& f : result->findings) {
      got[{f.package.name, f.id}] = f.fixed_version;
    }
    EXPECT_EQ(got, want);
    EXPECT_TRUE(diagnostics.Snapshot().empty());
  }
  // The UBI 8.0 image predates the fix: every glibc binary is affected, named with Red Hat's fixed version.
  auto ubi = Reference(Ubi8(), index, "rhel:8");
  for (const char* binary : {"glibc", "glibc-common", "glibc-minimal-langpack"}) {
    EXPECT_EQ(ubi[std::make_pair(std::string(binary), std::string("CVE-2023-4911"))], "0:2.28-225.el8_8.6") << binary;
  }
}

}  // namespace
}  // namespace customs::match
