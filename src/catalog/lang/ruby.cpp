#include "catalog/lang/ruby.h"

#include <fmt/format.h>

#include "catalog/internal.h"

namespace customs::catalog::lang {
namespace {

constexpr std::string_view kSource = "catalog/ruby";
// Generated gemspecs are a few KB; a gemspec listing every file of a large gem can reach a few hundred.
constexpr std::size_t kMaxGemspecBytes = 8u << 20;

// The first quoted literal of a Ruby expression ("rack".freeze, 'rack', Gem::Version.new("1.0"), %q{rack}).
std::string FirstStringLiteral(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"' || c == '\'') {
      std::string out;
      for (std::size_t j = i + 1; j < text.size(); ++j) {
        if (text[j] == '\\' && j + 1 < text.size()) {
          out.push_back(text[++j]);
          continue;
        }
        if (text[j] == c) {
          return out;
        }
        out.push_back(text[j]);
      }
      return {};
    }
    if (c == '%' && i + 2 < text.size() && (text[i + 1] == 'q' || text[i + 1] == 'Q') && text[i + 2] == '{') {
      const std::size_t close = text.find('}', i + 3);
      if (close == std::string_view::npos) {
        return {};
      }
      return std::string(text.substr(i + 3, close - i - 3));
    }
  }
  return {};
}

bool IsGemfileLockPath(std::string_view path) {
  // Gems and vendored bundles ship their own development lockfiles; only a project's own is read.
  return BaseName(path) == "Gemfile.lock" && !HasDirectoryComponent(path, "gems") &&
         !HasDirectoryComponent(path, "node_modules");
}

}  // namespace

Gemspec ParseGemspec(std::string_view text) {
  Gemspec spec;
  std::string stub_name;
  std::string stub_version;
  LineReader lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    const std::string_view trimmed = internal::TrimWhitespace(line);
    if (trimmed.starts_with("# stub: ") && stub_name.empty()) {
      const auto parts = internal::Split(trimmed.substr(8), ' ');
      if (parts.size() >= 2) {
        stub_name = std::string(parts[0]);
        stub_version = std::string(parts[1]);
      }
      continue;
    }
    // "<receiver>.name = <expr>" with any receiver name (s, spec, gem).
    const std::size_t dot = trimmed.find('.');
    if (dot == std::string_view::npos || dot == 0) {
      continue;
    }
    std::string_view rest = trimmed.substr(dot + 1);
    std::string* target = nullptr;
    if (rest.starts_with("name ") || rest.starts_with("name=")) {
      target = &spec.name;
      rest.remove_prefix(4);
    } else if (rest.starts_with("version ") || rest.starts_with("version=")) {
      target = &spec.version;
      rest.remove_prefix(7);
    } else {
      continue;
    }
    rest = internal::TrimWhitespace(rest);
    if (!rest.starts_with('=') || rest.starts_with("==")) {
      continue;
    }
    if (target->empty()) {
      *target = FirstStringLiteral(rest.substr(1));
    }
  }
  if (spec.name.empty()) {
    spec.name = stub_name;
  }
  if (spec.version.empty()) {
    spec.version = stub_version;
  }
  return spec;
}

bool IsGemspecPath(std::string_view path) {
  if (!path.ends_with(".gemspec")) {
    return false;
  }
  std::string_view dir = DirName(path);
  if (BaseName(dir) == "default") {
    dir = DirName(dir);
  }
  return BaseName(dir) == "specifications";
}

std::vector<LockedPackage> ParseGemfileLock(std::string_view text) {
  std::vector<LockedPackage> out;
  std::string section;
  bool in_specs = false;
  LineReader lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    if (line.empty()) {
      continue;
    }
    const std::size_t indent = Indent(line);
    if (indent == 0) {
      section = std::string(line);
      in_specs = false;
      continue;
    }
    if (indent == 2) {
      in_specs = line.substr(2) == "specs:";
      continue;
    }
    if (indent != 4 || !in_specs) {
      continue;
    }
    if (section != "GEM" && section != "GIT" && section != "PATH") {
      continue;
    }
    const std::string_view entry = line.substr(4);
    const std::size_t open = entry.find(" (");
    if (open == std::string_view::npos || !entry.ends_with(')')) {
      continue;
    }
    std::string_view version = entry.substr(open + 2, entry.size() - open - 3);
    // "1.13.10-x86_64-linux": the platform follows the first '-' (gem versions use '.' for pre-releases).
    if (const std::size_t dash = version.find('-'); dash != std::string_view::npos) {
      version = version.substr(0, dash);
    }
    LockedPackage package{std::string(entry.substr(0, open)), std::string(version), {}};
    if (section == "GIT") {
      package.unmatchable_reason = "from a git source, not rubygems.org";
    }
    if (section == "PATH") {
      package.unmatchable_reason = "from a local path, not rubygems.org";
    }
    out.push_back(std::move(package));
  }
  return out;
}

bool RubyCataloger::WantsContent(std::string_view path) const {
  return IsGemspecPath(path) || IsGemfileLockPath(path);
}

std::vector<Package> RubyCataloger::Catalog(const FileTree& tree, const OsInfo& /*os*/,
                                            Diagnostics& diagnostics) const {
  std::vector<Package> packages;
  for (const auto& [path, node] : CapturedFilesNamed(tree, [](std::string_view p) { return IsGemspecPath(p); })) {
    if (node->content->size() > kMaxGemspecBytes) {
      diagnostics.Warn(std::string(kSource), path, "gemspec too large; not read");
      continue;
    }
    Gemspec spec = ParseGemspec(*node->content);
    if (spec.name.empty() || spec.version.empty()) {
      diagnostics.Warn(std::string(kSource), path, "no name or version in the gemspec; skipped");
      continue;
    }
    Package package =
        MakeLanguagePackage(PackageType::kGem, std::move(spec.name), std::move(spec.version), path, "gemspec");
    package.layer = internal::LayerByIndex(tree, node->layer);
    packages.push_back(std::move(package));
  }
  if (IsDirectoryScan(tree)) {
    for (const auto& [path, node] : CapturedFilesNamed(tree, IsGemfileLockPath)) {
      if (node->content->size() > kMaxLockfileBytes) {
        diagnostics.Warn(std::string(kSource), path, "lockfile too large; not read");
        continue;
      }
      auto locked = ParseGemfileLock(*node->content);
      if (locked.empty()) {
        diagnostics.Info(std::string(kSource), path, "no gems in this Gemfile.lock");
      }
      AppendLocked(std::move(locked), PackageType::kGem, path, *node, tree, "Gemfile.lock", packages);
    }
  }
  SortPackages(packages);
  return packages;
}

}  // namespace customs::catalog::lang
