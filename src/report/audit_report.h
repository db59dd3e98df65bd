// Image audit findings (config and secret scanners) in every scan report format. Each writer in scan_report.cpp
// calls one of these, so the audit shares the report, its summary and its gate with the vulnerability findings.
// Secrets appear only masked (AuditFinding::match); no function here ever sees the secret itself.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "vulndb/advisory.h"

namespace customs::report {

// The audit severity on the vulnerability scale (the same names and order).
vulndb::Severity ToVulnSeverity(audit::Severity severity);

struct SuppressedAudit {
  audit::AuditFinding finding;
  std::string by;  // "ignore-file:12"
  std::string reason;
};

nlohmann::ordered_json AuditFindingJson(const audit::AuditFinding& finding);
// Table sections ("Image audit", "Secrets"), empty when there are no findings and no audit ran.
std::string AuditTable(const std::vector<audit::AuditFinding>& findings, bool config_ran, bool secrets_ran, bool color);
std::string AuditMarkdown(const std::vector<audit::AuditFinding>& findings);
// Appends SARIF rules and results (a result per finding; secrets and file findings carry their path and line).
void AppendAuditSarif(const std::vector<audit::AuditFinding>& findings, const std::string& target,
                      nlohmann::ordered_json& rules, nlohmann::ordered_json& results);
// JUnit test cases: one per finding; those at or above `fail_on` fail. Adds to `tests` and `failures`.
std::string AuditJunitCases(const std::vector<audit::AuditFinding>& findings, const std::string& target,
                            std::optional<vulndb::Severity> fail_on, int* tests, int* failures);
// CycloneDX 1.5 annotations (the format has no place for configuration findings in `vulnerabilities`).
nlohmann::ordered_json AuditCycloneDxAnnotations(const std::vector<audit::AuditFinding>& findings,
                                                 const std::string& subject_ref, const std::string& tool_version,
                                                 const std::string& timestamp);

}  // namespace customs::report
