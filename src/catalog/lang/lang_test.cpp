// Language catalogers against real artifacts and the oracles of the tools that made them (testdata/PROVENANCE.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "catalog/cataloger.h"
#include "catalog/lang/cargo_lock.h"
#include "catalog/lang/common.h"
#include "catalog/lang/dotnet.h"
#include "catalog/lang/json_scan.h"
#include "catalog/lang/node.h"
#include "catalog/lang/php.h"
#include "catalog/lang/python.h"
#include "catalog/lang/ruby.h"
#include "catalog/ownership.h"
#include "catalog/test_util.h"

namespace customs::catalog::lang {
namespace {

namespace fs = std::filesystem;
using testing::Slurp;

fs::path Testdata() {
  return fs::path(CUSTOMS_SOURCE_DIR) / "src" / "catalog" / "lang" / "testdata";
}

std::vector<std::string> Lines(const fs::path& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

struct LayerFile {
  std::string path;
  std::string content;
};

// Every regular file below `dir`, at `prefix` + its relative path.
std::vector<LayerFile> FilesUnder(const fs::path& dir, const std::string& prefix) {
  std::vector<LayerFile> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    out.push_back({prefix + "/" + fs::relative(entry.path(), dir).string(), Slurp(entry.path())});
  }
  return out;
}

// What the layer walker does for one layer: records each file, keeps the content some cataloger wants, and streams
// every file through each cataloger's extractor in `chunk`-byte pieces, storing the layer's records.
void AddLayer(FileTree& tree, int layer, const std::vector<LayerFile>& files,
              const std::vector<std::unique_ptr<Cataloger>>& catalogers, Diagnostics& diagnostics,
              std::size_t chunk = 4096) {
  for (const LayerFile& file : files) {
    FileNode node;
    node.type = FileType::kRegular;
    node.size = file.content.size();
    node.layer = layer;
    for (const auto& cataloger : catalogers) {
      if (cataloger->WantsContent(file.path)) {
        node.content = std::make_shared<const std::string>(file.content);
      }
    }
    tree.Put(file.path, std::move(node));
  }
  for (const auto& cataloger : catalogers) {
    const FileExtractor* extractor = cataloger->extractor();
    if (extractor == nullptr) {
      continue;
    }
    auto visitor = extractor->StartLayer(layer, diagnostics);
    for (const LayerFile& file : files) {
      EntryHeader header{file.path, 0644, 0, 0, file.content.size(), layer};
      Interest interest = visitor->Inspect(header);
      if (interest == Interest::kPeek) {
        interest = visitor->InspectHead(header, std::string_view(file.content).substr(0, LayerVisitor::kHeadSize))
                       ? Interest::kWant
                       : Interest::kSkip;
      }
      if (interest != Interest::kWant) {
        continue;
      }
      for (std::size_t at = 0; at < file.content.size(); at += chunk) {
        visitor->Data(std::string_view(file.content).substr(at, chunk));
      }
      visitor->EndFile(true);
    }
    std::string record = visitor->Finish();
    if (!record.empty()) {
      tree.SetRecord(layer, std::string(extractor->name()), std::move(record));
    }
  }
}

FileTree ImageTree(int layers) {
  FileTree tree;
  for (int i = 0; i < layers; ++i) {
    tree.layers().push_back(LayerInfo{i, "sha256:layer" + std::to_string(i), "", ""});
  }
  return tree;
}

FileTree DirectoryTree() {
  FileTree tree;
  tree.layers().push_back(LayerInfo{});
  return tree;
}

std::vector<std::unique_ptr<Cataloger>> Only(std::unique_ptr<Cataloger> cataloger) {
  std::vector<std::unique_ptr<Cataloger>> out;
  out.push_back(std::move(cataloger));
  return out;
}

std::vector<Package> Catalog(const std::vector<std::unique_ptr<Cataloger>>& catalogers, const FileTree& tree,
                             Diagnostics& diagnostics) {
  std::vector<Package> out;
  for (const auto& cataloger : catalogers) {
    auto packages = cataloger->Catalog(tree, OsInfo{}, diagnostics);
    out.insert(out.end(), packages.begin(), packages.end());
  }
  return out;
}

std::set<std::string> NameVersions(const std::vector<Package>& packages) {
  std::set<std::string> out;
  for (const Package& package : packages) {
    out.insert(package.name + "@" + package.version);
  }
  return out;
}

std::string Dump(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    out += d.subject + ": " + d.message + "\n";
  }
  return out;
}

// ---- Node ---------------------------------------------------------------------------------------------------------

// "path:name@version" lines of `npm ls --parseable --long` -> {"<prefix><path>/package.json name@version"}.
std::set<std::string> NpmLsOracle(const std::string& prefix) {
  std::set<std::string> out;
  for (const std::string& line : Lines(Testdata() / "node" / "npm-ls.txt")) {
    const std::size_t colon = line.find(':');
    if (colon == 0) {
      continue;  // the project itself
    }
    out.insert(prefix + line.substr(0, colon) + "/package.json " + line.substr(colon + 1));
  }
  return out;
}

TEST(NodeCatalogerTest, NodeModulesEqualsNpmLs) {
  auto catalogers = Only(std::make_unique<NodeCataloger>());
  FileTree tree = ImageTree(1);
  DiagnosticsCollector diagnostics;
  AddLayer(tree, 0, FilesUnder(Testdata() / "node" / "project", "/app"), catalogers, diagnostics);
  auto packages = Catalog(catalogers, tree, diagnostics);
  std::set<std::string> got;
  for (const Package& package : packages) {
    EXPECT_EQ(package.type, PackageType::kNpm);
    EXPECT_EQ(package.evidence, "package.json");
    EXPECT_EQ(package.layer.index, 0);
    EXPECT_FALSE(package.unmatchable) << package.location;
    EXPECT_TRUE(package.files.empty());  // the location is the evidence (ownership falls back to it)
    got.insert(package.location + " " + package.name + "@" + package.version);
  }
  const std::set<std::string> want = NpmLsOracle("/app");
  ASSERT_GE(want.size(), 80u);
  EXPECT_EQ(got, want);
  // The nested duplicates and the old versions the issue names are there, each at its own location.
  EXPECT_TRUE(got.contains("/app/node_modules/lodash/package.json lodash@4.17.15"));
  EXPECT_TRUE(got.contains("/app/node_modules/minimist/package.json minimist@1.2.0"));
  EXPECT_TRUE(got.contains("/app/node_modules/mkdirp/node_modules/minimist/package.json minimist@0.0.8"));
  EXPECT_TRUE(got.contains("/app/node_modules/@babel/code-frame/package.json @babel/code-frame@7.12.13"));
  // package.json files inside packages (resolve's malformed test fixture among them) are never read.
  EXPECT_EQ(Dump(diagnostics.Take()), "");
}

TEST(NodeCatalogerTest, ChunkingDoesNotMatter) {
  auto catalogers = Only(std::make_unique<NodeCataloger>());
  DiagnosticsCollector diagnostics;
  FileTree whole = ImageTree(1);
  FileTree bytes = ImageTree(1);
  auto files = FilesUnder(Testdata() / "node" / "project" / "node_modules" / "express", "/app/node_modules/express");
  AddLayer(whole, 0, files, catalogers, diagnostics);
  AddLayer(bytes, 0, files, catalogers, diagnostics, 1);
  EXPECT_EQ(NameVersions(Catalog(catalogers, whole, diagnostics)),
            NameVersions(Catalog(catalogers, bytes, diagnostics)));
  EXPECT_EQ(Catalog(catalogers, bytes, diagnostics).size(), 3u);  // express and its own debug and ms
}

TEST(NodeCatalogerTest, OnlySurvivingFilesCount) {
  auto catalogers = Only(std::make_unique<NodeCataloger>());
  DiagnosticsCollector diagnostics;
  FileTree tree = ImageTree(3);
  const std::string lodash = Slurp(Testdata() / "node/project/node_modules/lodash/package.json");
  const std::string minimist = Slurp(Testdata() / "node/project/node_modules/minimist/package.json");
  AddLayer(tree, 0,
           {{"/app/node_modules/lodash/package.json", lodash}, {"/app/node_modules/minimist/package.json", minimist}},
           catalogers, diagnostics);
  // Layer 1 deletes lodash (a whiteout), layer 2 rewrites minimist.
  tree.Remove("/app/node_modules/lodash");
  AddLayer(tree, 2, {{"/app/node_modules/minimist/package.json", minimist}}, catalogers, diagnostics);
  auto packages = Catalog(catalogers, tree, diagnostics);
  ASSERT_EQ(packages.size(), 1u);
  EXPECT_EQ(packages[0].name, "minimist");
  EXPECT_EQ(packages[0].layer.index, 2);
}

TEST(NodeCatalogerTest, PackageJsonPaths) {
  EXPECT_TRUE(IsNodeModulesPackageJson("/a/node_modules/x/package.json"));
  EXPECT_TRUE(IsNodeModulesPackageJson("/a/node_modules/@s/x/package.json"));
  EXPECT_TRUE(IsNodeModulesPackageJson("/a/node_modules/x/node_modules/y/package.json"));
  EXPECT_TRUE(IsNodeModulesPackageJson("/a/node_modules/.pnpm/x@1.0.0/node_modules/x/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("/a/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("/a/node_modules/x/lib/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("/a/node_modules/@s/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("/a/node_modules/.bin/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("/a/node_modules/x/package.json.bak"));
}

TEST(NodeCatalogerTest, HostilePackageJson) {
  auto catalogers = Only(std::make_unique<NodeCataloger>());
  DiagnosticsCollector diagnostics;
  FileTree tree = ImageTree(1);
  std::string deep(100000, '[');
  std::string bad_utf8 = "{\"name\": \"caf\xc3\x28\", \"version\": \"1.0.0\", \"description\": \"\xff\xfe\"}";
  std::string huge = "{\"name\": \"big\", \"version\": \"1.0.0\", \"readme\": \"" + std::string(5u << 20, 'x') + "\"}";
  AddLayer(tree, 0,
           {{"/n/node_modules/notjson/package.json", "this is not json"},
            {"/n/node_modules/truncated/package.json", "{\"name\": \"truncated\", \"version\": \"1.0"},
            {"/n/node_modules/deep/package.json", deep},
            {"/n/node_modules/array/package.json", "[1, 2]"},
            {"/n/node_modules/noversion/package.json", "{\"name\": \"noversion\"}"},
            {"/n/node_modules/numbers/package.json", "{\"name\": \"numbers\", \"version\": 1}"},
            {"/n/node_modules/utf8/package.json", bad_utf8},
            {"/n/node_modules/big/package.json", huge},
            {"/n/node_modules/dup/package.json", "{\"name\": \"a\", \"version\": \"1.0.0\", \"version\": \"2.0.0\"}"},
            {"/n/node_modules/weird/package.json", "{\"name\": \"weird\", \"version\": \"latest\"}"}},
           catalogers, diagnostics, 977);
  auto packages = Catalog(catalogers, tree, diagnostics);
  std::set<std::string> got = NameVersions(packages);
  EXPECT_EQ(got, (std::set<std::string>{"caf\xef\xbf\xbd(@1.0.0", "a@2.0.0", "weird@latest"}));
  for (const Package& package : packages) {
    EXPECT_EQ(package.unmatchable, package.name == "weird") << package.name;
  }
  std::string text = Dump(diagnostics.Take());
  EXPECT_NE(text.find("/n/node_modules/notjson/package.json: not a package"), std::string::npos) << text;
  EXPECT_NE(text.find("/n/node_modules/truncated/package.json: not a package"), std::string::npos) << text;
  EXPECT_NE(text.find("/n/node_modules/deep/package.json: not a package: invalid JSON at byte 512: nesting deeper"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("/n/node_modules/array/package.json: not a package: package.json is not a JSON object"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("/n/node_modules/big/package.json: package.json of"), std::string::npos) << text;
  EXPECT_NE(text.find("/n/node_modules/utf8/package.json: 3 invalid UTF-8"), std::string::npos) << text;
}

TEST(NodeCatalogerTest, CorruptRecordIsIncomplete) {
  auto catalogers = Only(std::make_unique<NodeCataloger>());
  DiagnosticsCollector diagnostics;
  FileTree tree = ImageTree(1);
  tree.SetRecord(0, "node", std::string("\x01\x03\x05/a/b", 7));
  auto packages = Catalog(catalogers, tree, diagnostics);
  EXPECT_TRUE(packages.empty());
  auto items = diagnostics.Take();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].level, DiagnosticLevel::kIncomplete);
}

std::set<std::string> OracleSet(const fs::path& path) {
  auto lines = Lines(path);
  return {lines.begin(), lines.end()};
}

std::set<std::string> LockfileSet(const std::string& name, const std::string& content, bool directory_scan,
                                  std::vector<Package>* packages_out = nullptr,
                                  std::string* diagnostics_out = nullptr) {
  auto catalogers = Only(std::make_unique<NodeCataloger>());
  DiagnosticsCollector diagnostics;
  FileTree tree = directory_scan ? DirectoryTree() : ImageTree(1);
  AddLayer(tree, 0, {{"/src/app/" + name, content}}, catalogers, diagnostics);
  auto packages = Catalog(catalogers, tree, diagnostics);
  for (const Package& package : packages) {
    EXPECT_EQ(package.location, "/src/app/" + name);
    EXPECT_EQ(package.evidence, name);
  }
  // Every fixture lockfile resolves from the npm registry only.
  for (const Package& package : packages) {
    EXPECT_FALSE(package.unmatchable) << package.name << " " << package.unmatchable_reason;
  }
  if (packages_out != nullptr) {
    *packages_out = packages;
  }
  if (diagnostics_out != nullptr) {
    *diagnostics_out = Dump(diagnostics.Take());
  }
  return NameVersions(packages);
}

std::set<std::string> NpmLsNameVersions() {
  std::set<std::string> out;
  for (const std::string& entry : NpmLsOracle("")) {
    out.insert(entry.substr(entry.find(' ') + 1));
  }
  return out;
}

TEST(NodeLockfileTest, PackageLockV1V2V3EqualNpmLs) {
  const std::set<std::string> want = NpmLsNameVersions();
  for (const char* version : {"1", "2", "3"}) {
    SCOPED_TRACE(version);
    std::string text = Slurp(Testdata() / "node/lockfiles" / (std::string("package-lock.v") + version + ".json"));
    std::vector<Package> packages;
    std::string diagnostics;
    EXPECT_EQ(LockfileSet("package-lock.json", text, true, &packages, &diagnostics), want);
    EXPECT_EQ(diagnostics, "");
    for (const Package& package : packages) {
      EXPECT_FALSE(package.unmatchable) << package.name;
    }
    // Image scans read node_modules, never lockfiles.
    EXPECT_TRUE(LockfileSet("package-lock.json", text, false).empty());
  }
}

TEST(NodeLockfileTest, YarnV1EqualsYarnList) {
  std::string diagnostics;
  EXPECT_EQ(LockfileSet("yarn.lock", Slurp(Testdata() / "node/lockfiles/yarn-v1.lock"), true, nullptr, &diagnostics),
            OracleSet(Testdata() / "node/lockfiles/yarn-v1.oracle.txt"));
  EXPECT_EQ(diagnostics, "");
}

TEST(NodeLockfileTest, YarnBerryEqualsYarnInfo) {
  // The oracle lists the project's own workspace and the builtin compat patch of resolve (the same npm package).
  std::set<std::string> want;
  for (const std::string& line : OracleSet(Testdata() / "node/lockfiles/yarn-berry.oracle.txt")) {
    if (line.find("@workspace:") != std::string::npos) {
      continue;
    }
    if (line.starts_with("resolve@patch:")) {
      continue;
    }
    want.insert(line);
  }
  ASSERT_TRUE(want.contains("resolve@1.22.1"));
  std::string diagnostics;
  EXPECT_EQ(LockfileSet("yarn.lock", Slurp(Testdata() / "node/lockfiles/yarn-berry.lock"), true, nullptr, &diagnostics),
            want);
  EXPECT_EQ(diagnostics, "");
}

TEST(NodeLockfileTest, PnpmEqualsPnpmLs) {
  for (const char* tool : {"pnpm7", "pnpm8", "pnpm9"}) {
    SCOPED_TRACE(tool);
    std::string diagnostics;
    EXPECT_EQ(LockfileSet("pnpm-lock.yaml",
                          Slurp(Testdata() / "node/lockfiles" / (std::string("pnpm-lock.") + tool + ".yaml")), true,
                          nullptr, &diagnostics),
              OracleSet(Testdata() / "node/lockfiles" / (std::string("pnpm-lock.") + tool + ".oracle.txt")));
    EXPECT_EQ(diagnostics, "");
  }
}

TEST(NodeLockfileTest, LockfilesInsideNodeModulesAreNeverRead) {
  NodeCataloger cataloger;
  EXPECT_TRUE(cataloger.WantsContent("/src/app/package-lock.json"));
  EXPECT_TRUE(cataloger.WantsContent("/src/app/yarn.lock"));
  EXPECT_FALSE(cataloger.WantsContent("/src/app/node_modules/x/package-lock.json"));
  EXPECT_FALSE(cataloger.WantsContent("/src/app/node_modules/.package-lock.json"));
  EXPECT_FALSE(cataloger.WantsContent("/src/app/node_modules/x/yarn.lock"));
}

TEST(NodeLockfileTest, NonRegistrySources) {
  NullDiagnostics quiet;
  // Shapes npm, yarn and pnpm write for git, file and tarball dependencies.
  auto v3 = ParsePackageLock(R"({"lockfileVersion": 3, "packages": {
      "": {"name": "root"},
      "node_modules/gitdep": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/u/gitdep.git#0123abc"},
      "node_modules/local": {"resolved": "packages/local", "link": true},
      "packages/local": {"name": "local", "version": "0.1.0"},
      "node_modules/alias": {"name": "real", "version": "2.0.0", "resolved": "https://registry.npmjs.org/real/-/real-2.0.0.tgz"}}})",
                             "p", quiet);
  ASSERT_TRUE(v3.has_value());
  ASSERT_EQ(v3->size(), 2u);
  EXPECT_EQ((*v3)[0].name, "real");  // in key order: node_modules/alias, node_modules/gitdep
  EXPECT_EQ((*v3)[0].unmatchable_reason, "");
  EXPECT_EQ((*v3)[1].name, "gitdep");
  EXPECT_EQ((*v3)[1].unmatchable_reason, "from a git source, not the npm registry");
  auto v1 = ParsePackageLock(R"({"lockfileVersion": 1, "dependencies": {
      "a": {"version": "npm:b@1.2.3", "dependencies": {"c": {"version": "file:../c"}}},
      "d": {"version": "github:u/d#abc"}}})",
                             "p", quiet);
  ASSERT_TRUE(v1.has_value());
  ASSERT_EQ(v1->size(), 3u);
  std::set<std::string> got;
  for (const auto& p : *v1) {
    got.insert(p.name + "@" + p.version + "|" + p.unmatchable_reason);
  }
  EXPECT_EQ(got, (std::set<std::string>{"b@1.2.3|", "c@file:../c|from a file source, not the npm registry",
                                        "d@github:u/d#abc|from a github source, not the npm registry"}));
}

