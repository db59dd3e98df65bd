#include "match/matcher.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "catalog/cataloger.h"
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
  if (first == std::string_view::npos) {
    return std::string(version);
  }
  std::size_t second = version.find('.', first + 1);
  return std::string(version.substr(0, second));
}

// NVD's CVSS v3 qualitative ranges (also used for v4 and, per NVD, a v2 fallback).
vulndb::Severity SeverityFromScore(double score) {
  if (score >= 9.0) {
    return vulndb::Severity::kCritical;
  }
  if (score >= 7.0) {
    return vulndb::Severity::kHigh;
  }
  if (score >= 4.0) {
    return vulndb::Severity::kMedium;
  }
  if (score > 0.0) {
    return vulndb::Severity::kLow;
  }
  return vulndb::Severity::kUnknown;
}

// "4.0" > "3.1" > "3.0" > "2.0"; 0 when unknown.
int CvssVersionRank(std::string_view version) {
  if (version.starts_with("4")) {
    return 40;
  }
  if (version == "3.1") {
    return 31;
  }
  if (version.starts_with("3")) {
    return 30;
  }
  if (version.starts_with("2")) {
    return 20;
  }
  return 0;
}

// A severity and who said so; `cvss` when it came from a vector.
struct Rating {
  vulndb::Severity severity = vulndb::Severity::kUnknown;
  std::string source;
  const vulndb::Cvss* cvss = nullptr;
};

// The newest-version, then highest-scoring, scored vector that `accept` takes (v3 and later only when `v3_or_newer`).
std::optional<Rating> FromCvss(const vulndb::Vulnerability& v, const std::function<bool(const vulndb::Cvss&)>& accept,
                               bool v3_or_newer = false) {
  const vulndb::Cvss* best = nullptr;
  for (const auto& c : v.cvss) {
    if (c.base_score <= 0 || !accept(c)) {
      continue;
    }
    int rank = CvssVersionRank(c.version);
    if (v3_or_newer && rank < 30) {
      continue;
    }
    if (best == nullptr || rank > CvssVersionRank(best->version) ||
        (rank == CvssVersionRank(best->version) && c.base_score > best->base_score)) {
      best = &c;
    }
  }
  if (best == nullptr) {
    return std::nullopt;
  }
  return Rating{SeverityFromScore(best->base_score), "cvss:" + best->source, best};
}

std::optional<Rating> FromWords(const vulndb::Vulnerability& v,
                                const std::function<bool(const vulndb::SourceSeverity&)>& accept) {
  for (const auto& s : v.severities) {
    if (s.severity != vulndb::Severity::kUnknown && accept(s)) {
      return Rating{s.severity, s.source, nullptr};
    }
  }
  return std::nullopt;
}

bool IsNvd(const vulndb::Cvss& c) {
  return c.source == "nvd@nist.gov";
}
bool IsCna(const vulndb::Cvss& c) {
  return c.source.starts_with("cna:");
}
bool IsAdp(const vulndb::Cvss& c) {
  return c.source.starts_with("adp:");
}

// NVD's or the CVE record's CVSS (CNA, then ADP): the fallback both kinds of finding share.
std::optional<Rating> FromNvdOrCveRecord(const vulndb::Vulnerability& v, bool v3_or_newer) {
  if (auto r = FromCvss(v, IsNvd, v3_or_newer)) {
    return r;
  }
  if (auto r = FromCvss(v, IsCna, v3_or_newer)) {
    return r;
  }
  return FromCvss(v, IsAdp, v3_or_newer);
}

