#include "catalog/dpkg/dpkg.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "catalog/test_util.h"
#include "core/file_util.h"

namespace customs::catalog::dpkg {
namespace {

using testing::PutFile;
using testing::SharedPkgdb;
using testing::Slurp;
using Row =
    std::tuple<std::string, std::string, std::string, std::string, std::string>;  // name version arch src srcver

std::set<Row> Rows(const std::vector<Package>& packages) {
  std::set<Row> rows;
  for (const Package& p : packages) {
    rows.emplace(p.name, p.version, p.arch, p.source_name, p.source_version);
  }
  return rows;
}

bool HasDiagnosticContaining(const std::vector<Diagnostic>& diagnostics, std::string_view text) {
  for (const Diagnostic& d : diagnostics) {
    if (d.message.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Every dpkg-query oracle in pkgdb/expected/dpkg: the whole list (list_like_dpkg_query) and its installed subset
// (the default) must come out exactly, including the files dpkg rejects as a whole (our per-stanza fallback).
TEST(DpkgCataloger, MatchesEveryDpkgQueryOracle) {
  for (const std::filesystem::path& root : testing::PkgdbRoots()) {
    SCOPED_TRACE(root.string());
    int checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(root / "expected" / "dpkg")) {
      auto expected = nlohmann::json::parse(Slurp(entry.path()));
      if (!expected.contains("packages")) {
        continue;  // status-field-rules.json
      }
      SCOPED_TRACE(entry.path().filename().string());
      std::string input = expected["input"];
      std::string member;
      if (std::size_t paren = input.find(" (member "); paren != std::string::npos) {
        member = input.substr(paren + 9, input.size() - paren - 10);
        input.resize(paren);
      }
      ASSERT_TRUE(std::filesystem::exists(root / input)) << input;
      std::string content = Slurp(root / input);
      if (!member.empty()) {
        content = testing::TxtarMember(content, member);
      }
      ASSERT_FALSE(content.empty() && expected["packages"].size() > 0);
      const bool status_d = expected["status_injected_for_status_d"].get<bool>();
      std::string image_path = status_d ? "/var/lib/dpkg/status.d/" + std::filesystem::path(input).filename().string()
                                        : "/var/lib/dpkg/status";
      FileTree tree = testing::TreeOf({{image_path, content}});
      std::set<Row> want_all;
      std::set<Row> want_installed;
      for (const auto& p : expected["packages"]) {
        Row row{p["name"], p["version"], p["arch"], p["source_name"], p["source_version"]};
        want_all.insert(row);
        if (p["installed"].get<bool>()) {
          want_installed.insert(row);
        }
      }
      DiagnosticsCollector diagnostics;
      auto all = DpkgCataloger(DpkgOptions{.list_like_dpkg_query = true}).Catalog(tree, OsInfo{}, diagnostics);
      EXPECT_EQ(Rows(all), want_all);
      EXPECT_EQ(all.size(), want_all.size());
      auto installed = DpkgCataloger().Catalog(tree, OsInfo{}, diagnostics);
      EXPECT_EQ(Rows(installed), want_installed);
      // A file dpkg rejects must have produced a diagnostic for each rejected stanza.
      if (expected.contains("per_stanza_fallback")) {
        std::size_t rejected = 0;
        for (const auto& stanza : expected["per_stanza_fallback"]) {
          rejected += stanza["accepted_by_dpkg"] ? 0 : 1;
        }
        std::size_t skipped = 0;
        for (const Diagnostic& d : diagnostics.Snapshot()) {
          skipped += d.message.starts_with("skipped the stanza") ? 1 : 0;
        }
        EXPECT_EQ(skipped, 2 * rejected);  // both runs report
      }
      ++checked;
    }
    EXPECT_GE(checked, root == SharedPkgdb() ? 30 : 6);
  }
  CUSTOMS_SKIP_IF_ONLY_VENDORED_PKGDB();
}

TEST(DpkgParser, BinNmuSourceVersionAndEpochOnlyOnBinary) {
  NullDiagnostics diagnostics;
  auto records = ParseStatus(
      "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b13\nArchitecture: amd64\n"
      "Source: bash (5.2.15-2)\nInstalled-Size: 7000\n\n"
      "Package: bsdutils\nStatus: install ok installed\nVersion: 1:2.38.1-5+deb12u3\nArchitecture: amd64\n"
      "Source: util-linux (2.38.1-5+deb12u3)\n\n"
      "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u7\nArchitecture: amd64\nSource: glibc\n",
      false, "/var/lib/dpkg/status", diagnostics);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].source_name, "bash");
  EXPECT_EQ(records[0].source_version, "5.2.15-2");
  EXPECT_EQ(records[0].installed_size_kib, 7000u);
  EXPECT_EQ(records[1].version, "1:2.38.1-5+deb12u3");
  EXPECT_EQ(records[1].source_version, "2.38.1-5+deb12u3");
  EXPECT_EQ(records[2].source_name, "glibc");
  EXPECT_EQ(records[2].source_version, "2.36-9+deb12u7");  // defaults to the binary version
}

TEST(DpkgParser, BadStanzaIsSkippedNotTheFile) {
  DiagnosticsCollector diagnostics;
  auto records = ParseStatus(
      "Package: good1\nStatus: install ok installed\nVersion: 1.0\n\n"
      "Package: bad\nStatus: install ok installed\nVersion: 1.0\nDepends: foo [i386]\n\n"
      "Package: good2\nStatus: install ok installed\nVersion: 2.0\n\n"
      "Package: noversion\nStatus: install ok installed\n\n"
      "Insterface x: y\n\n"
      "Package: good3\nStatus: install ok installed\nVersion: 3.0\n",
      false, "/var/lib/dpkg/status", diagnostics);
  std::vector<std::string> names;
  names.reserve(records.size());
  for (const auto& r : records) {
    names.push_back(r.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"good1", "good2", "good3"}));
  auto items = diagnostics.Take();
  EXPECT_EQ(items.size(), 3u);
  EXPECT_TRUE(HasDiagnosticContaining(items, "line 5 package 'bad'"));
  EXPECT_TRUE(HasDiagnosticContaining(items, "missing 'Version' field"));
  EXPECT_TRUE(HasDiagnosticContaining(items, "must be followed by colon"));
}

// dpkg refuses a file whose last line lacks its newline; we keep the data (syft's image-dpkg fixture is such a file).
TEST(DpkgParser, MissingFinalNewlineIsAccepted) {
  DiagnosticsCollector diagnostics;
  auto records = ParseStatus("Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nVersion: 1", false,
                             "/s", diagnostics);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].name, "b");
  EXPECT_EQ(records[1].version, "1");
  EXPECT_TRUE(diagnostics.Take().empty());
}

