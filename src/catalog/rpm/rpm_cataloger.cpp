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

// The packages of one database. `problem` is set when nothing could be read from it (not a database we can read, or
// every header corrupt); one corrupt header among good ones is only a warning.
std::vector<Package> ReadPackages(std::string_view content, std::string_view path, Diagnostics& diagnostics,
                                  std::string* problem) {
  std::vector<Package> packages;
  auto blobs = ReadBlobs(content, path, diagnostics);
  if (!blobs) {
    *problem = "cannot read the rpm database: " + blobs.error().message();
    return packages;
  }
  problem->clear();
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
  if (packages.empty() && bad > 0) {
    *problem = fmt::format("every header of the rpm database is corrupt ({} headers)", bad);
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

std::vector<std::string> RpmCataloger::DatabasePaths() const {
  return {std::begin(kDatabasePaths), std::end(kDatabasePaths)};
}

std::vector<Package> RpmCataloger::Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const {
  std::vector<Package> packages;
  std::string used;
  std::set<std::string> seen;
  // Databases that exist but gave nothing: incomplete when no other database could be read, warnings otherwise
  // (leftovers of an older format beside the one rpm uses).
  std::vector<std::pair<std::string, std::string>> unreadable;
  for (std::string_view path : kDatabasePaths) {
    std::string resolved;
    const FileNode* node = internal::FindCapturedFile(tree, path, &resolved);
    if (node == nullptr) {
      if (const FileNode* raw = tree.Find(path); raw != nullptr && raw->type != FileType::kDirectory) {
        unreadable.emplace_back(std::string(path),
                                "cannot be read (" + internal::WhyNotReadable(tree, path, *raw) + ")");
      }
      continue;
    }
    if (!seen.insert(resolved).second) {
      continue;
    }
    if (!used.empty()) {
      diagnostics.Info(std::string(kSource), std::string(path),
                       fmt::format("ignored: the packages were read from {}", used));
      continue;
    }
    std::string problem;
    std::vector<Package> found = ReadPackages(*node->content, path, diagnostics, &problem);
    if (!problem.empty()) {
      unreadable.emplace_back(std::string(path), std::move(problem));
      continue;
    }
    used = std::string(path);
    std::vector<std::uint64_t> keys;
    keys.reserve(found.size());
    for (const Package& package : found) {
      keys.push_back(internal::KeySet::Hash(internal::PackageKey(package)));
    }
    internal::RevisionKeys revision_keys = [&](std::string_view content) -> Result<internal::KeySet> {
      NullDiagnostics quiet;
      std::string revision_problem;
      internal::KeySet out;
      for (const Package& package : ReadPackages(content, path, quiet, &revision_problem)) {
        out.Add(internal::PackageKey(package));
      }
      if (!revision_problem.empty()) {
        return MakeError(ErrorCode::kCorrupt, "{}", revision_problem);
      }
      out.Seal();
      return out;
    };
    std::vector<int> layers = internal::AttributeLayers(*node, keys, revision_keys, kSource, path, diagnostics);
    packages.reserve(packages.size() + found.size());
    for (std::size_t i = 0; i < found.size(); ++i) {
      found[i].layer = internal::LayerByIndex(tree, layers[i]);
      packages.push_back(std::move(found[i]));
    }
  }
  for (auto& [path, problem] : unreadable) {
    if (used.empty()) {
      diagnostics.Incomplete(std::string(kSource), path, problem + ": its packages are unknown");
    } else {
      diagnostics.Warn(std::string(kSource), path, fmt::format("{}; the packages were read from {}", problem, used));
    }
  }
  internal::Finish(packages, os);
  return packages;
}

}  // namespace customs::catalog::rpm