Rating OsRating(const vulndb::Vulnerability& v, const std::optional<vulndb::Severity>& row_severity,
                const std::string& distro) {
  if (row_severity && *row_severity != vulndb::Severity::kUnknown) {
    return {*row_severity, distro, nullptr};
  }
  if (auto r = FromWords(v, [&](const auto& s) { return s.source == distro; })) {
    return *r;
  }
  if (auto r = FromWords(v, [](const auto& s) { return s.source == "nvd"; })) {
    return *r;
  }
  if (auto r = FromNvdOrCveRecord(v, false)) {
    return *r;
  }
  if (auto r = FromWords(v, [](const auto& s) { return s.source.starts_with("cna:"); })) {
    return *r;
  }
  if (auto r = FromCvss(v, [](const auto&) { return true; })) {
    return *r;
  }
  return {};
}

Rating LanguageRating(const vulndb::Vulnerability& v, const vulndb::AffectedPackage& row) {
  const std::string authority = vulndb::RecordAuthority(row.record_id, row.source);
  if (auto r = FromCvss(
          v, [&](const auto& c) { return c.source == authority; }, true)) {
    return *r;
  }
  if (auto r = FromWords(v, [](const auto& s) { return s.source == "ghsa"; })) {
    return *r;
  }
  if (auto r = FromNvdOrCveRecord(v, true)) {
    return *r;
  }
  return {};
}

void Enrich(Finding& finding, const vulndb::Vulnerability& v, const Rating& rating) {
  finding.id = v.id;
  finding.aliases = v.aliases;
  finding.title = v.summary.empty() ? v.details.substr(0, 200) : v.summary;
  finding.references = v.references;
  finding.kev = v.kev;
  finding.epss = v.epss;
  finding.severity = rating.severity;
  finding.severity_source = rating.source;
  if (rating.cvss != nullptr) {
    finding.cvss = *rating.cvss;
    return;
  }
  for (const auto& cvss : v.cvss) {
    if (!finding.cvss || cvss.base_score > finding.cvss->base_score) {
      finding.cvss = cvss;
    }
  }
}

// Findings of one match run, with one finding per (vulnerability, package instance) and the store's vulnerability
// documents read once.
class Collector {
 public:
  Collector(const vulndb::AdvisoryIndex& index, MatchResult& result) : index_(index), result_(result) {}

  // The finding already made for `key`, or nullptr.
  Finding* Existing(const std::tuple<std::string, std::string, std::string, std::string>& key) {
    auto it = seen_.find(key);
    return it == seen_.end() ? nullptr : &result_.findings[it->second];
  }

  Result<const std::optional<vulndb::Vulnerability>*> Vulnerability(const std::string& id) {
    auto it = vulnerabilities_.find(id);
    if (it == vulnerabilities_.end()) {
      CUSTOMS_ASSIGN_OR_RETURN(auto vulnerability, index_.GetVulnerability(id));
      it = vulnerabilities_.emplace(id, std::move(vulnerability)).first;
    }
    return &it->second;
  }

  void Add(std::tuple<std::string, std::string, std::string, std::string> key, Finding finding) {
    seen_.emplace(std::move(key), result_.findings.size());
    result_.findings.push_back(std::move(finding));
  }

 private:
  const vulndb::AdvisoryIndex& index_;
  MatchResult& result_;
  std::map<std::string, std::optional<vulndb::Vulnerability>, std::less<>> vulnerabilities_;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::size_t> seen_;
};

// A later row about the same vulnerability and package keeps the nearest fixed version above the installed one.
void KeepNearestFix(Finding& kept, const Finding& candidate, const vulndb::AffectedPackage& advisory,
                    version::Scheme scheme) {
  if (candidate.fixed_version.empty()) {
    return;
  }
  bool nearer = kept.fixed_version.empty();
  if (!nearer) {
    if (auto order = version::Compare(scheme, candidate.fixed_version, kept.fixed_version)) {
      nearer = *order < 0;
    }
  }
  if (nearer) {
    kept.fixed_version = candidate.fixed_version;
    kept.status = candidate.status;
    kept.source = advisory.source;
    kept.record_id = advisory.record_id;
  }
}