TEST(DpkgParser, VersionChecksFollowDpkg) {
  EXPECT_EQ(CheckVersion("1:2.3-4"), "");
  EXPECT_EQ(CheckVersion("abc"), "");  // only a warning in dpkg
  EXPECT_NE(CheckVersion(""), "");
  EXPECT_NE(CheckVersion("1:"), "");
  EXPECT_NE(CheckVersion("1.0-"), "");
  EXPECT_NE(CheckVersion("a:1.0"), "");
  EXPECT_NE(CheckVersion("1.0 b"), "");
  EXPECT_NE(CheckVersion("99999999999:1"), "");
}

// File lists come from info/<name>.list, or info/<name>:<arch>.list for Multi-Arch: same packages; status.d
// packages fall back to status.d/<name>.md5sums.
TEST(DpkgCataloger, FileLists) {
  FileTree tree = testing::TreeOf({
      {"/var/lib/dpkg/status",
       "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\nMulti-Arch: same\n\n"
       "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b13\nArchitecture: amd64\n"
       "Source: bash (5.2.15-2)\n"},
      {"/var/lib/dpkg/info/libc6:amd64.list", "/.\n/usr\n/usr/lib/x86_64-linux-gnu/libc.so.6\n"},
      {"/var/lib/dpkg/info/bash.list", "/.\n/bin\n/bin/bash\n"},
      {"/var/lib/dpkg/status.d/tzdata", "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n"},
      {"/var/lib/dpkg/status.d/tzdata.md5sums", "0123456789abcdef0123456789abcdef  usr/share/zoneinfo/UTC\n"},
  });
  NullDiagnostics diagnostics;
  OsInfo os{"debian", "12", "bookworm", "", ""};
  auto packages = DpkgCataloger().Catalog(tree, os, diagnostics);
  ASSERT_EQ(packages.size(), 3u);
  EXPECT_EQ(packages[0].name, "bash");
  EXPECT_EQ(packages[0].files, (std::vector<std::string>{"/bin", "/bin/bash"}));
  EXPECT_EQ(packages[0].purl, "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12");
  EXPECT_EQ(packages[1].name, "libc6");
  EXPECT_EQ(packages[1].files, (std::vector<std::string>{"/usr", "/usr/lib/x86_64-linux-gnu/libc.so.6"}));
  EXPECT_EQ(packages[2].name, "tzdata");
  EXPECT_EQ(packages[2].status, "install ok installed");
  EXPECT_EQ(packages[2].files, (std::vector<std::string>{"/usr/share/zoneinfo/UTC"}));
  EXPECT_EQ(packages[2].db_path, "/var/lib/dpkg/status.d/tzdata");
}

