// rpm header blobs. Format: rpm's lib/header.c and the "Package File Format" of the rpm documentation (header
// structure): int32 il, int32 dl, il x {int32 tag, int32 type, int32 offset, int32 count}, dl bytes of data, all
// big-endian. The region tags (61-63) only describe signatures and immutability and are ignored here.
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_map>

#include "catalog/rpm/rpmdb.h"

namespace customs::catalog::rpm {
namespace {

// rpm's own limits (lib/header.c: HEADER_TAGS_MAX, HEADER_DATA_MAX).
constexpr std::uint32_t kMaxTags = 0xffff;
constexpr std::uint32_t kMaxData = 0x0fffffff;

enum TagType : std::uint32_t {
  kNull = 0,
  kChar = 1,
  kInt8 = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kString = 6,
  kBin = 7,
  kStringArray = 8,
  kI18nString = 9,
};

enum Tag : std::uint32_t {
  kTagName = 1000,
  kTagVersion = 1001,
  kTagRelease = 1002,
  kTagEpoch = 1003,
  kTagSize = 1009,
  kTagVendor = 1011,
  kTagLicense = 1014,
  kTagArch = 1022,
  kTagOldFilenames = 1027,
  kTagSourceRpm = 1044,
  kTagDirIndexes = 1116,
  kTagBasenames = 1117,
  kTagDirnames = 1118,
  kTagLongSize = 5009,
  kTagModularityLabel = 5096,
};

std::uint32_t ReadBe32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) | std::uint32_t{u[3]};
}

struct Entry {
  std::uint32_t type = 0;
  std::uint32_t offset = 0;
  std::uint32_t count = 0;
};

class Header {
 public:
  Header(std::string_view data, std::unordered_map<std::uint32_t, Entry> entries)
      : data_(data), entries_(std::move(entries)) {}

  bool Has(std::uint32_t tag) const { return entries_.count(tag) != 0; }

  // The strings of a STRING, I18NSTRING or STRING_ARRAY entry (a STRING gives one).
  Result<std::vector<std::string_view>> Strings(std::uint32_t tag) const {
    std::vector<std::string_view> out;
    auto it = entries_.find(tag);
    if (it == entries_.end()) {
      return out;
    }
    const Entry& entry = it->second;
    if (entry.type != kString && entry.type != kStringArray && entry.type != kI18nString) {
      return MakeError(ErrorCode::kCorrupt, "tag {} has type {}, not a string", tag, entry.type);
    }
    std::uint32_t count = entry.type == kString ? 1 : entry.count;
    if (count > data_.size()) {
      return MakeError(ErrorCode::kCorrupt, "tag {}: {} strings in {} bytes", tag, count, data_.size());
    }
    std::size_t offset = entry.offset;
    out.reserve(std::min<std::size_t>(count, 4096));
    for (std::uint32_t i = 0; i < count; ++i) {
      if (offset >= data_.size()) {
        return MakeError(ErrorCode::kCorrupt, "tag {}: string {} starts past the data", tag, i);
      }
      std::size_t end = data_.find('\0', offset);
      if (end == std::string_view::npos) {
        return MakeError(ErrorCode::kCorrupt, "tag {}: string {} is not terminated", tag, i);
      }
      out.push_back(data_.substr(offset, end - offset));
      offset = end + 1;
    }
    return out;
  }

  Result<std::string> String(std::uint32_t tag) const {
    CUSTOMS_ASSIGN_OR_RETURN(auto strings, Strings(tag));
    if (strings.empty()) {
      return std::string();
    }
    return std::string(strings.front());
  }

  // The values of an INT32 (or INT64, INT16, INT8/CHAR) entry, widened.
  Result<std::vector<std::uint64_t>> Integers(std::uint32_t tag) const {
    std::vector<std::uint64_t> out;
    auto it = entries_.find(tag);
    if (it == entries_.end()) {
      return out;
    }
    const Entry& entry = it->second;
    std::size_t width = 0;
    switch (entry.type) {
      case kChar:
      case kInt8: width = 1; break;
      case kInt16: width = 2; break;
      case kInt32: width = 4; break;
      case kInt64: width = 8; break;
      default: return MakeError(ErrorCode::kCorrupt, "tag {} has type {}, not an integer", tag, entry.type);
    }
    if (entry.offset > data_.size() || entry.count > (data_.size() - entry.offset) / width) {
      return MakeError(ErrorCode::kCorrupt, "tag {}: {} integers at offset {} run past the data", tag, entry.count,
                       entry.offset);
    }
    out.reserve(std::min<std::size_t>(entry.count, 4096));
    const char* p = data_.data() + entry.offset;
    for (std::uint32_t i = 0; i < entry.count; ++i, p += width) {
      const auto* u = reinterpret_cast<const unsigned char*>(p);
      std::uint64_t value = 0;
      for (std::size_t b = 0; b < width; ++b) {
        value = (value << 8) | u[b];
      }
      out.push_back(value);
    }
    return out;
  }

 private:
  std::string_view data_;
  std::unordered_map<std::uint32_t, Entry> entries_;
};

}  // namespace

