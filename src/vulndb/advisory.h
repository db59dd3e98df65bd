// The advisory model the store keeps and the matcher reads.
// CONTRACT shared with match/report: keep these names; the vulndb module owns and may extend them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "version/range.h"

namespace customs::vulndb {

enum class Severity { kUnknown, kNegligible, kLow, kMedium, kHigh, kCritical };
const char* SeverityName(Severity severity);  // "UNKNOWN", "NEGLIGIBLE", "LOW", "MEDIUM", "HIGH", "CRITICAL"
std::optional<Severity> ParseSeverityName(std::string_view name);  // inverse of SeverityName

// The status of one package under one advisory, as the source states it.
enum class AffectedStatus { kFixed, kAffectedNoFix, kWillNotFix, kNotAffected, kEndOfLife };
const char* AffectedStatusName(
    AffectedStatus status);  // "fixed", "affected", "will_not_fix", "not_affected", "end_of_life"
std::optional<AffectedStatus> ParseAffectedStatusName(std::string_view name);  // inverse of AffectedStatusName

struct Cvss {
  // Who scored it: "nvd@nist.gov" (NVD's primary score), "ghsa" (a GitHub advisory's own vector), an OSV feed
  // ("osv-go", "osv-crates.io"), "cna:<CNA short name>" / "adp:<ADP short name>" (a CVE record's containers, e.g.
  // "cna:redhat", "adp:CISA-ADP").
  std::string source;
  std::string version;  // "2.0", "3.0", "3.1", "4.0"
  std::string vector;
  double base_score = 0;  // computed from the vector
};

struct SourceSeverity {
  // "debian", "nvd", "alpine", "ubuntu", "ghsa" (database_specific.severity), "cna:<CNA>" (a CVE record's text
  // rating, e.g. OpenSSL's "Moderate")
  std::string source;
  Severity severity = Severity::kUnknown;
  std::string raw;  // as the source wrote it ("low", "unimportant", "HIGH")
};

struct Kev {
  std::string date_added;
  std::string due_date;
  bool known_ransomware = false;
};

struct Epss {
  double score = 0;
  double percentile = 0;
};

struct Vulnerability {
  std::string id;  // the canonical id: the CVE where one exists
  std::vector<std::string> aliases;
  std::string summary;
  std::string details;
  std::string published;
  std::string modified;
  std::string withdrawn;  // non-empty only when every source record of this vulnerability is withdrawn
  // Advisories that cover this vulnerability together with others (a DSA or USN fixing several CVEs): they are not
  // aliases, because one DSA is not one CVE.
  std::vector<std::string> related;
  std::vector<std::string> references;
  std::vector<Cvss> cvss;
  std::vector<SourceSeverity> severities;
  std::optional<Kev> kev;
  std::optional<Epss> epss;
};

// One package's status under one vulnerability, from one source.
struct AffectedPackage {
  std::string vulnerability_id;  // canonical id (joins Vulnerability::id)
  std::string record_id;         // the source record ("DSA-5417-1", "GO-2023-1234", "CVE-2023-1234")
  std::string source;            // feed name: "debian", "osv-go", "alpine", "ubuntu", "nvd"
  std::string ecosystem;         // "debian:12", "ubuntu:22.04", "alpine:3.20", "Go", "PyPI", "crates.io"
  std::string package;           // source package for Debian/Ubuntu
  AffectedStatus status = AffectedStatus::kFixed;
  std::string fixed_version;         // distro records: the fixed version (empty when none)
  version::AffectedSpec spec;        // OSV records: the ranges and versions
  std::optional<Severity> severity;  // the source's own rating of this package's issue (distro urgency)
  std::string severity_raw;
  // RustSec's informational kinds ("unmaintained", "unsound", "notice"): not a vulnerability; empty otherwise.
  std::string informational;
};

// The name under which a package is looked up in `ecosystem`, so that spellings the ecosystem treats as one name
// meet: PyPI per PEP 503 (lower case, runs of "-", "_", "." -> "-"); NuGet and Packagist case-insensitive (lower
// case); crates.io case-insensitive with "-" == "_" (crates.io refuses names differing only so); every other
// ecosystem (npm, Maven, Go, RubyGems, the distros) as written.
std::string NormalizePackageName(std::string_view ecosystem, std::string_view name);

// The artifactId of a Maven "groupId:artifactId" name; the whole name when it has no ':'.
std::string_view MavenArtifactId(std::string_view name);

// Who authored a record's own ratings: "ghsa" for GitHub advisories (GHSA-...), else the feed (`source`). The OSV
// parser labels a record's CVSS vectors and database_specific severity with it, and the matcher looks them up by it.
std::string RecordAuthority(std::string_view record_id, std::string_view source);

}  // namespace customs::vulndb
