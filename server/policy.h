// The policy a verdict is computed under, its canonical JSON and digest, and the verdict itself.
//
// The server evaluates every image once per advisory snapshot under an empty policy (every finding shown; see
// scan::ApplyPolicy) and stores that result. A policy is then applied to the stored result, as often as needed and
// without the advisory store: the server's default policy (`fail_on`, `ignore_unfixed` in the config) and any policy a
// client names in its request. Verdicts are stored per (manifest digest, policy digest) for admission and the push
// gate, which look them up by digest and never scan inline.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "scan/scan.h"
#include "vulndb/advisory.h"

namespace customs::server {

struct Policy {
  std::optional<vulndb::Severity> fail_on;
  bool ignore_unfixed = false;
  std::set<vulndb::Severity> severities;  // shown severities; empty = all
  bool allow_incomplete = false;
};

// {"allow_incomplete":false,"fail_on":"HIGH","ignore_unfixed":true,"severities":["CRITICAL","HIGH"]}: keys sorted, no
// whitespace, severities highest first; fail_on null when unset. Equal policies have equal text.
std::string PolicyJson(const Policy& policy);
// "sha256:<hex>" of PolicyJson.
std::string PolicyDigest(const Policy& policy);
// Reads a policy object as clients send it (every key optional; severities as names, any case; unknown keys are
// refused so a typo never silently passes). kInvalidArgument naming the bad key.
[[nodiscard]] Result<Policy> ParsePolicy(const nlohmann::json& object);

scan::ScanPolicy ToScanPolicy(const Policy& policy);

struct WorstFinding {
  std::string id;
  std::string severity;
  std::string package;
  std::string version;
  std::string fixed_version;
};

struct Verdict {
  std::string manifest_digest;
  std::string policy_digest;
  std::string snapshot_digest;
  bool passed = true;
  int exit_code = 0;  // what `customs image` would exit with under this policy
  bool incomplete = false;
  std::string worst_severity = "NONE";  // of the shown findings
  std::map<std::string, int> counts;    // shown findings by severity name
  std::vector<WorstFinding> worst;      // up to 5 shown findings, most severe first
  std::string decided_at;
};

// The verdict for a result already gated under its policy.
Verdict MakeVerdict(const scan::ScanResult& result, std::string_view manifest_digest, std::string_view policy_digest,
                    std::string_view snapshot_digest);

nlohmann::json VerdictToJson(const Verdict& verdict);

}  // namespace customs::server