Result<HeaderInfo> ParseHeaderBlob(std::string_view blob) {
  if (blob.size() < 8) {
    return MakeError(ErrorCode::kCorrupt, "header blob of {} bytes is too short", blob.size());
  }
  const std::uint32_t il = ReadBe32(blob.data());
  const std::uint32_t dl = ReadBe32(blob.data() + 4);
  if (il == 0 || il > kMaxTags) {
    return MakeError(ErrorCode::kCorrupt, "header has {} index entries", il);
  }
  if (dl > kMaxData) {
    return MakeError(ErrorCode::kCorrupt, "header has {} data bytes", dl);
  }
  const std::uint64_t index_end = 8 + std::uint64_t{il} * 16;
  if (index_end + dl > blob.size()) {
    return MakeError(ErrorCode::kCorrupt, "header needs {} bytes but the blob has {}", index_end + dl, blob.size());
  }
  std::string_view data = blob.substr(index_end, dl);
  std::unordered_map<std::uint32_t, Entry> entries;
  for (std::uint32_t i = 0; i < il; ++i) {
    const char* p = blob.data() + 8 + std::size_t{i} * 16;
    std::uint32_t tag = ReadBe32(p);
    Entry entry{ReadBe32(p + 4), ReadBe32(p + 8), ReadBe32(p + 12)};
    if (tag >= 61 && tag <= 63) {
      continue;  // region tags
    }
    if (entry.offset >= dl && entry.count != 0) {
      return MakeError(ErrorCode::kCorrupt, "tag {} points at offset {} past {} data bytes", tag, entry.offset, dl);
    }
    entries[tag] = entry;  // a later duplicate (a "dribble" entry) replaces the region's one, as in rpm
  }
  Header header(data, std::move(entries));
  HeaderInfo info;
  CUSTOMS_ASSIGN_OR_RETURN(info.name, header.String(kTagName));
  if (info.name.empty()) {
    return MakeError(ErrorCode::kCorrupt, "header has no NAME");
  }
  CUSTOMS_ASSIGN_OR_RETURN(info.version, header.String(kTagVersion));
  CUSTOMS_ASSIGN_OR_RETURN(info.release, header.String(kTagRelease));
  CUSTOMS_ASSIGN_OR_RETURN(info.arch, header.String(kTagArch));
  CUSTOMS_ASSIGN_OR_RETURN(info.source_rpm, header.String(kTagSourceRpm));
  CUSTOMS_ASSIGN_OR_RETURN(info.modularity_label, header.String(kTagModularityLabel));
  CUSTOMS_ASSIGN_OR_RETURN(info.license, header.String(kTagLicense));
  CUSTOMS_ASSIGN_OR_RETURN(info.vendor, header.String(kTagVendor));
  CUSTOMS_ASSIGN_OR_RETURN(auto epoch, header.Integers(kTagEpoch));
  if (!epoch.empty()) {
    info.has_epoch = true;
    info.epoch = static_cast<std::uint32_t>(epoch.front());
  }
  CUSTOMS_ASSIGN_OR_RETURN(auto long_size, header.Integers(kTagLongSize));
  CUSTOMS_ASSIGN_OR_RETURN(auto size, header.Integers(kTagSize));
  if (!long_size.empty()) {
    info.size = long_size.front();
  } else if (!size.empty()) {
    info.size = size.front();
  }
  CUSTOMS_ASSIGN_OR_RETURN(auto basenames, header.Strings(kTagBasenames));
  if (!basenames.empty()) {
    CUSTOMS_ASSIGN_OR_RETURN(auto dirnames, header.Strings(kTagDirnames));
    CUSTOMS_ASSIGN_OR_RETURN(auto dirindexes, header.Integers(kTagDirIndexes));
    if (dirindexes.size() != basenames.size()) {
      return MakeError(ErrorCode::kCorrupt, "{} BASENAMES but {} DIRINDEXES", basenames.size(), dirindexes.size());
    }
    info.files.reserve(basenames.size());
    for (std::size_t i = 0; i < basenames.size(); ++i) {
      if (dirindexes[i] >= dirnames.size()) {
        return MakeError(ErrorCode::kCorrupt, "DIRINDEXES[{}] = {} but there are {} DIRNAMES", i, dirindexes[i],
                         dirnames.size());
      }
      std::string path(dirnames[dirindexes[i]]);
      path.append(basenames[i]);
      info.files.push_back(std::move(path));
    }
  } else {
    CUSTOMS_ASSIGN_OR_RETURN(auto old_filenames, header.Strings(kTagOldFilenames));
    for (std::string_view file : old_filenames) {
      info.files.emplace_back(file);
    }
  }
  return info;
}

bool SplitSourceRpm(std::string_view source_rpm, std::string* name, std::string* version, std::string* release) {
  std::string_view rest = source_rpm;
  if (rest.ends_with(".src.rpm")) {
    rest.remove_suffix(8);
  } else if (rest.ends_with(".nosrc.rpm")) {
    rest.remove_suffix(10);
  } else {
    return false;
  }
  std::size_t release_dash = rest.rfind('-');
  if (release_dash == std::string_view::npos || release_dash == 0) {
    return false;
  }
  std::size_t version_dash = rest.rfind('-', release_dash - 1);
  if (version_dash == std::string_view::npos || version_dash == 0) {
    return false;
  }
  *name = std::string(rest.substr(0, version_dash));
  *version = std::string(rest.substr(version_dash + 1, release_dash - version_dash - 1));
  *release = std::string(rest.substr(release_dash + 1));
  return !version->empty() && !release->empty();
}

}  // namespace customs::catalog::rpm
