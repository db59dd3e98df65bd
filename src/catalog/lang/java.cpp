#include "catalog/lang/java.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include "catalog/internal.h"
#include "catalog/lang/record.h"
#include "catalog/lang/zip_stream.h"

namespace customs::catalog::lang {
namespace {

constexpr std::string_view kSource = "catalog/java";
constexpr std::size_t kMaxPomBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxManifestLine = std::size_t{16} * 1024;

bool EndsWithIgnoreCase(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    char c = text[text.size() - suffix.size() + i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != suffix[i]) {
      return false;
    }
  }
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && EndsWithIgnoreCase(a, internal::ToLower(b));
}

std::string_view BaseName(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// "META-INF/maven/<g>/<a>/pom.properties", as Maven writes it. Real jars also put it deeper, with the groupId split
// into directories (DynamoDBLocal.jar: META-INF/maven/com/amazonaws/DynamoDBLocal/pom.properties); the file's own
// groupId and artifactId are used when present, these path components only as a fallback.
bool IsPomProperties(std::string_view name, std::string* group, std::string* artifact) {
  constexpr std::string_view kPrefix = "META-INF/maven/";
  constexpr std::string_view kSuffix = "/pom.properties";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix) || name.size() <= kPrefix.size() + kSuffix.size()) {
    return false;
  }
  std::string_view middle = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  const std::size_t slash = middle.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == middle.size() ||
      middle.find("//") != std::string_view::npos) {
    return false;
  }
  *group = std::string(middle.substr(0, slash));
  std::replace(group->begin(), group->end(), '/', '.');
  *artifact = std::string(middle.substr(slash + 1));
  return true;
}

// Reads the main section of a manifest (JAR File Specification, "Manifest Specification") line by line as it streams:
// lines end with CR LF, LF or CR; a line starting with one space continues the previous one; the main section ends at
// the first empty line. Only the attributes it is asked about are kept; an over-long line is dropped.
class ManifestReader {
 public:
  void Feed(std::string_view data) {
    for (char c : data) {
      if (ended_) {
        return;
      }
      if (c == '\n' && last_was_cr_) {
        last_was_cr_ = false;
        continue;
      }
      last_was_cr_ = c == '\r';
      if (c == '\r' || c == '\n') {
        EndPhysicalLine();
        continue;
      }
      if (physical_.size() < kMaxManifestLine) {
        physical_.push_back(c);
      } else {
        overlong_ = true;
      }
    }
  }
  void Finish() {
    if (!physical_.empty()) {
      EndPhysicalLine();
    }
    Commit();
  }
  std::string Get(std::string_view key) const {
    auto it = attributes_.find(internal::ToLower(key));
    return it == attributes_.end() ? std::string() : it->second;
  }

 private:
  void EndPhysicalLine() {
    if (physical_.empty()) {
      Commit();
      ended_ = true;  // the end of the main section
      return;
    }
    if (physical_[0] == ' ') {
      if (logical_.size() + physical_.size() <= kMaxManifestLine) {
        logical_.append(physical_, 1);
      } else {
        overlong_ = true;
      }
    } else {
      Commit();
      logical_ = physical_;
    }
    physical_.clear();
  }
  void Commit() {
    if (!logical_.empty() && !overlong_) {
      const std::size_t colon = logical_.find(':');
      if (colon != std::string::npos) {
        std::string key = internal::ToLower(internal::TrimWhitespace(std::string_view(logical_).substr(0, colon)));
        if (key == "implementation-version" || key == "bundle-version" || key == "implementation-title" ||
            key == "bundle-symbolicname" || key == "specification-version") {
          attributes_.emplace(std::move(key),
                              std::string(internal::TrimWhitespace(std::string_view(logical_).substr(colon + 1))));
        }
      }
    }
    logical_.clear();
    overlong_ = false;
  }

  std::string physical_;
  std::string logical_;
  bool overlong_ = false;
  bool last_was_cr_ = false;
  bool ended_ = false;
  std::map<std::string, std::string> attributes_;
};

}  // namespace

bool IsJavaArchiveName(std::string_view path) {
  for (std::string_view ext : {".jar", ".war", ".ear", ".par", ".jpi", ".hpi"}) {
    if (EndsWithIgnoreCase(path, ext) && path.size() > ext.size() && path[path.size() - ext.size() - 1] != '/') {
      return true;
    }
  }
  return false;
}

