#include "catalog/lang/common.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "catalog/internal.h"

namespace customs::catalog::lang {
namespace {

constexpr char kRecordFormat = '\x01';

void PutVarint(std::string& out, std::size_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

bool GetVarint(std::string_view data, std::size_t& position, std::size_t& value) {
  value = 0;
  for (int shift = 0; shift < 63; shift += 7) {
    if (position >= data.size()) {
      return false;
    }
    const auto byte = static_cast<unsigned char>(data[position++]);
    value |= static_cast<std::size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

RecordWriter::RecordWriter() {
  out_.push_back(kRecordFormat);
}

void RecordWriter::Add(const std::vector<std::string_view>& fields) {
  PutVarint(out_, fields.size());
  for (std::string_view field : fields) {
    PutVarint(out_, field.size());
    out_.append(field);
  }
  ++entries_;
}

std::string RecordWriter::Take() {
  if (entries_ == 0) {
    return {};
  }
  std::string out = std::exchange(out_, std::string(1, kRecordFormat));
  entries_ = 0;
  return out;
}

bool ReadRecord(std::string_view record, std::size_t fields,
                const std::function<void(const std::vector<std::string_view>&)>& on_entry) {
  if (record.empty()) {
    return true;
  }
  if (record[0] != kRecordFormat) {
    return false;
  }
  std::size_t position = 1;
  std::vector<std::string_view> entry;
  while (position < record.size()) {
    std::size_t count = 0;
    if (!GetVarint(record, position, count) || count > record.size() - position) {
      return false;
    }
    entry.clear();
    for (std::size_t i = 0; i < count; ++i) {
      std::size_t length = 0;
      if (!GetVarint(record, position, length) || length > record.size() - position) {
        return false;
      }
      entry.push_back(record.substr(position, length));
      position += length;
    }
    if (entry.size() == fields) {
      on_entry(entry);
    }
  }
  return true;
}

void ForEachRecordEntry(const FileTree& tree, std::string_view extractor, std::size_t fields, std::string_view source,
                        Diagnostics& diagnostics,
                        const std::function<void(const LayerInfo&, const std::vector<std::string_view>&)>& on_entry) {
  for (const LayerInfo& layer : tree.layers()) {
    const std::string* record = tree.Record(layer.index, extractor);
    if (record == nullptr) {
      continue;
    }
    const bool ok =
        ReadRecord(*record, fields, [&](const std::vector<std::string_view>& entry) { on_entry(layer, entry); });
    if (!ok) {
      diagnostics.Incomplete(
          std::string(source), layer.digest.empty() ? fmt::format("layer {}", layer.index + 1) : layer.digest,
          fmt::format("the layer's {} record is corrupt; packages after the damage are missing", extractor));
    }
  }
}

bool IsDirectoryScan(const FileTree& tree) {
  const auto& layers = tree.layers();
  return layers.size() == 1 && layers[0].digest.empty() && layers[0].diff_id.empty();
}

bool HasDirectoryComponent(std::string_view path, std::string_view name) {
  std::string_view directory = DirName(path);
  std::size_t start = 0;
  while (start < directory.size()) {
    std::size_t end = directory.find('/', start);
    if (end == std::string_view::npos) {
      end = directory.size();
    }
    if (directory.substr(start, end - start) == name) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

std::string_view BaseName(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view DirName(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

bool SanitizeUtf8(std::string_view text, std::string* out) {
  out->clear();
  out->reserve(text.size());
  bool replaced = false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      out->push_back(static_cast<char>(lead));
      ++i;
      continue;
    }
    // Unicode 15 Table 3-7 "Well-Formed UTF-8 Byte Sequences".
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) {
        low = 0xa0;
      }
      if (lead == 0xed) {
        high = 0x9f;
      }
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) {
        low = 0x90;
      }
      if (lead == 0xf4) {
        high = 0x8f;
      }
    }
    std::size_t valid = length == 0 ? 0 : 1;
    if (length > 0) {
      for (std::size_t k = 1; k < length && i + k < size; ++k) {
        const unsigned char c = bytes[i + k];
        const unsigned char lo = k == 1 ? low : 0x80;
        const unsigned char hi = k == 1 ? high : 0xbf;
        if (c < lo || c > hi) {
          break;
        }
        ++valid;
      }
    }
    if (length > 0 && valid == length) {
      out->append(text.substr(i, length));
      i += length;
    } else {
      out->append("\xef\xbf\xbd");
      replaced = true;
      i += std::max<std::size_t>(valid, 1);
    }
  }
  return replaced;
}

Package MakeLanguagePackage(PackageType type, std::string name, std::string version, std::string location,
                            std::string evidence) {
  Package package;
  package.type = type;
  package.name = std::move(name);
  package.version = std::move(version);
  package.source_name = package.name;
  package.source_version = package.version;
  package.location = std::move(location);
  package.evidence = std::move(evidence);
  package.layer.index = -1;
  return package;
}

void DeduplicateLocked(std::vector<LockedPackage>& packages) {
  std::stable_sort(packages.begin(), packages.end(), [](const LockedPackage& a, const LockedPackage& b) {
    return std::tie(a.name, a.version) < std::tie(b.name, b.version);
  });
  packages.erase(std::unique(packages.begin(), packages.end(),
                             [](const LockedPackage& a, const LockedPackage& b) {
                               return a.name == b.name && a.version == b.version;
                             }),
                 packages.end());
}

std::vector<std::pair<std::string, const FileNode*>> CapturedFilesNamed(
    const FileTree& tree, const std::function<bool(std::string_view path)>& wanted) {
  std::vector<std::pair<std::string, const FileNode*>> out;
  for (const auto& [path, node] : tree.entries()) {
    if (node.type != FileType::kRegular || !node.content || !wanted(path)) {
      continue;
    }
    out.emplace_back(path, &node);
  }
  return out;
}

void AppendLocked(std::vector<LockedPackage> locked, PackageType type, const std::string& path, const FileNode& node,
                  const FileTree& tree, std::string_view evidence, std::vector<Package>& out) {
  DeduplicateLocked(locked);
  for (LockedPackage& entry : locked) {
    Package package =
        MakeLanguagePackage(type, std::move(entry.name), std::move(entry.version), path, std::string(evidence));
    package.db_path = path;
    package.layer = internal::LayerByIndex(tree, node.layer);
    if (!entry.unmatchable_reason.empty()) {
      MarkUnmatchable(package, std::move(entry.unmatchable_reason));
    }
    out.push_back(std::move(package));
  }
}

void MarkUnmatchable(Package& package, std::string reason) {
  if (package.unmatchable) {
    return;
  }
  package.unmatchable = true;
  package.unmatchable_reason = std::move(reason);
}

void SortPackages(std::vector<Package>& packages) {
  std::sort(packages.begin(), packages.end(), [](const Package& a, const Package& b) {
    return std::tie(a.name, a.version, a.location) < std::tie(b.name, b.version, b.location);
  });
}

bool LineReader::Next(std::string_view* line) {
  if (position_ >= text_.size()) {
    return false;
  }
  std::size_t end = text_.find('\n', position_);
  std::size_t next = end == std::string_view::npos ? text_.size() : end + 1;
  if (end == std::string_view::npos) {
    end = text_.size();
  }
  std::string_view out = text_.substr(position_, end - position_);
  if (!out.empty() && out.back() == '\r') {
    out.remove_suffix(1);
  }
  *line = out;
  position_ = next;
  ++line_number_;
  return true;
}

std::size_t Indent(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && line[n] == ' ') {
    ++n;
  }
  return n;
}

}  // namespace customs::catalog::lang
