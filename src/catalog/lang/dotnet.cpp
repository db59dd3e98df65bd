#include "catalog/lang/dotnet.h"

#include <fmt/format.h>

#include <map>

#include "catalog/lang/json_scan.h"

namespace customs::catalog::lang {
namespace {

constexpr std::string_view kSource = "catalog/dotnet";

bool IsDepsJson(std::string_view path) {
  return path.ends_with(".deps.json") && BaseName(path).size() > 10;
}

bool IsNugetLock(std::string_view path) {
  return BaseName(path) == "packages.lock.json" && !HasDirectoryComponent(path, "node_modules");
}

}  // namespace

Result<std::vector<LockedPackage>> ParseDepsJson(std::string_view text) {
  // libraries.<id/version>.type
  std::map<std::string, std::string> types;
  JsonCallbacks handler([&](const JsonPath& path, JsonKind kind, std::string_view value) {
    if (kind == JsonKind::kString && path.size() == 3 && !path[1].is_index && !path[0].is_index &&
        path[0].key == "libraries" && path[2].key == "type" && !path[2].is_index) {
      types[path[1].key] = std::string(value);
    }
    return true;
  });
  CUSTOMS_RETURN_IF_ERROR(ScanJson(text, handler));
  std::vector<LockedPackage> out;
  for (const auto& [key, type] : types) {
    if (type != "package") {
      continue;
    }
    const std::size_t slash = key.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == key.size()) {
      continue;
    }
    out.push_back({key.substr(0, slash), key.substr(slash + 1), {}});
  }
  return out;
}

Result<std::vector<LockedPackage>> ParseNugetLock(std::string_view text) {
  // dependencies.<framework>.<id>.{type,resolved}
  struct Entry {
    std::string type;
    std::string resolved;
  };
  std::map<std::pair<std::string, std::string>, Entry> entries;
  JsonCallbacks handler([&](const JsonPath& path, JsonKind kind, std::string_view value) {
    if (kind != JsonKind::kString || path.size() != 4 || path[0].is_index || path[0].key != "dependencies" ||
        path[1].is_index || path[2].is_index || path[3].is_index) {
      return true;
    }
    Entry& entry = entries[{path[1].key, path[2].key}];
    if (path[3].key == "type") {
      entry.type = std::string(value);
    }
    if (path[3].key == "resolved") {
      entry.resolved = std::string(value);
    }
    return true;
  });
  CUSTOMS_RETURN_IF_ERROR(ScanJson(text, handler));
  std::vector<LockedPackage> out;
  for (const auto& [key, entry] : entries) {
    if (entry.type == "Project" || entry.resolved.empty()) {
      continue;
    }
    out.push_back({key.second, entry.resolved, {}});
  }
  return out;
}

bool DotnetCataloger::WantsContent(std::string_view path) const {
  return IsDepsJson(path) || IsNugetLock(path);
}

std::vector<Package> DotnetCataloger::Catalog(const FileTree& tree, const OsInfo& /*os*/,
                                              Diagnostics& diagnostics) const {
  std::vector<Package> packages;
  const bool directory_scan = IsDirectoryScan(tree);
  auto wanted = [directory_scan](std::string_view path) {
    return IsDepsJson(path) || (directory_scan && IsNugetLock(path));
  };
  for (const auto& [path, node] : CapturedFilesNamed(tree, wanted)) {
    if (node->content->size() > kMaxLockfileBytes) {
      diagnostics.Warn(std::string(kSource), path, "file too large; not read");
      continue;
    }
    const bool lock = IsNugetLock(path);
    auto locked = lock ? ParseNugetLock(*node->content) : ParseDepsJson(*node->content);
    if (!locked) {
      diagnostics.Warn(std::string(kSource), path, fmt::format("not read: {}", locked.error().message()));
      continue;
    }
    AppendLocked(std::move(*locked), PackageType::kNuget, path, *node, tree, lock ? "packages.lock.json" : "deps.json",
                 packages);
  }
  SortPackages(packages);
  return packages;
}

}  // namespace customs::catalog::lang