// ---- Python -------------------------------------------------------------------------------------------------------

TEST(PythonCatalogerTest, EqualsImportlibMetadata) {
  auto catalogers = Only(std::make_unique<PythonCataloger>());
  FileTree tree = ImageTree(2);
  DiagnosticsCollector diagnostics;
  AddLayer(tree, 0, FilesUnder(Testdata() / "python/dist-packages", "/usr/lib/python3/dist-packages"), catalogers,
           diagnostics);
  AddLayer(tree, 1, FilesUnder(Testdata() / "python/site-packages", "/usr/local/lib/python3.11/dist-packages"),
           catalogers, diagnostics, 13);
  std::set<std::string> got;
  for (const Package& package : Catalog(catalogers, tree, diagnostics)) {
    const bool local = package.location.starts_with("/usr/local/");
    EXPECT_EQ(package.layer.index, local ? 1 : 0);
    EXPECT_EQ(package.evidence, package.location.ends_with("/METADATA") ? "METADATA" : "PKG-INFO");
    const std::string dir = std::string(BaseName(DirName(package.location)));
    got.insert(std::string(local ? "site-packages/" : "dist-packages/") + dir + " " + package.name + " " +
               package.version);
  }
  EXPECT_EQ(got, OracleSet(Testdata() / "python/importlib.oracle.txt"));
  EXPECT_EQ(Dump(diagnostics.Take()), "");
}

