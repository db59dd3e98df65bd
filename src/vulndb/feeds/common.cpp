// Format detection, dispatch and namespace helpers shared by the feed parsers.
#include <algorithm>
#include <cctype>
#include <string>

#include "vulndb/cvss.h"
#include "vulndb/feeds/feed.h"

namespace customs::vulndb {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.ends_with(suffix);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view SkipSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n' ||
                        s.front() == '\xef' || s.front() == '\xbb' || s.front() == '\xbf')) {
    s.remove_prefix(1);
  }
  return s;
}

}  // namespace

const char* FeedFormatName(FeedFormat format) {
  switch (format) {
    case FeedFormat::kUnknown: return "unknown";
    case FeedFormat::kOsvJson: return "osv-json";
    case FeedFormat::kOsvYaml: return "osv-yaml";
    case FeedFormat::kOsvZip: return "osv-zip";
    case FeedFormat::kDebianTracker: return "debian-tracker-json";
    case FeedFormat::kDebianDsaList: return "debian-dsa-list";
    case FeedFormat::kDebianCveList: return "debian-cve-list";
    case FeedFormat::kAlpineSecdb: return "alpine-secdb";
    case FeedFormat::kNvd: return "nvd-api-2.0";
    case FeedFormat::kKev: return "cisa-kev";
    case FeedFormat::kEpss: return "epss-csv";
    case FeedFormat::kCveRecord: return "cve-json-5";
  }
  return "unknown";
}

FeedFormat DetectFormat(std::string_view name, std::string_view head) {
  std::string lower_name = Lower(name);
  if (head.starts_with("PK\x03\x04") || head.starts_with("PK\x05\x06")) {
    return FeedFormat::kOsvZip;
  }
  if (EndsWith(lower_name, ".zip")) {
    return FeedFormat::kOsvZip;
  }
  std::string_view body = SkipSpace(head);
  if (body.starts_with("{")) {
    // JSON: look at the keys near the start.
    if (head.find("\"$schema\"") != std::string_view::npos && head.find("\"type\"") != std::string_view::npos) {
      return FeedFormat::kUnknown;  // a JSON schema, not data
    }
    // CVE JSON 5: "dataType": "CVE_RECORD" and cveMetadata usually lead, but a record may open with its containers.
    if (head.find("\"CVE_RECORD\"") != std::string_view::npos ||
        head.find("\"cveMetadata\"") != std::string_view::npos ||
        (body.starts_with("{") && head.find("\"containers\"") != std::string_view::npos &&
         head.find("\"cna\"") != std::string_view::npos &&
         head.find("\"providerMetadata\"") != std::string_view::npos)) {
      return FeedFormat::kCveRecord;
    }
    if (head.find("\"catalogVersion\"") != std::string_view::npos ||
        head.find("\"knownRansomwareCampaignUse\"") != std::string_view::npos) {
      return FeedFormat::kKev;
    }
    if (head.find("\"resultsPerPage\"") != std::string_view::npos ||
        head.find("\"NVD_CVE\"") != std::string_view::npos) {
      return FeedFormat::kNvd;
    }
    if (head.find("\"distroversion\"") != std::string_view::npos &&
        head.find("\"packages\"") != std::string_view::npos) {
      return FeedFormat::kAlpineSecdb;
    }
    if (head.find("\"releases\"") != std::string_view::npos &&
        (head.find("\"CVE-") != std::string_view::npos || head.find("\"TEMP-") != std::string_view::npos)) {
      if (head.find("\"affected\"") == std::string_view::npos) {
        return FeedFormat::kDebianTracker;
      }
    }
    if (head.find("\"id\"") != std::string_view::npos &&
        (head.find("\"affected\"") != std::string_view::npos || head.find("\"modified\"") != std::string_view::npos ||
         head.find("\"schema_version\"") != std::string_view::npos)) {
      return FeedFormat::kOsvJson;
    }
    return FeedFormat::kUnknown;
  }
  if (body.starts_with("[") &&
      (body.find("] DSA-") != std::string_view::npos || body.find("] DLA-") != std::string_view::npos)) {
    return FeedFormat::kDebianDsaList;
  }
  if (body.starts_with("CVE-") &&
      (body.find("\n\t- ") != std::string_view::npos || body.find("\n\t[") != std::string_view::npos ||
       body.find("\n\tNOT-FOR-US") != std::string_view::npos || body.find("\n\tRESERVED") != std::string_view::npos)) {
    return FeedFormat::kDebianCveList;
  }
  if (body.starts_with("#model_version") || body.starts_with("cve,epss")) {
    return FeedFormat::kEpss;
  }
  if (EndsWith(lower_name, ".yaml") || EndsWith(lower_name, ".yml") || body.starts_with("---") ||
      body.starts_with("id:")) {
    if (head.find("distroversion:") != std::string_view::npos) {
      return FeedFormat::kAlpineSecdb;
    }
    bool top_level_id = body.starts_with("id:") || head.find("\nid:") != std::string_view::npos;
    if (top_level_id &&
        (head.find("affected:") != std::string_view::npos || head.find("modified:") != std::string_view::npos)) {
      return FeedFormat::kOsvYaml;
    }
  }
  return FeedFormat::kUnknown;
}

