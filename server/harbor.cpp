#include "server/harbor.h"

#include <algorithm>
#include <cctype>

#include "report/sbom.h"

namespace customs::server {
namespace {

using nlohmann::json;

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// "Type/Sub ; version=1.0 ;q=0.5" -> "type/sub;version=1.0" (q dropped, spaces removed, type lowercased).
std::string NormalizeMediaType(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    std::size_t semi = text.find(';', start);
    std::string part = Trim(text.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start));
    if (first) {
      std::transform(part.begin(), part.end(), part.begin(), [](unsigned char c) { return std::tolower(c); });
      out = part;
      first = false;
    } else if (!part.empty() && !(part.size() >= 2 && (part[0] == 'q' || part[0] == 'Q') && part[1] == '=')) {
      std::string key = Trim(std::string_view(part).substr(0, part.find('=')));
      std::string value =
          part.find('=') == std::string::npos ? "" : Trim(std::string_view(part).substr(part.find('=') + 1));
      out += fmt::format(";{}={}", key, value);
    }
    if (semi == std::string_view::npos) {
      break;
    }
    start = semi + 1;
  }
  return out;
}

bool IsSha256Digest(std::string_view digest) {
  if (digest.size() != 71 || !digest.starts_with("sha256:")) {
    return false;
  }
  return std::all_of(digest.begin() + 7, digest.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'); });
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool IsLoopbackHost(std::string_view host) {
  std::string h(
      host.substr(0, host.rfind(':') == std::string_view::npos || host.front() == '[' ? host.size() : host.rfind(':')));
  return h == "localhost" || h.starts_with("127.") || h == "[::1]" || host.starts_with("[::1]");
}

Result<std::string> StringField(const json& object, const char* key, const char* where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return MakeError(ErrorCode::kInvalidArgument, "{}.{} must be a string", where, key);
  }
  return it->get<std::string>();
}

json ScannerJson(std::string_view version) {
  return {{"name", "customs"}, {"vendor", "customs"}, {"version", std::string(version)}};
}

}  // namespace

std::string HarborSeverity(std::string_view s) {
  if (s == "CRITICAL") {
    return "Critical";
  }
  if (s == "HIGH") {
    return "High";
  }
  if (s == "MEDIUM") {
    return "Medium";
  }
  if (s == "LOW") {
    return "Low";
  }
  if (s == "NEGLIGIBLE") {
    return "Negligible";
  }
  return "Unknown";
}