TEST(PythonCatalogerTest, DistInfoAndEggInfoOfOneProjectAreOnePackage) {
  auto catalogers = Only(std::make_unique<PythonCataloger>());
  FileTree tree = ImageTree(1);
  DiagnosticsCollector diagnostics;
  const std::string pkg_info = Slurp(Testdata() / "python/dist-packages/requests-2.28.1.egg-info/PKG-INFO");
  const std::string site = "/usr/lib/python3/dist-packages";
  AddLayer(tree, 0,
           {{site + "/requests-2.28.1.egg-info/PKG-INFO", pkg_info},
            {site + "/requests-2.28.1.dist-info/METADATA", pkg_info},
            {"/opt/venv/lib/python3.11/site-packages/requests-2.28.1.dist-info/METADATA", pkg_info}},
           catalogers, diagnostics);
  auto packages = Catalog(catalogers, tree, diagnostics);
  ASSERT_EQ(packages.size(), 2u);
  EXPECT_EQ(packages[0].location, "/opt/venv/lib/python3.11/site-packages/requests-2.28.1.dist-info/METADATA");
  EXPECT_EQ(packages[1].location, site + "/requests-2.28.1.dist-info/METADATA");
  EXPECT_EQ(packages[1].evidence, "METADATA");
  EXPECT_EQ(packages[1].files.size(), 2u);
}

