// Scan findings -> table | json (customs.report/v1) | sarif 2.1.0 | cyclonedx 1.5 (with vulnerabilities) | junit |
// markdown. Pure functions of the report, streamed to an Output (or returned as a string).
//
// Strings from the image are made safe for each format (core/utf8.h; see report/sbom.h). Every format names the
// incomplete diagnostics (the reasons the scan may have missed vulnerabilities): table, an "Incomplete" section and a
// final "INCOMPLETE SCAN" line; json, diagnostics of level "incomplete" and summary.incomplete (their count); sarif,
// invocations[0].executionSuccessful false and one toolExecutionNotification (level error) per reason; junit, one
// failing test case (classname "customs.incomplete") per reason; markdown, a warning block; cyclonedx, metadata
// properties "customs:incomplete".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/error.h"
#include "core/output.h"
#include "match/gate.h"
#include "match/matcher.h"

namespace customs::report {

struct ScanReport {
  std::string target;
  std::string kind;
  std::string manifest_digest;
  catalog::OsInfo os;
  std::vector<catalog::Package> packages;  // the whole inventory (junit and cyclonedx list every package)
  std::vector<match::Finding> findings;    // shown
  std::vector<match::Suppressed> suppressed;
  std::vector<Diagnostic> diagnostics;
  std::optional<vulndb::Severity> fail_on;
  int filtered = 0;
  // The image audit (config and secret scanners): shown findings, those an ignore file suppressed, and which audits
  // ran (a report says "none found" only for an audit that ran).
  std::vector<audit::AuditFinding> audit_findings;
  std::vector<std::pair<audit::AuditFinding, std::string>> audit_suppressed;  // (finding, "ignore-file:LINE")
  bool audited_config = false;
  bool audited_secrets = false;
  bool scanned_vulnerabilities = true;
  // customs image --usage: findings carry in_use (true/false/unknown), every format shows it; false: no format does.
  bool usage_evaluated = false;
};

enum class ScanFormat { kTable, kJson, kSarif, kCycloneDx, kJunit, kMarkdown };
[[nodiscard]] Result<ScanFormat> ParseScanFormat(std::string_view name);

struct ScanWriteOptions {
  bool color = false;
  std::string tool_version = "0.0.0";
  std::string timestamp;  // empty = now
  std::string uuid;       // empty = random
};

void WriteScanReport(ScanFormat format, const ScanReport& report, const ScanWriteOptions& options, Output& out);
std::string WriteScanReport(ScanFormat format, const ScanReport& report, const ScanWriteOptions& options);

}  // namespace customs::report
