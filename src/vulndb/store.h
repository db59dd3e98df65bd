// The local vulnerability store, read side.
// CONTRACT shared with match/scan: keep these names; the vulndb module owns and may extend them.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "vulndb/advisory.h"

namespace customs::vulndb {

// Read access to advisories. The matcher depends on this interface only, so its tests can use an in-memory index.
// Implementations are safe to call from several threads at once.
class AdvisoryIndex {
 public:
  virtual ~AdvisoryIndex() = default;
  // Every source's statement about (ecosystem, package); ecosystem as in AffectedPackage ("debian:12", "Go").
  [[nodiscard]] virtual Result<std::vector<AffectedPackage>> FindAffected(std::string_view ecosystem,
                                                                          std::string_view package) const = 0;
  // The merged vulnerability (aliases, cvss, severities, KEV, EPSS) by canonical id or any alias.
  [[nodiscard]] virtual Result<std::optional<Vulnerability>> GetVulnerability(std::string_view id) const = 0;
  // Does the store hold any advisory for this ecosystem ("alpine:3.21")? A scan reports "no data" otherwise.
  virtual bool HasEcosystem(std::string_view ecosystem) const = 0;
};

struct SourceInfo {
  std::string name;
  std::int64_t records = 0;
  std::string imported_at;  // RFC 3339
};

struct StoreInfo {
  int schema_version = 0;
  std::string built_at;  // RFC 3339
  std::vector<SourceInfo> sources;
};

}  // namespace customs::vulndb
