// Helpers shared by the language catalogers (src/catalog/lang/). Not part of the module's interface.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/file_tree.h"

namespace customs::catalog::lang {

// A FileExtractor's per-layer record: a list of entries, each a list of string fields. Encoded as a format byte and,
// per entry, a varint field count and per field a varint length and the bytes. Records come back from the layer cache,
// so decoding never trusts them.
class RecordWriter {
 public:
  RecordWriter();
  void Add(const std::vector<std::string_view>& fields);
  bool empty() const { return entries_ == 0; }
  std::string Take();

 private:
  std::string out_;
  std::size_t entries_ = 0;
};

// Calls `on_entry` for each entry of `record` that has exactly `fields` fields (others are skipped). Returns false
// when the record is malformed (decoding stops there; entries before it were delivered).
bool ReadRecord(std::string_view record, std::size_t fields,
                const std::function<void(const std::vector<std::string_view>&)>& on_entry);

// Calls `on_entry` for every entry (with `fields` fields) of every layer's record of `extractor`, oldest layer first.
// A corrupt record is reported as incomplete (its later entries are lost) under `source`.
void ForEachRecordEntry(const FileTree& tree, std::string_view extractor, std::size_t fields, std::string_view source,
                        Diagnostics& diagnostics,
                        const std::function<void(const LayerInfo&, const std::vector<std::string_view>&)>& on_entry);

// Whether the tree was built from a directory (`customs fs`, WalkDirectory: one layer without digest, file_tree.h)
// rather than from image layers. Lockfiles describe a source tree, so most are read only there.
bool IsDirectoryScan(const FileTree& tree);

// Whether some directory component of `path` (not the file name) is `name`.
bool HasDirectoryComponent(std::string_view path, std::string_view name);
std::string_view BaseName(std::string_view path);
std::string_view DirName(std::string_view path);  // "/a/b" -> "/a"; "/a" -> ""

// `text` with every invalid UTF-8 sequence replaced by U+FFFD (WHATWG "decode" semantics, one replacement per maximal
// invalid subpart). Returns whether anything was replaced.
bool SanitizeUtf8(std::string_view text, std::string* out);

// One package a lockfile names. `unmatchable_reason` is empty when the entry comes from the ecosystem's registry.
struct LockedPackage {
  std::string name;
  std::string version;
  std::string unmatchable_reason;
};

// Deduplicates by (name, version) keeping the first entry's reason, and sorts.
void DeduplicateLocked(std::vector<LockedPackage>& packages);

// Lockfiles and metadata files larger than this are skipped with a diagnostic (bounded parse cost).
inline constexpr std::size_t kMaxLockfileBytes = 64u << 20;

// The captured files whose base name is one of `names`, in path order, skipping those `exclude` rejects.
std::vector<std::pair<std::string, const FileNode*>> CapturedFilesNamed(
    const FileTree& tree, const std::function<bool(std::string_view path)>& wanted);

// Packages from one lockfile: location = the lockfile, layer = its layer, unmatchable where the entry says so.
void AppendLocked(std::vector<LockedPackage> locked, PackageType type, const std::string& path, const FileNode& node,
                  const FileTree& tree, std::string_view evidence, std::vector<Package>& out);

// A language package with the fields every cataloger fills.
Package MakeLanguagePackage(PackageType type, std::string name, std::string version, std::string location,
                            std::string evidence);

// Marks `package` unmatchable with `reason` (keeps the first reason).
void MarkUnmatchable(Package& package, std::string reason);

// Sorts by (name, version, location). purl is left to the scan (MakePurl).
void SortPackages(std::vector<Package>& packages);

// One line of a text file at a time, without the line terminator ("\n" or "\r\n"). Bounded: never copies.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  bool Next(std::string_view* line);
  int line_number() const { return line_number_; }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
  int line_number_ = 0;
};

// Leading spaces of `line`.
std::size_t Indent(std::string_view line);

}  // namespace customs::catalog::lang