TEST(PythonCatalogerTest, HugeMetadataKeepsOnlyHeaders) {
  // A real header block followed by 100 MB of description, streamed in 1 MB chunks: the visitor keeps the headers.
  const std::string header = Slurp(Testdata() / "python/site-packages/pip-23.0.1.dist-info/METADATA");
  const std::string headers_only = header.substr(0, header.find("\n\n") + 2);
  const std::string chunk(1u << 20, 'd');
  PythonCataloger cataloger;
  DiagnosticsCollector diagnostics;
  auto visitor = cataloger.extractor()->StartLayer(0, diagnostics);
  const std::string path = "/usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA";
  ASSERT_EQ(visitor->Inspect({path, 0644, 0, 0, headers_only.size() + 100 * chunk.size(), 0}), Interest::kWant);
  visitor->Data(headers_only);
  for (int i = 0; i < 100; ++i) {
    visitor->Data(chunk);
  }
  visitor->EndFile(true);
  std::string record = visitor->Finish();
  EXPECT_LT(record.size(), 200u);
  std::vector<std::string> fields;
  ASSERT_TRUE(
      ReadRecord(record, 3, [&](const std::vector<std::string_view>& f) { fields.assign(f.begin(), f.end()); }));
  EXPECT_EQ(fields, (std::vector<std::string>{path, "pip", "23.0.1"}));
  // Headers without an end: 100 MB of one header line is cut at the limit, and a name is still found when present.
  auto second = cataloger.extractor()->StartLayer(0, diagnostics);
  ASSERT_EQ(second->Inspect({path, 0644, 0, 0, 0, 0}), Interest::kWant);
  second->Data("Metadata-Version: 2.1\nName: x\nVersion: 1\nDescription: ");
  for (int i = 0; i < 100; ++i) {
    second->Data(chunk);
  }
  second->EndFile(true);
  EXPECT_FALSE(second->Finish().empty());
  EXPECT_EQ(Dump(diagnostics.Take()), "");
}

