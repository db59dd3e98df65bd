// Inventory -> SBOM documents: a readable table, our JSON schema (customs.sbom/v1), CycloneDX 1.5 JSON and
// SPDX 2.3 JSON. Pure functions of the document: the text goes to an Output as it is made (never held whole), or comes
// back as a string.
//
// Any string from an image may be invalid UTF-8 or carry control characters: the JSON formats write it with U+FFFD
// in place of each ill-formed part (and, for package fields, the bytes escaped next to it: "raw_escaped" in our JSON,
// "customs:raw:<field>" properties in CycloneDX); the table replaces control characters too. Incomplete diagnostics
// (an unreadable package database) are named in every format: the table's "Incomplete" section and final line, JSON
// diagnostics of level "incomplete", CycloneDX metadata properties "customs:incomplete", SPDX document annotations
// whose comment starts with "customs:incomplete:".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/error.h"
#include "core/file_tree.h"
#include "core/output.h"

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

void WriteSbom(SbomFormat format, const SbomDocument& document, const SbomWriteOptions& options, Output& out);
std::string WriteSbom(SbomFormat format, const SbomDocument& document, const SbomWriteOptions& options);

// Helpers shared with the other report writers.
std::string NowRfc3339();
std::string RandomUuid();

}  // namespace customs::report