Result<HarborScanRequest> ParseHarborScanRequest(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    return MakeError(ErrorCode::kInvalidArgument, "the body is not JSON");
  }
  if (!j.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  }
  HarborScanRequest r;
  auto registry = j.find("registry");
  auto artifact = j.find("artifact");
  if (registry == j.end() || artifact == j.end()) {
    return MakeError(ErrorCode::kCorrupt, "registry and artifact are required");
  }
  if (!registry->is_object() || !artifact->is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "registry and artifact must be objects");
  }
  CUSTOMS_ASSIGN_OR_RETURN(r.registry_url, StringField(*registry, "url", "registry"));
  CUSTOMS_ASSIGN_OR_RETURN(r.authorization, StringField(*registry, "authorization", "registry"));
  CUSTOMS_ASSIGN_OR_RETURN(r.artifact.repository, StringField(*artifact, "repository", "artifact"));
  CUSTOMS_ASSIGN_OR_RETURN(r.artifact.digest, StringField(*artifact, "digest", "artifact"));
  CUSTOMS_ASSIGN_OR_RETURN(r.artifact.tag, StringField(*artifact, "tag", "artifact"));
  CUSTOMS_ASSIGN_OR_RETURN(r.artifact.mime_type, StringField(*artifact, "mime_type", "artifact"));
  if (auto caps = j.find("enabled_capabilities"); caps != j.end() && !caps->is_null()) {
    if (!caps->is_array()) {
      return MakeError(ErrorCode::kInvalidArgument, "enabled_capabilities must be an array");
    }
    for (const auto& cap : *caps) {
      if (!cap.is_object() || !cap.contains("type") || !cap["type"].is_string()) {
        return MakeError(ErrorCode::kInvalidArgument, "enabled_capabilities[].type must be a string");
      }
      std::string type = cap["type"].get<std::string>();
      if (type != "vulnerability" && type != "sbom") {
        return MakeError(ErrorCode::kUnsupported, "capability '{}' is not supported (vulnerability, sbom)", type);
      }
      r.capabilities.push_back(type);
    }
  }

  // registry.url: scheme://host[:port], nothing else (the reference is built from it).
  std::string_view url = r.registry_url;
  std::string_view scheme;
  if (url.starts_with("https://")) {
    scheme = "https";
  } else if (url.starts_with("http://")) {
    scheme = "http";
  } else {
    return MakeError(ErrorCode::kCorrupt, "registry.url must be an http(s) URL");
  }
  std::string_view host = url.substr(scheme.size() + 3);
  while (host.ends_with('/')) {
    host.remove_suffix(1);
  }
  if (host.empty() || host.find_first_of("/?#@ \\") != std::string_view::npos || HasControl(host)) {
    return MakeError(ErrorCode::kCorrupt, "registry.url must be scheme://host[:port]");
  }
  if (r.artifact.repository.empty() || HasControl(r.artifact.repository) ||
      r.artifact.repository.find_first_of("@: ") != std::string::npos || r.artifact.repository.front() == '/' ||
      r.artifact.repository.find("..") != std::string::npos) {
    return MakeError(ErrorCode::kCorrupt, "artifact.repository is missing or not a repository name");
  }
  if (!IsSha256Digest(r.artifact.digest)) {
    return MakeError(ErrorCode::kCorrupt, "artifact.digest must be sha256:<64 lowercase hex>");
  }
  if (HasControl(r.authorization) || HasControl(r.artifact.tag) || HasControl(r.artifact.mime_type)) {
    return MakeError(ErrorCode::kCorrupt, "control characters in the request");
  }
  if (!r.authorization.empty() && !r.authorization.starts_with("Basic ") && !r.authorization.starts_with("Bearer ")) {
    return MakeError(ErrorCode::kCorrupt, "registry.authorization must be \"Basic ...\" or \"Bearer ...\"");
  }
  if (!r.artifact.mime_type.empty() && r.artifact.mime_type != kOciManifest &&
      r.artifact.mime_type != kDockerManifest) {
    return MakeError(ErrorCode::kUnsupported, "artifact MIME type '{}' is not scanned (an image manifest is: {}, {})",
                     r.artifact.mime_type, kOciManifest, kDockerManifest);
  }
  r.reference = fmt::format("{}/{}@{}", host, r.artifact.repository, r.artifact.digest);
  r.plain_http = scheme == "http" && !IsLoopbackHost(host);
  return r;
}

json HarborArtifactJson(const HarborArtifact& a) {
  json out = {{"repository", a.repository}, {"digest", a.digest}};
  if (!a.tag.empty()) {
    out["tag"] = a.tag;
  }
  if (!a.mime_type.empty()) {
    out["mime_type"] = a.mime_type;
  }
  return out;
}

HarborArtifact HarborArtifactFromJson(const json& j) {
  HarborArtifact a;
  if (!j.is_object()) {
    return a;
  }
  a.repository = j.value("repository", "");
  a.digest = j.value("digest", "");
  a.tag = j.value("tag", "");
  a.mime_type = j.value("mime_type", "");
  return a;
}

json HarborMetadata(std::string_view version, std::string_view database_updated_at) {
  json consumes = json::array({std::string(kOciManifest), std::string(kDockerManifest)});
  json properties = {{"harbor.scanner-adapter/scanner-type", "os-package-vulnerability"},
                     {"harbor.scanner-adapter/vulnerability-database-updated-at", std::string(database_updated_at)}};
  if (database_updated_at.empty()) {
    properties.erase("harbor.scanner-adapter/vulnerability-database-updated-at");
  }
  return {{"scanner", ScannerJson(version)},
          {"capabilities",
           json::array(
               {{{"type", "vulnerability"},
                 {"consumes_mime_types", consumes},
                 {"produces_mime_types", json::array({std::string(kHarborVulnReport), std::string(kSecurityVulnReport),
                                                      std::string(kHarborRawReport)})}},
                {{"type", "sbom"},
                 {"consumes_mime_types", consumes},
                 {"produces_mime_types", json::array({std::string(kHarborSbomReport)})},
                 {"additional_attributes",
                  {{"sbom_media_types", json::array({std::string(kSpdxJson), std::string(kCycloneDxJson)})}}}}})},
          {"properties", properties}};
}

