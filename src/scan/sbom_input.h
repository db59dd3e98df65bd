// Reads a CycloneDX (1.4-1.6) or SPDX 2.x JSON SBOM, ours or another tool's (Trivy, Syft), back into an inventory that
// the matcher can use: the OS (an "operating-system" component, or the purls' distro qualifier), the OS packages and
// the language packages from their purls. Source package names and versions come from our own properties, Trivy's
// properties, or SPDX sourceInfo; OS packages without them are matched by their binary name and version, with a
// diagnostic saying so. CycloneDX components are read at any nesting depth (up to 32).
#pragma once

#include <string_view>

#include "core/error.h"
#include "scan/inventory.h"

namespace customs::scan {

[[nodiscard]] Result<Inventory> InventoryFromSbom(std::string_view text, std::string_view name);

struct Purl {
  std::string type;
  std::string namespace_;
  std::string name;
  std::string version;
  std::vector<std::pair<std::string, std::string>> qualifiers;
  std::string Qualifier(std::string_view key) const;
};
// Parses and percent-decodes a package URL. kInvalidArgument when it is not one.
[[nodiscard]] Result<Purl> ParsePurl(std::string_view text);

// The package a purl names; nullopt for purl types we do not match. Language purls map back to the names the
// catalogers write: pkg:maven/g/a -> "g:a" (no namespace: `group_unknown`, name = artifactId), pkg:npm/%40s/n ->
// "@s/n", pkg:golang/<path> -> the module path (stdlib's "go1.19.5"/"v1.19.5" -> "1.19.5"), pkg:composer/v/n ->
// "v/n", others their name. A language purl without a version, or Go's "(devel)", is `unmatchable`.
std::optional<catalog::Package> PackageFromPurl(const Purl& purl);

}  // namespace customs::scan
