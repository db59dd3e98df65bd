#include "catalog/lang/record.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "catalog/cataloger.h"
#include "catalog/internal.h"

namespace customs::catalog::lang {
namespace {

constexpr std::string_view kMagic = "CLR1";

void PutVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void PutString(std::string& out, std::string_view text) {
  PutVarint(out, text.size());
  out.append(text);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool Varint(std::uint64_t* value) {
    *value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) {
        return false;
      }
      const auto byte = static_cast<unsigned char>(data_[pos_++]);
      *value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        return true;
      }
    }
    return false;
  }
  bool String(std::string* out) {
    std::uint64_t size = 0;
    if (!Varint(&size) || size > data_.size() - pos_) {
      return false;
    }
    out->assign(data_.substr(pos_, size));
    pos_ += size;
    return true;
  }
  bool Byte(unsigned char* out) {
    if (pos_ >= data_.size()) {
      return false;
    }
    *out = static_cast<unsigned char>(data_[pos_++]);
    return true;
  }
  bool done() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string EncodeRecord(const std::vector<FileFindings>& files) {
  std::string out(kMagic);
  for (const FileFindings& file : files) {
    PutString(out, file.path);
    PutVarint(out, file.packages.size());
    for (const Package& p : file.packages) {
      PutString(out, PackageTypeName(p.type));
      PutString(out, p.name);
      PutString(out, p.version);
      PutString(out, p.location);
      PutString(out, p.evidence);
      PutString(out, p.unmatchable_reason);
      const auto flags = static_cast<unsigned>(p.confidence) | (p.group_unknown ? 4u : 0u) | (p.unmatchable ? 8u : 0u);
      out.push_back(static_cast<char>(flags));
    }
  }
  return out;
}

Result<std::vector<FileFindings>> DecodeRecord(std::string_view record) {
  if (!record.starts_with(kMagic)) {
    return MakeError(ErrorCode::kCorrupt, "not a language record (bad magic)");
  }
  Reader reader(record.substr(kMagic.size()));
  std::vector<FileFindings> files;
  while (!reader.done()) {
    FileFindings file;
    std::uint64_t count = 0;
    if (!reader.String(&file.path) || !reader.Varint(&count) || count > record.size()) {
      return MakeError(ErrorCode::kCorrupt, "truncated language record");
    }
    for (std::uint64_t i = 0; i < count; ++i) {
      Package p;
      std::string type;
      unsigned char flags = 0;
      if (!reader.String(&type) || !reader.String(&p.name) || !reader.String(&p.version) ||
          !reader.String(&p.location) || !reader.String(&p.evidence) || !reader.String(&p.unmatchable_reason) ||
          !reader.Byte(&flags)) {
        return MakeError(ErrorCode::kCorrupt, "truncated language record");
      }
      auto parsed = ParsePackageTypeName(type);
      if (!parsed || IsOsPackage(*parsed) || (flags & 3u) > 2u) {
        return MakeError(ErrorCode::kCorrupt, "bad package in language record");
      }
      p.type = *parsed;
      p.confidence = static_cast<Confidence>(flags & 3u);
      p.group_unknown = (flags & 4u) != 0;
      p.unmatchable = (flags & 8u) != 0;
      file.packages.push_back(std::move(p));
    }
    files.push_back(std::move(file));
  }
  return files;
}

std::vector<Package> PackagesFromRecords(const FileTree& tree, std::string_view extractor, const OsInfo& os,
                                         std::string_view source, Diagnostics& diagnostics) {
  std::vector<Package> packages;
  // A root filesystem is one layer 0; an image has tree.layers().
  const int layer_count = std::max<int>(1, static_cast<int>(tree.layers().size()));
  for (int layer = 0; layer < layer_count; ++layer) {
    const std::string* record = tree.Record(layer, extractor);
    if (record == nullptr || record->empty()) {
      continue;
    }
    auto files = DecodeRecord(*record);
    if (!files) {
      diagnostics.Incomplete(std::string(source), fmt::format("layer {}", layer),
                             "unreadable " + std::string(extractor) + " record: " + files.error().message());
      continue;
    }
    for (FileFindings& file : *files) {
      if (!tree.SurvivesFrom(file.path, layer)) {
        continue;
      }
      for (Package& p : file.packages) {
        p.layer = internal::LayerByIndex(tree, layer);
        p.files = {file.path};
        packages.push_back(std::move(p));
      }
    }
  }
  std::sort(packages.begin(), packages.end(), [](const Package& a, const Package& b) {
    return std::tie(a.name, a.version, a.location) < std::tie(b.name, b.version, b.location);
  });
  for (Package& package : packages) {
    package.purl = MakePurl(package, os);
  }
  return packages;
}

bool IsPlausibleVersion(std::string_view text) {
  if (text.empty() || text.size() > 128 || text[0] < '0' || text[0] > '9') {
    return false;
  }
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : '.';
    if (c == '.' || c == '-' || c == '+' || c == '_' || c == '~') {
      std::string_view part = text.substr(start, i - start);
      if (part == "x" || part == "X" || part == "*") {
        return false;
      }
      start = i + 1;
      continue;
    }
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace customs::catalog::lang