json HarborVulnerabilityReport(const report::ScanReport& report, const HarborArtifact& artifact,
                               std::string_view version, std::string_view generated_at) {
  json vulnerabilities = json::array();
  vulndb::Severity highest = vulndb::Severity::kUnknown;
  for (const auto& f : report.findings) {
    highest = std::max(highest, f.severity);
    json links = json::array();
    for (const auto& reference : f.references) {
      if (reference.starts_with("https://") || reference.starts_with("http://")) {
        links.push_back(reference);
      }
    }
    if (links.empty() && f.id.starts_with("CVE-")) {
      links.push_back("https://nvd.nist.gov/vuln/detail/" + f.id);
    }
    json item = {{"id", f.id},
                 {"package", f.package.name},
                 {"version", f.package.version},
                 {"fix_version", f.fixed_version},
                 {"severity", HarborSeverity(vulndb::SeverityName(f.severity))},
                 {"description", f.title},
                 {"links", links},
                 {"cwe_ids", json::array()}};
    if (f.cvss) {
      json cvss = json::object();
      if (f.cvss->version.starts_with("3")) {
        cvss["score_v3"] = f.cvss->base_score;
        cvss["vector_v3"] = f.cvss->vector;
      } else if (f.cvss->version.starts_with("2")) {
        cvss["score_v2"] = f.cvss->base_score;
        cvss["vector_v2"] = f.cvss->vector;
      }
      if (!cvss.empty()) {
        item["preferred_cvss"] = cvss;
      }
    }
    json vendor = {{"status", match::FindingStatusName(f.status)},
                   {"severity_source", f.severity_source},
                   {"source_package", f.package.source_name},
                   {"source_version", f.package.source_version},
                   {"purl", f.package.purl},
                   {"aliases", f.aliases},
                   {"advisory", {{"source", f.source}, {"record", f.record_id}}}};
    if (f.package.layer.index >= 0) {
      vendor["layer"] = {{"index", f.package.layer.index + 1},
                         {"digest", f.package.layer.digest},
                         {"created_by", f.package.layer.created_by}};
    }
    if (f.cvss) {
      vendor["CVSS"] = {{f.cvss->source.empty() ? "unknown" : f.cvss->source,
                         {{"version", f.cvss->version}, {"vector", f.cvss->vector}, {"score", f.cvss->base_score}}}};
    }
    if (f.kev) {
      vendor["kev"] = {{"date_added", f.kev->date_added}, {"due_date", f.kev->due_date}};
    }
    if (f.epss) {
      vendor["epss"] = {{"score", f.epss->score}, {"percentile", f.epss->percentile}};
    }
    item["vendor_attributes"] = std::move(vendor);
    vulnerabilities.push_back(std::move(item));
  }
  return {
      {"generated_at", std::string(generated_at)},
      {"artifact", HarborArtifactJson(artifact)},
      {"scanner", ScannerJson(version)},
      {"severity", report.findings.empty() ? std::string("Unknown") : HarborSeverity(vulndb::SeverityName(highest))},
      {"vulnerabilities", std::move(vulnerabilities)}};
}

json HarborSbomReport(const report::ScanReport& report, const HarborArtifact& artifact,
                      std::string_view sbom_media_type, std::string_view version, std::string_view generated_at) {
  report::SbomDocument document;
  document.target = report.target;
  document.kind = report.kind;
  document.manifest_digest = report.manifest_digest;
  document.os = report.os;
  document.packages = report.packages;
  document.diagnostics = report.diagnostics;
  report::SbomWriteOptions options;
  options.tool_version = std::string(version);
  options.timestamp = std::string(generated_at);
  bool spdx = sbom_media_type == kSpdxJson;
  std::string text =
      report::WriteSbom(spdx ? report::SbomFormat::kSpdx : report::SbomFormat::kCycloneDx, document, options);
  return {{"generated_at", std::string(generated_at)}, {"artifact", HarborArtifactJson(artifact)},
          {"scanner", ScannerJson(version)},           {"media_type", std::string(spdx ? kSpdxJson : kCycloneDxJson)},
          {"sbom", json::parse(text, nullptr, false)}, {"vendor_attributes", {{"packages", report.packages.size()}}}};
}

std::string HarborErrorBody(std::string_view message) {
  return json{{"error", {{"message", std::string(message)}}}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::string_view> ChooseReportMediaType(const std::string* accept) {
  static constexpr std::string_view kProduced[] = {kHarborVulnReport, kSecurityVulnReport, kHarborRawReport,
                                                   kHarborSbomReport};
  if (accept == nullptr || Trim(*accept).empty()) {
    return kHarborVulnReport;
  }
  std::string_view rest = *accept;
  while (true) {
    std::size_t comma = rest.find(',');
    std::string wanted = NormalizeMediaType(rest.substr(0, comma));
    if (wanted == "*/*" || wanted == "application/*") {
      return kHarborVulnReport;
    }
    for (std::string_view produced : kProduced) {
      if (wanted == NormalizeMediaType(produced)) {
        return produced;
      }
    }
    if (comma == std::string_view::npos) {
      return std::nullopt;
    }
    rest = rest.substr(comma + 1);
  }
}

}  // namespace customs::server
