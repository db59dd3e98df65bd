// One streaming pass over every layer of an image, building the final filesystem view (FileTree).
//
// Layers are decompressed (gzip via ISA-L, zstd, or none: detected from magic bytes) and read as tar streams in
// parallel; nothing is extracted to disk. OCI whiteouts (".wh.NAME") and opaque directories (".wh..wh..opq") are
// applied in layer order. Only files the PathFilter asks for keep their content in memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "core/diagnostics.h"
#include "core/file_extractor.h"
#include "core/file_tree.h"
#include "image/config.h"
#include "image/layer_cache.h"
#include "image/source.h"

namespace customs::image {

struct WalkStats {
  std::atomic<unsigned> layers_read{0};
  std::atomic<unsigned> layers_from_cache{0};
};

struct WalkOptions {
  unsigned threads = 0;                           // 0 = hardware concurrency
  std::uint64_t max_content_size = 256ull << 20;  // larger wanted files are skipped with a diagnostic
  // Called from worker threads with the total number of compressed bytes read so far (for progress bars).
  std::function<void(std::uint64_t bytes_read)> on_progress;
  // Per-layer analysis cache keyed by diff_id (nullptr: none). Layers found there are not read at all.
  const LayerCache* cache = nullptr;
  // Decompress each layer on a producer thread ahead of the tar parser. Off by default: measured on the bookworm
  // image it gave no speedup (inflating the largest layer is the critical path) and cost ~10 MB (docs/BENCHMARKS.md).
  bool pipeline = false;
  WalkStats* stats = nullptr;
  // Per-file analyzers run over every regular file of every layer (core/file_extractor.h); their per-layer records
  // end up in FileTree::Record and in the layer cache. Borrowed; the cache key must name them and their versions.
  std::vector<const FileExtractor*> extractors;
};

// Builds the tree. Any unreadable layer (truncated, corrupt, digest mismatch, path traversal) fails the whole walk:
// a partially read image would give a silently incomplete inventory.
[[nodiscard]] Result<FileTree> WalkLayers(const ImageSource& source, const ImageConfig& config,
                                          const PathFilter& filter, Diagnostics& diagnostics,
                                          const WalkOptions& options = {});

// Builds the tree of a root filesystem directory (one layer, index 0). Symlinks are recorded, never followed; special
// files are recorded without content; /proc, /sys and /dev below the root are skipped. Extractors see every regular
// file, as in WalkLayers.
[[nodiscard]] Result<FileTree> WalkDirectory(const std::filesystem::path& root, const PathFilter& filter,
                                             Diagnostics& diagnostics, std::uint64_t max_content_size = 256ull << 20,
                                             const std::vector<const FileExtractor*>& extractors = {});

}  // namespace customs::image
