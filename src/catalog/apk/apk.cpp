#include "catalog/apk/apk.h"

#include <fmt/format.h>

#include "catalog/internal.h"

namespace customs::catalog::apk {
namespace {

constexpr std::string_view kSource = "catalog/apk";
constexpr std::string_view kInstalledPath = "/lib/apk/db/installed";

bool ParseSize(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 19) {
    return false;
  }
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = value;
  return true;
}

}  // namespace

std::vector<InstalledRecord> ParseInstalled(std::string_view text, std::string_view path, Diagnostics& diagnostics,
                                            std::size_t* rejected) {
  std::vector<InstalledRecord> records;
  std::size_t skipped_blocks = 0;
  InstalledRecord current;
  bool in_block = false;
  std::string directory;
  int bad_lines = 0;
  auto finish = [&]() {
    if (!in_block) {
      return;
    }
    in_block = false;
    directory.clear();
    if (current.name.empty() || current.version.empty()) {
      ++skipped_blocks;
    }
    if (current.name.empty()) {
      diagnostics.Warn(std::string(kSource), std::string(path),
                       fmt::format("skipped the block at line {}: no package name (P:)", current.line));
    } else if (current.version.empty()) {
      diagnostics.Warn(std::string(kSource), std::string(path),
                       fmt::format("skipped package '{}' at line {}: no version (V:)", current.name, current.line));
    } else {
      records.push_back(std::move(current));
    }
    current = InstalledRecord();
  };
  int line_number = 0;
  for (std::string_view line : internal::Split(text, '\n')) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      finish();
      continue;
    }
    if (!in_block) {
      in_block = true;
      current.line = line_number;
    }
    if (line.size() < 2 || line[1] != ':') {
      if (++bad_lines <= 10) {
        diagnostics.Warn(std::string(kSource), std::string(path),
                         fmt::format("ignored line {}: not a 'K:value' line", line_number));
      }
      continue;
    }
    std::string_view value = line.substr(2);
    switch (line[0]) {
      case 'P': current.name = std::string(value); break;
      case 'V': current.version = std::string(value); break;
      case 'A': current.arch = std::string(value); break;
      case 'o': current.origin = std::string(value); break;
      case 'L': current.license = std::string(value); break;
      case 'I':
        if (!ParseSize(value, current.installed_size)) {
          diagnostics.Info(std::string(kSource), std::string(path),
                           fmt::format("line {}: installed size '{}' is not a number", line_number, value));
        }
        break;
      case 'F':
        directory = std::string(value);
        current.files.push_back(NormalizePath("/" + directory));
        break;
      case 'R': current.files.push_back(NormalizePath(fmt::format("/{}/{}", directory, value))); break;
      default: break;
    }
  }
  finish();
  if (bad_lines > 10) {
    diagnostics.Warn(std::string(kSource), std::string(path),
                     fmt::format("{} more lines were not 'K:value' lines", bad_lines - 10));
  }
  if (rejected != nullptr) {
    *rejected = skipped_blocks + static_cast<std::size_t>(bad_lines);
  }
  return records;
}

bool ApkCataloger::WantsContent(std::string_view path) const {
  return path == kInstalledPath;
}
bool ApkCataloger::WantsHistory(std::string_view path) const {
  return path == kInstalledPath;
}

std::vector<std::string> ApkCataloger::DatabasePaths() const {
  return {std::string(kInstalledPath)};
}

std::vector<Package> ApkCataloger::Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const {
  std::vector<Package> packages;
  const FileNode* node = internal::FindCapturedFile(tree, kInstalledPath, nullptr);
  if (node == nullptr) {
    if (const FileNode* raw = tree.Find(kInstalledPath); raw != nullptr) {
      diagnostics.Incomplete(std::string(kSource), std::string(kInstalledPath),
                             "the installed database cannot be read (" +
                                 internal::WhyNotReadable(tree, kInstalledPath, *raw) + "): its packages are unknown");
    }
    return packages;
  }
  std::size_t rejected = 0;
  std::vector<InstalledRecord> records = ParseInstalled(*node->content, kInstalledPath, diagnostics, &rejected);
  if (records.empty() && rejected > 0) {
    diagnostics.Incomplete(std::string(kSource), std::string(kInstalledPath),
                           fmt::format("nothing in the installed database is a package ({} lines or blocks rejected): "
                                       "its packages are unknown",
                                       rejected));
  }
  packages.reserve(records.size());
  for (InstalledRecord& record : records) {
    Package package;
    package.type = PackageType::kApk;
    package.name = std::move(record.name);
    package.version = std::move(record.version);
    package.arch = std::move(record.arch);
    package.source_name = record.origin.empty() ? package.name : std::move(record.origin);
    package.source_version = package.version;
    package.installed_size = record.installed_size;
    package.files = std::move(record.files);
    package.db_path = std::string(kInstalledPath);
    packages.push_back(std::move(package));
  }
  records = {};
  std::vector<std::uint64_t> keys;
  keys.reserve(packages.size());
  for (const Package& package : packages) {
    keys.push_back(internal::KeySet::Hash(internal::PackageKey(package)));
  }
  internal::RevisionKeys revision_keys = [](std::string_view content) -> Result<internal::KeySet> {
    NullDiagnostics quiet;
    internal::KeySet out;
    for (const InstalledRecord& record : ParseInstalled(content, kInstalledPath, quiet)) {
      out.Add(internal::PackageKey(record.name, record.arch, record.version));
    }
    out.Seal();
    return out;
  };
  std::vector<int> layers = internal::AttributeLayers(*node, keys, revision_keys, kSource, kInstalledPath, diagnostics);
  for (std::size_t i = 0; i < packages.size(); ++i) {
    packages[i].layer = internal::LayerByIndex(tree, layers[i]);
  }
  internal::Finish(packages, os);
  return packages;
}

}  // namespace customs::catalog::apk
