#include "scan/scan.h"

#include <utility>

#include "match/matcher.h"
#include "scan/sbom_input.h"

namespace customs::scan {

Result<ScanResult> Evaluate(Inventory inventory, const vulndb::AdvisoryIndex& index, const ScanPolicy& policy) {
  DiagnosticsCollector diagnostics;
  for (auto& d : inventory.diagnostics) diagnostics.Report(std::move(d));
  CUSTOMS_ASSIGN_OR_RETURN(auto matched,
                           match::MatchPackages(inventory.packages, inventory.os, index, diagnostics, policy.match));
  match::GateResult gated =
      match::ApplyGate(std::move(matched.findings), policy.gate, policy.ignores, policy.vex, diagnostics);

  ScanResult result;
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
  r.diagnostics = diagnostics.Take();
  r.fail_on = policy.gate.fail_on;
  r.filtered = gated.filtered;
  result.incomplete = AnyIncomplete(r.diagnostics);
  result.exit_code = gated.exit_code;
  if (result.incomplete && !policy.allow_incomplete) result.exit_code = kExitIncomplete;
  return result;
}

Result<ScanResult> Scan(const ScanRequest& request) {
  if (request.index == nullptr) return MakeError(ErrorCode::kInvalidArgument, "scan: no advisory index given");
  Result<Inventory> inventory = request.from_sbom ? InventoryFromSbom(request.sbom_text, request.inventory.target)
                                                  : BuildInventory(request.inventory);
  if (!inventory) return tl::unexpected(std::move(inventory).error());
  return Evaluate(std::move(*inventory), *request.index, request.policy);
}

}  // namespace customs::scan
