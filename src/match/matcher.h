// Packages x advisories -> findings.
//
// OS packages match the advisories of their own distro and release ("debian:12") by SOURCE package name, comparing
// the installed SOURCE version with the distro's fixed version (a binNMU "+b1" belongs to the binary only). One finding
// per (vulnerability, binary package).
//
// Language packages match their OSV ecosystem (catalog::OsvEcosystem: "Maven", "npm", "PyPI", "Go", "crates.io",
// "RubyGems", "Packagist", "NuGet") by name, compared the way the ecosystem compares names (the store applies
// vulndb::NormalizePackageName: PEP 503 for PyPI...), evaluating the OSV ranges under the ecosystem's version scheme.
// They are matched whether or not an OS was detected (a scratch image holding one Go binary has Go findings).
//   - `unmatchable` packages are never matched (a Go main module at "(devel)", a crate from git, "2.x").
//   - A package with `owner` set (an OS package installed the files) is judged by the distro's advisories and skipped,
//     unless MatchOptions::match_os_owned.
//   - A Maven jar with `group_unknown` (its `name` is the bare artifactId) is matched as the one "groupId:artifactId"
//     the index knows with that artifactId; none: nothing to match; several: a warning, not matched. The package
//     keeps its name and `group_unknown`; its purl becomes the resolved one (MatchResult::resolved_maven).
//   - The Go toolchain is the module "stdlib" (OSV's package for the standard library); its version may carry the
//     toolchain's "go" prefix ("go1.19.5" is matched as 1.19.5).
//   - RustSec "informational" advisories (unmaintained, unsound, notice) are no vulnerabilities: skipped unless
//     MatchOptions::include_informational.
//
// Severity, with its source named in Finding::severity_source:
//   OS finding: the distro's rating ("debian"), NVD's ("nvd"), then a CVSS score: NVD's, the CVE record's CNA's, then
//     an ADP's (CISA's Vulnrichment), then the CNA's own text rating ("cna:openssl"), then any other vector.
//   Language finding: the record's own CVSS vector (v4 before v3: "cvss:ghsa", "cvss:osv-go"), GitHub's
//     database_specific severity ("ghsa"), then NVD's or the CVE record's CVSS by the CVE alias; else UNKNOWN.
//   A CVSS-derived severity uses NVD's qualitative ranges (9.0 critical, 7.0 high, 4.0 medium, > 0 low).
//
// Every reason the match may have missed a vulnerability is an `incomplete` diagnostic: OS packages with no OS
// detected, a detected OS the store has no advisories for, an ecosystem with packages to match but no advisories in
// the store (one per ecosystem, naming how many packages went unchecked), and a package with advisories whose
// installed version the ecosystem's scheme cannot read. An image with no package at all gives none.
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
  // "debian", "nvd", "ghsa", "cna:<CNA>", "cvss:<who scored it>" ("cvss:ghsa", "cvss:nvd@nist.gov",
  // "cvss:adp:CISA-ADP"), "" when unknown.
  std::string severity_source;
  FindingStatus status = FindingStatus::kAffected;
  catalog::Package package;
  std::string fixed_version;
  // The vector the severity came from when it came from CVSS; otherwise the highest-scoring vector known.
  std::optional<vulndb::Cvss> cvss;
  std::optional<vulndb::Kev> kev;
  std::optional<vulndb::Epss> epss;
  std::string title;
  std::vector<std::string> references;
  std::string source;     // feed that said so ("debian", "osv-maven")
  std::string record_id;  // its record ("CVE-2023-1234", "DSA-5417-1", "GHSA-jfh8-c2jp-5v3q")
  // Language packages: the advisory package name the package was matched as, when it differs from package.name (a
  // Maven artifactId resolved to "groupId:artifactId"); empty otherwise.
  std::string matched_as;
  InUse in_use = InUse::kNotEvaluated;
};

// "debian:12", "ubuntu:22.04", "alpine:3.20", "rhel:9"; empty when the OS is unknown or unsupported.
std::string OsNamespace(const catalog::OsInfo& os);

struct MatchOptions {
  // Also match language packages that an OS package owns (`customs image --os-owned match`).
  bool match_os_owned = false;
  // Report RustSec informational advisories (unmaintained, unsound, notice) as findings.
  bool include_informational = false;
};

// A Maven jar without a groupId that the index resolved to its one "groupId:artifactId".
struct ResolvedMavenPackage {
  std::size_t index;  // into the packages given to MatchPackages
  std::string name;   // "org.apache.logging.log4j:log4j-core"
  std::string purl;   // "pkg:maven/org.apache.logging.log4j/log4j-core@2.8"
};

struct MatchResult {
  std::vector<Finding> findings;  // sorted by severity (highest first), id, package
  // Every resolved jar, affected or not. Its findings carry the resolved purl already; the caller gives the inventory
  // package the same purl, so a report's components and the findings that affect them name one identity.
  std::vector<ResolvedMavenPackage> resolved_maven;
};

// Fails only when the store cannot be read; unknown releases, missing data and unparseable versions are diagnostics.
[[nodiscard]] Result<MatchResult> MatchPackages(const std::vector<catalog::Package>& packages,
                                                const catalog::OsInfo& os, const vulndb::AdvisoryIndex& index,
                                                Diagnostics& diagnostics, const MatchOptions& options = {});

}  // namespace customs::match
