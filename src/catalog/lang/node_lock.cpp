// The Node lockfile parsers (node.h): package-lock.json v1-v3, yarn.lock v1 and berry, pnpm-lock.yaml 5.x-9.0.
// The YAML-like formats are read line by line: their writers (yarn, js-yaml in pnpm) emit a fixed block layout, and a
// general YAML parser would add recursion and aliases to an input that needs neither.
#include <fmt/format.h>

#include <map>
#include <utility>

#include "catalog/lang/json_scan.h"
#include "catalog/lang/node.h"

namespace customs::catalog::lang {
namespace {

constexpr std::string_view kSource = "catalog/node";

bool StartsWithDigit(std::string_view text) {
  return !text.empty() && text[0] >= '0' && text[0] <= '9';
}

// Why a package source is not the npm registry, from a version or "resolved" value ("" when it is).
std::string NonRegistryReason(std::string_view value) {
  constexpr std::string_view kPrefixes[] = {
      "git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "file:", "link:", "portal:", "workspace:"};
  for (std::string_view prefix : kPrefixes) {
    if (value.starts_with(prefix)) {
      return fmt::format("from a {} source, not the npm registry", prefix.substr(0, prefix.size() - 1));
    }
  }
  return {};
}

// "@scope/name@range" -> ("@scope/name", "range"); the separator is the first '@' after the first character.
std::pair<std::string_view, std::string_view> SplitSpecifier(std::string_view specifier) {
  const std::size_t at = specifier.find('@', 1);
  if (at == std::string_view::npos) {
    return {specifier, {}};
  }
  return {specifier.substr(0, at), specifier.substr(at + 1)};
}

// A quoted YAML/yarn scalar ('x', "x") without its quotes and escapes; plain text trimmed.
std::string Unquote(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'') {
    std::string out;
    text = text.substr(1, text.size() - 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
      out.push_back(text[i]);
      if (text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;
      }
    }
    return out;
  }
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    std::string out;
    text = text.substr(1, text.size() - 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) {
        ++i;
      }
      out.push_back(text[i]);
    }
    return out;
  }
  return std::string(text);
}

// The key of a "key:" or "key: value" line (quoted keys may contain ':'); `rest` gets the value text.
bool SplitKey(std::string_view line, std::string* key, std::string_view* rest) {
  std::size_t end = 0;
  if (!line.empty() && (line[0] == '"' || line[0] == '\'')) {
    const char quote = line[0];
    std::size_t i = 1;
    while (i < line.size()) {
      if (quote == '"' && line[i] == '\\') {
        i += 2;
        continue;
      }
      if (line[i] == quote) {
        if (quote == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
          i += 2;
          continue;
        }
        break;
      }
      ++i;
    }
    if (i >= line.size()) {
      return false;
    }
    end = i + 1;
    if (end >= line.size() || line[end] != ':') {
      return false;
    }
    *key = Unquote(line.substr(0, end));
  } else {
    // yarn v1 writes "key value" pairs; YAML "key: value". A plain key ends at ": " or a final ':'.
    const std::size_t colon_space = line.find(": ");
    if (colon_space != std::string_view::npos) {
      end = colon_space;
    } else if (!line.empty() && line.back() == ':') {
      end = line.size() - 1;
    } else {
      return false;
    }
    *key = std::string(line.substr(0, end));
  }
  *rest = end + 1 <= line.size() ? line.substr(end + 1) : std::string_view();
  return true;
}

// --- package-lock.json --------------------------------------------------------------------------------------------

struct LockEntry {
  std::string version;
  std::string resolved;
  std::string name;  // v2/v3 "name" (an aliased install), else empty
  bool link = false;
};

class PackageLockReader final : public JsonHandler {
 public:
  bool Scalar(const JsonPath& path, JsonKind kind, std::string_view value) override {
    if (path.empty() || path[0].is_index) {
      return true;
    }
    if (path.size() == 1) {
      if (path[0].key == "lockfileVersion" && kind == JsonKind::kNumber) {
        lockfile_version_ = std::string(value);
      }
      return true;
    }
    const std::string& field = path.back().key;
    if (path.back().is_index) {
      return true;
    }
    if (path[0].key == "packages" && path.size() == 3 && !path[1].is_index) {
      LockEntry& entry = v2_[path[1].key];
      if (field == "version" && kind == JsonKind::kString) {
        entry.version = std::string(value);
      }
      if (field == "resolved" && kind == JsonKind::kString) {
        entry.resolved = std::string(value);
      }
      if (field == "name" && kind == JsonKind::kString) {
        entry.name = std::string(value);
      }
      if (field == "link") {
        entry.link = kind == JsonKind::kTrue;
      }
      return true;
    }
    // A field of the innermost open v1 entry: dependencies.<name>(.dependencies.<name>)*.<field>.
    if (kind == JsonKind::kString && path.size() % 2 == 1 && !v1_stack_.empty() &&
        v1_stack_.size() == (path.size() - 1) / 2 && IsV1Chain(path, path.size() - 1)) {
      if (field == "version") {
        v1_stack_.back().second.version = std::string(value);
      }
      if (field == "resolved") {
        v1_stack_.back().second.resolved = std::string(value);
      }
    }
    return true;
  }

