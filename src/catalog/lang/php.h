// PHP packages installed by Composer (OSV ecosystem "Packagist").
//
//   <project>/vendor/composer/installed.json   what `composer install` put in vendor/: Composer 1 writes a JSON array
//                                              of packages, Composer 2 an object {"packages": [...], "dev": ...}
//   <project>/composer.lock                    the lockfile ("packages" and "packages-dev"): directory scans only
//
// Names are "vendor/package". Versions are as Composer records them ("v5.4.21", "1.2.3"); branch versions
// ("dev-main", "2.x-dev") are listed as unmatchable.
#pragma once

#include <string_view>
#include <vector>

#include "catalog/cataloger.h"
#include "catalog/lang/common.h"
#include "core/error.h"

namespace customs::catalog::lang {

// installed.json (both formats) and composer.lock.
[[nodiscard]] Result<std::vector<LockedPackage>> ParseComposerPackages(std::string_view text);

class PhpCataloger final : public Cataloger {
 public:
  std::string_view name() const override { return "php"; }
  int version() const override { return 1; }
  bool WantsContent(std::string_view path) const override;
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;
};

}  // namespace customs::catalog::lang