PomProperties ParsePomProperties(std::string_view text) {
  PomProperties out;
  std::string logical;
  auto commit = [&](std::string_view line) {
    line = internal::TrimWhitespace(line);
    if (line.empty() || line[0] == '#' || line[0] == '!') {
      return;
    }
    // The key ends at the first unescaped '=', ':' or whitespace.
    std::string key;
    std::size_t i = 0;
    for (; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '\\' && i + 1 < line.size()) {
        key.push_back(line[++i]);
        continue;
      }
      if (c == '=' || c == ':' || c == ' ' || c == '\t') {
        break;
      }
      key.push_back(c);
    }
    std::string_view rest = internal::TrimWhitespace(line.substr(std::min(i, line.size())));
    if (!rest.empty() && (rest[0] == '=' || rest[0] == ':')) {
      rest = internal::TrimWhitespace(rest.substr(1));
    }
    std::string value;
    for (std::size_t j = 0; j < rest.size(); ++j) {
      if (rest[j] == '\\' && j + 1 < rest.size()) {
        ++j;
      }
      value.push_back(rest[j]);
    }
    if (key == "groupId") {
      out.group_id = value;
    }
    if (key == "artifactId") {
      out.artifact_id = value;
    }
    if (key == "version") {
      out.version = value;
    }
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    // A line ending in an odd number of backslashes continues on the next one.
    std::size_t slashes = 0;
    while (slashes < line.size() && line[line.size() - 1 - slashes] == '\\') {
      ++slashes;
    }
    if (slashes % 2 == 1) {
      logical.append(line.substr(0, line.size() - 1));
    } else {
      logical.append(line);
      commit(logical);
      logical.clear();
    }
    if (end == text.size()) {
      break;
    }
    start = end + 1;
    if (text[end] == '\r' && start < text.size() && text[start] == '\n') {
      ++start;
    }
    if (!logical.empty()) {
      while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) {
        ++start;
      }
    }
  }
  if (!logical.empty()) {
    commit(logical);
  }
  return out;
}

JarFileName ParseJarFileName(std::string_view file_name) {
  std::string_view base = BaseName(file_name);
  const std::size_t dot = base.rfind('.');
  if (dot != std::string_view::npos && dot > 0) {
    base = base.substr(0, dot);
  }
  // Words that may follow a version after a '-' without being part of the artifactId ("1.0-beta-2", "31.1-jre").
  static constexpr std::array<std::string_view, 17> kQualifiers = {
      "alpha",   "beta", "rc",  "cr",      "m",          "milestone", "snapshot", "final", "ga",
      "release", "sp",   "jre", "android", "incubating", "preview",   "ea",       "b"};
  auto is_qualifier = [](std::string_view word) {
    std::string lower = internal::ToLower(word);
    return std::find(kQualifiers.begin(), kQualifiers.end(), lower) != kQualifiers.end();
  };
  for (std::size_t i = 1; i + 1 < base.size(); ++i) {
    if ((base[i] != '-' && base[i] != '_') || base[i + 1] < '0' || base[i + 1] > '9') {
      continue;
    }
    std::string_view version = base.substr(i + 1);
    // Reject the split when a '-'-separated part is a plain word that is not a qualifier: that word belongs to the
    // artifactId ("log4j-1.2-api-2.17.1": "api"; "log4j-1.2-api": no version at all).
    bool has_word = false;
    for (std::string_view part : internal::Split(version, '-')) {
      const bool word = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      });
      if (word && !is_qualifier(part)) {
        has_word = true;
      }
    }
    if (has_word) {
      continue;
    }
    return {std::string(base.substr(0, i)), std::string(version)};
  }
  return {std::string(base), ""};
}

struct JarAnalyzer::Context {
  std::string path;
  Diagnostics* diagnostics = nullptr;
  JavaLimits limits;
  ZipBudget budget;
  std::vector<Package> packages;
  bool depth_reported = false;
  bool package_limit_reported = false;

  void Add(Package package) {
    if (packages.size() >= limits.max_packages) {
      if (!package_limit_reported) {
        diagnostics->Incomplete(
            std::string(kSource), path,
            fmt::format("more than {} packages in one archive; the rest are ignored", limits.max_packages));
        package_limit_reported = true;
      }
      return;
    }
    packages.push_back(std::move(package));
  }
};

// One archive at one nesting level: a zip stream whose entries it inspects, and its own identity at the end.
class JavaArchive final : public ZipEntrySink {
 public:
  JavaArchive(JarAnalyzer::Context* context, std::string location, int depth)
      : context_(context), location_(std::move(location)), depth_(depth), reader_(this, &context->budget) {}

