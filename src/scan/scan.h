// The one scan pipeline: ScanRequest -> inventory -> match -> gate -> ScanResult.
//
// `customs image`, `customs fs`, `customs sbom-scan` and every server role call Scan(); the CLI keeps only its flags
// and the rendering of the result. Evaluate() is the second half on its own (match, gate, verdict) for callers that
// already hold an inventory, such as a server re-matching stored inventories against a new advisory snapshot.
//
// Thread safety: Scan() and Evaluate() may run concurrently on different requests; the AdvisoryIndex must be safe for
// concurrent reads (vulndb::Store is).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "match/gate.h"
#include "match/matcher.h"
#include "policy/policy.h"
#include "policy/stages.h"
#include "report/scan_report.h"
#include "runtime/usage/usage.h"
#include "scan/inventory.h"
#include "vulndb/store.h"

namespace customs::scan {

// Exit codes shared by every scanning entry point (README.md "Exit codes").
inline constexpr int kExitClean = 0;       // done; nothing at or above the gate
inline constexpr int kExitFindings = 1;    // findings at or above --fail-on (the default; --exit-code changes it)
inline constexpr int kExitUsage = 2;       // a usage error (the CLI's)
inline constexpr int kExitIncomplete = 3;  // a failure, or an incomplete scan without --allow-incomplete

// What makes a verdict: which findings show, which fail the gate, and whether an incomplete scan may pass.
struct ScanPolicy {
  match::GateOptions gate;
  std::vector<match::IgnoreRule> ignores;
  std::vector<match::VexStatement> vex;
  // An incomplete scan (any DiagnosticLevel::kIncomplete) exits kExitIncomplete unless this is set; then its
  // incomplete diagnostics stay in the report and the exit code follows the findings alone.
  bool allow_incomplete = false;
  // What is matched: language packages an OS package owns (`--os-owned match`), RustSec informational advisories.
  match::MatchOptions match;
  // Whether vulnerabilities are matched at all (customs image --scanners; customs audit does not). Without it no
  // advisory index is needed.
  bool vulnerabilities = true;
  // customs.policy.yaml (customs image --policy): the controls that apply to this image are judged at the audit
  // stage; a violated control in enforce mode fails the scan with gate.exit_code. Borrowed; may be null.
  const policy::PolicyFile* policy_file = nullptr;
  std::vector<std::string> image_names;  // names the image is known by, for the policy's image selectors
  // customs image --usage: findings are marked in use or not and ranked (scan/usage_rank.h). Borrowed; may be null.
  // The image's manifest and config digests and image_names (and a registry reference target) find its records.
  const std::vector<runtime::UsageEntry>* usage = nullptr;
  // --fail-on-in-use: findings in use at or above this severity fail with gate.exit_code.
  std::optional<vulndb::Severity> fail_on_in_use;
};

struct ScanRequest {
  // The image to read: target, platform, analysis cache, registry access, progress callback.
  InventoryOptions inventory;
  // When set, the target is this CycloneDX or SPDX JSON document (sbom-scan) and no image is read; `inventory.target`
  // names it in the report.
  bool from_sbom = false;
  std::string sbom_text;
  // Borrowed; must outlive the call. Required when policy.vulnerabilities.
  const vulndb::AdvisoryIndex* index = nullptr;
  ScanPolicy policy;
};

struct ScanResult {
  report::ScanReport report;
  // kExitClean, policy.gate.exit_code (findings at or above fail_on), or kExitIncomplete (incomplete scan without
  // allow_incomplete). A failed read never gets here: Scan() returns the error instead.
  int exit_code = kExitClean;
  bool incomplete = false;  // any kIncomplete diagnostic, allowed or not
  unsigned layers_read = 0;
  unsigned layers_from_cache = 0;
  // With ScanPolicy::policy_file: the controls that apply to this image and their audit-stage verdicts.
  bool policy_checked = false;
  policy::Applicable policy_applicable;
  std::vector<policy::Verdict> policy_verdicts;
};

// Reads the image (or SBOM), matches, applies the gate. Errors: whatever makes the target unreadable (kNotFound,
// kCorrupt, kUnsupported, kNetwork...), kInvalidArgument when `index` is null, or a store read error.
[[nodiscard]] Result<ScanResult> Scan(const ScanRequest& request);

// Match and gate an inventory already built (its audit findings too). `inventory` is consumed. `index` may be null
// only when !policy.vulnerabilities.
//
// Evaluate() under a default ScanPolicy{} shows every finding and suppresses none: that result can be stored and
// judged later under any policy with ApplyPolicy(), without the advisory store (the server stores results this way).
[[nodiscard]] Result<ScanResult> Evaluate(Inventory inventory, const vulndb::AdvisoryIndex* index,
                                          const ScanPolicy& policy);

// Applies `policy` (severity filter, --ignore-unfixed, ignores, VEX, fail_on, allow_incomplete; to vulnerability and
// audit findings alike) to a report whose findings were all shown (evaluated under a policy that filters and
// suppresses nothing, such as ScanPolicy{}): the same result Evaluate() gives under `policy`.
ScanResult ApplyPolicy(report::ScanReport report, const ScanPolicy& policy);

}  // namespace customs::scan
