#include "catalog/lang/php.h"

#include <fmt/format.h>

#include "catalog/lang/json_scan.h"

namespace customs::catalog::lang {
namespace {

constexpr std::string_view kSource = "catalog/php";

bool IsInstalledJson(std::string_view path) {
  return path.ends_with("/vendor/composer/installed.json");
}

bool IsComposerLock(std::string_view path) {
  return BaseName(path) == "composer.lock" && !HasDirectoryComponent(path, "vendor");
}

// Collects {name, version} per package object of the arrays at [] (Composer 1 installed.json), ["packages"] and
// ["packages-dev"].
class ComposerReader final : public JsonHandler {
 public:
  bool Scalar(const JsonPath& path, JsonKind kind, std::string_view value) override {
    const std::size_t base = PackageDepth(path);
    if (base == 0 || path.size() != base + 1 || kind != JsonKind::kString) {
      return true;
    }
    if (path.back().key == "name") {
      current_.name = std::string(value);
    }
    if (path.back().key == "version") {
      current_.version = std::string(value);
    }
    return true;
  }
  bool Begin(const JsonPath& path, bool is_array) override {
    if (!is_array && PackageDepth(path) == path.size() && !path.empty()) {
      current_ = {};
    }
    if (path.empty()) {
      root_is_array_ = is_array;
    }
    return true;
  }
  bool End(const JsonPath& path, bool is_array) override {
    if (!is_array && PackageDepth(path) == path.size() && !path.empty()) {
      if (current_.name.empty() || current_.version.empty()) {
        ++missing_;
      } else {
        packages_.push_back(std::move(current_));
      }
      current_ = {};
    }
    return true;
  }
  std::vector<LockedPackage> Take() { return std::move(packages_); }
  int missing() const { return missing_; }

 private:
  // The length of the path of a package object when `path` starts with one (else 0): [i] in a root array,
  // ["packages", i] or ["packages-dev", i] in a root object.
  std::size_t PackageDepth(const JsonPath& path) const {
    if (root_is_array_) {
      return !path.empty() && path[0].is_index ? 1 : 0;
    }
    if (path.size() >= 2 && !path[0].is_index && (path[0].key == "packages" || path[0].key == "packages-dev") &&
        path[1].is_index) {
      return 2;
    }
    return 0;
  }

  bool root_is_array_ = false;
  LockedPackage current_;
  std::vector<LockedPackage> packages_;
  int missing_ = 0;
};

}  // namespace

Result<std::vector<LockedPackage>> ParseComposerPackages(std::string_view text) {
  ComposerReader reader;
  CUSTOMS_RETURN_IF_ERROR(ScanJson(text, reader));
  std::vector<LockedPackage> packages = reader.Take();
  for (LockedPackage& package : packages) {
    // Composer's branch aliases: "dev-<branch>" and "<x>.x-dev" name a moving branch, not a release.
    if (package.version.starts_with("dev-") || package.version.ends_with("-dev")) {
      package.unmatchable_reason = fmt::format("\"{}\" is a development branch, not a release", package.version);
    }
  }
  return packages;
}

bool PhpCataloger::WantsContent(std::string_view path) const {
  return IsInstalledJson(path) || IsComposerLock(path);
}

std::vector<Package> PhpCataloger::Catalog(const FileTree& tree, const OsInfo& /*os*/, Diagnostics& diagnostics) const {
  std::vector<Package> packages;
  const bool directory_scan = IsDirectoryScan(tree);
  auto wanted = [directory_scan](std::string_view path) {
    return IsInstalledJson(path) || (directory_scan && IsComposerLock(path));
  };
  for (const auto& [path, node] : CapturedFilesNamed(tree, wanted)) {
    if (node->content->size() > kMaxLockfileBytes) {
      diagnostics.Warn(std::string(kSource), path, "file too large; not read");
      continue;
    }
    auto locked = ParseComposerPackages(*node->content);
    if (!locked) {
      diagnostics.Warn(std::string(kSource), path, fmt::format("not read: {}", locked.error().message()));
      continue;
    }
    const bool lock = IsComposerLock(path);
    AppendLocked(std::move(*locked), PackageType::kComposer, path, *node, tree,
                 lock ? "composer.lock" : "installed.json", packages);
  }
  SortPackages(packages);
  return packages;
}

}  // namespace customs::catalog::lang
