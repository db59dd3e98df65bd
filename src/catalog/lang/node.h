// Node.js packages (npm's registry; OSV ecosystem "npm").
//
// Installed packages: every `node_modules/<name>/package.json` and `node_modules/@<scope>/<name>/package.json`, at
// any depth of nested node_modules (npm, yarn's node-modules linker, pnpm's `.pnpm/<id>/node_modules/<name>` store),
// with a string `name` and `version`. Found by a FileExtractor in the layer walk: an image can hold 30,000 of them,
// whose content must not all sit in memory; the visitor keeps name and version per file. A package.json that is not
// valid JSON (npm would refuse it too) is a warning and no package. package.json files below a package's own
// directory (`lodash/fp/package.json`, test fixtures) are not packages and are not read.
//
// Lockfiles, for directory scans (`customs fs` of a source tree) only, never inside node_modules:
//   package-lock.json / npm-shrinkwrap.json, lockfileVersion 1 (nested "dependencies"), 2 and 3 ("packages" keyed by
//   node_modules path; version 2 also carries the v1 tree, and "packages" wins);
//   yarn.lock v1 (yarn classic's own format) and yarn berry's YAML (`__metadata`, `resolution: "name@npm:1.2.3"`);
//   pnpm-lock.yaml lockfileVersion 5.x ("/name/1.2.3"), 6.0 ("/name@1.2.3(peer@1)") and 9.0 ("name@1.2.3").
// In an image, node_modules is what was installed; a lockfile copied next to it only says what was asked for.
// Entries from git, file, link or tarball-URL sources are listed as unmatchable; workspace and link entries (the
// project's own code) are not listed.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/cataloger.h"
#include "catalog/lang/common.h"
#include "core/error.h"

namespace customs::catalog::lang {

struct PackageJson {
  std::string name;     // empty when absent or not a string
  std::string version;  // empty when absent or not a string
  std::size_t invalid_utf8 = 0;
};

// The top-level "name" and "version" of a package.json. kCorrupt when it is not valid JSON or not an object.
[[nodiscard]] Result<PackageJson> ParsePackageJson(std::string_view text);

// Whether `path` is a package's own package.json directly below a node_modules directory.
bool IsNodeModulesPackageJson(std::string_view path);

// Lockfile parsers. Damage inside a valid file (an entry without a version) is a diagnostic about `path`; a file
// that cannot be read at all is an error.
[[nodiscard]] Result<std::vector<LockedPackage>> ParsePackageLock(std::string_view text, std::string_view path,
                                                                  Diagnostics& diagnostics);
[[nodiscard]] Result<std::vector<LockedPackage>> ParseYarnLock(std::string_view text, std::string_view path,
                                                               Diagnostics& diagnostics);
[[nodiscard]] Result<std::vector<LockedPackage>> ParsePnpmLock(std::string_view text, std::string_view path,
                                                               Diagnostics& diagnostics);

class NodeCataloger final : public Cataloger {
 public:
  NodeCataloger();
  ~NodeCataloger() override;
  std::string_view name() const override { return "node"; }
  int version() const override { return 1; }
  // The lockfiles (outside node_modules).
  bool WantsContent(std::string_view path) const override;
  const FileExtractor* extractor() const override;
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;

 private:
  std::unique_ptr<FileExtractor> extractor_;
};

}  // namespace customs::catalog::lang
