// What one layer changes (its entries, whiteouts and opaque directories, with the content of the wanted files), and a
// disk cache of it keyed by the layer's diff_id and the analyzers' path-filter version, so that a rescan of an image
// that shares layers reads only the new ones, and a rescan of an unchanged image reads none.
//
// Cache files are written atomically (temp file + rename) and end with a sha256 of their body: a truncated or
// corrupted entry is detected, reported, ignored and rewritten. The cache never holds anything that was not verified:
// entries are written only after the whole layer was read and its digest checked.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/file_tree.h"

namespace customs::image {

struct LayerDelta {
  std::vector<std::string> opaque_dirs;
  std::vector<std::string> whiteouts;
  std::vector<std::pair<std::string, FileNode>> entries;  // node.layer is not stored; set on load
};

std::string SerializeLayerDelta(const LayerDelta& delta);
// kCorrupt on any malformed, truncated or tampered input (checked against the trailing sha256).
[[nodiscard]] Result<LayerDelta> DeserializeLayerDelta(std::string_view data, int layer);

class LayerCache {
 public:
  // `filter_version` names the analyzers' path filter ("dpkg:1,apk:1,..."): entries from another filter are misses.
  LayerCache(std::filesystem::path dir, std::string filter_version);

  // A hit, a miss (nullopt), or a miss after a corrupt entry was found (reported through `problem`).
  std::optional<LayerDelta> Get(std::string_view diff_id, int layer, std::string* problem) const;
  Status Put(std::string_view diff_id, const LayerDelta& delta) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path PathFor(std::string_view diff_id) const;
  std::filesystem::path dir_;
  std::string filter_version_;
};

}  // namespace customs::image
