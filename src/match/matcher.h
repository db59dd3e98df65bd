// Packages x advisories -> findings.
//
// OS packages match the advisories of their own distro and release ("debian:12") by SOURCE package name, comparing
// the installed SOURCE version with the distro's fixed version (a binNMU "+b1" belongs to the binary only). One finding
// per (vulnerability, binary package). A release the store has no data for is a diagnostic, never a clean result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/error.h"
#include "vulndb/advisory.h"
#include "vulndb/store.h"

namespace customs::match {

// What a finding means for the user: fixable now, or not (yet).
enum class FindingStatus { kFixed, kAffected, kWillNotFix, kEndOfLife };
const char* FindingStatusName(FindingStatus status);  // "fixed", "affected", "will_not_fix", "end_of_life"

// Whether any file of the finding's package was seen in use by the image's containers (customs image --usage, from
// customs watch --usage-out). kNotEvaluated: no usage record was given (reports then say nothing about use).
enum class InUse : std::uint8_t { kNotEvaluated, kUnknown, kTrue, kFalse };
const char* InUseName(InUse in_use);  // "", "unknown", "true", "false"

struct Finding {
  std::string id;  // canonical (the CVE when there is one)
  std::vector<std::string> aliases;
  vulndb::Severity severity = vulndb::Severity::kUnknown;
  std::string severity_source;  // "debian", "nvd", "cvss", "" when unknown
  FindingStatus status = FindingStatus::kAffected;
  catalog::Package package;
  std::string fixed_version;
  std::optional<vulndb::Cvss> cvss;  // the highest-scoring vector known
  std::optional<vulndb::Kev> kev;
  std::optional<vulndb::Epss> epss;
  std::string title;
  std::vector<std::string> references;
  std::string source;     // feed that said so ("debian")
  std::string record_id;  // its record ("CVE-2023-1234", "DSA-5417-1")
  InUse in_use = InUse::kNotEvaluated;
};

// "debian:12", "ubuntu:22.04", "alpine:3.20", "rhel:9"; empty when the OS is unknown or unsupported.
std::string OsNamespace(const catalog::OsInfo& os);

struct MatchResult {
  std::vector<Finding> findings;  // sorted by severity (highest first), id, package
};

// Fails only when the store cannot be read; unknown releases and unparseable versions are diagnostics.
[[nodiscard]] Result<MatchResult> MatchPackages(const std::vector<catalog::Package>& packages,
                                                const catalog::OsInfo& os, const vulndb::AdvisoryIndex& index,
                                                Diagnostics& diagnostics);

}  // namespace customs::match