  bool Begin(const JsonPath& path, bool is_array) override {
    if (!is_array && path.size() % 2 == 0 && IsV1Chain(path, path.size())) {
      v1_stack_.push_back({path.back().key, {}});
    }
    return true;
  }

  bool End(const JsonPath& path, bool is_array) override {
    if (!is_array && path.size() % 2 == 0 && IsV1Chain(path, path.size()) && !v1_stack_.empty()) {
      v1_.push_back(std::move(v1_stack_.back()));
      v1_stack_.pop_back();
    }
    return true;
  }

  std::vector<LockedPackage> Take(std::string_view path, Diagnostics& diagnostics) {
    std::vector<LockedPackage> out;
    int missing = 0;
    if (!v2_.empty()) {
      for (auto& [key, entry] : v2_) {
        // "" is the root project; keys without node_modules/ are workspace folders; links point at them.
        const std::size_t at = key.rfind("node_modules/");
        if (at == std::string::npos || entry.link) {
          continue;
        }
        std::string name = entry.name.empty() ? key.substr(at + 13) : entry.name;
        if (entry.version.empty()) {
          ++missing;
          continue;
        }
        out.push_back(Make(std::move(name), std::move(entry.version), entry.resolved));
      }
    } else {
      for (auto& [name, entry] : v1_) {
        if (entry.version.empty()) {
          ++missing;
          continue;
        }
        std::string real_name = name;
        std::string version = entry.version;
        if (version.starts_with("npm:")) {  // an alias: "npm:real-name@1.2.3"
          auto [aliased, aliased_version] = SplitSpecifier(std::string_view(version).substr(4));
          real_name = std::string(aliased);
          version = std::string(aliased_version);
        }
        out.push_back(Make(std::move(real_name), std::move(version), entry.resolved));
      }
    }
    if (missing > 0) {
      diagnostics.Warn(std::string(kSource), std::string(path),
                       fmt::format("{} entries without a version were skipped", missing));
    }
    return out;
  }

  const std::string& lockfile_version() const { return lockfile_version_; }

 private:
  static LockedPackage Make(std::string name, std::string version, std::string_view resolved) {
    LockedPackage package{std::move(name), std::move(version), {}};
    package.unmatchable_reason = NonRegistryReason(package.version);
    if (package.unmatchable_reason.empty()) {
      package.unmatchable_reason = NonRegistryReason(resolved);
    }
    if (package.unmatchable_reason.empty() && !StartsWithDigit(package.version)) {
      package.unmatchable_reason = fmt::format("\"{}\" is not a version", package.version);
    }
    return package;
  }

  // Whether the first `length` elements of `path` are dependencies.<name>(.dependencies.<name>)*, the path of a v1
  // entry object (length > 0).
  static bool IsV1Chain(const JsonPath& path, std::size_t length) {
    if (length == 0) {
      return false;
    }
    for (std::size_t i = 0; i < length; ++i) {
      if (path[i].is_index) {
        return false;
      }
      if (i % 2 == 0 && path[i].key != "dependencies") {
        return false;
      }
    }
    return true;
  }

  std::string lockfile_version_;
  std::map<std::string, LockEntry> v2_;
  std::vector<std::pair<std::string, LockEntry>> v1_stack_;
  std::vector<std::pair<std::string, LockEntry>> v1_;
};

}  // namespace

Result<std::vector<LockedPackage>> ParsePackageLock(std::string_view text, std::string_view path,
                                                    Diagnostics& diagnostics) {
  PackageLockReader reader;
  CUSTOMS_RETURN_IF_ERROR(ScanJson(text, reader));
  const std::string& version = reader.lockfile_version();
  if (!version.empty() && version != "1" && version != "2" && version != "3") {
    diagnostics.Info(
        std::string(kSource), std::string(path),
        fmt::format("lockfileVersion {} is newer than this reader knows (1-3); read as version 3", version));
  }
  return reader.Take(path, diagnostics);
}

// --- yarn.lock ----------------------------------------------------------------------------------------------------