// Layer attribution: bash 5.2.15-2 arrives in layer 0, is upgraded in layer 2; curl arrives in layer 1; layer 3
// rewrites the file without changing either. bash reports layer 2 (its current version), curl layer 1.
TEST(DpkgCataloger, LayerAttributionFromHistory) {
  const std::string v0 = "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2\nArchitecture: amd64\n";
  const std::string curl = "\nPackage: curl\nStatus: install ok installed\nVersion: 7.88.1-10\nArchitecture: amd64\n";
  const std::string v2 = "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b13\nArchitecture: amd64\n";
  FileTree tree;
  for (int i = 0; i < 4; ++i) {
    tree.layers().push_back(LayerInfo{i, "sha256:l" + std::to_string(i), "", "step " + std::to_string(i)});
  }
  FileNode node;
  node.layer = 3;
  node.content = std::make_shared<const std::string>(v2 + curl);
  node.history = {{0, false, std::make_shared<const std::string>(v0)},
                  {1, false, std::make_shared<const std::string>(v0 + curl)},
                  {2, false, std::make_shared<const std::string>(v2 + curl)},
                  {3, false, std::make_shared<const std::string>(v2 + curl)}};
  tree.Put("/var/lib/dpkg/status", node);
  DpkgCataloger cataloger;
  EXPECT_TRUE(cataloger.WantsHistory("/var/lib/dpkg/status"));
  NullDiagnostics diagnostics;
  auto packages = cataloger.Catalog(tree, OsInfo{}, diagnostics);
  ASSERT_EQ(packages.size(), 2u);
  EXPECT_EQ(packages[0].name, "bash");
  EXPECT_EQ(packages[0].layer.index, 2);
  EXPECT_EQ(packages[0].layer.digest, "sha256:l2");
  EXPECT_EQ(packages[0].layer.created_by, "step 2");
  EXPECT_EQ(packages[1].name, "curl");
  EXPECT_EQ(packages[1].layer.index, 1);
}

// A package removed in one layer and reinstalled later was introduced (in its current form) by the later layer.
TEST(DpkgCataloger, LayerAttributionAfterRemoval) {
  const std::string a = "Package: a\nStatus: install ok installed\nVersion: 1\n";
  const std::string b = "Package: b\nStatus: install ok installed\nVersion: 1\n";
  FileTree tree;
  for (int i = 0; i < 3; ++i) {
    tree.layers().push_back(LayerInfo{i, "sha256:l" + std::to_string(i), "", ""});
  }
  FileNode node;
  node.layer = 2;
  node.content = std::make_shared<const std::string>(a + "\n" + b);
  node.history = {{0, false, std::make_shared<const std::string>(a + "\n" + b)},
                  {1, false, std::make_shared<const std::string>(b)},
                  {2, false, std::make_shared<const std::string>(a + "\n" + b)}};
  tree.Put("/var/lib/dpkg/status", node);
  NullDiagnostics diagnostics;
  auto packages = DpkgCataloger().Catalog(tree, OsInfo{}, diagnostics);
  ASSERT_EQ(packages.size(), 2u);
  EXPECT_EQ(packages[0].layer.index, 2);  // a: removed in layer 1, back in layer 2
  EXPECT_EQ(packages[1].layer.index, 0);  // b: present throughout
}

