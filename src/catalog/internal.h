// Helpers shared by the catalogers. Not part of the module's interface.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/file_tree.h"

namespace customs::catalog::internal {

std::string_view TrimWhitespace(std::string_view text);
std::string ToLower(std::string_view text);
// Splits on `separator`; keeps empty pieces.
std::vector<std::string_view> Split(std::string_view text, char separator);

// The LayerInfo with this index from tree.layers(); index -1 when the tree does not know it.
LayerInfo LayerByIndex(const FileTree& tree, int index);

// A set of package identities ("name\tarch\tversion") held as 64-bit hashes: 8 bytes a package instead of a string
// and a tree node, so attributing 200,000 packages costs a few megabytes. Layer attribution only asks whether a key is
// present; a hash collision (about 1 in 10^10 for 20,000 packages) could at worst attribute a package to an earlier
// layer than the one that installed it.
class KeySet {
 public:
  static std::uint64_t Hash(std::string_view key);
  void Add(std::string_view key) { hashes_.push_back(Hash(key)); }
  // Call once after the last Add, before Contains.
  void Seal();
  bool Contains(std::uint64_t hash) const;

 private:
  std::vector<std::uint64_t> hashes_;
};

// The identities one revision of a database file contains, or an error when that revision cannot be read.
using RevisionKeys = std::function<Result<KeySet>(std::string_view content)>;

// Layer attribution: for each key (present in the final database, given by KeySet::Hash), the earliest layer from
// which the key stayed present through the final layer, using the history of `node` (oldest revision first). Without
// history every key gets node.layer. The last revision is the file `node` holds, so it is not read again. The result
// is parallel to `keys`. Unreadable historic revisions end the search (with an info diagnostic), so attribution errs
// towards the later layer.
std::vector<int> AttributeLayers(const FileNode& node, const std::vector<std::uint64_t>& keys,
                                 const RevisionKeys& keys_of_revision, std::string_view source, std::string_view path,
                                 Diagnostics& diagnostics);

std::string PackageKey(const Package& package);
std::string PackageKey(std::string_view name, std::string_view arch, std::string_view version);

// Resolves `path` through symlinks inside the tree and returns the resolved path and its node when it is a regular
// file whose content was captured; nullptr otherwise.
const FileNode* FindCapturedFile(const FileTree& tree, std::string_view path, std::string* resolved);

// Why the file at `path` (whose node is `node`) has no content to read, for a diagnostic: "a link to /x, which the
// image does not have", "a symbolic link that leaves the image", "its content was not read: 10737418240 bytes",
// "a directory"...
std::string WhyNotReadable(const FileTree& tree, std::string_view path, const FileNode& node);

// Sorts by (name, arch, version) and fills purl and the layer info.
void Finish(std::vector<Package>& packages, const OsInfo& os);

}  // namespace customs::catalog::internal
