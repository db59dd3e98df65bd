// The apk cataloger: /lib/apk/db/installed (apk-tools' "installed database", one package per blank-line separated
// block of "K:value" lines). P name, V version, A arch, o origin (the source package), I installed size in bytes,
// F directory + R file in it (the file list), L licence. A block without P or V is skipped with a diagnostic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/cataloger.h"

namespace customs::catalog::apk {

struct InstalledRecord {
  std::string name;
  std::string version;
  std::string arch;
  std::string origin;  // empty when the block has no o: line
  std::string license;
  std::uint64_t installed_size = 0;
  std::vector<std::string> files;  // absolute paths
  int line = 0;
};

// `rejected`, when given, receives the number of lines and blocks that were not part of a package.
std::vector<InstalledRecord> ParseInstalled(std::string_view text, std::string_view path, Diagnostics& diagnostics,
                                            std::size_t* rejected = nullptr);

class ApkCataloger final : public Cataloger {
 public:
  std::string_view name() const override { return "apk"; }
  int version() const override { return 1; }
  bool WantsContent(std::string_view path) const override;
  bool WantsHistory(std::string_view path) const override;
  std::vector<std::string> DatabasePaths() const override;
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;
};

}  // namespace customs::catalog::apk