TEST(PythonCatalogerTest, MetadataParsing) {
  EXPECT_EQ(NormalizePypiName("Charset_Normalizer"), "charset-normalizer");
  EXPECT_EQ(NormalizePypiName("zope.interface"), "zope-interface");
  EXPECT_EQ(NormalizePypiName("a--_.b"), "a-b");
  auto m = ParsePythonMetadata(
      "Metadata-Version: 1.0\r\nname:  Foo \r\nSummary: x\r\n   continued\r\nVERSION: 2\r\n\r\nName: body");
  EXPECT_EQ(m.name, "Foo");
  EXPECT_EQ(m.version, "2");
  EXPECT_TRUE(IsPythonMetadataPath("/s/a-1.dist-info/METADATA"));
  EXPECT_TRUE(IsPythonMetadataPath("/s/a-1.egg-info/PKG-INFO"));
  EXPECT_TRUE(IsPythonMetadataPath("/s/a-1.egg-info"));
  EXPECT_TRUE(IsPythonMetadataPath("/s/a-1.egg/EGG-INFO/PKG-INFO"));
  EXPECT_FALSE(IsPythonMetadataPath("/s/a-1.dist-info/RECORD"));
  EXPECT_FALSE(IsPythonMetadataPath("/src/a/PKG-INFO"));
  // No Name: a warning, no package.
  PythonCataloger cataloger;
  DiagnosticsCollector diagnostics;
  auto visitor = cataloger.extractor()->StartLayer(0, diagnostics);
  ASSERT_EQ(visitor->Inspect({"/s/a-1.dist-info/METADATA", 0644, 0, 0, 10, 0}), Interest::kWant);
  visitor->Data("Version: 1\n\n");
  visitor->EndFile(true);
  EXPECT_TRUE(visitor->Finish().empty());
  EXPECT_EQ(diagnostics.Take().size(), 1u);
}

