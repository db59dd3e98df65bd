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
      if (id && scope && live) {
        ignored = &rule;
      }
    }
    if (ignored != nullptr) {
      report.audit_suppressed.push_back({std::move(f), fmt::format("ignore-file:{}", ignored->line)});
      continue;
    }
    if (gate.fail_on && severity >= *gate.fail_on) {
      exit_code = gate.exit_code;
    }
    shown.push_back(std::move(f));
  }
  findings = std::move(shown);
  return exit_code;
}

}  // namespace

ScanResult ApplyPolicy(report::ScanReport report, const ScanPolicy& policy) {
  DiagnosticsCollector collected;
  for (auto& d : report.diagnostics) {
    collected.Report(std::move(d));
  }
  report.diagnostics = {};
  match::GateResult gated;
  {
    // The report's diagnostics are bounded already; the gate's (ignore file, VEX) get their own bound.
    BoundedDiagnostics diagnostics(collected);
    if (report.scanned_vulnerabilities) {
      gated = match::ApplyGate(std::move(report.findings), policy.gate, policy.ignores, policy.vex, diagnostics);
    }
    diagnostics.Finish();
  }
  ScanResult result;
  report::ScanReport& r = result.report;
  r = std::move(report);
  r.findings = std::move(gated.shown);
  r.suppressed = std::move(gated.suppressed);
  r.diagnostics = collected.Take();
  r.fail_on = policy.gate.fail_on;
  r.filtered = gated.filtered;
  int audit_exit = GateAudit(r.audit_findings, policy, r);
  result.incomplete = AnyIncomplete(r.diagnostics);
  result.exit_code = gated.exit_code != kExitClean ? gated.exit_code : audit_exit;
  if (result.incomplete && !policy.allow_incomplete) {
    result.exit_code = kExitIncomplete;
  }
  return result;
}

Result<ScanResult> Evaluate(Inventory inventory, const vulndb::AdvisoryIndex* index, const ScanPolicy& policy) {
  DiagnosticsCollector collected;
  for (auto& d : inventory.diagnostics) {
    collected.Report(std::move(d));
  }
  inventory.diagnostics = {};
  report::ScanReport r;
  if (policy.vulnerabilities) {
    if (index == nullptr) {
      return MakeError(ErrorCode::kInvalidArgument, "scan: no advisory index given");
    }
    // The inventory's diagnostics are bounded already; the matcher's get their own bound.
    BoundedDiagnostics diagnostics(collected);
    CUSTOMS_ASSIGN_OR_RETURN(auto matched,
                             match::MatchPackages(inventory.packages, inventory.os, *index, diagnostics, policy.match));
    diagnostics.Finish();
    // A jar without a groupId that the advisories resolved is listed under the purl its findings name.
    for (const auto& resolved : matched.resolved_maven) {
      inventory.packages[resolved.index].purl = resolved.purl;
    }
    r.findings = std::move(matched.findings);
  }
  r.target = std::move(inventory.target);
  r.kind = std::move(inventory.kind);
  r.manifest_digest = std::move(inventory.manifest_digest);
  r.os = std::move(inventory.os);
  r.packages = std::move(inventory.packages);
  r.diagnostics = collected.Take();
  r.scanned_vulnerabilities = policy.vulnerabilities;
  r.audited_config = inventory.audited_config;
  r.audited_secrets = inventory.audited_secrets;
  r.audit_findings = std::move(inventory.audit_findings);
  ScanResult result = ApplyPolicy(std::move(r), policy);
  result.layers_read = inventory.layers_read;
  result.layers_from_cache = inventory.layers_from_cache;
  report::ScanReport& shown = result.report;
  // customs image --usage: in use or not, in-use findings first within a severity (scan/usage_rank.h).
  if (policy.usage != nullptr && policy.vulnerabilities) {
    std::vector<std::string> keys = policy.image_names;
    for (const std::string* key : {&shown.manifest_digest, &inventory.config_digest}) {
      if (!key->empty()) {
        keys.push_back(*key);
      }
    }
    if (shown.kind == "registry") {
      keys.push_back(shown.target);
    }
    RankByUse(shown.findings, shown.packages, UsedFilesOf(*policy.usage, keys));
    shown.usage_evaluated = true;
    if (policy.fail_on_in_use && result.exit_code == kExitClean) {
      for (const auto& f : shown.findings) {
        if (f.in_use == match::InUse::kTrue && f.severity >= *policy.fail_on_in_use) {
          result.exit_code = policy.gate.exit_code;
          break;
        }
      }
    }
  }
  // customs image --policy: the controls that apply to this image, judged at the audit stage (scan/policy_check.h).
  if (policy.policy_file != nullptr) {
    result.policy_checked = true;
    result.policy_applicable = policy::ApplicableControls(
        *policy.policy_file, ImageIdentityOf(shown.target, shown.kind, shown.manifest_digest, inventory.config_digest,
                                             inventory.config.labels, policy.image_names));
    std::vector<policy::StageFinding> audit_findings;
    for (const auto& f : shown.audit_findings) {
      audit_findings.push_back({f.rule, f.path.empty() ? f.message : f.path});
    }
    std::vector<policy::VulnFinding> vulns;
    for (const auto& f : shown.findings) {
      vulns.push_back(
          {f.id, f.package.name, vulndb::SeverityName(f.severity), !f.fixed_version.empty(), f.kev.has_value()});
    }
    result.policy_verdicts = policy::JudgeAudit(result.policy_applicable, audit_findings,
                                                inventory.config.exposed_ports, vulns, policy.vulnerabilities);
    if (policy::AnyFailure(result.policy_verdicts) && result.exit_code == kExitClean) {
      result.exit_code = policy.gate.exit_code;
    }
  }
  return result;
}

Result<ScanResult> Scan(const ScanRequest& request) {
  if (request.index == nullptr && request.policy.vulnerabilities) {
    return MakeError(ErrorCode::kInvalidArgument, "scan: no advisory index given");
  }
  Result<Inventory> inventory = request.from_sbom ? InventoryFromSbom(request.sbom_text, request.inventory.target)
                                                  : BuildInventory(request.inventory);
  if (!inventory) {
    return tl::unexpected(std::move(inventory).error());
  }
  return Evaluate(std::move(*inventory), request.index, request.policy);
}

}  // namespace customs::scan
