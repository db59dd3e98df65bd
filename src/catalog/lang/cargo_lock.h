// Rust crates from Cargo.lock (OSV ecosystem "crates.io").
//
// Cargo.lock is TOML that cargo writes in a fixed layout: `[[package]]` tables with `name = "..."`,
// `version = "..."` and, for crates from a registry or git, `source = "..."`. Only crates.io crates
// (`registry+https://github.com/rust-lang/crates.io-index` or `sparse+https://index.crates.io/`) are matchable;
// git sources, other registries and path crates (no source: the workspace's own) are listed as unmatchable.
//
// Read in image scans too: a Rust binary records no dependencies unless built with cargo-auditable, so a Cargo.lock
// next to it is the only evidence. Cargo.lock files of crates vendored under a .cargo/registry or vendor directory
// are not read.
#pragma once

#include <string_view>
#include <vector>

#include "catalog/cataloger.h"
#include "catalog/lang/common.h"

namespace customs::catalog::lang {

std::vector<LockedPackage> ParseCargoLock(std::string_view text);

class CargoLockCataloger final : public Cataloger {
 public:
  std::string_view name() const override { return "cargo-lock"; }
  int version() const override { return 1; }
  bool WantsContent(std::string_view path) const override;
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;
};

}  // namespace customs::catalog::lang