// ---- Ruby ---------------------------------------------------------------------------------------------------------

TEST(RubyCatalogerTest, GemspecsEqualRubyGems) {
  auto catalogers = Only(std::make_unique<RubyCataloger>());
  FileTree tree = ImageTree(1);
  DiagnosticsCollector diagnostics;
  AddLayer(tree, 0, FilesUnder(Testdata() / "ruby/default", "/usr/lib/ruby/gems/3.1.0/specifications/default"),
           catalogers, diagnostics);
  AddLayer(tree, 0, FilesUnder(Testdata() / "ruby/bundled", "/usr/lib/ruby/gems/3.1.0/specifications"), catalogers,
           diagnostics);
  AddLayer(tree, 0, FilesUnder(Testdata() / "ruby/integration", "/usr/share/rubygems-integration/all/specifications"),
           catalogers, diagnostics);
  // Gemfile.lock: directory scans only.
  AddLayer(tree, 0, {{"/app/Gemfile.lock", Slurp(Testdata() / "ruby/Gemfile.lock")}}, catalogers, diagnostics);
  std::set<std::string> got;
  for (const Package& package : Catalog(catalogers, tree, diagnostics)) {
    EXPECT_EQ(package.evidence, "gemspec");
    got.insert(std::string(BaseName(package.location)) + " " + package.name + " " + package.version);
  }
  std::set<std::string> want;
  for (const std::string& line : OracleSet(Testdata() / "ruby/rubygems.oracle.txt")) {
    if (got.contains(line)) {
      want.insert(line);
    }
  }
  EXPECT_EQ(got.size(), 11u);  // every fixture gemspec
  EXPECT_EQ(got, want);
  EXPECT_EQ(Dump(diagnostics.Take()), "");
}

TEST(RubyCatalogerTest, GemfileLockEqualsBundler) {
  auto catalogers = Only(std::make_unique<RubyCataloger>());
  FileTree tree = DirectoryTree();
  DiagnosticsCollector diagnostics;
  AddLayer(tree, 0,
           {{"/app/Gemfile.lock", Slurp(Testdata() / "ruby/Gemfile.lock")},
            {"/app/vendor/bundle/ruby/3.1.0/gems/rack-2.2.22/Gemfile.lock", "GEM\n  specs:\n    nope (1.0)\n"}},
           catalogers, diagnostics);
  std::set<std::string> got;
  for (const Package& package : Catalog(catalogers, tree, diagnostics)) {
    got.insert(package.name + " " + package.version);
  }
  EXPECT_EQ(got, OracleSet(Testdata() / "ruby/Gemfile.lock.oracle.txt"));
  auto locked = ParseGemfileLock(
      "GIT\n  remote: https://g/x.git\n  revision: abc\n  specs:\n    x (0.1.0)\n\nPATH\n  remote: .\n  specs:\n"
      "    app (1.0.0)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.13.10-x86_64-linux)\n"
      "      racc (~> 1.4)\n");
  ASSERT_EQ(locked.size(), 3u);
  EXPECT_EQ(locked[0].unmatchable_reason, "from a git source, not rubygems.org");
  EXPECT_EQ(locked[1].unmatchable_reason, "from a local path, not rubygems.org");
  EXPECT_EQ(locked[2].name + " " + locked[2].version, "nokogiri 1.13.10");
}

TEST(RubyCatalogerTest, GemspecForms) {
  auto spec = ParseGemspec(
      "Gem::Specification.new do |spec|\n  spec.name    = 'abc'\n"
      "  spec.version = Gem::Version.new(\"1.2.3\")\n  spec.name == 'x'\nend\n");
  EXPECT_EQ(spec.name, "abc");
  EXPECT_EQ(spec.version, "1.2.3");
  spec = ParseGemspec("# -*- encoding: utf-8 -*-\n# stub: json 2.6.1 ruby lib\n");
  EXPECT_EQ(spec.name + " " + spec.version, "json 2.6.1");
  EXPECT_TRUE(IsGemspecPath("/g/specifications/a-1.gemspec"));
  EXPECT_TRUE(IsGemspecPath("/g/specifications/default/a-1.gemspec"));
  EXPECT_FALSE(IsGemspecPath("/src/a.gemspec"));
}

// ---- PHP ----------------------------------------------------------------------------------------------------------