// Differential test against the real dpkg-query on this machine: for each stanza, dpkg accepts the file exactly when
// our parser keeps the stanza. The verdicts come from dpkg at run time, not from this file. (Not covered: dpkg's
// missing-final-newline refusals, our one deliberate leniency.)
TEST(DpkgParser, AgreesWithDpkgQueryOnEdgeCases) {
  if (std::system("command -v dpkg-query >/dev/null") != 0) {
    GTEST_SKIP() << "dpkg-query absent";
  }
  const std::string head = "Package: a\nStatus: install ok installed\nVersion: 1.0\n";
  const std::vector<std::string> cases = {
      head,
      head + "Depends: foo (>= 1.0)|bar:any (<< 2), baz:amd64\n",
      head + "Depends: foo,\n bar\n",
      head + "Depends:\n foo\n",
      head + "Depends: foo [i386]\n",
      head + "Depends: foo,\n",
      head + "Depends: \nArchitecture: amd64\n",
      head + "Depends: foo, ,bar\n",
      head + "Depends: foo:all\n",
      head + "Depends: foo:source\n",
      head + "Depends: foo:\n",
      head + "Depends: foo:Bad_Arch\n",
      head + "Depends: foo (>= 1.0\n",
      head + "Depends: foo (>= 1.0 x)\n",
      head + "Depends: foo (<> 1.0)\n",
      head + "Depends: foo (> 1.0)\n",
      head + "Depends: foo (>= 1:)\n",
      head + "Depends: foo (1.0)\n",
      head + "Depends: Foo_Bar\n",
      head + "Depends: -foo\n",
      head + "Conflicts: foo | bar\n",
      head + "Provides: foo (>= 1)\n",
      head + "Recommends: foo [amd64]\n",
      head + "Built-Using: foo [i386]\n",
      head + "Source: x (1:2.0)\n",
      head + "Source: x(2.0)\n",
      head + "Source: x (bad version)\n",
      head + "Source: x (1.0\n",
      head + "Source: x (1.0) extra\n",
      head + "Source: x (\n",
      head + "Installed-Size: abc\n",
      head + "Architecture: all\nMulti-Arch: same\n",
      head + "Multi-Arch: same\n",
      head + "Architecture: amd64\nMulti-Arch: same\n",
      head + "Config-Version: 1.0\n",
      head + "Triggers-Pending: foo\n",
      "Package: a\nStatus: install ok triggers-pending\nVersion: 1.0\n",
      "Package: a\nStatus: install ok triggers-pending\nVersion: 1.0\nTriggers-Pending: foo\n",
      "Package: a\nStatus: install ok unpacked\nVersion: 1.0\nConfig-Version: 0.9\n",
      "Package: a\nStatus: install ok half-configured\nVersion: 1.0\nTriggers-Awaited: b\n",
      "Package: a\nStatus: installx ok installed\nVersion: 1.0\n",
      "Package: a\nStatus: install ok installed extra\nVersion: 1.0\n",
      "Package: a\nStatus: install ok\nVersion: 1.0\n",
      "Package: a\nStatus: hold ok installed\nVersion: 1.0\n",
      "Package: a\nStatus: HOLD OK INSTALLED\nVersion: 1.0\n",
      "Package: a\nStatus: install  ok  installed\nVersion: 1.0\n",
      "Package: a\nStatus: install ok installed\n",
      "Package: a\nStatus: install ok config-files\n",
      "Package: a\nStatus: install ok half-installed\n",
      "Package: a\nStatus: install ok installed\nVersion: abc\n",
      "Package: a\nStatus: install ok installed\nVersion: 1.0-\n",
      "Package: a\nStatus: install ok installed\nVersion: 1:\n",
      "Package: a\nStatus: install ok installed\nVersion: :1.0\n",
      "Package: a\nStatus: install ok installed\nVersion: -1:1.0\n",
      "Package: a\nStatus: install ok installed\nVersion: 1.0 b\n",
      "Package: a\nStatus: install ok installed\nVersion: 1.0~$\n",
      "Package: a\nStatus: install ok installed\nVersion: 99999999999:1.0\n",
      "Package: a\nStatus: install ok installed\nVersion: -\n",
      "Package: A_b\nStatus: install ok installed\nVersion: 1.0\n",
      "Package: a b\nStatus: install ok installed\nVersion: 1.0\n",
      "Package: .a\nStatus: install ok installed\nVersion: 1.0\n",
      "Package:\nStatus: install ok installed\nVersion: 1.0\n",
      "Status: install ok installed\nVersion: 1.0\n",
      "Package: a\n Status: install ok installed\nVersion: 1.0\n",
      "Package: a\nStatus : install ok installed\nVersion: 1.0\n",
      "Package: a\nStatus:install ok installed\nVersion:1.0\n",
      "Package: a\r\nStatus: install ok installed\r\nVersion: 1.0\r\n",
      "Package: a\nStatus: install ok installed\nVersion: 1.0\nInsterface x: y\n",
      "Package: a\nStatus: install ok installed\nVersion: 1.0\n: empty\n",
      "Package: a\nstatus: install ok installed\nVERSION: 1.0\n",
  };
  int disagreements = 0;
  for (const std::string& stanza : cases) {
    auto dir = TempDir::Create("catalog-dpkg");
    ASSERT_TRUE(dir);
    std::filesystem::create_directories(dir->path() / "info");
    std::filesystem::create_directories(dir->path() / "updates");
    { std::ofstream(dir->path() / "status") << stanza; }
    { std::ofstream(dir->path() / "available"); }
    int exit_code = 0;
    std::string listed = testing::Run(
        "dpkg-query --admindir=" + dir->path().string() + " -W -f='${Package}\\n' 2>/dev/null", &exit_code);
    const bool dpkg_accepts = exit_code == 0;
    NullDiagnostics diagnostics;
    auto records = ParseStatus(stanza, false, "/var/lib/dpkg/status", diagnostics);
    const bool we_accept = !records.empty();
    EXPECT_EQ(we_accept, dpkg_accepts) << "stanza:\n" << stanza;
    if (dpkg_accepts && we_accept) {
      std::string name = listed.substr(0, listed.find('\n'));
      EXPECT_TRUE(name.empty() || name == records[0].name) << stanza;
      // Where dpkg-query can print them, the fields agree too.
      std::string fields = testing::Run("dpkg-query --admindir=" + dir->path().string() +
                                            " -W -f='${Package}|${Version}|${Architecture}|${source:Package}|"
                                            "${source:Version}|${db:Status-Status}\\n' 2>/dev/null",
                                        &exit_code);
      if (exit_code == 0 && !fields.empty()) {
        const StatusRecord& r = records[0];
        std::string ours = r.name + "|" + r.version + "|" + r.arch + "|" + r.source_name + "|" + r.source_version + "|";
        EXPECT_TRUE(fields.starts_with(ours)) << stanza << "\ndpkg: " << fields << "ours: " << ours;
        EXPECT_EQ(fields.find("|installed\n") != std::string::npos, r.installed) << stanza;
      }
    }
    disagreements += we_accept != dpkg_accepts;
  }
  EXPECT_EQ(disagreements, 0);
}

