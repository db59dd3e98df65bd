// Reads a CycloneDX (1.4-1.6) or SPDX 2.x JSON SBOM, ours or another tool's, back into an inventory that the matcher
// can use: the OS (an "operating-system" component, or the purls' distro qualifier) and the OS packages from their
// purls. Source package names and versions come from our own properties, Trivy's properties, or SPDX sourceInfo;
// packages without them are matched by their binary name and version, with a diagnostic saying so.
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

}  // namespace customs::scan