Status MatchOsPackages(const std::vector<const catalog::Package*>& packages, const catalog::OsInfo& os,
                       const vulndb::AdvisoryIndex& index, Diagnostics& diagnostics, Collector& collector) {
  if (packages.empty()) {
    return Ok();
  }
  const std::string ns = OsNamespace(os);
  if (ns.empty()) {
    diagnostics.Incomplete(
        kSource, "os", fmt::format("operating system not detected: {} OS packages were not matched", packages.size()));
    return Ok();
  }
  if (!index.HasEcosystem(ns)) {
    diagnostics.Incomplete(kSource, ns,
                           fmt::format("no advisories for {} {} in the store: its {} packages were not checked",
                                       os.family, os.version, packages.size()));
    return Ok();
  }
  auto scheme = version::SchemeForEcosystem(ns);
  if (!scheme) {
    return MakeError(ErrorCode::kUnsupported, "no version scheme for {}", ns);
  }

  // Query each source package once.
  std::map<std::string, std::vector<vulndb::AffectedPackage>, std::less<>> by_source;
  for (const catalog::Package* package : packages) {
    const std::string& source = package->source_name.empty() ? package->name : package->source_name;
    if (by_source.count(source)) {
      continue;
    }
    CUSTOMS_ASSIGN_OR_RETURN(auto affected, index.FindAffected(ns, source));
    by_source.emplace(source, std::move(affected));
  }
  const std::string distro_name = os.family;
  for (const catalog::Package* package : packages) {
    const std::string& source = package->source_name.empty() ? package->name : package->source_name;
    const std::string& installed = package->source_version.empty() ? package->version : package->source_version;
    for (const auto& advisory : by_source[source]) {
      Finding finding;
      switch (advisory.status) {
        case vulndb::AffectedStatus::kNotAffected: continue;
        case vulndb::AffectedStatus::kFixed: {
          if (!advisory.spec.ranges.empty() || !advisory.spec.versions.empty()) {
            // OSV-style record (Ubuntu OSV, upstream ecosystems): evaluate its ranges under the distro's scheme.
            auto verdict = version::Evaluate(*scheme, advisory.spec, installed, &diagnostics);
            if (!verdict) {
              diagnostics.Warn(kSource, fmt::format("{} {}", package->name, advisory.vulnerability_id),
                               verdict.error().message());
              continue;
            }
            if (!verdict->affected) {
              continue;
            }
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
            diagnostics.Warn(kSource, fmt::format("{} {}", package->name, advisory.vulnerability_id),
                             order.error().message());
            continue;
          }
          if (*order >= 0) {
            continue;
          }
          finding.status = FindingStatus::kFixed;
          finding.fixed_version = advisory.fixed_version;
          break;
        }
        case vulndb::AffectedStatus::kAffectedNoFix: finding.status = FindingStatus::kAffected; break;
        case vulndb::AffectedStatus::kWillNotFix: finding.status = FindingStatus::kWillNotFix; break;
        case vulndb::AffectedStatus::kEndOfLife: finding.status = FindingStatus::kEndOfLife; break;
      }
      auto key = std::make_tuple(advisory.vulnerability_id, package->name, package->version, std::string());
      if (Finding* kept = collector.Existing(key)) {
        KeepNearestFix(*kept, finding, advisory, *scheme);
        continue;
      }
      finding.package = *package;
      finding.package.files.clear();  // reports never need the file list
      finding.source = advisory.source;
      finding.record_id = advisory.record_id;
      finding.id = advisory.vulnerability_id;
      CUSTOMS_ASSIGN_OR_RETURN(const auto* vulnerability, collector.Vulnerability(advisory.vulnerability_id));
      if (*vulnerability) {
        Enrich(finding, **vulnerability, OsRating(**vulnerability, advisory.severity, distro_name));
      } else if (advisory.severity) {
        finding.severity = *advisory.severity;
        finding.severity_source = distro_name;
      }
      collector.Add(std::move(key), std::move(finding));
    }
  }
  return Ok();
}

