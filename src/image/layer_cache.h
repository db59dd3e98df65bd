// What one layer changes (its entries, whiteouts and opaque directories, with the content of the wanted files, and the
// extractors' records), and a disk cache of it, so that a rescan of an image that shares layers reads only the new
// ones, and a rescan of an unchanged image reads none.
//
// An entry is keyed by the digest the layer's bytes were verified against when it was read (the blob digest, or the
// diff_id for a docker-archive whose layers are named by path) and by the analyzers' version. A digest alone proves
// nothing about the bytes in hand (a docker-archive or layout can claim any digest for a blob that was cut short or
// rewritten), so each entry also lists the identities (ImageSource::LayerIdentity: device, inode, size, times and
// range of a local file; a registry's content address) of the blobs that were read, verified and found to be it. A
// hit needs both: the key, and the identity of the blob now in hand among those verified.
//
// Cache files are written atomically (temp file + rename) and end with a sha256 of their body: a truncated or
// corrupted entry is detected, reported, ignored and rewritten. The cache never holds anything that was not verified:
// entries are written only after the whole layer was read and its digest checked.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/diagnostics.h"
#include "core/error.h"
#include "core/file_tree.h"
#include "core/output.h"

namespace customs::image {

struct LayerDelta {
  std::vector<std::string> opaque_dirs;
  std::vector<std::string> whiteouts;
  std::vector<std::pair<std::string, FileNode>> entries;  // node.layer is not stored; set on load
  // Each FileExtractor's record of this layer, by extractor name (core/file_extractor.h).
  std::map<std::string, std::string, std::less<>> records;
  // What the extractors reported while reading this layer: replayed on every scan, cached or not.
  std::vector<Diagnostic> diagnostics;
};

// `identities`: the verified blob identities the entry may stand in for. Written to `out` as it is made.
void SerializeLayerDelta(const LayerDelta& delta, const std::vector<std::string>& identities, Output& out);
std::string SerializeLayerDelta(const LayerDelta& delta, const std::vector<std::string>& identities = {});
// kCorrupt on any malformed, truncated or tampered input (checked against the trailing sha256).
[[nodiscard]] Result<LayerDelta> DeserializeLayerDelta(std::string_view data, int layer,
                                                       std::vector<std::string>* identities = nullptr);

class LayerCache {
 public:
  // `filter_version` names the analyzers' path filter ("dpkg:1,apk:1,..."): entries from another filter are misses.
  LayerCache(std::filesystem::path dir, std::string filter_version);

  // A hit (an entry for `verified_digest` that lists `identity`), a miss (nullopt), or a miss after a corrupt entry
  // was found (reported through `problem`). An empty digest or identity is always a miss.
  std::optional<LayerDelta> Get(std::string_view verified_digest, std::string_view identity, int layer,
                                std::string* problem) const;
  // Stores the analysis of a layer whose bytes (`identity`) were just read and verified against `verified_digest`.
  // The identities of an existing entry for the digest are kept (up to a bound): the bytes were the same.
  Status Put(std::string_view verified_digest, std::string_view identity, const LayerDelta& delta) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path PathFor(std::string_view diff_id) const;
  std::filesystem::path dir_;
  std::string filter_version_;
};

}  // namespace customs::image