// The host is Debian 12: its own dpkg database, loaded into a FileTree, must give exactly what dpkg-query -W lists.
TEST(DpkgCataloger, HostDatabaseMatchesDpkgQuery) {
  const std::filesystem::path admin = "/var/lib/dpkg";
  if (!std::filesystem::exists(admin / "status") || std::system("command -v dpkg-query >/dev/null") != 0) {
    GTEST_SKIP() << "no dpkg database or dpkg-query on this host";
  }
  int exit_code = 0;
  // Read dpkg-query first and the status afterwards; a concurrent apt run between them would fail the test loudly.
  std::string output = testing::Run(
      "dpkg-query -W -f='${Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${source:Version}\\t"
      "${db:Status-Status}\\n'",
      &exit_code);
  ASSERT_EQ(exit_code, 0);
  FileTree tree = testing::TreeOf({{"/var/lib/dpkg/status", Slurp(admin / "status")}});
  for (const auto& entry : std::filesystem::directory_iterator(admin / "info")) {
    if (entry.path().extension() == ".list") {
      PutFile(tree, "/var/lib/dpkg/info/" + entry.path().filename().string(), Slurp(entry.path()));
    }
  }
  std::set<Row> want_all;
  std::set<Row> want_installed;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    std::string field;
    while (std::getline(fields, field, '\t')) {
      f.push_back(field);
    }
    f.resize(6);
    Row row{f[0], f[1], f[2], f[3], f[4]};
    want_all.insert(row);
    if (f[5] == "installed") {
      want_installed.insert(row);
    }
  }
  ASSERT_GT(want_installed.size(), 50u);
  DiagnosticsCollector diagnostics;
  auto installed = DpkgCataloger().Catalog(tree, OsInfo{}, diagnostics);
  EXPECT_EQ(Rows(installed), want_installed);
  auto all = DpkgCataloger(DpkgOptions{.list_like_dpkg_query = true}).Catalog(tree, OsInfo{}, diagnostics);
  EXPECT_EQ(Rows(all), want_all);
  for (const Diagnostic& d : diagnostics.Take()) {
    EXPECT_NE(d.level, DiagnosticLevel::kWarning) << d.message;
  }
  // Every installed package has its file list, and dpkg -L agrees for one of them.
  for (const Package& p : installed) {
    EXPECT_FALSE(p.files.empty()) << p.name;
  }
  std::string dpkg_files = testing::Run("dpkg -L dpkg");
  auto dpkg = std::find_if(installed.begin(), installed.end(), [](const Package& p) { return p.name == "dpkg"; });
  ASSERT_NE(dpkg, installed.end());
  std::set<std::string> expected_files;
  std::istringstream file_lines(dpkg_files);
  while (std::getline(file_lines, line)) {
    if (!line.empty() && line != "/." && !line.starts_with("diverted") && !line.starts_with("package diverts")) {
      expected_files.insert(line);
    }
  }
  EXPECT_EQ(std::set<std::string>(dpkg->files.begin(), dpkg->files.end()), expected_files);
}

}  // namespace
}  // namespace customs::catalog::dpkg
