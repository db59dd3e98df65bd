// The per-layer record the binary-content extractors (java, go-binary, rust-binary) keep: for each file they
// analysed, the packages they found in it, already identified. Catalog() then only keeps the files that survive in
// the final image and fills the layer. Not part of the module's interface.
//
// Format (version 1): "CLR1", then for each file: varint-prefixed path, varint package count, and per package the
// varint-prefixed fields type, name, version, location, evidence, unmatchable_reason and one flags byte
// (confidence in bits 0-1, group_unknown bit 2, unmatchable bit 3). Decoding checks every length against the input.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/error.h"
#include "core/file_tree.h"

namespace customs::catalog::lang {

struct FileFindings {
  std::string path;               // the file in the layer ("/app/lib/x.jar")
  std::vector<Package> packages;  // language fields only (type, name, version, location, evidence, ...)
};

std::string EncodeRecord(const std::vector<FileFindings>& files);
[[nodiscard]] Result<std::vector<FileFindings>> DecodeRecord(std::string_view record);

// Reads `extractor`'s record of every layer of `tree`, keeps the files that survive in the final image
// (FileTree::SurvivesFrom), and returns their packages with `layer` and `files` filled, sorted, with purls. A record
// that does not decode is an incomplete diagnostic from `source` (the layer's packages are missing).
std::vector<Package> PackagesFromRecords(const FileTree& tree, std::string_view extractor, const OsInfo& os,
                                         std::string_view source, Diagnostics& diagnostics);

// Whether `text` looks like a release version: starts with a digit, only [0-9A-Za-z.+_~-], and no wildcard component
// ("2.x", "1.*"). At most 128 characters.
bool IsPlausibleVersion(std::string_view text);

}  // namespace customs::catalog::lang