// The purl of a jar without a groupId under the "groupId:artifactId" the index resolved it to.
std::string ResolvedMavenPurl(const catalog::Package& package, const std::string& group_artifact) {
  catalog::Package named = package;
  named.files.clear();
  named.name = group_artifact;
  named.group_unknown = false;
  return catalog::MakePurl(named, catalog::OsInfo{});
}

// The version a language package is compared with: the Go toolchain's "go1.19.5" is OSV's stdlib 1.19.5.
std::string InstalledVersion(const catalog::Package& package) {
  if (package.type == catalog::PackageType::kGolang && package.name == "stdlib" && package.version.starts_with("go")) {
    return package.version.substr(2);
  }
  return package.version;
}

Status MatchLanguagePackages(const std::vector<const catalog::Package*>& packages, const vulndb::AdvisoryIndex& index,
                             Diagnostics& diagnostics, const MatchOptions& options, Collector& collector,
                             std::vector<std::pair<const catalog::Package*, std::string>>& resolved) {
  // Which packages take part, per ecosystem (in a fixed order, so diagnostics come out the same every run).
  std::map<std::string, std::vector<const catalog::Package*>> by_ecosystem;
  std::size_t owned = 0;
  for (const catalog::Package* package : packages) {
    if (package->unmatchable) {
      continue;
    }
    if (!package->owner.empty() && !options.match_os_owned) {
      ++owned;
      continue;
    }
    by_ecosystem[std::string(catalog::OsvEcosystem(package->type))].push_back(package);
  }
  if (owned > 0) {
    diagnostics.Info(kSource, "os-owned",
                     fmt::format("{} language packages installed by OS packages were left to the distro's advisories "
                                 "(--os-owned match matches them against their ecosystem too)",
                                 owned));
  }
  for (const auto& [ecosystem, members] : by_ecosystem) {
    if (!index.HasEcosystem(ecosystem)) {
      diagnostics.Incomplete(kSource, ecosystem,
                             fmt::format("no {} advisories in the store: {} {} package{} not checked", ecosystem,
                                         members.size(), ecosystem, members.size() == 1 ? " was" : "s were"));
      continue;
    }
    auto scheme = version::SchemeForEcosystem(ecosystem);
    if (!scheme) {
      return MakeError(ErrorCode::kUnsupported, "no version scheme for {}", ecosystem);
    }
    std::map<std::string, std::vector<vulndb::AffectedPackage>, std::less<>> rows_by_name;
    for (const catalog::Package* package : members) {
      std::string query = package->name;
      if (package->type == catalog::PackageType::kMaven && package->group_unknown) {
        CUSTOMS_ASSIGN_OR_RETURN(auto candidates, index.MavenPackagesByArtifactId(package->name));
        if (candidates.empty()) {
          continue;  // no advisory names this artifactId under any groupId
        }
        if (candidates.size() > 1) {
          std::string names;
          for (const auto& c : candidates) {
            names += (names.empty() ? "" : ", ") + c;
          }
          diagnostics.Warn(kSource, package->location.empty() ? package->name : package->location,
                           fmt::format("{} {}: the groupId is unknown and advisories name {} packages with this "
                                       "artifactId ({}): not matched",
                                       package->name, package->version, candidates.size(), names));
          continue;
        }
        query = candidates.front();
        resolved.emplace_back(package, query);
      }
      auto cached = rows_by_name.find(query);
      if (cached == rows_by_name.end()) {
        CUSTOMS_ASSIGN_OR_RETURN(auto rows, index.FindAffected(ecosystem, query));
        cached = rows_by_name.emplace(query, std::move(rows)).first;
      }
      const std::string installed = InstalledVersion(*package);
      bool version_reported = false;
      for (const auto& advisory : cached->second) {
        if (advisory.status == vulndb::AffectedStatus::kNotAffected) {
          continue;
        }
        if (!advisory.informational.empty() && !options.include_informational) {
          continue;
        }
        auto verdict = version::Evaluate(*scheme, advisory.spec, installed, &diagnostics);
        if (!verdict) {
          // Advisories exist for this package and its version cannot be compared with them: a possible miss.
          if (!version_reported) {
            diagnostics.Incomplete(
                kSource, package->location.empty() ? package->name : package->location,
                fmt::format("{} {} {}: not checked against its {} advisories: {}", ecosystem, package->name,
                            package->version, cached->second.size(), verdict.error().message()));
            version_reported = true;
          }
          continue;
        }
        if (!verdict->affected) {
          continue;
        }
        Finding finding;
        finding.fixed_version = verdict->fixed_version;
        finding.status = verdict->fixed_version.empty() ? FindingStatus::kAffected : FindingStatus::kFixed;
        auto key = std::make_tuple(advisory.vulnerability_id, package->name, package->version, package->location);
        if (Finding* kept = collector.Existing(key)) {
          KeepNearestFix(*kept, finding, advisory, *scheme);
          continue;
        }
        finding.package = *package;
        finding.package.files.clear();
        finding.source = advisory.source;
        finding.record_id = advisory.record_id;
        finding.id = advisory.vulnerability_id;
        if (query != package->name) {
          finding.matched_as = query;
          finding.package.purl = ResolvedMavenPurl(*package, query);
        }
        CUSTOMS_ASSIGN_OR_RETURN(const auto* vulnerability, collector.Vulnerability(advisory.vulnerability_id));
        if (*vulnerability) {
          Enrich(finding, **vulnerability, LanguageRating(**vulnerability, advisory));
        }
        collector.Add(std::move(key), std::move(finding));
      }
    }
  }
  return Ok();
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
  if (!os.detected() || os.version.empty()) {
    return {};
  }
  if (os.family == "debian") {
    return "debian:" + MajorOf(os.version);
  }
  if (os.family == "ubuntu") {
    return "ubuntu:" + MajorMinorOf(os.version);
  }
  if (os.family == "alpine") {
    return "alpine:" + MajorMinorOf(os.version);
  }
  if (os.family == "rhel" || os.family == "centos" || os.family == "rocky" || os.family == "almalinux") {
    return "rhel:" + MajorOf(os.version);
  }
  return os.family + ":" + os.version;
}