  void Feed(std::string_view data) { reader_.Feed(data); }

  void Finish(bool complete) {
    reader_.Finish();
    if (reader_.failed() && complete) {
      if (context_->budget.exhausted) {
        context_->diagnostics->Incomplete(std::string(kSource), location_,
                                          "archive limit reached (zip bomb?): " + reader_.error());
      } else {
        context_->diagnostics->Warn(std::string(kSource), location_, "unreadable archive: " + reader_.error());
      }
    }
    if (reader_.entries() > 0) {
      Identify();
    }
  }

  bool StartEntry(const ZipEntryInfo& entry) override {
    capture_ = Capture::kNone;
    entry_name_.assign(entry.name);
    std::string group, artifact;
    if (IsPomProperties(entry.name, &group, &artifact)) {
      capture_ = Capture::kPom;
      buffer_.clear();
      return true;
    }
    if (EqualsIgnoreCase(entry.name, "META-INF/MANIFEST.MF")) {
      capture_ = Capture::kManifest;
      return true;
    }
    if (IsJavaArchiveName(entry.name)) {
      if (depth_ + 1 > context_->limits.max_depth) {
        if (!context_->depth_reported) {
          context_->depth_reported = true;
          context_->diagnostics->Incomplete(
              std::string(kSource), location_ + "!/" + entry_name_,
              fmt::format("archives nested more than {} deep are not read", context_->limits.max_depth));
        }
        return false;
      }
      capture_ = Capture::kNested;
      child_ = std::make_unique<JavaArchive>(context_, location_ + "!/" + entry_name_, depth_ + 1);
      return true;
    }
    return false;
  }

  void EntryData(std::string_view data) override {
    switch (capture_) {
      case Capture::kPom:
        if (buffer_.size() + data.size() <= kMaxPomBytes) {
          buffer_.append(data);
        } else {
          capture_ = Capture::kNone;  // not a real pom.properties
        }
        break;
      case Capture::kManifest: manifest_.Feed(data); break;
      case Capture::kNested: child_->Feed(data); break;
      case Capture::kNone: break;
    }
  }

  void EndEntry(bool ok) override {
    switch (capture_) {
      case Capture::kPom:
        if (ok) {
          AddPom();
        }
        break;
      case Capture::kManifest: manifest_.Finish(); break;
      case Capture::kNested:
        child_->Finish(ok);
        child_.reset();
        break;
      case Capture::kNone: break;
    }
    capture_ = Capture::kNone;
  }

 private:
  enum class Capture { kNone, kPom, kManifest, kNested };

  void AddPom() {
    std::string group, artifact;
    IsPomProperties(entry_name_, &group, &artifact);
    PomProperties pom = ParsePomProperties(buffer_);
    if (pom.group_id.empty()) {
      pom.group_id = group;
    }
    if (pom.artifact_id.empty()) {
      pom.artifact_id = artifact;
    }
    const std::string location = location_ + "!/" + entry_name_;
    if (pom.version.empty()) {
      context_->diagnostics->Warn(std::string(kSource), location, "pom.properties without a version");
      return;
    }
    Package package;
    package.type = PackageType::kMaven;
    package.name = pom.group_id + ":" + pom.artifact_id;
    package.version = pom.version;
    package.location = location;
    package.evidence = "pom.properties";
    package.confidence = Confidence::kHigh;
    if (!IsPlausibleVersion(pom.version)) {
      package.unmatchable = true;
      package.unmatchable_reason = fmt::format("version \"{}\" is not a version", pom.version);
    }
    artifacts_.push_back(internal::ToLower(pom.artifact_id));
    context_->Add(std::move(package));
  }

