// Helpers shared by the catalogers. Not part of the module's interface.
#pragma once

#include <functional>
#include <set>
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

// The set of package identities ("name\tarch\tversion") one revision of a database file contains, or an error when
// that revision cannot be read.
using RevisionKeys = std::function<Result<std::set<std::string>>(std::string_view content)>;

// Layer attribution: for each key (present in the final database), the earliest layer from which the key stayed
// present through the final layer, using the history of `node` (oldest revision first). Without history every key
// gets node.layer. The result is parallel to `keys`. Unreadable historic revisions end the search (with an info
// diagnostic), so attribution errs towards the later layer.
std::vector<int> AttributeLayers(const FileNode& node, const std::vector<std::string>& keys,
                                 const RevisionKeys& keys_of_revision, std::string_view source, std::string_view path,
                                 Diagnostics& diagnostics);

std::string PackageKey(const Package& package);

// Resolves `path` through symlinks inside the tree and returns the resolved path and its node when it is a regular
// file whose content was captured; nullptr otherwise.
const FileNode* FindCapturedFile(const FileTree& tree, std::string_view path, std::string* resolved);

// Sorts by (name, arch, version) and fills purl and the layer info.
void Finish(std::vector<Package>& packages, const OsInfo& os);

}  // namespace customs::catalog::internal