namespace {

struct YarnEntry {
  std::string key;  // the header line without its ':'
  std::string version;
  std::string resolved;    // v1
  std::string resolution;  // berry
};

LockedPackage FromYarnV1(const YarnEntry& entry) {
  // The first specifier names the package: "lodash@^4.17.15", "@babel/core@7.0.0", "alias@npm:real@^1".
  std::string_view first = entry.key;
  if (const std::size_t comma = first.find(','); comma != std::string_view::npos) {
    first = first.substr(0, comma);
  }
  const std::string specifier = Unquote(first);
  auto [name, range] = SplitSpecifier(specifier);
  LockedPackage package{std::string(name), entry.version, {}};
  if (range.starts_with("npm:")) {
    package.name = std::string(SplitSpecifier(range.substr(4)).first);
  }
  package.unmatchable_reason = NonRegistryReason(range);
  if (package.unmatchable_reason.empty() && (range.find("://") != std::string_view::npos)) {
    package.unmatchable_reason = "from a URL, not the npm registry";
  }
  if (package.unmatchable_reason.empty()) {
    package.unmatchable_reason = NonRegistryReason(entry.resolved);
  }
  if (package.unmatchable_reason.empty() && !StartsWithDigit(package.version)) {
    package.unmatchable_reason = fmt::format("\"{}\" is not a version", package.version);
  }
  return package;
}

// Berry: resolution "name@protocol:reference"; nullopt for the project's own workspaces.
std::optional<LockedPackage> FromYarnBerry(const YarnEntry& entry) {
  const std::string resolution = Unquote(entry.resolution.empty() ? entry.key : entry.resolution);
  auto [name, reference] = SplitSpecifier(resolution);
  const std::size_t colon = reference.find(':');
  const std::string_view protocol = colon == std::string_view::npos ? std::string_view() : reference.substr(0, colon);
  if (protocol == "workspace" || protocol == "link" || protocol == "portal") {
    return std::nullopt;
  }
  LockedPackage package{std::string(name), entry.version, {}};
  if (protocol == "patch") {
    // "resolve@patch:resolve@npm%3A1.22.1#..." patches a registry package; anything else patches local code.
    if (reference.find("@npm%3A") == std::string_view::npos) {
      package.unmatchable_reason = "a patch of a non-registry package";
    }
  } else if (protocol != "npm") {
    package.unmatchable_reason = fmt::format("from a {} source, not the npm registry",
                                             protocol.empty() ? std::string_view("non-registry") : protocol);
  }
  if (package.unmatchable_reason.empty() && !StartsWithDigit(package.version)) {
    package.unmatchable_reason = fmt::format("\"{}\" is not a version", package.version);
  }
  return package;
}

}  // namespace

Result<std::vector<LockedPackage>> ParseYarnLock(std::string_view text, std::string_view path,
                                                 Diagnostics& diagnostics) {
  std::vector<YarnEntry> entries;
  bool berry = false;
  bool saw_header = false;
  LineReader lines(text);
  std::string_view line;
  int malformed = 0;
  while (lines.Next(&line)) {
    if (line.empty() || line[0] == '#') {
      if (line.starts_with("# yarn lockfile v1")) {
        saw_header = true;
      }
      continue;
    }
    const std::size_t indent = Indent(line);
    if (indent == 0) {
      std::string_view header = line;
      if (header.back() != ':') {
        ++malformed;
        continue;
      }
      header.remove_suffix(1);
      if (header == "__metadata") {
        berry = true;
        saw_header = true;
      }
      entries.push_back({std::string(header), {}, {}, {}});
      continue;
    }
    if (indent != 2 || entries.empty()) {
      continue;
    }
    std::string_view field = line.substr(2);
    std::string key;
    std::string_view value;
    // berry (which always writes __metadata first): "version: 1.2.3"; v1: "version \"1.2.3\"".
    if (berry) {
      if (!SplitKey(field, &key, &value)) {
        continue;
      }
    } else {
      const std::size_t space = field.find(' ');
      if (space == std::string_view::npos) {
        continue;
      }
      key = std::string(field.substr(0, space));
      value = field.substr(space + 1);
    }
    if (key == "version") {
      entries.back().version = Unquote(value);
    }
    if (key == "resolved") {
      entries.back().resolved = Unquote(value);
    }
    if (key == "resolution") {
      entries.back().resolution = Unquote(value);
    }
  }
  if (!saw_header && entries.empty()) {
    return MakeError(ErrorCode::kCorrupt, "no yarn.lock entries");
  }
  std::vector<LockedPackage> out;
  int missing = 0;
  for (const YarnEntry& entry : entries) {
    if (entry.key == "__metadata") {
      continue;
    }
    if (entry.version.empty()) {
      ++missing;
      continue;
    }
    if (berry) {
      if (auto package = FromYarnBerry(entry)) {
        out.push_back(std::move(*package));
      }
    } else {
      out.push_back(FromYarnV1(entry));
    }
  }
  if (missing + malformed > 0) {
    diagnostics.Warn(
        std::string(kSource), std::string(path),
        fmt::format("{} entries without a version and {} malformed lines were skipped", missing, malformed));
  }
  return out;
}