TEST(PhpCatalogerTest, InstalledJsonBothFormatsAndLockEqualComposerShow) {
  const std::set<std::string> want = OracleSet(Testdata() / "php/composer-show.oracle.txt");
  ASSERT_EQ(want.size(), 3u);
  for (const char* file : {"installed.v1.json", "installed.v2.json"}) {
    SCOPED_TRACE(file);
    auto catalogers = Only(std::make_unique<PhpCataloger>());
    FileTree tree = ImageTree(1);
    DiagnosticsCollector diagnostics;
    AddLayer(tree, 0,
             {{"/var/www/vendor/composer/installed.json", Slurp(Testdata() / "php" / file)},
              {"/var/www/composer.lock", Slurp(Testdata() / "php/composer.lock")}},
             catalogers, diagnostics);
    std::set<std::string> got;
    for (const Package& package : Catalog(catalogers, tree, diagnostics)) {
      EXPECT_EQ(package.location, "/var/www/vendor/composer/installed.json");  // the lock: directory scans only
      got.insert(package.name + " " + package.version);
    }
    EXPECT_EQ(got, want);
    EXPECT_EQ(Dump(diagnostics.Take()), "");
  }
  auto locked = ParseComposerPackages(Slurp(Testdata() / "php/composer.lock"));
  ASSERT_TRUE(locked.has_value());
  std::set<std::string> got;
  for (const auto& p : *locked) {
    got.insert(p.name + " " + p.version);
  }
  EXPECT_EQ(got, want);
  auto branch = ParseComposerPackages(R"({"packages": [{"name": "a/b", "version": "dev-main"}]})");
  ASSERT_TRUE(branch.has_value());
  EXPECT_FALSE((*branch)[0].unmatchable_reason.empty());
}

// ---- .NET ---------------------------------------------------------------------------------------------------------

TEST(DotnetCatalogerTest, DepsJsonAndNugetLock) {
  auto catalogers = Only(std::make_unique<DotnetCataloger>());
  FileTree tree = DirectoryTree();
  DiagnosticsCollector diagnostics;
  AddLayer(tree, 0,
           {{"/app/ExampleApp1.deps.json", Slurp(Testdata() / "dotnet/ExampleApp1.deps.json")},
            {"/src/packages.lock.json", Slurp(Testdata() / "dotnet/packages.lock.json")}},
           catalogers, diagnostics);
  std::set<std::string> deps;
  std::set<std::string> lock;
  for (const Package& package : Catalog(catalogers, tree, diagnostics)) {
    (package.evidence == "deps.json" ? deps : lock).insert(package.name + " " + package.version);
  }
  EXPECT_EQ(deps, OracleSet(Testdata() / "dotnet/ExampleApp1.deps.json.oracle.txt"));
  EXPECT_EQ(lock, OracleSet(Testdata() / "dotnet/packages.lock.json.oracle.txt"));
  EXPECT_EQ(Dump(diagnostics.Take()), "");
}

// ---- Cargo.lock ---------------------------------------------------------------------------------------------------

TEST(CargoLockCatalogerTest, EqualsCargoMetadata) {
  auto catalogers = Only(std::make_unique<CargoLockCataloger>());
  FileTree tree = ImageTree(1);  // read in images too
  DiagnosticsCollector diagnostics;
  AddLayer(tree, 0, {{"/build/Cargo.lock", Slurp(Testdata() / "cargo/Cargo.lock")}}, catalogers, diagnostics);
  std::set<std::string> got;
  for (const Package& package : Catalog(catalogers, tree, diagnostics)) {
    got.insert(package.name + " " + package.version + " " +
               (package.unmatchable ? "-" : "registry+https://github.com/rust-lang/crates.io-index"));
  }
  EXPECT_EQ(got, OracleSet(Testdata() / "cargo/cargo-metadata.oracle.txt"));
}

// ---- JSON reader --------------------------------------------------------------------------------------------------

TEST(JsonScanTest, AcceptsAndRejectsLikeRfc8259) {
  JsonCallbacks any([](const JsonPath&, JsonKind, std::string_view) { return true; });
  for (const char* good : {"{}", "[]", " 1 ", "-0.5e+3", "\"\\u00e9\\ud83d\\ude00\"", "{\"a\":[1,{\"b\":null}]}",
                           "\xef\xbb\xbf{\"bom\": true}", "[true,false,null]"}) {
    EXPECT_TRUE(ScanJson(good, any).has_value()) << good;
  }
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"\\x\"", "\"a\nb\"", "[1] 2", "{'a':1}",
                          "tru", "{\"a\":1,}", "\"\\u12\"", "[1 2]"}) {
    EXPECT_FALSE(ScanJson(bad, any).has_value()) << bad;
  }
}

TEST(JsonScanTest, PathsAndDecoding) {
  std::vector<std::string> seen;
  JsonCallbacks collect([&](const JsonPath& path, JsonKind, std::string_view value) {
    std::string key;
    for (const auto& element : path) {
      key += element.is_index ? "[" + std::to_string(element.index) + "]" : "." + element.key;
    }
    seen.push_back(key + "=" + std::string(value));
    return true;
  });
  ASSERT_TRUE(ScanJson(R"({"a": [1, {"b\/c": "x\"y"}], "d": "\ud800"})", collect).has_value());
  EXPECT_EQ(seen, (std::vector<std::string>{".a[0]=1", ".a[1].b/c=x\"y", ".d=\xef\xbf\xbd"}));
}

// ---- Records ------------------------------------------------------------------------------------------------------

