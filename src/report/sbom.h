// Inventory -> SBOM documents: a readable table, our JSON schema (customs.sbom/v1), CycloneDX 1.5 JSON and
// SPDX 2.3 JSON. Pure functions: the caller writes the returned text where it wants.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/error.h"
#include "core/file_tree.h"

namespace customs::report {

struct SbomDocument {
  std::string target;           // what the user named
  std::string kind;             // docker-archive, oci-layout, oci-archive, rootfs, registry
  std::string manifest_digest;  // empty when none
  catalog::OsInfo os;
  std::vector<catalog::Package> packages;
  std::vector<Diagnostic> diagnostics;
};

struct SbomWriteOptions {
  bool color = false;
  std::string tool_version = "0.0.0";
  // RFC 3339 UTC timestamp and RFC 4122 UUID; empty = now / random. Fixed values make output reproducible
  // (the CLI uses SOURCE_DATE_EPOCH when set).
  std::string timestamp;
  std::string uuid;
};

enum class SbomFormat { kTable, kJson, kCycloneDx, kSpdx };

// "table", "json", "cyclonedx", "spdx" (also "cyclonedx-json", "spdx-json").
[[nodiscard]] Result<SbomFormat> ParseSbomFormat(std::string_view name);

std::string WriteSbom(SbomFormat format, const SbomDocument& document, const SbomWriteOptions& options);

// Helpers shared with the other report writers.
std::string NowRfc3339();
std::string RandomUuid();

}  // namespace customs::report
