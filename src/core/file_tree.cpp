#include "core/file_tree.h"

#include <vector>

namespace customs {

std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part.empty() || part == ".") {
      // skip
    } else if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (auto part : parts) {
    out.push_back('/');
    out.append(part);
  }
  return out;
}

void FileTree::Put(std::string path, FileNode node) {
  entries_.insert_or_assign(std::move(path), std::move(node));
}

static bool IsUnder(std::string_view candidate, std::string_view dir) {
  return candidate.size() > dir.size() && candidate.substr(0, dir.size()) == dir && candidate[dir.size()] == '/';
}

std::size_t FileTree::Remove(std::string_view path) {
  std::size_t removed = 0;
  if (auto it = entries_.find(path); it != entries_.end()) {
    entries_.erase(it);
    ++removed;
  }
  std::string prefix = std::string(path) + "/";
  auto it = entries_.lower_bound(prefix);
  while (it != entries_.end() && IsUnder(it->first, path)) {
    it = entries_.erase(it);
    ++removed;
  }
  return removed;
}

std::size_t FileTree::RemoveChildrenOlderThan(std::string_view dir, int layer) {
  std::size_t removed = 0;
  std::string prefix = std::string(dir) + "/";
  auto it = entries_.lower_bound(prefix);
  while (it != entries_.end() && IsUnder(it->first, dir)) {
    if (it->second.layer < layer) {
      it = entries_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

bool FileTree::SurvivesFrom(std::string_view path, int layer) const {
  const FileNode* node = Find(path);
  return node != nullptr && node->layer == layer &&
         (node->type == FileType::kRegular || node->type == FileType::kHardLink);
}

void FileTree::AddRemoval(int layer, std::string path, bool opaque) {
  removals_.push_back({layer, std::move(path), opaque});
}

int FileTree::RemovedIn(std::string_view path, int layer) const {
  for (const Removal& removal : removals_) {
    if (removal.layer <= layer) continue;
    bool covered = removal.opaque ? IsUnder(path, removal.path) : (path == removal.path || IsUnder(path, removal.path));
    if (covered) return removal.layer;
  }
  if (const FileNode* node = Find(path); node != nullptr && node->layer > layer) return node->layer;
  return -1;
}

void FileTree::SetRecord(int layer, std::string extractor, std::string record) {
  if (layer < 0) return;
  if (records_.size() <= static_cast<std::size_t>(layer)) records_.resize(static_cast<std::size_t>(layer) + 1);
  records_[static_cast<std::size_t>(layer)].insert_or_assign(std::move(extractor), std::move(record));
}

const std::string* FileTree::Record(int layer, std::string_view extractor) const {
  if (layer < 0 || static_cast<std::size_t>(layer) >= records_.size()) return nullptr;
  const auto& by_name = records_[static_cast<std::size_t>(layer)];
  auto it = by_name.find(extractor);
  return it == by_name.end() ? nullptr : &it->second;
}

const FileNode* FileTree::Find(std::string_view path) const {
  auto it = entries_.find(path);
  return it == entries_.end() ? nullptr : &it->second;
}

FileNode* FileTree::FindMutable(std::string_view path) {
  auto it = entries_.find(path);
  return it == entries_.end() ? nullptr : &it->second;
}

Result<std::string> FileTree::Resolve(std::string_view path) const {
  // Walk component by component; when a component is a symlink, splice its target in front of the remainder.
  std::string remaining = NormalizePath(path);
  std::string resolved;  // always a normalised prefix without symlinks
  int hops = 0;
  std::size_t pos = 0;
  while (pos < remaining.size()) {
    std::size_t next = remaining.find('/', pos + 1);
    if (next == std::string::npos) next = remaining.size();
    std::string candidate = resolved + remaining.substr(pos, next - pos);
    const FileNode* node = Find(candidate);
    if (node != nullptr && node->type == FileType::kSymlink) {
      if (++hops > 40) return MakeError(ErrorCode::kCorrupt, "{}: too many levels of symbolic links", path);
      std::string target = node->link_target;
      std::string base = target.starts_with('/') ? std::string() : resolved;
      remaining = NormalizePath(base + "/" + target + remaining.substr(next));
      resolved.clear();
      pos = 0;
      continue;
    }
    resolved = std::move(candidate);
    pos = next;
  }
  return resolved;
}

Result<std::shared_ptr<const std::string>> FileTree::ReadContent(std::string_view path) const {
  CUSTOMS_ASSIGN_OR_RETURN(std::string resolved, Resolve(path));
  const FileNode* node = Find(resolved);
  for (int hops = 0; node != nullptr && node->type == FileType::kHardLink && hops < 40; ++hops) {
    node = Find(NormalizePath(node->link_target));
  }
  if (node == nullptr) return MakeError(ErrorCode::kNotFound, "{}: no such file in the image", path);
  if (node->type != FileType::kRegular) return MakeError(ErrorCode::kNotFound, "{}: not a regular file", path);
  if (!node->content) return MakeError(ErrorCode::kNotFound, "{}: content was not captured", path);
  return node->content;
}

std::vector<std::string> FileTree::ListPrefix(std::string_view prefix) const {
  std::vector<std::string> out;
  for (auto it = entries_.lower_bound(prefix); it != entries_.end() && it->first.starts_with(prefix); ++it) {
    out.push_back(it->first);
  }
  return out;
}

}  // namespace customs
