// Harbor's Pluggable Scanner API v1.2 (../shared/data/specs/harbor-scanner-adapter-openapi-v1.2.yaml): request parsing
// and the documents customs answers with. Pure functions; api.cpp routes the HTTP side.
//
// What Harbor's client does (src/pkg/scan/rest/v1/client.go): it gives up after 5 s, so POST /scan only enqueues; it
// does not follow redirects, so a report that is not ready is 302 with Refresh-After (seconds, read into an int8);
// it polls until 200 or 500, and a 404 ends the scan as failed.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "report/scan_report.h"

namespace customs::server {

inline constexpr std::string_view kHarborScanRequestType = "application/vnd.scanner.adapter.scan.request+json";
inline constexpr std::string_view kHarborScanResponse =
    "application/vnd.scanner.adapter.scan.response+json; version=1.0";
inline constexpr std::string_view kHarborError = "application/vnd.scanner.adapter.error+json; version=1.0";
inline constexpr std::string_view kHarborMetadata10 = "application/vnd.scanner.adapter.metadata+json; version=1.0";
inline constexpr std::string_view kHarborMetadata11 = "application/vnd.scanner.adapter.metadata+json; version=1.1";
inline constexpr std::string_view kHarborVulnReport =
    "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0";
inline constexpr std::string_view kSecurityVulnReport = "application/vnd.security.vulnerability.report; version=1.1";
inline constexpr std::string_view kHarborRawReport = "application/vnd.scanner.adapter.vuln.report.raw";
inline constexpr std::string_view kHarborSbomReport = "application/vnd.security.sbom.report+json; version=1.0";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kSpdxJson = "application/spdx+json";
inline constexpr std::string_view kCycloneDxJson = "application/vnd.cyclonedx+json";

struct HarborArtifact {
  std::string repository;
  std::string digest;
  std::string tag;
  std::string mime_type;
};

struct HarborScanRequest {
  std::string registry_url;   // "https://core.harbor.domain", "http://127.0.0.1:5000"
  std::string authorization;  // "Basic ..." or "Bearer ..."; empty when none. Never stored with the request.
  HarborArtifact artifact;
  std::vector<std::string> capabilities;  // "vulnerability", "sbom"; empty: all
  // What the worker pulls: host[:port]/repository@digest.
  std::string reference;
  // http:// registry URL on a host that is not loopback: the pull must be allowed over plain HTTP.
  bool plain_http = false;
};

// Parses a ScanRequest body. Errors map to the spec's statuses: kInvalidArgument -> 400 (not JSON, wrong types),
// kCorrupt -> 422 (a required field missing or invalid: registry.url, artifact.repository, artifact.digest as
// sha256:<64 hex>, an authorization with control characters), kUnsupported -> 501 (an artifact MIME type or a
// capability customs does not scan).
[[nodiscard]] Result<HarborScanRequest> ParseHarborScanRequest(std::string_view body);

// The artifact as stored with a scan request (no credentials).
nlohmann::json HarborArtifactJson(const HarborArtifact& artifact);
HarborArtifact HarborArtifactFromJson(const nlohmann::json& json);

// GET /api/v1/metadata. `database_updated_at` is the newest advisory snapshot's build time (omitted when empty).
nlohmann::json HarborMetadata(std::string_view version, std::string_view database_updated_at);

// HarborVulnerabilityReport for both vulnerability media types (`vendor_attributes` carry customs' extra fields).
nlohmann::json HarborVulnerabilityReport(const report::ScanReport& report, const HarborArtifact& artifact,
                                         std::string_view version, std::string_view generated_at);

// HarborSbomReport with the SBOM in `sbom_media_type` (kSpdxJson or kCycloneDxJson).
nlohmann::json HarborSbomReport(const report::ScanReport& report, const HarborArtifact& artifact,
                                std::string_view sbom_media_type, std::string_view version,
                                std::string_view generated_at);

// "{\"error\":{\"message\":...}}".
std::string HarborErrorBody(std::string_view message);

// The report media type an Accept header asks for: the first listed type customs produces (parameters compared
// exactly after trimming spaces; "*/*", "application/*" or no header: kHarborVulnReport). nullopt: nothing acceptable.
std::optional<std::string_view> ChooseReportMediaType(const std::string* accept);

// Harbor's severity name ("Critical") for ours ("CRITICAL").
std::string HarborSeverity(std::string_view customs_severity);

}  // namespace customs::server