// --- pnpm-lock.yaml -----------------------------------------------------------------------------------------------

namespace {

// A pnpm package id -> name and version. 5.x: "/name/1.2.3_peer@1", "/@scope/name/1.2.3"; 6.0: "/name@1.2.3(peer@1)";
// 9.0: "name@1.2.3(peer@1)". Non-registry ids ("github.com/u/r/sha", "name@https://...", "name@file:...") give the
// version part as written.
std::pair<std::string, std::string> SplitPnpmId(std::string_view id, bool slash_version) {
  if (id.starts_with('/')) {
    id.remove_prefix(1);
  }
  if (const std::size_t paren = id.find('('); paren != std::string_view::npos) {
    id = id.substr(0, paren);
  }
  if (slash_version) {
    const std::size_t slash = id.rfind('/');
    if (slash == std::string_view::npos) {
      return {std::string(id), {}};
    }
    std::string_view version = id.substr(slash + 1);
    if (const std::size_t underscore = version.find('_'); underscore != std::string_view::npos) {
      version = version.substr(0, underscore);
    }
    return {std::string(id.substr(0, slash)), std::string(version)};
  }
  auto [name, version] = SplitSpecifier(id);
  return {std::string(name), std::string(version)};
}

}  // namespace

Result<std::vector<LockedPackage>> ParsePnpmLock(std::string_view text, std::string_view path,
                                                 Diagnostics& diagnostics) {
  struct Entry {
    std::string id;
    std::string name;     // "name:" field (non-registry packages)
    std::string version;  // "version:" field
    std::string resolution;
  };
  std::vector<Entry> entries;
  std::string lockfile_version;
  bool in_packages = false;
  LineReader lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const std::size_t indent = Indent(line);
    std::string key;
    std::string_view value;
    if (indent == 0) {
      in_packages = false;
      if (!SplitKey(line, &key, &value)) {
        continue;
      }
      if (key == "lockfileVersion") {
        lockfile_version = Unquote(value);
      }
      in_packages = key == "packages";
      continue;
    }
    if (!in_packages) {
      continue;
    }
    if (indent == 2) {
      if (!SplitKey(line.substr(2), &key, &value)) {
        continue;
      }
      entries.push_back({std::move(key), {}, {}, {}});
    } else if (indent == 4 && !entries.empty() && SplitKey(line.substr(4), &key, &value)) {
      if (key == "name") {
        entries.back().name = Unquote(value);
      }
      if (key == "version") {
        entries.back().version = Unquote(value);
      }
      if (key == "resolution") {
        entries.back().resolution = std::string(value);
      }
    }
  }
  if (lockfile_version.empty()) {
    return MakeError(ErrorCode::kCorrupt, "no lockfileVersion");
  }
  // 5.x ids separate the version with '/', 6.0 and later with '@'.
  const bool slash_version =
      lockfile_version.starts_with('5') || lockfile_version.starts_with('4') || lockfile_version.starts_with('3');
  if (!lockfile_version.starts_with('5') && !lockfile_version.starts_with('6') && !lockfile_version.starts_with('9')) {
    diagnostics.Info(
        std::string(kSource), std::string(path),
        fmt::format("lockfileVersion {} is not one this reader was tested with (5.x, 6.0, 9.0)", lockfile_version));
  }
  std::vector<LockedPackage> out;
  for (Entry& entry : entries) {
    auto [name, version] = SplitPnpmId(entry.id, slash_version);
    if (!entry.name.empty()) {
      name = entry.name;
    }
    if (!entry.version.empty()) {
      version = entry.version;
    }
    LockedPackage package{std::move(name), std::move(version), {}};
    // Registry packages carry only an integrity hash; tarballs, git and directories name their source.
    const std::string_view resolution = entry.resolution;
    if (resolution.find("tarball:") != std::string_view::npos) {
      package.unmatchable_reason = "from a tarball URL, not the npm registry";
    } else if (resolution.find("type: git") != std::string_view::npos ||
               resolution.find("repo:") != std::string_view::npos) {
      package.unmatchable_reason = "from a git source, not the npm registry";
    } else if (resolution.find("directory:") != std::string_view::npos) {
      package.unmatchable_reason = "from a local directory, not the npm registry";
    }
    if (package.unmatchable_reason.empty()) {
      package.unmatchable_reason = NonRegistryReason(package.version);
    }
    if (package.unmatchable_reason.empty() && !StartsWithDigit(package.version)) {
      package.unmatchable_reason = fmt::format("\"{}\" is not a version", package.version);
    }
    if (package.name.empty()) {
      continue;
    }
    out.push_back(std::move(package));
  }
  return out;
}

}  // namespace customs::catalog::lang
