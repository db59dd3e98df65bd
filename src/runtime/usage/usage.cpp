#include "runtime/usage/usage.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/file_util.h"

namespace customs::runtime {
namespace {

constexpr std::string_view kHeader = "# customs usage v1: image-key, image-name, path, how, count, last-seen\n";
constexpr std::size_t kMaxUsageFile = std::size_t{1} << 30;

bool Clean(std::string_view s) {
  return s.find_first_of("\t\n\r") == std::string_view::npos;
}

bool IgnoredPath(std::string_view path) {
  return path.empty() || path[0] != '/' || path.starts_with("/proc/") || path.starts_with("/sys/") ||
         path.starts_with("/dev/") || path == "/proc" || path == "/sys" || path == "/dev";
}

std::string_view HowName(uint8_t how) {
  switch (how) {
    case kUsageExec: return "exec";
    case kUsageOpen: return "open";
    default: return "exec,open";
  }
}

bool ParseUint(std::string_view s, uint64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string UsageImageKey(const ContainerMetadata& metadata) {
  std::string_view digest = metadata.ImageDigest();
  if (!digest.empty()) {
    return std::string(digest);
  }
  if (!metadata.image_id.empty()) {
    return metadata.image_id;
  }
  return metadata.image;
}

bool UsageRecorder::Observe(const Event& event) {
  const std::string* path = nullptr;
  uint8_t how = 0;
  switch (event.type) {
    case EventType::kExecve:
    case EventType::kExecveat:
      path = &event.exepath;
      how = kUsageExec;
      break;
    case EventType::kOpen:
    case EventType::kOpenat:
    case EventType::kOpenat2:
      if ((event.flags & O_ACCMODE) == O_WRONLY || event.fd_kind == FdKind::kDirectory) {
        return false;
      }
      path = &event.path;
      how = kUsageOpen;
      break;
    default: return false;
  }
  if (event.res < 0 || event.container_id.empty() || event.container == nullptr || IgnoredPath(*path)) {
    return false;
  }
  const ContainerMetadata& metadata = *event.container;
  std::string_view digest = metadata.ImageDigest();
  std::string_view image_key = !digest.empty()              ? digest
                               : !metadata.image_id.empty() ? std::string_view(metadata.image_id)
                                                            : std::string_view(metadata.image);
  if (image_key.empty() || !Clean(image_key) || !Clean(*path) || !Clean(metadata.image)) {
    return false;
  }
  key_.assign(image_key);
  key_.push_back('\t');
  key_.append(*path);
  uint64_t now = event.time_ns / 1'000'000'000;
  auto it = entries_.find(key_);
  if (it == entries_.end()) {
    if (entries_.size() >= max_entries_) {
      ++dropped_;
      return false;
    }
    UsageEntry entry{std::string(image_key), metadata.image, *path, how, 0, now};
    it = entries_.emplace(key_, std::move(entry)).first;
  }
  it->second.how |= how;
  ++it->second.count;
  it->second.last_seen = std::max(it->second.last_seen, now);
  return true;
}

void UsageRecorder::Add(const UsageEntry& entry) {
  key_.assign(entry.image_key);
  key_.push_back('\t');
  key_.append(entry.path);
  auto it = entries_.find(key_);
  if (it == entries_.end()) {
    if (entries_.size() >= max_entries_) {
      ++dropped_;
      return;
    }
    entries_.emplace(key_, entry);
    return;
  }
  it->second.how |= entry.how;
  it->second.count += entry.count;
  it->second.last_seen = std::max(it->second.last_seen, entry.last_seen);
  if (it->second.image_name.empty()) {
    it->second.image_name = entry.image_name;
  }
}

Status UsageRecorder::Load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Ok();
  }
  auto text = ReadFile(path, kMaxUsageFile);
  if (!text) {
    return tl::unexpected(text.error());
  }
  auto entries = ParseUsage(*text);
  if (!entries) {
    return tl::unexpected(entries.error().WithContext(path.string()));
  }
  for (const auto& entry : *entries) {
    Add(entry);
  }
  return Ok();
}

std::string UsageRecorder::Serialize() const {
  std::vector<const UsageEntry*> sorted;
  sorted.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) {
    sorted.push_back(&entry);
  }
  std::sort(sorted.begin(), sorted.end(), [](const UsageEntry* a, const UsageEntry* b) {
    return std::tie(a->image_key, a->path) < std::tie(b->image_key, b->path);
  });
  std::string out(kHeader);
  for (const UsageEntry* e : sorted) {
    out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\n", e->image_key, e->image_name, e->path, HowName(e->how), e->count,
                       e->last_seen);
  }
  return out;
}

Status UsageRecorder::Save(const std::filesystem::path& path) const {
  return WriteFileAtomic(path, Serialize());
}

Result<std::vector<UsageEntry>> ParseUsage(std::string_view text) {
  std::vector<UsageEntry> out;
  int line_number = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_number;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (fields.size() < 7) {
      std::size_t tab = line.find('\t', start);
      fields.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
      if (tab == std::string_view::npos) {
        break;
      }
      start = tab + 1;
    }
    UsageEntry entry;
    if (fields.size() != 6) {
      return MakeError(ErrorCode::kCorrupt, "usage line {}: {} fields, expected 6", line_number, fields.size());
    }
    entry.image_key = fields[0];
    entry.image_name = fields[1];
    entry.path = fields[2];
    if (fields[3] == "exec") {
      entry.how = kUsageExec;
    } else if (fields[3] == "open") {
      entry.how = kUsageOpen;
    } else if (fields[3] == "exec,open") {
      entry.how = kUsageExec | kUsageOpen;
    } else {
      return MakeError(ErrorCode::kCorrupt, "usage line {}: unknown kind \"{}\"", line_number, fields[3]);
    }
    if (entry.image_key.empty() || entry.path.empty() || entry.path[0] != '/') {
      return MakeError(ErrorCode::kCorrupt, "usage line {}: empty image key or a path that is not absolute",
                       line_number);
    }
    if (!ParseUint(fields[4], &entry.count) || !ParseUint(fields[5], &entry.last_seen)) {
      return MakeError(ErrorCode::kCorrupt, "usage line {}: count and last-seen must be numbers", line_number);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace customs::runtime
