// The final filesystem view of an image (or a root filesystem directory), as the catalogers and auditors see it.
//
// The image module builds it in one streaming pass over the layers: it records metadata for every path and keeps the
// content only of the files some analyzer asked for (see PathFilter). Whiteouts have already been applied. For files
// whose history was asked for, `history` holds each layer's version of the file, oldest first, so a cataloger can tell
// which layer introduced a package's current version.
//
// Paths are absolute and normalised ("/var/lib/dpkg/status": no "." or ".." components, no trailing slash).
// Not thread-safe for writes; concurrent reads are safe once built.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace customs {

enum class FileType { kRegular, kDirectory, kSymlink, kHardLink, kOther };

// One layer of an image, oldest first. A root filesystem directory is one layer with index 0 and no digest.
struct LayerInfo {
  int index = 0;
  std::string digest;      // the blob digest "sha256:..." as the manifest names it (may be compressed)
  std::string diff_id;     // the uncompressed digest from the config's rootfs.diff_ids
  std::string created_by;  // the config history entry that made this layer ("RUN apt-get install curl")
};

// One layer's version of a file that an analyzer asked the history of.
struct FileRevision {
  int layer = 0;
  bool deleted = false;                        // removed by a whiteout in this layer
  std::shared_ptr<const std::string> content;  // null when deleted
};

struct FileNode {
  FileType type = FileType::kRegular;
  std::uint32_t mode = 0;  // permission bits including setuid/setgid/sticky
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;
  std::string link_target;                     // for symlinks and hard links, as stored in the archive
  int layer = 0;                               // the layer that last wrote this path
  std::shared_ptr<const std::string> content;  // set only for files some analyzer asked for
  std::vector<FileRevision> history;           // set only for files whose history was asked for
};

// Which files the analyzers want. Built from every analyzer's declaration, consulted once per tar entry.
struct PathFilter {
  std::function<bool(std::string_view path)> wants_content;
  std::function<bool(std::string_view path)> wants_history;
  // The largest file whose content is captured at `path` (a wanted file over it is reported and left out); 0, or no
  // function: the walker's own limit. Small files such as os-release get a small limit, so a crafted 100 MB one
  // costs nothing.
  std::function<std::uint64_t(std::string_view path)> max_content_size;
};

class FileTree {
 public:
  // Inserts or replaces a path. Intermediate directories are not created implicitly.
  void Put(std::string path, FileNode node);
  // Removes a path and everything below it (a whiteout). Returns the number of removed entries.
  std::size_t Remove(std::string_view path);
  // Removes everything below `dir` but keeps `dir` itself (an opaque whiteout) whose layer is < `layer`.
  std::size_t RemoveChildrenOlderThan(std::string_view dir, int layer);

  // Lookup without following symlinks.
  const FileNode* Find(std::string_view path) const;
  FileNode* FindMutable(std::string_view path);

  // Follows symlinks (in every component) inside the root: ".." never climbs above "/", absolute targets are
  // relative to the image root, at most 40 links. Returns the resolved path, or kNotFound / kCorrupt (a loop).
  [[nodiscard]] Result<std::string> Resolve(std::string_view path) const;
  // Content of a regular file after resolving symlinks and hard links. kNotFound when the file does not exist or its
  // content was not captured.
  [[nodiscard]] Result<std::shared_ptr<const std::string>> ReadContent(std::string_view path) const;

  // Every path with `prefix` ("/var/lib/dpkg/status.d/"), in lexicographic order.
  std::vector<std::string> ListPrefix(std::string_view prefix) const;
  const std::map<std::string, FileNode, std::less<>>& entries() const { return entries_; }

  std::vector<LayerInfo>& layers() { return layers_; }
  const std::vector<LayerInfo>& layers() const { return layers_; }

  // Whether the file `path` that layer `layer` wrote is the one the final image has: a regular file (or hard link)
  // at `path` whose last writer is `layer`. A FileExtractor's per-layer record for a path that a later layer deleted
  // or overwrote does not survive.
  bool SurvivesFrom(std::string_view path, int layer) const;

  // Whiteouts as the layers stated them (a file or directory removed by `layer`; `opaque`: everything below `path`
  // from older layers). Kept so that a report can say which layer removed a file.
  void AddRemoval(int layer, std::string path, bool opaque);
  // The layer after `layer` that removed `path` or replaced it (the last writer when several did), or -1 when the file
  // that `layer` wrote is still in the image.
  int RemovedIn(std::string_view path, int layer) const;

  // The records FileExtractors (file_extractor.h) made of each layer, by extractor name. Empty when the extractor
  // did not run or kept nothing for that layer.
  void SetRecord(int layer, std::string extractor, std::string record);
  // nullptr when there is none.
  const std::string* Record(int layer, std::string_view extractor) const;

 private:
  std::map<std::string, FileNode, std::less<>> entries_;
  std::vector<LayerInfo> layers_;
  std::vector<std::map<std::string, std::string, std::less<>>> records_;  // by layer index
  struct Removal {
    int layer;
    std::string path;
    bool opaque;
  };
  std::vector<Removal> removals_;  // in layer order
};

// Normalises an archive or user path to the FileTree form: "./a//b/../c/" -> "/a/c". ".." at the root stays at the
// root. Returns an empty string for the root itself.
std::string NormalizePath(std::string_view path);

}  // namespace customs
