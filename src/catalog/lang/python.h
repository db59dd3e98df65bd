// Python packages: installed distributions' core metadata.
//
//   <site>/<name>-<version>.dist-info/METADATA      wheels installed by pip (PyPA "Recording installed projects")
//   <site>/<name>-<version>.egg-info/PKG-INFO       setuptools/distutils installs, most Debian python3-* packages
//   <site>/<name>-<version>.egg-info                 the same as a single file (distutils)
//   <site>/<name>-<version>.egg/EGG-INFO/PKG-INFO    eggs
//
// Found by a FileExtractor in the layer walk, not by capturing content: a METADATA file carries the project's whole
// description (often 50-500 KB, unbounded in principle) after its headers, and an image can hold thousands. The
// visitor keeps only the header block (the core metadata fields end at the first empty line; Core metadata
// specifications, "Metadata-Version" 1.0-2.3) up to kMaxHeaderBytes and ignores the rest of the file.
//
// One package per (PEP 503 name, version, site directory): a dist-info and an egg-info of the same project in the
// same directory are one package (the dist-info is the location; both files are in `files`).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "catalog/cataloger.h"

namespace customs::catalog::lang {

// PEP 503 "Normalized Names": lower-case, every run of '-', '_' and '.' becomes one '-'.
std::string NormalizePypiName(std::string_view name);

struct PythonMetadata {
  std::string name;
  std::string version;
};

// Parses the header block of a core-metadata file (RFC 822 style: "Key: value", continuation lines start with
// whitespace, header names are case-insensitive; the block ends at the first empty line).
PythonMetadata ParsePythonMetadata(std::string_view text);

// Whether `path` is one of the metadata files above.
bool IsPythonMetadataPath(std::string_view path);

class PythonCataloger final : public Cataloger {
 public:
  PythonCataloger();
  ~PythonCataloger() override;
  std::string_view name() const override { return "python"; }
  int version() const override { return 1; }
  bool WantsContent(std::string_view /*path*/) const override { return false; }
  const FileExtractor* extractor() const override;
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;

 private:
  std::unique_ptr<FileExtractor> extractor_;
};

}  // namespace customs::catalog::lang
