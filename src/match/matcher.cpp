#include "match/matcher.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "version/range.h"
#include "version/version.h"

namespace customs::match {
namespace {

constexpr const char* kSource = "match";

std::string MajorOf(std::string_view version) {
  return std::string(version.substr(0, version.find('.')));
}

std::string MajorMinorOf(std::string_view version) {
  std::size_t first = version.find('.');
  if (first == std::string_view::npos) return std::string(version);
  std::size_t second = version.find('.', first + 1);
  return std::string(version.substr(0, second));
}

// NVD's CVSS v3 qualitative ranges (also used for v4 and, per NVD, a v2 fallback).
vulndb::Severity SeverityFromScore(double score) {
  if (score >= 9.0) return vulndb::Severity::kCritical;
  if (score >= 7.0) return vulndb::Severity::kHigh;
  if (score >= 4.0) return vulndb::Severity::kMedium;
  if (score > 0.0) return vulndb::Severity::kLow;
  return vulndb::Severity::kUnknown;
}

void Enrich(Finding& finding, const vulndb::Vulnerability& v, const std::optional<vulndb::Severity>& distro,
            const std::string& distro_name) {
  finding.id = v.id;
  finding.aliases = v.aliases;
  finding.title = v.summary.empty() ? v.details.substr(0, 200) : v.summary;
  finding.references = v.references;
  finding.kev = v.kev;
  finding.epss = v.epss;
  for (const auto& cvss : v.cvss) {
    if (!finding.cvss || cvss.base_score > finding.cvss->base_score) finding.cvss = cvss;
  }
  // The distro's own rating first, then NVD's, then a CVSS score, else UNKNOWN; always say which.
  if (distro && *distro != vulndb::Severity::kUnknown) {
    finding.severity = *distro;
    finding.severity_source = distro_name;
    return;
  }
  for (const auto& s : v.severities) {
    if (s.source == distro_name && s.severity != vulndb::Severity::kUnknown) {
      finding.severity = s.severity;
      finding.severity_source = s.source;
      return;
    }
  }
  for (const auto& s : v.severities) {
    if (s.source == "nvd" && s.severity != vulndb::Severity::kUnknown) {
      finding.severity = s.severity;
      finding.severity_source = "nvd";
      return;
    }
  }
  if (finding.cvss && finding.cvss->base_score > 0) {
    finding.severity = SeverityFromScore(finding.cvss->base_score);
    finding.severity_source = "cvss:" + finding.cvss->source;
  }
}

}  // namespace

const char* FindingStatusName(FindingStatus status) {
  switch (status) {
    case FindingStatus::kFixed: return "fixed";
    case FindingStatus::kAffected: return "affected";
    case FindingStatus::kWillNotFix: return "will_not_fix";
    case FindingStatus::kEndOfLife: return "end_of_life";
  }
  return "affected";
}

const char* InUseName(InUse in_use) {
  switch (in_use) {
    case InUse::kNotEvaluated: return "";
    case InUse::kUnknown: return "unknown";
    case InUse::kTrue: return "true";
    case InUse::kFalse: return "false";
  }
  return "";
}

std::string OsNamespace(const catalog::OsInfo& os) {
  if (!os.detected() || os.version.empty()) return {};
  if (os.family == "debian") return "debian:" + MajorOf(os.version);
  if (os.family == "ubuntu") return "ubuntu:" + MajorMinorOf(os.version);
  if (os.family == "alpine") return "alpine:" + MajorMinorOf(os.version);
  if (os.family == "rhel" || os.family == "centos" || os.family == "rocky" || os.family == "almalinux") {
    return "rhel:" + MajorOf(os.version);
  }
  return os.family + ":" + os.version;
}

Result<MatchResult> MatchPackages(const std::vector<catalog::Package>& packages, const catalog::OsInfo& os,
                                  const vulndb::AdvisoryIndex& index, Diagnostics& diagnostics) {
  MatchResult result;
  if (packages.empty()) return result;
  const std::string ns = OsNamespace(os);
  if (ns.empty()) {
    diagnostics.Warn(kSource, "os",
                     fmt::format("operating system not detected: {} OS packages were not matched", packages.size()));
    return result;
  }
  if (!index.HasEcosystem(ns)) {
    diagnostics.Warn(kSource, ns,
                     fmt::format("no advisories for {} {} in the store: its {} packages were not checked", os.family,
                                 os.version, packages.size()));
    return result;
  }
  auto scheme = version::SchemeForEcosystem(ns);
  if (!scheme) return MakeError(ErrorCode::kUnsupported, "no version scheme for {}", ns);

  // Query each source package once.
  std::map<std::string, std::vector<vulndb::AffectedPackage>, std::less<>> by_source;
  for (const auto& package : packages) {
    const std::string& source = package.source_name.empty() ? package.name : package.source_name;
    if (by_source.count(source)) continue;
    CUSTOMS_ASSIGN_OR_RETURN(auto affected, index.FindAffected(ns, source));
    by_source.emplace(source, std::move(affected));
  }
  std::map<std::string, std::optional<vulndb::Vulnerability>, std::less<>> vulnerabilities;
  // (id, package, version) -> index in result.findings: several rows (tracker, DSA, DLA) can speak about one
  // vulnerability and package; the finding keeps the nearest fixed version above the installed one.
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> seen;
  const std::string distro_name = os.family;
  for (const auto& package : packages) {
    const std::string& source = package.source_name.empty() ? package.name : package.source_name;
    const std::string& installed = package.source_version.empty() ? package.version : package.source_version;
    for (const auto& advisory : by_source[source]) {
      Finding finding;
      switch (advisory.status) {
        case vulndb::AffectedStatus::kNotAffected: continue;
        case vulndb::AffectedStatus::kFixed: {
          if (!advisory.spec.ranges.empty() || !advisory.spec.versions.empty()) {
            // OSV-style record (Ubuntu OSV, upstream ecosystems): evaluate its ranges under the distro's scheme.
            auto verdict = version::Evaluate(*scheme, advisory.spec, installed, &diagnostics);
            if (!verdict) {
              diagnostics.Warn(kSource, fmt::format("{} {}", package.name, advisory.vulnerability_id),
                               verdict.error().message());
              continue;
            }
            if (!verdict->affected) continue;
            finding.fixed_version = verdict->fixed_version;
            finding.status = verdict->fixed_version.empty() ? FindingStatus::kAffected : FindingStatus::kFixed;
            break;
          }
          if (advisory.fixed_version.empty()) {
            finding.status = FindingStatus::kAffected;
            break;
          }
          auto order = version::Compare(*scheme, installed, advisory.fixed_version);
          if (!order) {
            diagnostics.Warn(kSource, fmt::format("{} {}", package.name, advisory.vulnerability_id),
                             order.error().message());
            continue;
          }
          if (*order >= 0) continue;
          finding.status = FindingStatus::kFixed;
          finding.fixed_version = advisory.fixed_version;
          break;
        }
        case vulndb::AffectedStatus::kAffectedNoFix: finding.status = FindingStatus::kAffected; break;
        case vulndb::AffectedStatus::kWillNotFix: finding.status = FindingStatus::kWillNotFix; break;
        case vulndb::AffectedStatus::kEndOfLife: finding.status = FindingStatus::kEndOfLife; break;
      }
      auto key = std::make_tuple(advisory.vulnerability_id, package.name, package.version);
      if (auto it = seen.find(key); it != seen.end()) {
        Finding& kept = result.findings[it->second];
        bool nearer = false;
        if (!finding.fixed_version.empty()) {
          if (kept.fixed_version.empty()) {
            nearer = true;
          } else if (auto order = version::Compare(*scheme, finding.fixed_version, kept.fixed_version)) {
            nearer = *order < 0;
          }
        }
        if (nearer) {
          kept.fixed_version = finding.fixed_version;
          kept.status = finding.status;
          kept.source = advisory.source;
          kept.record_id = advisory.record_id;
        }
        continue;
      }
      seen.emplace(std::move(key), result.findings.size());
      finding.package = package;
      finding.package.files.clear();  // reports never need the file list
      finding.source = advisory.source;
      finding.record_id = advisory.record_id;
      finding.id = advisory.vulnerability_id;
      auto it = vulnerabilities.find(advisory.vulnerability_id);
      if (it == vulnerabilities.end()) {
        CUSTOMS_ASSIGN_OR_RETURN(auto vulnerability, index.GetVulnerability(advisory.vulnerability_id));
        it = vulnerabilities.emplace(advisory.vulnerability_id, std::move(vulnerability)).first;
      }
      if (it->second) {
        Enrich(finding, *it->second, advisory.severity, distro_name);
      } else if (advisory.severity) {
        finding.severity = *advisory.severity;
        finding.severity_source = distro_name;
      }
      result.findings.push_back(std::move(finding));
    }
  }
  std::sort(result.findings.begin(), result.findings.end(), [](const Finding& a, const Finding& b) {
    return std::make_tuple(-static_cast<int>(a.severity), a.id, a.package.name, a.package.version) <
           std::make_tuple(-static_cast<int>(b.severity), b.id, b.package.name, b.package.version);
  });
  return result;
}

}  // namespace customs::match