  // The archive itself, when no pom.properties named it.
  void Identify() {
    const JarFileName file = ParseJarFileName(BaseName(location_));
    const std::string file_artifact = internal::ToLower(file.artifact_id);
    std::string base = internal::ToLower(BaseName(location_));
    base = base.substr(0, base.rfind('.'));
    // A pom.properties names the archive itself when its artifactId is the file name's, with or without a version.
    for (const std::string& artifact : artifacts_) {
      if (artifact == file_artifact || base == artifact || base.starts_with(artifact + "-")) {
        return;
      }
    }
    if (artifacts_.size() == 1 && file.version.empty()) {
      return;  // "app.jar" holding its one pom.properties
    }
    Package package;
    package.type = PackageType::kMaven;
    package.name = file.artifact_id;
    package.group_unknown = true;
    const std::string implementation = manifest_.Get("Implementation-Version");
    const std::string bundle = manifest_.Get("Bundle-Version");
    if (IsPlausibleVersion(implementation) || IsPlausibleVersion(bundle)) {
      package.version = IsPlausibleVersion(implementation) ? implementation : bundle;
      package.evidence = "MANIFEST.MF";
      package.location = location_ + "!/META-INF/MANIFEST.MF";
      package.confidence = Confidence::kMedium;
    } else {
      package.version = file.version;
      package.evidence = "file name";
      package.location = location_;
      package.confidence = Confidence::kLow;
      if (file.version.empty()) {
        package.unmatchable = true;
        package.unmatchable_reason = "no version in the file name, the manifest or a pom.properties";
      } else if (!IsPlausibleVersion(file.version)) {
        package.unmatchable = true;
        package.unmatchable_reason = fmt::format("version \"{}\" from the file name is not a version", file.version);
        context_->diagnostics->Warn(
            std::string(kSource), location_,
            fmt::format("\"{}\" is not a version; {} is listed but never matched", file.version, file.artifact_id));
      }
    }
    context_->Add(std::move(package));
  }

  JarAnalyzer::Context* context_;
  std::string location_;
  int depth_;
  ZipStreamReader reader_;
  Capture capture_ = Capture::kNone;
  std::string entry_name_;
  std::string buffer_;
  ManifestReader manifest_;
  std::vector<std::string> artifacts_;  // lower-case artifactIds of this archive's pom.properties
  std::unique_ptr<JavaArchive> child_;
};

JarAnalyzer::JarAnalyzer(std::string path, std::uint64_t size, Diagnostics& diagnostics, JavaLimits limits)
    : context_(std::make_unique<Context>()) {
  context_->path = std::move(path);
  context_->diagnostics = &diagnostics;
  context_->limits = limits;
  const std::uint64_t scaled = size > UINT64_MAX / std::max<std::uint64_t>(1, limits.inflated_bytes_per_byte)
                                   ? UINT64_MAX
                                   : size * limits.inflated_bytes_per_byte;
  context_->budget.inflated_bytes_left = std::max(limits.min_inflated_bytes, scaled);
  context_->budget.entries_left = limits.max_entries;
  root_ = std::make_unique<JavaArchive>(context_.get(), context_->path, 1);
}

JarAnalyzer::~JarAnalyzer() = default;

void JarAnalyzer::Data(std::string_view chunk) {
  root_->Feed(chunk);
}

std::vector<Package> JarAnalyzer::Finish(bool complete) {
  root_->Finish(complete);
  return std::move(context_->packages);
}

namespace {

class JavaVisitor final : public LayerVisitor {
 public:
  JavaVisitor(Diagnostics& diagnostics, JavaLimits limits) : diagnostics_(diagnostics), limits_(limits) {}

  Interest Inspect(const EntryHeader& header) override {
    if (header.size < 22 || !IsJavaArchiveName(header.path)) {
      return Interest::kSkip;  // 22: an empty zip
    }
    current_ = std::make_unique<JarAnalyzer>(std::string(header.path), header.size, diagnostics_, limits_);
    path_ = header.path;
    return Interest::kWant;
  }
  void Data(std::string_view chunk) override {
    if (current_) {
      current_->Data(chunk);
    }
  }
  void EndFile(bool complete) override {
    if (!current_) {
      return;
    }
    std::vector<Package> packages = current_->Finish(complete);
    current_.reset();
    if (complete && !packages.empty()) {
      files_.push_back({std::move(path_), std::move(packages)});
    }
  }
  std::string Finish() override { return files_.empty() ? std::string() : EncodeRecord(files_); }

 private:
  Diagnostics& diagnostics_;
  JavaLimits limits_;
  std::unique_ptr<JarAnalyzer> current_;
  std::string path_;
  std::vector<FileFindings> files_;
};

}  // namespace

std::unique_ptr<LayerVisitor> JavaExtractor::StartLayer(int /*layer*/, Diagnostics& diagnostics) const {
  return std::make_unique<JavaVisitor>(diagnostics, limits_);
}

std::vector<Package> JavaCataloger::Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const {
  return PackagesFromRecords(tree, extractor_.name(), os, kSource, diagnostics);
}

}  // namespace customs::catalog::lang
