#include "catalog/lang/cargo_lock.h"

#include <fmt/format.h>

#include "catalog/internal.h"

namespace customs::catalog::lang {
namespace {

constexpr std::string_view kSource = "catalog/cargo";

bool IsCargoLock(std::string_view path) {
  return BaseName(path) == "Cargo.lock" && !HasDirectoryComponent(path, ".cargo") &&
         !HasDirectoryComponent(path, "vendor");
}

// A TOML basic string ("...") or literal string ('...'); empty for anything else.
std::string TomlString(std::string_view value) {
  value = internal::TrimWhitespace(value);
  if (value.size() < 2) {
    return {};
  }
  const char quote = value[0];
  if (quote != '"' && quote != '\'') {
    return {};
  }
  std::string out;
  for (std::size_t i = 1; i < value.size(); ++i) {
    if (value[i] == quote) {
      return out;
    }
    if (quote == '"' && value[i] == '\\' && i + 1 < value.size()) {
      ++i;
    }
    out.push_back(value[i]);
  }
  return {};
}

std::string SourceReason(std::string_view source) {
  if (source.empty()) {
    return "a path or workspace crate, not from crates.io";
  }
  if (source == "registry+https://github.com/rust-lang/crates.io-index" ||
      source == "sparse+https://index.crates.io/") {
    return {};
  }
  if (source.starts_with("git+")) {
    return "from a git source, not crates.io";
  }
  return fmt::format("from another registry ({}), not crates.io", source);
}

}  // namespace

std::vector<LockedPackage> ParseCargoLock(std::string_view text) {
  std::vector<LockedPackage> out;
  bool in_package = false;
  std::string name;
  std::string version;
  std::string source;
  auto flush = [&] {
    if (in_package && !name.empty() && !version.empty()) {
      out.push_back({std::move(name), std::move(version), SourceReason(source)});
    }
    name.clear();
    version.clear();
    source.clear();
  };
  LineReader lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    const std::string_view trimmed = internal::TrimWhitespace(line);
    if (trimmed.starts_with('[')) {
      flush();
      in_package = trimmed == "[[package]]";
      continue;
    }
    if (!in_package) {
      continue;
    }
    const std::size_t equals = trimmed.find('=');
    if (equals == std::string_view::npos) {
      continue;
    }
    const std::string_view key = internal::TrimWhitespace(trimmed.substr(0, equals));
    const std::string_view value = trimmed.substr(equals + 1);
    if (key == "name") {
      name = TomlString(value);
    }
    if (key == "version") {
      version = TomlString(value);
    }
    if (key == "source") {
      source = TomlString(value);
    }
  }
  flush();
  return out;
}

bool CargoLockCataloger::WantsContent(std::string_view path) const {
  return IsCargoLock(path);
}

std::vector<Package> CargoLockCataloger::Catalog(const FileTree& tree, const OsInfo& /*os*/,
                                                 Diagnostics& diagnostics) const {
  std::vector<Package> packages;
  for (const auto& [path, node] : CapturedFilesNamed(tree, IsCargoLock)) {
    if (node->content->size() > kMaxLockfileBytes) {
      diagnostics.Warn(std::string(kSource), path, "Cargo.lock too large; not read");
      continue;
    }
    auto locked = ParseCargoLock(*node->content);
    if (locked.empty()) {
      diagnostics.Info(std::string(kSource), path, "no [[package]] entries in this Cargo.lock");
    }
    AppendLocked(std::move(locked), PackageType::kCargo, path, *node, tree, "Cargo.lock", packages);
  }
  SortPackages(packages);
  return packages;
}

}  // namespace customs::catalog::lang