Status ParseFeed(FeedFormat format, std::string_view content, std::string_view origin, FeedBatch& batch,
                 Diagnostics& diagnostics) {
  switch (format) {
    case FeedFormat::kOsvJson: return ParseOsvJson(content, origin, batch, diagnostics);
    case FeedFormat::kOsvYaml: return ParseOsvYaml(content, origin, batch, diagnostics);
    case FeedFormat::kOsvZip: return ParseOsvZip(content, origin, batch, diagnostics);
    case FeedFormat::kDebianTracker: return ParseDebianTracker(content, origin, batch, diagnostics);
    case FeedFormat::kDebianDsaList: return ParseDebianDsaList(content, origin, batch, diagnostics);
    case FeedFormat::kDebianCveList: return ParseDebianCveList(content, origin, batch, diagnostics);
    case FeedFormat::kAlpineSecdb: return ParseAlpineSecdb(content, origin, batch, diagnostics);
    case FeedFormat::kNvd: return ParseNvd(content, origin, batch, diagnostics);
    case FeedFormat::kKev: return ParseKev(content, origin, batch, diagnostics);
    case FeedFormat::kEpss: return ParseEpss(content, origin, batch, diagnostics);
    case FeedFormat::kCveRecord: return ParseCveRecord(content, origin, batch, diagnostics);
    case FeedFormat::kUnknown: break;
  }
  return MakeError(ErrorCode::kUnsupported, "{}: unrecognised feed format", origin);
}

std::optional<std::string> DebianReleaseNumber(std::string_view codename) {
  static constexpr std::pair<const char*, const char*> kReleases[] = {
      {"buzz", "1.1"},  {"rex", "1.2"},   {"bo", "1.3"},    {"hamm", "2.0"},    {"slink", "2.1"},   {"potato", "2.2"},
      {"woody", "3.0"}, {"sarge", "3.1"}, {"etch", "4"},    {"lenny", "5"},     {"squeeze", "6"},   {"wheezy", "7"},
      {"jessie", "8"},  {"stretch", "9"}, {"buster", "10"}, {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"},
      {"forky", "14"},  {"duke", "15"},   {"sid", "sid"}};
  for (const auto& [name, number] : kReleases) {
    if (codename == name) {
      return std::string(number);
    }
  }
  return std::nullopt;
}

std::string NormalizeEcosystem(std::string_view osv_ecosystem) {
  std::vector<std::string_view> parts;
  std::string_view rest = osv_ecosystem;
  while (true) {
    std::size_t colon = rest.find(':');
    parts.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) {
      break;
    }
    rest = rest.substr(colon + 1);
  }
  if (parts.size() < 2) {
    return std::string(osv_ecosystem);
  }
  std::string_view base = parts[0];
  if (base == "Ubuntu") {
    bool pro = false;
    std::string release;
    std::string extra;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      if (parts[i] == "Pro") {
        pro = true;
      } else if (parts[i] == "LTS") {
        continue;
      } else if (release.empty() && !parts[i].empty() && std::isdigit(static_cast<unsigned char>(parts[i][0]))) {
        release = std::string(parts[i]);
      } else {
        extra += ":" + Lower(parts[i]);
      }
    }
    return fmt::format("{}:{}{}", pro ? "ubuntu-pro" : "ubuntu", release, extra);
  }
  if (base == "Debian") {
    std::string_view release = parts[1];
    if (auto number = DebianReleaseNumber(release)) {
      return "debian:" + *number;
    }
    return "debian:" + std::string(release);
  }
  if (base == "Alpine") {
    std::string_view release = parts[1];
    if (release.starts_with("v")) {
      release.remove_prefix(1);
    }
    return "alpine:" + std::string(release);
  }
  return std::string(osv_ecosystem);
}

Severity SeverityFromWord(std::string_view word) {
  std::string w = Lower(word);
  while (!w.empty() && (w.back() == '*' || w.back() == ' ')) {
    w.pop_back();
  }
  if (w == "unimportant" || w == "negligible") {
    return Severity::kNegligible;
  }
  if (w == "low") {
    return Severity::kLow;
  }
  if (w == "medium" || w == "moderate") {
    return Severity::kMedium;
  }
  if (w == "high" || w == "important") {
    return Severity::kHigh;
  }
  if (w == "critical") {
    return Severity::kCritical;
  }
  return Severity::kUnknown;
}

Cvss MakeCvss(std::string source, std::string vector, std::string_view record_id, Diagnostics& diagnostics) {
  Cvss cvss;
  cvss.source = std::move(source);
  cvss.vector = std::move(vector);
  auto version = CvssVersionOf(cvss.vector);
  if (version) {
    cvss.version = *version;
  }
  auto score = CvssBaseScore(cvss.vector);
  if (score) {
    cvss.base_score = *score;
  } else {
    diagnostics.Warn("vulndb/cvss", std::string(record_id), score.error().message());
  }
  return cvss;
}

}  // namespace customs::vulndb
