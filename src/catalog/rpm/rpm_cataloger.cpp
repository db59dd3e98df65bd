#include <fmt/format.h>

#include <cstring>
#include <set>

#include "catalog/internal.h"
#include "catalog/rpm/rpmdb.h"

namespace customs::catalog::rpm {
namespace {

constexpr std::string_view kSource = "catalog/rpm";

// In the order they are tried: rpm uses one configured backend, and a newer database wins over leftovers of an
// older format.
constexpr std::string_view kDatabasePaths[] = {
    "/usr/lib/sysimage/rpm/rpmdb.sqlite", "/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/Packages.db",
    "/var/lib/rpm/Packages.db",           "/var/lib/rpm/Packages",     "/usr/lib/sysimage/rpm/Packages",
};

// The header blobs of a database file, whatever its format (told by its magic bytes, not its name).
Result<std::vector<std::string>> ReadBlobs(std::string_view content, std::string_view path, Diagnostics& diagnostics) {
  if (content.size() >= 16 && std::memcmp(content.data(), "SQLite format 3", 16) == 0) {
    return ReadSqliteBlobs(content);
  }
  if (content.size() >= 4 && std::memcmp(content.data(), "RpmP", 4) == 0) {
    CUSTOMS_ASSIGN_OR_RETURN(auto views, ReadNdbBlobs(content, path, diagnostics));
    return std::vector<std::string>(views.begin(), views.end());
  }
  return ReadBdbHashValues(content, path, diagnostics);
}

Package ToPackage(HeaderInfo info, std::string_view path) {
  Package package;
  package.type = PackageType::kRpm;
  package.name = std::move(info.name);
  package.rpm_version = std::move(info.version);
  package.rpm_release = std::move(info.release);
  if (info.has_epoch) {
    package.epoch = std::to_string(info.epoch);
  }
  package.version = package.epoch.empty() ? "" : package.epoch + ":";
  package.version += package.rpm_version;
  if (!package.rpm_release.empty()) {
    package.version += "-" + package.rpm_release;
  }
  package.arch = std::move(info.arch);
  package.modularity_label = std::move(info.modularity_label);
  package.installed_size = info.size;
  package.files = std::move(info.files);
  std::string source_name;
  std::string source_version;
  std::string source_release;
  if (SplitSourceRpm(info.source_rpm, &source_name, &source_version, &source_release)) {
    package.source_name = std::move(source_name);
    package.source_version = source_version + "-" + source_release;
  } else {
    package.source_name = package.name;
    package.source_version = package.rpm_version + (package.rpm_release.empty() ? "" : "-" + package.rpm_release);
  }
  package.db_path = std::string(path);
  return package;
}

std::vector<Package> ReadPackages(std::string_view content, std::string_view path, Diagnostics& diagnostics,
                                  bool* readable) {
  std::vector<Package> packages;
  auto blobs = ReadBlobs(content, path, diagnostics);
  if (!blobs) {
    diagnostics.Warn(std::string(kSource), std::string(path),
                     "cannot read the rpm database: " + blobs.error().message());
    *readable = false;
    return packages;
  }
  *readable = true;
  int bad = 0;
  for (std::size_t i = 0; i < blobs->size(); ++i) {
    auto info = ParseHeaderBlob((*blobs)[i]);
    if (!info) {
      if (++bad <= 10) {
        diagnostics.Warn(std::string(kSource), std::string(path),
                         fmt::format("skipped header {}: {}", i, info.error().message()));
      }
      continue;
    }
    packages.push_back(ToPackage(std::move(*info), path));
  }
  if (bad > 10) {
    diagnostics.Warn(std::string(kSource), std::string(path), fmt::format("{} more corrupt headers skipped", bad - 10));
  }
  return packages;
}

}  // namespace

bool RpmCataloger::WantsContent(std::string_view path) const {
  for (std::string_view candidate : kDatabasePaths) {
    if (path == candidate) {
      return true;
    }
  }
  return false;
}

bool RpmCataloger::WantsHistory(std::string_view path) const {
  return WantsContent(path);
}

std::vector<Package> RpmCataloger::Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const {
  std::vector<Package> packages;
  std::string used;
  std::set<std::string> seen;
  for (std::string_view path : kDatabasePaths) {
    std::string resolved;
    const FileNode* node = internal::FindCapturedFile(tree, path, &resolved);
    if (node == nullptr || !seen.insert(resolved).second) {
      continue;
    }
    if (!used.empty()) {
      diagnostics.Info(std::string(kSource), std::string(path),
                       fmt::format("ignored: the packages were read from {}", used));
      continue;
    }
    bool readable = false;
    std::vector<Package> found = ReadPackages(*node->content, path, diagnostics, &readable);
    if (!readable) {
      continue;
    }
    used = std::string(path);
    std::vector<std::string> keys;
    keys.reserve(found.size());
    for (const Package& package : found) {
      keys.push_back(internal::PackageKey(package));
    }
    internal::RevisionKeys revision_keys = [&](std::string_view content) -> Result<std::set<std::string>> {
      NullDiagnostics quiet;
      bool ok = false;
      std::set<std::string> out;
      for (const Package& package : ReadPackages(content, path, quiet, &ok)) {
        out.insert(internal::PackageKey(package));
      }
      if (!ok) {
        return MakeError(ErrorCode::kCorrupt, "unreadable database");
      }
      return out;
    };
    std::vector<int> layers = internal::AttributeLayers(*node, keys, revision_keys, kSource, path, diagnostics);
    for (std::size_t i = 0; i < found.size(); ++i) {
      found[i].layer = internal::LayerByIndex(tree, layers[i]);
      packages.push_back(std::move(found[i]));
    }
  }
  internal::Finish(packages, os);
  return packages;
}

}  // namespace customs::catalog::rpm