TEST(RecordTest, RoundTripAndDamage) {
  RecordWriter writer;
  writer.Add({"a", std::string(300, 'b'), ""});
  writer.Add({"x", "y"});
  const std::string record = writer.Take();
  std::vector<std::string> seen;
  EXPECT_TRUE(ReadRecord(record, 3, [&](const std::vector<std::string_view>& f) { seen.emplace_back(f[1]); }));
  EXPECT_EQ(seen, std::vector<std::string>{std::string(300, 'b')});
  for (std::size_t cut = 1; cut < record.size(); ++cut) {
    ReadRecord(record.substr(0, cut), 3, [](const std::vector<std::string_view>&) {});  // must not crash
  }
  EXPECT_FALSE(ReadRecord("\x02", 3, [](const std::vector<std::string_view>&) {}));
  EXPECT_FALSE(ReadRecord(std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11), 3,
                          [](const std::vector<std::string_view>&) {}));
}

// ---- OS ownership -------------------------------------------------------------------------------------------------

TEST(OwnershipTest, FileListsDecideThroughSymlinksAndUsrMerge) {
  FileTree tree = ImageTree(1);
  // A merged-/usr image: /lib -> usr/lib.
  FileNode link;
  link.type = FileType::kSymlink;
  link.link_target = "usr/lib";
  tree.Put("/lib", link);
  FileNode dir;
  dir.type = FileType::kDirectory;
  tree.Put("/usr", dir);
  tree.Put("/usr/lib", dir);
  std::vector<Package> packages;
  Package deb;
  deb.type = PackageType::kDeb;
  deb.name = "python3-urllib3";
  // dpkg lists the path as the .deb has it (/lib/...), the image has the file under /usr/lib.
  deb.files = {"/.", "/lib/python3/dist-packages/urllib3-1.26.12.egg-info",
               "/lib/python3/dist-packages/urllib3-1.26.12.egg-info/PKG-INFO"};
  packages.push_back(deb);
  Package apk;
  apk.type = PackageType::kApk;
  apk.name = "py3-six";
  apk.files = {"/usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA"};
  packages.push_back(apk);
  packages.push_back(MakeLanguagePackage(PackageType::kPypi, "urllib3", "1.26.12",
                                         "/usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info/PKG-INFO",
                                         "PKG-INFO"));
  packages.back().files = {packages.back().location};
  packages.push_back(MakeLanguagePackage(PackageType::kPypi, "urllib3", "2.0.7",
                                         "/usr/local/lib/python3.11/dist-packages/urllib3-2.0.7.dist-info/METADATA",
                                         "METADATA"));
  packages.push_back(MakeLanguagePackage(PackageType::kPypi, "six", "1.16.0",
                                         "/usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA",
                                         "METADATA"));
  // /bin is neither a directory nor a link in this tree but /usr/bin is: the merged-/usr alias applies.
  tree.Put("/usr/bin", dir);
  Package tool;
  tool.type = PackageType::kRpm;
  tool.name = "tool";
  tool.files = {"/bin/node_modules/x/package.json"};
  packages.push_back(tool);
  packages.push_back(
      MakeLanguagePackage(PackageType::kNpm, "x", "1.0.0", "/usr/bin/node_modules/x/package.json", "package.json"));
  DiagnosticsCollector diagnostics;
  AssignOsOwners(tree, packages, diagnostics);
  EXPECT_EQ(packages[2].owner, "deb:python3-urllib3");
  EXPECT_EQ(packages[3].owner, "");  // pip's /usr/local install: no package lists it
  EXPECT_EQ(packages[4].owner, "apk:py3-six");
  EXPECT_EQ(packages[6].owner, "rpm:tool");
  EXPECT_EQ(packages[0].owner, "");
}

TEST(OwnershipTest, HostDpkgOwnsDebianPythonPackages) {
  // The host is Debian 12 with python3-urllib3 (make_fixtures.sh installs it): its real file list against the real
  // egg-info directory, read through the same FileTree view `customs fs /` builds.
  if (!fs::exists("/var/lib/dpkg/info/python3-urllib3.list")) {
    GTEST_SKIP() << "python3-urllib3 is not installed on this host (scripts/install-deps.sh installs it)";
  }
  FileTree tree = DirectoryTree();
  std::vector<Package> packages;
  Package deb;
  deb.type = PackageType::kDeb;
  deb.name = "python3-urllib3";
  for (const std::string& line : Lines("/var/lib/dpkg/info/python3-urllib3.list")) {
    deb.files.push_back(line);
  }
  packages.push_back(deb);
  for (const auto& entry : fs::directory_iterator("/usr/lib/python3/dist-packages")) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("urllib3-") || !name.ends_with(".egg-info")) {
      continue;
    }
    const std::string path = entry.path().string() + "/PKG-INFO";
    PythonMetadata metadata = ParsePythonMetadata(Slurp(path));
    packages.push_back(MakeLanguagePackage(PackageType::kPypi, metadata.name, metadata.version, path, "PKG-INFO"));
  }
  ASSERT_EQ(packages.size(), 2u);
  DiagnosticsCollector diagnostics;
  AssignOsOwners(tree, packages, diagnostics);
  EXPECT_EQ(packages[1].owner, "deb:python3-urllib3");
}

}  // namespace
}  // namespace customs::catalog::lang
