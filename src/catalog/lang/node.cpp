#include "catalog/lang/node.h"

#include <fmt/format.h>

#include <utility>

#include "catalog/lang/json_scan.h"

namespace customs::catalog::lang {
namespace {

constexpr std::string_view kSource = "catalog/node";
constexpr std::string_view kExtractorName = "node";
// Real package.json files are a few KB; npm < 5 embedded the README (rarely past 1 MB).
constexpr std::size_t kMaxPackageJsonBytes = 4u << 20;

constexpr std::string_view kLockfileNames[] = {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
                                               "pnpm-lock.yaml"};

bool IsLockfilePath(std::string_view path) {
  const std::string_view base = BaseName(path);
  for (std::string_view name : kLockfileNames) {
    if (base == name) {
      return !HasDirectoryComponent(path, "node_modules");
    }
  }
  return false;
}

bool LooksLikeVersion(std::string_view version) {
  return !version.empty() && version[0] >= '0' && version[0] <= '9';
}

class NodeVisitor final : public LayerVisitor {
 public:
  explicit NodeVisitor(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  Interest Inspect(const EntryHeader& header) override {
    if (!IsNodeModulesPackageJson(header.path)) {
      return Interest::kSkip;
    }
    path_.assign(header.path);
    buffer_.clear();
    too_big_ = header.size > kMaxPackageJsonBytes;
    if (too_big_) {
      diagnostics_.Warn(
          std::string(kSource), path_,
          fmt::format("package.json of {} bytes is larger than {}; skipped", header.size, kMaxPackageJsonBytes));
      return Interest::kSkip;
    }
    buffer_.reserve(header.size);
    return Interest::kWant;
  }

  void Data(std::string_view chunk) override {
    if (too_big_) {
      return;
    }
    if (buffer_.size() + chunk.size() > kMaxPackageJsonBytes) {
      too_big_ = true;
      buffer_.clear();
      diagnostics_.Warn(std::string(kSource), path_,
                        fmt::format("package.json is larger than {} bytes; skipped", kMaxPackageJsonBytes));
      return;
    }
    buffer_.append(chunk);
  }

  void EndFile(bool complete) override {
    if (!complete || too_big_) {
      return;
    }
    auto parsed = ParsePackageJson(buffer_);
    if (!parsed) {
      diagnostics_.Warn(std::string(kSource), path_, fmt::format("not a package: {}", parsed.error().message()));
    } else if (!parsed->name.empty() && !parsed->version.empty()) {
      if (parsed->invalid_utf8 > 0) {
        diagnostics_.Info(std::string(kSource), path_,
                          fmt::format("{} invalid UTF-8 sequences replaced by U+FFFD", parsed->invalid_utf8));
      }
      writer_.Add({path_, parsed->name, parsed->version});
    }
    if (buffer_.capacity() > 64 * 1024) {
      buffer_ = std::string();  // one large file must not pin its buffer for the rest of the layer
    }
  }

  std::string Finish() override { return writer_.Take(); }

 private:
  Diagnostics& diagnostics_;
  std::string path_;
  std::string buffer_;
  bool too_big_ = false;
  RecordWriter writer_;
};

class NodeExtractor final : public FileExtractor {
 public:
  std::string_view name() const override { return kExtractorName; }
  int version() const override { return 1; }
  std::unique_ptr<LayerVisitor> StartLayer(int /*layer*/, Diagnostics& diagnostics) const override {
    return std::make_unique<NodeVisitor>(diagnostics);
  }
};

}  // namespace

Result<PackageJson> ParsePackageJson(std::string_view text) {
  PackageJson out;
  bool is_object = false;
  JsonCallbacks handler(
      [&](const JsonPath& path, JsonKind kind, std::string_view value) {
        if (path.size() != 1 || path[0].is_index || kind != JsonKind::kString) {
          return true;
        }
        // A repeated key: JSON.parse keeps the last, and so does npm.
        if (path[0].key == "name") {
          out.name = std::string(value);
        }
        if (path[0].key == "version") {
          out.version = std::string(value);
        }
        return true;
      },
      nullptr,
      [&](const JsonPath& path, bool is_array) {
        if (path.empty()) {
          is_object = !is_array;
        }
        return true;
      });
  JsonScanStats stats;
  CUSTOMS_RETURN_IF_ERROR(ScanJson(text, handler, &stats));
  if (!is_object) {
    return MakeError(ErrorCode::kCorrupt, "package.json is not a JSON object");
  }
  out.invalid_utf8 = stats.invalid_utf8;
  return out;
}

bool IsNodeModulesPackageJson(std::string_view path) {
  if (BaseName(path) != "package.json") {
    return false;
  }
  std::string_view dir = DirName(path);  // .../node_modules/[@scope/]name
  const std::string_view name = BaseName(dir);
  if (name.empty() || name[0] == '.' || name[0] == '@') {
    return false;
  }
  dir = DirName(dir);
  std::string_view parent = BaseName(dir);
  if (!parent.empty() && parent[0] == '@' && parent.size() > 1) {
    dir = DirName(dir);
    parent = BaseName(dir);
  }
  return parent == "node_modules";
}

NodeCataloger::NodeCataloger() : extractor_(std::make_unique<NodeExtractor>()) {}
NodeCataloger::~NodeCataloger() = default;

bool NodeCataloger::WantsContent(std::string_view path) const {
  return IsLockfilePath(path);
}

const FileExtractor* NodeCataloger::extractor() const {
  return extractor_.get();
}

std::vector<Package> NodeCataloger::Catalog(const FileTree& tree, const OsInfo& /*os*/,
                                            Diagnostics& diagnostics) const {
  std::vector<Package> packages;
  // An image can hold 30,000 of these (664 bytes each): count first so the vector never doubles past its need.
  std::size_t count = 0;
  NullDiagnostics quiet;  // the second pass reports
  ForEachRecordEntry(tree, kExtractorName, 3, kSource, quiet,
                     [&](const LayerInfo&, const std::vector<std::string_view>&) { ++count; });
  packages.reserve(count);
  ForEachRecordEntry(tree, kExtractorName, 3, kSource, diagnostics,
                     [&](const LayerInfo& layer, const std::vector<std::string_view>& fields) {
                       if (!tree.SurvivesFrom(fields[0], layer.index)) {
                         return;
                       }
                       Package package =
                           MakeLanguagePackage(PackageType::kNpm, std::string(fields[1]), std::string(fields[2]),
                                               std::string(fields[0]), "package.json");
                       package.layer = layer;
                       if (!LooksLikeVersion(package.version)) {
                         MarkUnmatchable(package, fmt::format("\"{}\" is not a version", package.version));
                       }
                       packages.push_back(std::move(package));
                     });
  if (IsDirectoryScan(tree)) {
    for (const auto& [path, node] : CapturedFilesNamed(tree, IsLockfilePath)) {
      const std::string_view base = BaseName(path);
      if (node->content->size() > kMaxLockfileBytes) {
        diagnostics.Warn(std::string(kSource), path,
                         fmt::format("lockfile larger than {} bytes; not read", kMaxLockfileBytes));
        continue;
      }
      Result<std::vector<LockedPackage>> locked = base == "yarn.lock" ? ParseYarnLock(*node->content, path, diagnostics)
                                                  : base == "pnpm-lock.yaml"
                                                      ? ParsePnpmLock(*node->content, path, diagnostics)
                                                      : ParsePackageLock(*node->content, path, diagnostics);
      if (!locked) {
        diagnostics.Warn(std::string(kSource), path, fmt::format("lockfile not read: {}", locked.error().message()));
        continue;
      }
      AppendLocked(std::move(*locked), PackageType::kNpm, path, *node, tree, base, packages);
    }
  }
  SortPackages(packages);
  return packages;
}

}  // namespace customs::catalog::lang
