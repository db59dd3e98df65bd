// .NET packages (OSV ecosystem "NuGet").
//
//   <app>/<name>.deps.json    written by `dotnet build`/`publish` next to the application: "libraries" maps
//                             "<id>/<version>" to {"type": "package" | "project" | "reference", ...}; only "package"
//                             entries are NuGet packages (the app itself and project references are not)
//   packages.lock.json        NuGet's lockfile (RestorePackagesWithLockFile): "dependencies" per target framework,
//                             {"<id>": {"type": "Direct" | "Transitive" | "CentralTransitive" | "Project",
//                             "resolved": "<version>"}}; directory scans only
//
// Debian 12 ships no .NET SDK or runtime, so no deps.json produced here exists; the readers follow the documented
// formats (dotnet/sdk "Dependency Model" docs, NuGet "Enable repeatable package restores using a lock file").
#pragma once

#include <string_view>
#include <vector>

#include "catalog/cataloger.h"
#include "catalog/lang/common.h"
#include "core/error.h"

namespace customs::catalog::lang {

[[nodiscard]] Result<std::vector<LockedPackage>> ParseDepsJson(std::string_view text);
[[nodiscard]] Result<std::vector<LockedPackage>> ParseNugetLock(std::string_view text);

class DotnetCataloger final : public Cataloger {
 public:
  std::string_view name() const override { return "dotnet"; }
  int version() const override { return 1; }
  bool WantsContent(std::string_view path) const override;
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;
};

}  // namespace customs::catalog::lang