Result<MatchResult> MatchPackages(const std::vector<catalog::Package>& packages, const catalog::OsInfo& os,
                                  const vulndb::AdvisoryIndex& index, Diagnostics& diagnostics,
                                  const MatchOptions& options) {
  MatchResult result;
  std::vector<const catalog::Package*> os_packages, language_packages;
  for (const auto& package : packages) {
    (catalog::IsOsPackage(package.type) ? os_packages : language_packages).push_back(&package);
  }
  Collector collector(index, result);
  CUSTOMS_RETURN_IF_ERROR(MatchOsPackages(os_packages, os, index, diagnostics, collector));
  std::vector<std::pair<const catalog::Package*, std::string>> resolved;
  CUSTOMS_RETURN_IF_ERROR(MatchLanguagePackages(language_packages, index, diagnostics, options, collector, resolved));
  for (auto& [package, name] : resolved) {
    std::string purl = ResolvedMavenPurl(*package, name);
    result.resolved_maven.push_back(
        {static_cast<std::size_t>(package - packages.data()), std::move(name), std::move(purl)});
  }
  std::sort(result.findings.begin(), result.findings.end(), [](const Finding& a, const Finding& b) {
    return std::make_tuple(-static_cast<int>(a.severity), a.id, a.package.name, a.package.version, a.package.location) <
           std::make_tuple(-static_cast<int>(b.severity), b.id, b.package.name, b.package.version, b.package.location);
  });
  return result;
}

}  // namespace customs::match
