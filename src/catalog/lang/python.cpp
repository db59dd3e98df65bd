#include "catalog/lang/python.h"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include "catalog/internal.h"
#include "catalog/lang/common.h"

namespace customs::catalog::lang {
namespace {

constexpr std::string_view kSource = "catalog/python";
constexpr std::string_view kExtractorName = "python";
// The header block of real METADATA files is a few KB; old PKG-INFO files put the long description in a folded
// "Description:" header, after Name and Version. Past this many bytes the rest is ignored.
constexpr std::size_t kMaxHeaderBytes = 256 * 1024;

// Which kind of metadata file, in order of preference when two describe the same package.
enum class Kind { kDistInfo, kEggInfoDir, kEggInfoFile, kEgg, kNone };

Kind KindOf(std::string_view path) {
  const std::string_view base = BaseName(path);
  const std::string_view dir = DirName(path);
  if (base == "METADATA" && dir.ends_with(".dist-info")) {
    return Kind::kDistInfo;
  }
  if (base == "PKG-INFO" && dir.ends_with(".egg-info")) {
    return Kind::kEggInfoDir;
  }
  if (base == "PKG-INFO" && BaseName(dir) == "EGG-INFO" && DirName(dir).ends_with(".egg")) {
    return Kind::kEgg;
  }
  if (base.ends_with(".egg-info") && base.size() > 9) {
    return Kind::kEggInfoFile;
  }
  return Kind::kNone;
}

// The directory the distribution is installed in (site-packages, dist-packages...).
std::string_view SiteDirectory(std::string_view path, Kind kind) {
  switch (kind) {
    case Kind::kDistInfo:
    case Kind::kEggInfoDir: return DirName(DirName(path));
    case Kind::kEggInfoFile: return DirName(path);
    case Kind::kEgg: return DirName(DirName(DirName(path)));
    case Kind::kNone: break;
  }
  return {};
}

class PythonVisitor final : public LayerVisitor {
 public:
  explicit PythonVisitor(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  Interest Inspect(const EntryHeader& header) override {
    if (!IsPythonMetadataPath(header.path)) {
      return Interest::kSkip;
    }
    path_.assign(header.path);
    buffer_.clear();
    done_ = false;
    return Interest::kWant;
  }

  void Data(std::string_view chunk) override {
    if (done_) {
      return;
    }
    const std::size_t search_from = buffer_.size() >= 3 ? buffer_.size() - 3 : 0;
    const std::size_t room = kMaxHeaderBytes - buffer_.size();
    buffer_.append(chunk.substr(0, room));
    // The header block ends at the first empty line ("\n\n" or "\n\r\n").
    for (std::size_t at = buffer_.find('\n', search_from); at != std::string::npos; at = buffer_.find('\n', at + 1)) {
      if (at + 1 < buffer_.size() && (buffer_[at + 1] == '\n' || (buffer_[at + 1] == '\r' && at + 2 < buffer_.size() &&
                                                                  buffer_[at + 2] == '\n'))) {
        buffer_.resize(at + 1);
        done_ = true;
        return;
      }
    }
    if (buffer_.size() >= kMaxHeaderBytes) {
      done_ = true;
    }
  }

  void EndFile(bool complete) override {
    if (!complete) {
      return;
    }
    PythonMetadata metadata = ParsePythonMetadata(buffer_);
    if (metadata.name.empty() || metadata.version.empty()) {
      diagnostics_.Warn(std::string(kSource), path_,
                        metadata.name.empty() ? "no Name header in the core metadata; skipped"
                                              : "no Version header in the core metadata; skipped");
      return;
    }
    writer_.Add({path_, metadata.name, metadata.version});
    buffer_.clear();
    buffer_.shrink_to_fit();
  }

  std::string Finish() override { return writer_.Take(); }

 private:
  Diagnostics& diagnostics_;
  std::string path_;
  std::string buffer_;
  bool done_ = false;
  RecordWriter writer_;
};

class PythonExtractor final : public FileExtractor {
 public:
  std::string_view name() const override { return kExtractorName; }
  int version() const override { return 1; }
  std::unique_ptr<LayerVisitor> StartLayer(int /*layer*/, Diagnostics& diagnostics) const override {
    return std::make_unique<PythonVisitor>(diagnostics);
  }
};

std::string_view Trim(std::string_view text) {
  return internal::TrimWhitespace(text);
}

}  // namespace

std::string NormalizePypiName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool in_separator = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (!in_separator) {
        out.push_back('-');
      }
      in_separator = true;
      continue;
    }
    in_separator = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

PythonMetadata ParsePythonMetadata(std::string_view text) {
  PythonMetadata metadata;
  LineReader lines(text);
  std::string_view line;
  while (lines.Next(&line)) {
    if (line.empty()) {
      break;  // end of the header block
    }
    if (line[0] == ' ' || line[0] == '\t') {
      continue;  // a continuation of the previous field
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    const std::string key = internal::ToLower(Trim(line.substr(0, colon)));
    const std::string_view value = Trim(line.substr(colon + 1));
    // The first occurrence wins: both are single-use fields, and pip reads the first.
    if (key == "name" && metadata.name.empty()) {
      metadata.name = std::string(value);
    } else if (key == "version" && metadata.version.empty()) {
      metadata.version = std::string(value);
    }
  }
  return metadata;
}

bool IsPythonMetadataPath(std::string_view path) {
  return KindOf(path) != Kind::kNone;
}

PythonCataloger::PythonCataloger() : extractor_(std::make_unique<PythonExtractor>()) {}
PythonCataloger::~PythonCataloger() = default;

const FileExtractor* PythonCataloger::extractor() const {
  return extractor_.get();
}

std::vector<Package> PythonCataloger::Catalog(const FileTree& tree, const OsInfo& /*os*/,
                                              Diagnostics& diagnostics) const {
  std::vector<Package> packages;
  std::vector<Kind> kinds;
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> seen;
  ForEachRecordEntry(tree, kExtractorName, 3, kSource, diagnostics,
                     [&](const LayerInfo& layer, const std::vector<std::string_view>& fields) {
                       const std::string_view path = fields[0];
                       if (!tree.SurvivesFrom(path, layer.index)) {
                         return;
                       }
                       const Kind kind = KindOf(path);
                       auto key = std::make_tuple(NormalizePypiName(fields[1]), std::string(fields[2]),
                                                  std::string(SiteDirectory(path, kind)));
                       if (auto it = seen.find(key); it != seen.end()) {
                         Package& existing = packages[it->second];
                         existing.files.emplace_back(path);
                         if (kind < kinds[it->second]) {
                           // The preferred file (a dist-info over an egg-info) names the package and its layer.
                           existing.name = std::string(fields[1]);
                           existing.location = std::string(path);
                           existing.evidence = kind == Kind::kDistInfo ? "METADATA" : "PKG-INFO";
                           existing.layer = layer;
                           kinds[it->second] = kind;
                         }
                         return;
                       }
                       Package package =
                           MakeLanguagePackage(PackageType::kPypi, std::string(fields[1]), std::string(fields[2]),
                                               std::string(path), kind == Kind::kDistInfo ? "METADATA" : "PKG-INFO");
                       package.files.emplace_back(path);
                       package.layer = layer;
                       seen.emplace(std::move(key), packages.size());
                       packages.push_back(std::move(package));
                       kinds.push_back(kind);
                     });
  SortPackages(packages);
  return packages;
}

}  // namespace customs::catalog::lang
