// Per-file analyzers that run inside the single streaming pass over an image's layers.
//
// The PathFilter model (file_tree.h) keeps the content of a few small, well-known files (package databases) in the
// FileTree. Jars, executables, and every file a secret scanner reads do not fit it: they are large, numerous, and
// found by what they are rather than by where they live. A FileExtractor sees every regular file of every layer as
// the layer streams by, decides from the tar header (path, mode, size) and, if it asks, the first bytes (ELF, zip
// magic) whether it wants the content, reads the content as a stream of chunks, and keeps a small derived record per
// layer. It never keeps the file's bytes, neither in memory nor in the layer cache.
//
// Life cycle, per image walk:
//   for each layer (layers run in parallel, each on one thread):
//     visitor = extractor.StartLayer(layer)
//     for each regular file in the layer, in archive order:
//       Inspect(header) -> kSkip | kWant | kPeek
//       kPeek: InspectHead(header, head) with the first min(size, kHeadSize) bytes -> want or not
//       wanted: Data(chunk)... with the whole content from byte 0, in order; then EndFile(complete)
//     record = visitor.Finish()        (an opaque byte string, owned by the extractor's format)
//   The walker stores each layer's record, and the diagnostics the visitor reported, in the layer cache with the
//   layer. A warm rescan replays both and never reads the layer again.
// Files deleted or overwritten by a later layer were still seen in the layer that wrote them: an extractor that
// cares (secrets) reports them; one that does not (packages) keeps only records whose path survives in the final tree
// at that layer (FileTree::SurvivesFrom).
//
// Thread safety: an Extractor is shared by every layer's thread and must be safe for concurrent const calls. A
// LayerVisitor is used by one thread at a time. Visitors must bound their own time and memory (zip bombs, huge
// files) and report what they skipped through the Diagnostics they were given; they never throw.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/diagnostics.h"
#include "core/file_tree.h"

namespace customs {

// What a visitor sees of one archive entry before its content.
struct EntryHeader {
  std::string_view path;   // absolute, normalised ("/app/lib/x.jar")
  std::uint32_t mode = 0;  // permission bits including setuid/setgid
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;
  int layer = 0;
};

enum class Interest { kSkip, kWant, kPeek };

class LayerVisitor {
 public:
  // Up to this many first bytes are passed to InspectHead.
  static constexpr std::size_t kHeadSize = 4096;

  virtual ~LayerVisitor() = default;
  virtual Interest Inspect(const EntryHeader& header) = 0;
  // Only after Inspect returned kPeek. `head` holds the first min(header.size, kHeadSize) bytes.
  virtual bool InspectHead(const EntryHeader& header, std::string_view head) {
    (void)header;
    (void)head;
    return false;
  }
  // The content of the wanted file, from byte 0, in order (the head is passed again). Chunks may be of any size.
  virtual void Data(std::string_view chunk) = 0;
  // After the last chunk. `complete` is false when fewer than header.size bytes arrived (the layer read failed:
  // the walk fails as a whole, so the record will not be used).
  virtual void EndFile(bool complete) = 0;
  // After the last file of the layer: the layer's record, in the extractor's own format (may be empty).
  virtual std::string Finish() = 0;
};

class FileExtractor {
 public:
  virtual ~FileExtractor() = default;
  // A stable name: the key of its records in the FileTree and in the layer cache ("java", "go", "secrets").
  virtual std::string_view name() const = 0;
  // Bumped whenever the record for the same input changes (part of the layer cache key).
  virtual int version() const = 0;
  // A visitor for one layer. Diagnostics it reports are stored with the layer's record and replayed on cache hits.
  virtual std::unique_ptr<LayerVisitor> StartLayer(int layer, Diagnostics& diagnostics) const = 0;
};

}  // namespace customs
