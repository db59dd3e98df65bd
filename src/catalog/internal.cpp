#include "catalog/internal.h"

#include <fmt/format.h>

#include <algorithm>

#include "catalog/cataloger.h"

namespace customs::catalog::internal {

std::string_view TrimWhitespace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  std::size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) {
    return {};
  }
  std::size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

LayerInfo LayerByIndex(const FileTree& tree, int index) {
  for (const LayerInfo& layer : tree.layers()) {
    if (layer.index == index) {
      return layer;
    }
  }
  LayerInfo unknown;
  unknown.index = -1;
  return unknown;
}

std::uint64_t KeySet::Hash(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

void KeySet::Seal() {
  std::sort(hashes_.begin(), hashes_.end());
  hashes_.erase(std::unique(hashes_.begin(), hashes_.end()), hashes_.end());
  hashes_.shrink_to_fit();
}

bool KeySet::Contains(std::uint64_t hash) const {
  return std::binary_search(hashes_.begin(), hashes_.end(), hash);
}

std::string PackageKey(std::string_view name, std::string_view arch, std::string_view version) {
  return fmt::format("{}\t{}\t{}", name, arch, version);
}

std::string PackageKey(const Package& package) {
  return PackageKey(package.name, package.arch, package.version);
}

std::vector<int> AttributeLayers(const FileNode& node, const std::vector<std::uint64_t>& keys,
                                 const RevisionKeys& keys_of_revision, std::string_view source, std::string_view path,
                                 Diagnostics& diagnostics) {
  std::vector<int> layers(keys.size(), node.layer);
  const auto& history = node.history;
  if (history.empty() || keys.empty()) {
    return layers;
  }
  const FileRevision& last = history.back();
  if (last.deleted || !last.content) {
    diagnostics.Info(std::string(source), std::string(path),
                     "the file's history ends with a deletion; attributing packages to the last writer");
    return layers;
  }
  // `alive` holds the indices of keys present in every revision from the current one to the last.
  std::vector<std::size_t> alive;
  if (last.content == node.content || (node.content && *last.content == *node.content)) {
    // The keys were read from this very content: all of them are in it.
    alive.resize(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      layers[i] = last.layer;
      alive[i] = i;
    }
  } else {
    auto final_keys = keys_of_revision(*last.content);
    if (!final_keys) {
      diagnostics.Info(std::string(source), std::string(path),
                       "cannot read the last revision for layer attribution: " + final_keys.error().message());
      return layers;
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (final_keys->Contains(keys[i])) {
        layers[i] = last.layer;
        alive.push_back(i);
      }
    }
  }
  for (std::size_t r = history.size() - 1; r-- > 0 && !alive.empty();) {
    const FileRevision& revision = history[r];
    if (revision.deleted || !revision.content) {
      break;
    }
    auto revision_keys = keys_of_revision(*revision.content);
    if (!revision_keys) {
      diagnostics.Info(std::string(source), std::string(path),
                       fmt::format("cannot read the layer {} revision for layer attribution: {}", revision.layer,
                                   revision_keys.error().message()));
      break;
    }
    std::vector<std::size_t> still_alive;
    for (std::size_t i : alive) {
      if (revision_keys->Contains(keys[i])) {
        layers[i] = revision.layer;
        still_alive.push_back(i);
      }
    }
    alive = std::move(still_alive);
  }
  return layers;
}

const FileNode* FindCapturedFile(const FileTree& tree, std::string_view path, std::string* resolved) {
  auto resolved_path = tree.Resolve(path);
  if (!resolved_path) {
    return nullptr;
  }
  const FileNode* node = tree.Find(*resolved_path);
  for (int hops = 0; node != nullptr && node->type == FileType::kHardLink && hops < 40; ++hops) {
    *resolved_path = NormalizePath(node->link_target);
    node = tree.Find(*resolved_path);
  }
  if (node == nullptr || node->type != FileType::kRegular || !node->content) {
    return nullptr;
  }
  if (resolved != nullptr) {
    *resolved = std::move(*resolved_path);
  }
  return node;
}

std::string WhyNotReadable(const FileTree& tree, std::string_view path, const FileNode& node) {
  switch (node.type) {
    case FileType::kDirectory: return "a directory, not a file";
    case FileType::kSymlink:
    case FileType::kHardLink: {
      auto resolved = tree.Resolve(path);
      if (!resolved) {
        return resolved.error().message();
      }
      std::string target = node.type == FileType::kHardLink ? NormalizePath(node.link_target) : *resolved;
      const FileNode* final_node = tree.Find(target);
      for (int hops = 0; final_node != nullptr && final_node->type == FileType::kHardLink && hops < 40; ++hops) {
        target = NormalizePath(final_node->link_target);
        final_node = tree.Find(target);
      }
      if (final_node == nullptr) {
        return fmt::format("a link to {}, which the image does not have", target);
      }
      if (final_node->type != FileType::kRegular) {
        return fmt::format("a link to {}, which is not a regular file", target);
      }
      return fmt::format("a link to {}, whose content was not read ({} bytes)", target, final_node->size);
    }
    case FileType::kRegular: return fmt::format("its content was not read: {} bytes", node.size);
    default: return "not a regular file";
  }
}

void Finish(std::vector<Package>& packages, const OsInfo& os) {
  std::sort(packages.begin(), packages.end(), [](const Package& a, const Package& b) {
    return std::tie(a.name, a.arch, a.version, a.db_path) < std::tie(b.name, b.arch, b.version, b.db_path);
  });
  for (Package& package : packages) {
    package.purl = MakePurl(package, os);
  }
}

}  // namespace customs::catalog::internal
