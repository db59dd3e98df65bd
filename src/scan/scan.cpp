#include "scan/scan.h"

#include <algorithm>
#include <utility>

#include "match/matcher.h"
#include "report/audit_report.h"
#include "scan/policy_check.h"
#include "scan/sbom_input.h"
#include "scan/usage_rank.h"

namespace customs::scan {

namespace {

// The gate for audit findings: the same severity filter, ignore file (by rule id or alias, scoped to a path when
// the entry names one) and --fail-on as vulnerabilities. Returns the exit code they alone would give.
int GateAudit(std::vector<audit::AuditFinding>& findings, const ScanPolicy& policy, report::ScanReport& report) {
  const match::GateOptions& gate = policy.gate;
  std::vector<audit::AuditFinding> shown;
  int exit_code = kExitClean;
  for (auto& f : findings) {
    vulndb::Severity severity = report::ToVulnSeverity(f.severity);
    if (!gate.severities.empty() && !gate.severities.contains(severity)) {
      ++report.filtered;
      continue;
    }
    const match::IgnoreRule* ignored = nullptr;
    for (const auto& rule : policy.ignores) {
      bool id = rule.id == f.rule || std::find(f.aliases.begin(), f.aliases.end(), rule.id) != f.aliases.end();
      bool scope = rule.package.empty() || rule.package == f.path;
      bool live = rule.expires.empty() || gate.today.empty() || rule.expires >= gate.today;
      if (id && scope && live) ignored = &rule;
    }
    if (ignored != nullptr) {
      report.audit_suppressed.push_back({std::move(f), fmt::format("ignore-file:{}", ignored->line)});
      continue;
    }
    if (gate.fail_on && severity >= *gate.fail_on) exit_code = gate.exit_code;
    shown.push_back(std::move(f));
  }
  findings = std::move(shown);
  return exit_code;
}

}  // namespace

Result<ScanResult> Evaluate(Inventory inventory, const vulndb::AdvisoryIndex* index, const ScanPolicy& policy) {
  DiagnosticsCollector collected;
  for (auto& d : inventory.diagnostics) collected.Report(std::move(d));
  inventory.diagnostics = {};
  // The inventory's diagnostics are bounded already; the matcher's get their own bound.
  BoundedDiagnostics diagnostics(collected);
  match::GateResult gated;
  if (policy.vulnerabilities) {
    if (index == nullptr) return MakeError(ErrorCode::kInvalidArgument, "scan: no advisory index given");
    CUSTOMS_ASSIGN_OR_RETURN(auto matched, match::MatchPackages(inventory.packages, inventory.os, *index, diagnostics));
    gated = match::ApplyGate(std::move(matched.findings), policy.gate, policy.ignores, policy.vex, diagnostics);
  }
  diagnostics.Finish();

  ScanResult result;
  if (policy.usage != nullptr && policy.vulnerabilities) {
    std::vector<std::string> keys = policy.image_names;
    for (const std::string* key : {&inventory.manifest_digest, &inventory.config_digest}) {
      if (!key->empty()) keys.push_back(*key);
    }
    if (inventory.kind == "registry") keys.push_back(inventory.target);
    RankByUse(gated.shown, inventory.packages, UsedFilesOf(*policy.usage, keys));
    result.report.usage_evaluated = true;
  }
  if (policy.policy_file != nullptr) {
    result.policy_checked = true;
    result.policy_applicable = policy::ApplicableControls(
        *policy.policy_file, ImageIdentityOf(inventory.target, inventory.kind, inventory.manifest_digest,
                                             inventory.config_digest, inventory.config.labels, policy.image_names));
  }
  result.layers_read = inventory.layers_read;
  result.layers_from_cache = inventory.layers_from_cache;
  report::ScanReport& r = result.report;
  r.target = std::move(inventory.target);
  r.kind = std::move(inventory.kind);
  r.manifest_digest = std::move(inventory.manifest_digest);
  r.os = std::move(inventory.os);
  r.packages = std::move(inventory.packages);
  r.findings = std::move(gated.shown);
  r.suppressed = std::move(gated.suppressed);
  r.diagnostics = collected.Take();
  r.fail_on = policy.gate.fail_on;
  r.filtered = gated.filtered;
  r.scanned_vulnerabilities = policy.vulnerabilities;
  r.audited_config = inventory.audited_config;
  r.audited_secrets = inventory.audited_secrets;
  r.audit_findings = std::move(inventory.audit_findings);
  int audit_exit = GateAudit(r.audit_findings, policy, r);
  if (result.policy_checked) {
    std::vector<policy::StageFinding> audit_findings;
    for (const auto& f : r.audit_findings) audit_findings.push_back({f.rule, f.path.empty() ? f.message : f.path});
    std::vector<policy::VulnFinding> vulns;
    for (const auto& f : r.findings) {
      vulns.push_back(
          {f.id, f.package.name, vulndb::SeverityName(f.severity), !f.fixed_version.empty(), f.kev.has_value()});
    }
    result.policy_verdicts = policy::JudgeAudit(result.policy_applicable, audit_findings,
                                                inventory.config.exposed_ports, vulns, policy.vulnerabilities);
    if (policy::AnyFailure(result.policy_verdicts) && audit_exit == kExitClean) audit_exit = policy.gate.exit_code;
  }
  result.incomplete = AnyIncomplete(r.diagnostics);
  result.exit_code = gated.exit_code != kExitClean ? gated.exit_code : audit_exit;
  if (policy.fail_on_in_use && result.exit_code == kExitClean) {
    for (const auto& f : r.findings) {
      if (f.in_use == match::InUse::kTrue && f.severity >= *policy.fail_on_in_use) {
        result.exit_code = policy.gate.exit_code;
        break;
      }
    }
  }
  if (result.incomplete && !policy.allow_incomplete) result.exit_code = kExitIncomplete;
  return result;
}

Result<ScanResult> Scan(const ScanRequest& request) {
  if (request.index == nullptr && request.policy.vulnerabilities) {
    return MakeError(ErrorCode::kInvalidArgument, "scan: no advisory index given");
  }
  Result<Inventory> inventory = request.from_sbom ? InventoryFromSbom(request.sbom_text, request.inventory.target)
                                                  : BuildInventory(request.inventory);
  if (!inventory) return tl::unexpected(std::move(inventory).error());
  return Evaluate(std::move(*inventory), request.index, request.policy);
}

}  // namespace customs::scan
