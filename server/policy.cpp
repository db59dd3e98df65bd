#include "server/policy.h"

#include <algorithm>
#include <cctype>

#include "core/sha256.h"
#include "report/sbom.h"

namespace customs::server {
namespace {

using nlohmann::json;

Result<vulndb::Severity> SeverityFrom(const json& value, std::string_view key) {
  if (!value.is_string()) {
    return MakeError(ErrorCode::kInvalidArgument, "policy: '{}' must be a severity name", key);
  }
  std::string name = value.get<std::string>();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
  auto severity = vulndb::ParseSeverityName(name);
  if (!severity) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "policy: '{}' is not a severity (UNKNOWN, NEGLIGIBLE, LOW, MEDIUM, HIGH, CRITICAL)",
                     value.get<std::string>());
  }
  return *severity;
}

}  // namespace

std::string PolicyJson(const Policy& policy) {
  json out = json::object();
  out["fail_on"] = policy.fail_on ? json(vulndb::SeverityName(*policy.fail_on)) : json(nullptr);
  out["ignore_unfixed"] = policy.ignore_unfixed;
  out["allow_incomplete"] = policy.allow_incomplete;
  json severities = json::array();
  for (auto it = policy.severities.rbegin(); it != policy.severities.rend(); ++it) {
    severities.push_back(vulndb::SeverityName(*it));
  }
  out["severities"] = std::move(severities);
  return out.dump();
}

std::string PolicyDigest(const Policy& policy) {
  return "sha256:" + Sha256::HexOf(PolicyJson(policy));
}

Result<Policy> ParsePolicy(const json& object) {
  if (!object.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "policy must be a JSON object");
  }
  Policy policy;
  for (const auto& [key, value] : object.items()) {
    if (key == "fail_on") {
      if (value.is_null()) {
        continue;
      }
      CUSTOMS_ASSIGN_OR_RETURN(policy.fail_on, SeverityFrom(value, key));
    } else if (key == "ignore_unfixed" || key == "allow_incomplete") {
      if (!value.is_boolean()) {
        return MakeError(ErrorCode::kInvalidArgument, "policy: '{}' must be true or false", key);
      }
      (key == "ignore_unfixed" ? policy.ignore_unfixed : policy.allow_incomplete) = value.get<bool>();
    } else if (key == "severities") {
      if (!value.is_array()) {
        return MakeError(ErrorCode::kInvalidArgument, "policy: 'severities' must be an array");
      }
      for (const auto& item : value) {
        CUSTOMS_ASSIGN_OR_RETURN(vulndb::Severity severity, SeverityFrom(item, key));
        policy.severities.insert(severity);
      }
    } else {
      return MakeError(ErrorCode::kInvalidArgument,
                       "policy: unknown key '{}' (known: fail_on, ignore_unfixed, severities, allow_incomplete)", key);
    }
  }
  return policy;
}

scan::ScanPolicy ToScanPolicy(const Policy& policy) {
  scan::ScanPolicy out;
  out.gate.fail_on = policy.fail_on;
  out.gate.ignore_unfixed = policy.ignore_unfixed;
  out.gate.severities = policy.severities;
  out.gate.today = report::NowRfc3339().substr(0, 10);
  out.allow_incomplete = policy.allow_incomplete;
  return out;
}

Verdict MakeVerdict(const scan::ScanResult& result, std::string_view manifest_digest, std::string_view policy_digest,
                    std::string_view snapshot_digest) {
  Verdict v;
  v.manifest_digest = std::string(manifest_digest);
  v.policy_digest = std::string(policy_digest);
  v.snapshot_digest = std::string(snapshot_digest);
  v.exit_code = result.exit_code;
  v.passed = result.exit_code == scan::kExitClean;
  v.incomplete = result.incomplete;
  for (const char* name : {"CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE", "UNKNOWN"}) {
    v.counts[name] = 0;
  }
  const auto& findings = result.report.findings;  // sorted most severe first by the matcher
  for (const auto& f : findings) {
    ++v.counts[vulndb::SeverityName(f.severity)];
  }
  if (!findings.empty()) {
    auto worst = std::max_element(findings.begin(), findings.end(),
                                  [](const auto& a, const auto& b) { return a.severity < b.severity; });
    v.worst_severity = vulndb::SeverityName(worst->severity);
  }
  std::vector<const match::Finding*> ordered;
  ordered.reserve(findings.size());
  for (const auto& f : findings) {
    ordered.push_back(&f);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* a, const auto* b) { return a->severity > b->severity; });
  for (std::size_t i = 0; i < ordered.size() && i < 5; ++i) {
    const match::Finding& f = *ordered[i];
    v.worst.push_back({f.id, vulndb::SeverityName(f.severity), f.package.name, f.package.version, f.fixed_version});
  }
  v.decided_at = report::NowRfc3339();
  return v;
}

json VerdictToJson(const Verdict& v) {
  json worst = json::array();
  for (const auto& w : v.worst) {
    worst.push_back({{"id", w.id},
                     {"severity", w.severity},
                     {"package", w.package},
                     {"version", w.version},
                     {"fixed_version", w.fixed_version}});
  }
  return {{"manifest_digest", v.manifest_digest},
          {"policy_digest", v.policy_digest},
          {"snapshot_digest", v.snapshot_digest},
          {"passed", v.passed},
          {"exit_code", v.exit_code},
          {"incomplete", v.incomplete},
          {"worst_severity", v.worst_severity},
          {"counts", v.counts},
          {"worst", worst},
          {"decided_at", v.decided_at}};
}

}  // namespace customs::server
