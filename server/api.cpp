#include "server/api.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "core/output.h"
#include "image/registry/registry_auth.h"
#include "image/registry/registry_reference.h"
#include "report/sbom.h"
#include "scan/codec.h"
#include "server/admission.h"
#include "server/harbor.h"
#include "server/log.h"
#include "server/queue.h"
#include "server/schema.h"
#include "server/state.h"

namespace customs::server {
namespace {

// A report streamed into a response body in blocks of 64 KiB, so a report of many packages is never one string (the
// report writers' Output contract: Write never fails loudly; the first error is kept and the rest dropped).
class ResponseBodyOutput final : public Output {
 public:
  explicit ResponseBodyOutput(HttpExchange& exchange) : exchange_(exchange) {}
  void Write(std::string_view text) override {
    if (!status_) {
      return;
    }
    buffer_.append(text);
    if (buffer_.size() >= kBlock) {
      Flush();
    }
  }
  // Writes what is buffered and ends the response; the first write error, if any.
  Status Finish() {
    Flush();
    if (status_) {
      status_ = exchange_.EndResponse();
    }
    return status_;
  }

 private:
  static constexpr std::size_t kBlock = std::size_t{64} * 1024;
  void Flush() {
    if (status_ && !buffer_.empty()) {
      status_ = exchange_.WriteBody(buffer_);
    }
    buffer_.clear();
  }
  HttpExchange& exchange_;
  std::string buffer_;
  Status status_ = Ok();
};

using nlohmann::json;

constexpr std::string_view kJson = "application/json";

bool HasControlOrNul(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == '\0'; });
}

// Strings that PostgreSQL cannot store (NUL) anywhere in a document.
bool ContainsNul(const json& j) {
  if (j.is_string()) {
    return HasControlOrNul(j.get_ref<const std::string&>());
  }
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (HasControlOrNul(key) || ContainsNul(value)) {
        return true;
      }
    }
  }
  if (j.is_array()) {
    for (const auto& value : j) {
      if (ContainsNul(value)) {
        return true;
      }
    }
  }
  return false;
}

// "2026-11-28T16:20:00Z", "2026-11-28T16:20:00.123456789Z", "...+01:00": the RFC 3339 date-time shape.
bool IsRfc3339(std::string_view t) {
  auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > t.size()) {
      return false;
    }
    for (std::size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) {
        return false;
      }
    }
    return true;
  };
  if (t.size() < 20 || t.size() > 40 || !digits(0, 4) || t[4] != '-' || !digits(5, 2) || t[7] != '-' || !digits(8, 2) ||
      (t[10] != 'T' && t[10] != 't') || !digits(11, 2) || t[13] != ':' || !digits(14, 2) || t[16] != ':' ||
      !digits(17, 2)) {
    return false;
  }
  int month = (t[5] - '0') * 10 + (t[6] - '0');
  int day = (t[8] - '0') * 10 + (t[9] - '0');
  int hour = (t[11] - '0') * 10 + (t[12] - '0');
  int minute = (t[14] - '0') * 10 + (t[15] - '0');
  int second = (t[17] - '0') * 10 + (t[18] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  std::size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    ++i;
    std::size_t start = i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) {
      ++i;
    }
    if (i == start) {
      return false;
    }
  }
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    return i + 1 == t.size();
  }
  return i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && digits(i + 1, 2) && t[i + 3] == ':' && digits(i + 4, 2);
}

bool StartsWithSegment(std::string_view path, std::string_view prefix) {
  return path == prefix || (path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/');
}

// What a render of a stored result needs: the format and its media type.
struct ReportFormat {
  report::ScanFormat format;
  std::string_view media_type;
};

std::optional<ReportFormat> FormatByName(std::string_view name) {
  if (name == "json") {
    return ReportFormat{report::ScanFormat::kJson, "application/json"};
  }
  if (name == "sarif") {
    return ReportFormat{report::ScanFormat::kSarif, "application/sarif+json"};
  }
  if (name == "cyclonedx") {
    return ReportFormat{report::ScanFormat::kCycloneDx, "application/vnd.cyclonedx+json"};
  }
  if (name == "junit") {
    return ReportFormat{report::ScanFormat::kJunit, "application/xml"};
  }
  if (name == "markdown") {
    return ReportFormat{report::ScanFormat::kMarkdown, "text/markdown; charset=utf-8"};
  }
  if (name == "table") {
    return ReportFormat{report::ScanFormat::kTable, "text/plain; charset=utf-8"};
  }
  return std::nullopt;
}

// ?format= wins; else the first Accept entry customs can produce; no Accept (or */*) is JSON.
std::optional<ReportFormat> ChooseFormat(const HttpRequest& request) {
  if (request.HasQuery("format")) {
    return FormatByName(request.Query("format"));
  }
  const std::string* accept = request.Header("Accept");
  if (accept == nullptr) {
    return FormatByName("json");
  }
  std::string_view rest = *accept;
  for (;;) {
    std::size_t comma = rest.find(',');
    std::string item(rest.substr(0, comma));
    item = item.substr(0, item.find(';'));
    item.erase(std::remove_if(item.begin(), item.end(), [](unsigned char c) { return std::isspace(c); }), item.end());
    std::transform(item.begin(), item.end(), item.begin(), [](unsigned char c) { return std::tolower(c); });
    static const std::pair<std::string_view, std::string_view> kByType[] = {
        {"*/*", "json"},
        {"application/*", "json"},
        {"application/json", "json"},
        {"application/sarif+json", "sarif"},
        {"application/vnd.cyclonedx+json", "cyclonedx"},
        {"application/xml", "junit"},
        {"text/xml", "junit"},
        {"application/junit+xml", "junit"},
        {"text/markdown", "markdown"},
        {"text/plain", "table"},
        {"text/*", "table"},
    };
    for (const auto& [type, name] : kByType) {
      if (item == type) {
        return FormatByName(name);
      }
    }
    if (comma == std::string_view::npos) {
      return std::nullopt;
    }
    rest = rest.substr(comma + 1);
  }
}

class Handler {
 public:
  Handler(const ApiContext& context, HttpExchange& exchange)
      : context_(context), config_(*context.config), exchange_(exchange), request_(exchange.request()) {}

  void Route() {
    const std::string& path = request_.path;
    const std::string& method = request_.method;
    if (path == "/healthz") {
      return Only({"GET", "HEAD"}, [&] { Text(200, "ok\n"); });
    }
    if (path == "/readyz") {
      return Only({"GET", "HEAD"}, [&] { Ready(); });
    }
    if (path == "/metrics") {
      return Only({"GET"}, [&] { MetricsText(); });
    }
    bool harbor = StartsWithSegment(path, "/api/v1");
    if (!context_.serve_api || (!harbor && !StartsWithSegment(path, "/v1"))) {
      return Error(404, "no such endpoint", harbor);
    }
    if (!Authorized()) {
      HttpResponse response = ErrorResponse(401, "missing or wrong API key", harbor);
      response.Set("WWW-Authenticate", "Bearer realm=\"customs\"");
      return Send(response);
    }
    if (path == "/api/v1/metadata") {
      return Only(
          {"GET"}, [&] { HarborMetadataRoute(); }, true);
    }
    if (path == "/api/v1/scan") {
      return Only(
          {"POST"}, [&] { HarborScan(); }, true);
    }
    if (path.starts_with("/api/v1/scan/") && path.ends_with("/report")) {
      std::string id = path.substr(13, path.size() - 13 - 7);
      return Only(
          {"GET"}, [&] { HarborReport(id); }, true);
    }
    if (path == "/v1/scans") {
      return Only({"POST"}, [&] { CreateScan(); });
    }
    if (path.starts_with("/v1/scans/")) {
      return Only({"GET"}, [&] { GetScan(path.substr(10)); });
    }
    if (path.starts_with("/v1/verdicts/")) {
      return Only({"GET"}, [&] { GetVerdict(path.substr(13)); });
    }
    if (path == "/v1/runtime/alerts") {
      if (method == "POST") {
        return PostAlert();
      }
      return Only({"GET"}, [&] { ListAlerts(); });
    }
    if (path == "/v1/admission/validate" || path == "/v1/imagereview" || path == "/v1/registry/events") {
      return Only({"POST"}, [&] { Admission(path); });
    }
    Error(404, "no such endpoint", harbor);
  }

 private:
  template <class Body>
  void Only(std::initializer_list<std::string_view> methods, Body&& body, bool harbor = false) {
    for (std::string_view m : methods) {
      if (request_.method == m) {
        return body();
      }
    }
    std::string allow;
    for (std::string_view m : methods) {
      allow += (allow.empty() ? "" : ", ") + std::string(m);
    }
    HttpResponse response = ErrorResponse(405, fmt::format("use {}", allow), harbor);
    response.Set("Allow", allow);
    Send(response);
  }

  // --- responses ---------------------------------------------------------------------------------------------------

  void Send(const HttpResponse& response) {
    context_.metrics->CountHttp(response.status);
    (void)exchange_.Respond(response);
  }

  // `response`'s status and headers, then the report streamed (chunked) as the writer makes it, like the CLI's output.
  void SendReport(const HttpResponse& response, report::ScanFormat format, const report::ScanReport& report,
                  const report::ScanWriteOptions& options) {
    context_.metrics->CountHttp(response.status);
    if (!exchange_.BeginResponse(response.status, response.headers, std::nullopt)) {
      return;
    }
    ResponseBodyOutput body(exchange_);
    report::WriteScanReport(format, report, options, body);
    (void)body.Finish();  // an error here is the client gone or too slow: nothing left to tell it
  }

  void Json(int status, const json& body, std::string_view media_type = kJson) {
    HttpResponse response;
    response.status = status;
    response.Set("Content-Type", std::string(media_type));
    response.body = body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    Send(response);
  }

  void Text(int status, std::string body, std::string_view media_type = "text/plain; charset=utf-8") {
    HttpResponse response;
    response.status = status;
    response.Set("Content-Type", std::string(media_type));
    response.body = std::move(body);
    Send(response);
  }

  static HttpResponse ErrorResponse(int status, std::string_view message, bool harbor) {
    HttpResponse response;
    response.status = status;
    response.Set("Content-Type", harbor ? std::string(kHarborError) : std::string(kJson));
    response.body = HarborErrorBody(message) + "\n";
    return response;
  }

  void Error(int status, std::string_view message, bool harbor = false) {
    if (status >= 500) {
      LogEvent("error", "http_error", {{"path", request_.path}, {"status", status}, {"error", message}});
    }
    Send(ErrorResponse(status, message, harbor));
  }

  // A failed database step: 503 when PostgreSQL is unreachable (the client may retry), 500 otherwise.
  void DatabaseError(const customs::Error& error, bool harbor = false) {
    Error(error.code() == ErrorCode::kNetwork || error.code() == ErrorCode::kCancelled ? 503 : 500,
          "database: " + error.message(), harbor);
  }

  // The body, or an answered 400/413 and nullopt.
  std::optional<std::string> Body(bool harbor = false) {
    auto body = exchange_.ReadBody(config_.max_body_bytes);
    if (body) {
      return std::move(*body);
    }
    if (body.error().code() == ErrorCode::kInvalidArgument) {
      Error(413, body.error().message(), harbor);
    } else {
      Error(400, body.error().message(), harbor);
    }
    return std::nullopt;
  }

  // --- admission and registry notifications (admission.h) ---------------------------------------------------------

  void Admission(const std::string& path) {
    auto body = Body();
    if (!body) {
      return;
    }
    AdmissionContext admission{&config_, context_.pool, context_.metrics};
    if (path == "/v1/admission/validate") {
      return Send(HandleAdmissionReview(admission, *body));
    }
    if (path == "/v1/imagereview") {
      return Send(HandleImageReview(admission, *body));
    }
    const std::string* type = request_.Header("Content-Type");
    Send(HandleRegistryEvents(admission, *body, type != nullptr ? *type : std::string()));
  }

  // --- auth --------------------------------------------------------------------------------------------------------

  bool Authorized() const {
    const std::string& key = config_.api_key;
    if (key.empty()) {
      return true;
    }
    auto equal = [&](std::string_view candidate) {
      return candidate.size() == key.size() && CRYPTO_memcmp(candidate.data(), key.data(), key.size()) == 0;
    };
    if (const std::string* header = request_.Header("X-ScannerAdapter-API-Key"); header && equal(*header)) {
      return true;
    }
    const std::string* authorization = request_.Header("Authorization");
    if (authorization == nullptr) {
      return false;
    }
    std::string_view value = *authorization;
    if (value.starts_with("Bearer ")) {
      return equal(value.substr(7));
    }
    if (value.starts_with("Basic ")) {
      // Any user name, the key as password: `customs watch --webhook http://customs:KEY@host/...` sends this.
      auto decoded = image::registry::Base64Decode(value.substr(6));
      if (!decoded) {
        return false;
      }
      std::size_t colon = decoded->find(':');
      return colon != std::string::npos && equal(std::string_view(*decoded).substr(colon + 1));
    }
    return false;
  }

  // --- health ------------------------------------------------------------------------------------------------------

  void Ready() {
    json reasons = json::array();
    auto version = context_.pool->Run([](PgConnection& c) { return SchemaVersion(c); });
    if (!version) {
      reasons.push_back("PostgreSQL: " + version.error().message());
    } else if (*version != LatestSchemaVersion()) {
      reasons.push_back(fmt::format("database schema at version {}, expected {}", *version, LatestSchemaVersion()));
    }
    if (context_.worker_not_ready) {
      if (std::string reason = context_.worker_not_ready(); !reason.empty()) {
        reasons.push_back("worker: " + reason);
      }
    }
    Json(reasons.empty() ? 200 : 503, {{"ready", reasons.empty()}, {"reasons", reasons}});
  }

  void MetricsText() {
    auto counts = context_.pool->Run([](PgConnection& c) { return JobCounts(c); });
    std::map<std::string, double> gauges;
    if (context_.snapshot_age_seconds) {
      gauges["customs_snapshot_age_seconds"] = context_.snapshot_age_seconds();
    }
    Text(200,
         context_.metrics->Render(counts ? *counts : std::map<std::string, std::int64_t>{}, counts.has_value(), gauges),
         "text/plain; version=0.0.4; charset=utf-8");
  }

  // --- submitting scans --------------------------------------------------------------------------------------------

  struct Submission {
    std::string source;
    std::string reference;
    std::string digest;
    Policy policy;
    json request = json::object();
    std::string secret;
    bool plain_http = false;
  };

  // Records the request; answers at once from a stored result for (digest, newest snapshot), else enqueues a job.
  Result<ScanRequestRecord> Submit(const Submission& s) {
    return context_.pool->Run([&](PgConnection& c) -> Result<ScanRequestRecord> {
      ScanRequestRecord record;
      record.id = report::RandomUuid();
      record.source = s.source;
      record.reference = s.reference;
      record.manifest_digest = s.digest;
      record.policy_digest = PolicyDigest(s.policy);
      record.request = s.request;
      CUSTOMS_RETURN_IF_ERROR(SavePolicy(c, s.policy));
      if (!s.digest.empty()) {
        CUSTOMS_ASSIGN_OR_RETURN(auto snapshot, LatestSnapshot(c));
        if (snapshot) {
          CUSTOMS_ASSIGN_OR_RETURN(auto stored, LoadResult(c, s.digest, snapshot->digest));
          if (stored) {
            CUSTOMS_ASSIGN_OR_RETURN(report::ScanReport report, scan::DecodeReport(*stored));
            scan::ScanResult gated = scan::ApplyPolicy(std::move(report), ToScanPolicy(s.policy));
            Verdict verdict = MakeVerdict(gated, s.digest, record.policy_digest, snapshot->digest);
            record.state = "done";
            record.snapshot_digest = snapshot->digest;
            auto saved = PgTransaction(c, [&]() -> Status {
              CUSTOMS_RETURN_IF_ERROR(SaveVerdict(c, verdict));
              return InsertScanRequest(c, record);
            });
            if (!saved) {
              return tl::unexpected(saved.error());
            }
            return record;
          }
        }
      }
      auto queued = PgTransaction(c, [&]() -> Status {
        EnqueueRequest job;
        job.kind = "scan";
        job.payload = json{{"scan_id", record.id},
                           {"reference", s.reference},
                           {"digest", s.digest},
                           {"policy_digest", record.policy_digest},
                           {"plain_http", s.plain_http}}
                          .dump();
        job.secret = s.secret;
        job.max_attempts = config_.max_attempts;
        CUSTOMS_ASSIGN_OR_RETURN(record.job_id, EnqueueJob(c, job));
        return InsertScanRequest(c, record);
      });
      if (!queued) {
        return tl::unexpected(queued.error());
      }
      return record;
    });
  }

  json StatusJson(const ScanRequestRecord& r) const {
    json out = {{"id", r.id},
                {"status", r.state},
                {"reference", r.reference},
                {"created_at", r.created_at},
                {"updated_at", r.updated_at}};
    if (!r.manifest_digest.empty()) {
      out["manifest_digest"] = r.manifest_digest;
    }
    if (!r.snapshot_digest.empty()) {
      out["snapshot_digest"] = r.snapshot_digest;
    }
    if (!r.error.empty()) {
      out["error"] = r.error;
    }
    out["links"] = {{"self", "/v1/scans/" + r.id}};
    return out;
  }

  void CreateScan() {
    auto body = Body();
    if (!body) {
      return;
    }
    auto parsed = ParseScanSubmission(*body);
    if (!parsed) {
      return Error(400, parsed.error().message());
    }
    Submission s;
    s.source = "api";
    s.reference = parsed->reference;
    s.digest = parsed->digest;
    s.policy = parsed->has_policy ? parsed->policy : config_.policy;
    s.request = {{"reference", parsed->reference}, {"digest", parsed->digest}};
    if (s.reference.empty()) {
      // By digest alone: the image must be known (an inventory, or an earlier request that named where it lives).
      auto known = context_.pool->Run([&](PgConnection& c) -> Result<std::string> {
        CUSTOMS_ASSIGN_OR_RETURN(
            PgResult rows, c.Exec("SELECT reference FROM scan_requests WHERE manifest_digest = $1 AND reference <> '' "
                                  "ORDER BY created_at DESC LIMIT 1",
                                  {s.digest}));
        if (rows.rows() > 0) {
          return rows.Text(0, 0);
        }
        CUSTOMS_ASSIGN_OR_RETURN(PgResult inventories,
                                 c.Exec("SELECT 1 FROM inventories WHERE manifest_digest = $1 LIMIT 1", {s.digest}));
        return std::string(inventories.rows() > 0 ? "-" : "");
      });
      if (!known) {
        return DatabaseError(known.error());
      }
      if (known->empty()) {
        return Error(422,
                     fmt::format("{} is not known here: submit a reference (registry/repository@digest)", s.digest));
      }
      if (*known != "-") {
        auto reference = image::registry::ParseReference(*known);
        if (reference) {
          s.reference = reference->registry + "/" + reference->repository + "@" + s.digest;
        }
      }
    }
    auto record = Submit(s);
    if (!record) {
      return DatabaseError(record.error());
    }
    HttpResponse response;
    response.status = 202;
    response.Set("Content-Type", std::string(kJson));
    response.Set("Location", "/v1/scans/" + record->id);
    response.body = StatusJson(*record).dump() + "\n";
    Send(response);
  }

  // The stored result of a finished request, judged under the request's policy.
  Result<scan::ScanResult> FinishedResult(PgConnection& c, const ScanRequestRecord& r) {
    CUSTOMS_ASSIGN_OR_RETURN(auto text, LoadResult(c, r.manifest_digest, r.snapshot_digest));
    if (!text) {
      return MakeError(ErrorCode::kNotFound, "the result of scan {} is no longer stored (retention): scan again", r.id);
    }
    CUSTOMS_ASSIGN_OR_RETURN(report::ScanReport report, scan::DecodeReport(*text));
    CUSTOMS_ASSIGN_OR_RETURN(auto policy, LoadPolicy(c, r.policy_digest));
    return scan::ApplyPolicy(std::move(report), ToScanPolicy(policy ? *policy : config_.policy));
  }

  void GetScan(const std::string& id) {
    auto format = ChooseFormat(request_);
    if (!format) {
      return Error(406,
                   "acceptable: application/json, application/sarif+json, application/vnd.cyclonedx+json, "
                   "application/xml (JUnit), text/markdown, text/plain (or ?format=json|sarif|cyclonedx|junit|"
                   "markdown|table)");
    }
    auto record = context_.pool->Run([&](PgConnection& c) { return GetScanRequest(c, id); });
    if (!record) {
      return DatabaseError(record.error());
    }
    if (!*record) {
      return Error(404, fmt::format("no scan {}", id));
    }
    const ScanRequestRecord& r = **record;
    if (r.state == "queued" || r.state == "running") {
      HttpResponse response;
      response.status = 202;
      response.Set("Content-Type", std::string(kJson));
      response.Set("Retry-After", "2");
      response.body = StatusJson(r).dump() + "\n";
      return Send(response);
    }
    if (r.state == "failed") {
      json body = StatusJson(r);
      body["error"] = {{"message", r.error}};
      return Json(422, body);
    }
    auto result = context_.pool->Run([&](PgConnection& c) { return FinishedResult(c, r); });
    if (!result) {
      return result.error().code() == ErrorCode::kNotFound ? Error(410, result.error().message())
                                                           : DatabaseError(result.error());
    }
    report::ScanWriteOptions write;
    write.tool_version = context_.version;
    HttpResponse response;
    response.Set("Content-Type", std::string(format->media_type));
    response.Set("X-Customs-Verdict", result->exit_code == 0 ? "pass" : "fail");
    response.Set("X-Customs-Exit-Code", std::to_string(result->exit_code));
    response.Set("X-Customs-Snapshot", r.snapshot_digest);
    response.Set("X-Customs-Manifest-Digest", r.manifest_digest);
    SendReport(response, format->format, result->report, write);
  }

  void GetVerdict(const std::string& digest) {
    if (!image::registry::IsValidDigest(digest)) {
      return Error(400, "not a digest (sha256:<64 hex>)");
    }
    std::string policy_digest = request_.HasQuery("policy") ? request_.Query("policy") : PolicyDigest(config_.policy);
    auto verdict = context_.pool->Run([&](PgConnection& c) { return LoadVerdict(c, digest, policy_digest); });
    if (!verdict) {
      return DatabaseError(verdict.error());
    }
    if (!*verdict) {
      return Error(404, fmt::format("no verdict for {} under policy {}", digest, policy_digest));
    }
    Json(200, VerdictToJson(**verdict));
  }

  // --- Harbor ------------------------------------------------------------------------------------------------------

  void HarborMetadataRoute() {
    auto snapshot = context_.pool->Run([](PgConnection& c) { return LatestSnapshot(c); });
    if (!snapshot) {
      return DatabaseError(snapshot.error(), true);
    }
    const std::string* accept = request_.Header("Accept");
    bool v10 = accept != nullptr && accept->find("version=1.0") != std::string::npos &&
               accept->find("version=1.1") == std::string::npos;
    Json(200, HarborMetadata(context_.version, *snapshot ? (*snapshot)->built_at : ""),
         v10 ? kHarborMetadata10 : kHarborMetadata11);
  }

  void HarborScan() {
    auto body = Body(true);
    if (!body) {
      return;
    }
    auto parsed = ParseHarborScanRequest(*body);
    if (!parsed) {
      int status = parsed.error().code() == ErrorCode::kCorrupt       ? 422
                   : parsed.error().code() == ErrorCode::kUnsupported ? 501
                                                                      : 400;
      return Error(status, parsed.error().message(), true);
    }
    Submission s;
    s.source = "harbor";
    s.reference = parsed->reference;
    s.digest = parsed->artifact.digest;
    s.policy = config_.policy;
    s.request = {{"registry", {{"url", parsed->registry_url}}}, {"artifact", HarborArtifactJson(parsed->artifact)}};
    s.secret = parsed->authorization;
    s.plain_http = parsed->plain_http;
    auto record = Submit(s);
    if (!record) {
      return DatabaseError(record.error(), true);
    }
    Json(202, {{"id", record->id}}, kHarborScanResponse);
  }

  void HarborReport(const std::string& id) {
    auto media_type = ChooseReportMediaType(request_.Header("Accept"));
    if (!media_type) {
      return Error(501,
                   "customs produces: " + std::string(kHarborVulnReport) + ", " + std::string(kSecurityVulnReport) +
                       ", " + std::string(kHarborRawReport) + ", " + std::string(kHarborSbomReport),
                   true);
    }
    std::string sbom_type;
    if (*media_type == kHarborSbomReport) {
      sbom_type = request_.Query("sbom_media_type");
      if (sbom_type != kSpdxJson && sbom_type != kCycloneDxJson) {
        return Error(400, fmt::format("an SBOM report needs ?sbom_media_type={} or {}", kSpdxJson, kCycloneDxJson),
                     true);
      }
    }
    auto record = context_.pool->Run([&](PgConnection& c) { return GetScanRequest(c, id); });
    if (!record) {
      return DatabaseError(record.error(), true);
    }
    if (!*record || (*record)->source != "harbor") {
      return Error(404, fmt::format("no scan request {}", id), true);
    }
    const ScanRequestRecord& r = **record;
    if (r.state == "queued" || r.state == "running") {
      HttpResponse response;
      response.status = 302;
      response.Set("Refresh-After", std::to_string(config_.harbor_refresh_after));
      response.Set("Location", request_.target);
      return Send(response);
    }
    if (r.state == "failed") {
      return Error(500, r.error.empty() ? "the scan failed" : r.error, true);
    }
    auto result = context_.pool->Run([&](PgConnection& c) { return FinishedResult(c, r); });
    if (!result) {
      return Error(500, result.error().message(), true);
    }
    HarborArtifact artifact = HarborArtifactFromJson(r.request.value("artifact", json::object()));
    std::string now = report::NowRfc3339();
    if (*media_type == kHarborRawReport) {
      HttpResponse response;
      response.Set("Content-Type", std::string(kHarborRawReport));
      return SendReport(response, report::ScanFormat::kJson, result->report, {});
    }
    if (*media_type == kHarborSbomReport) {
      return Json(200, HarborSbomReport(result->report, artifact, sbom_type, context_.version, now), *media_type);
    }
    Json(200, HarborVulnerabilityReport(result->report, artifact, context_.version, now), *media_type);
  }

  // --- runtime alerts ----------------------------------------------------------------------------------------------

  void PostAlert() {
    auto body = Body();
    if (!body) {
      return;
    }
    auto alert = ParseAlert(*body);
    if (!alert) {
      return Error(400, alert.error().message());
    }
    AlertRecord record{alert->time,         alert->rule,   alert->priority, alert->hostname,
                       alert->container_id, alert->source, alert->output,   alert->document};
    auto id = context_.pool->Run([&](PgConnection& c) { return InsertAlert(c, record); });
    if (!id) {
      return DatabaseError(id.error());
    }
    context_.metrics->CountAlert();
    Json(202, {{"id", *id}});
  }

  void ListAlerts() {
    long limit = 100;
    if (request_.HasQuery("limit")) {
      std::string text = request_.Query("limit");
      if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos) {
        return Error(400, "limit must be a number (1..10000)");
      }
      limit = std::clamp(std::stol(text), 1L, 10000L);
    }
    std::string since = request_.Query("since");
    if (!since.empty() && !IsRfc3339(since)) {
      return Error(400, "since must be an RFC 3339 time");
    }
    std::string rule = request_.Query("rule");
    auto rows = context_.pool->Run([&](PgConnection& c) {
      return c.Exec(
          "SELECT id, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
          "alert::text FROM runtime_alerts WHERE ($1::timestamptz IS NULL OR received_at >= $1) "
          "AND ($2::text IS NULL OR rule = $2) ORDER BY received_at DESC, id DESC LIMIT $3",
          {since.empty() ? PgParam() : since, rule.empty() ? PgParam() : rule, PgInt(limit)});
    });
    if (!rows) {
      return DatabaseError(rows.error());
    }
    json alerts = json::array();
    for (int i = 0; i < rows->rows(); ++i) {
      json alert = json::parse(rows->Get(i, 2), nullptr, false);
      alerts.push_back({{"id", rows->Int(i, 0)}, {"received_at", rows->Text(i, 1)}, {"alert", alert}});
    }
    Json(200, {{"alerts", alerts}});
  }

  const ApiContext& context_;
  const ServerConfig& config_;
  HttpExchange& exchange_;
  const HttpRequest& request_;
};

}  // namespace

Result<ScanSubmission> ParseScanSubmission(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    return MakeError(ErrorCode::kInvalidArgument, "the body is not JSON");
  }
  if (!j.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  }
  ScanSubmission s;
  for (const auto& [key, value] : j.items()) {
    if (key == "reference" || key == "digest") {
      if (!value.is_string()) {
        return MakeError(ErrorCode::kInvalidArgument, "'{}' must be a string", key);
      }
      (key == "reference" ? s.reference : s.digest) = value.get<std::string>();
    } else if (key == "policy") {
      CUSTOMS_ASSIGN_OR_RETURN(s.policy, ParsePolicy(value));
      s.has_policy = true;
    } else {
      return MakeError(ErrorCode::kInvalidArgument, "unknown key '{}' (known: reference, digest, policy)", key);
    }
  }
  if (s.reference.empty() && s.digest.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "give a reference (registry/repository[:tag][@digest]) or a digest");
  }
  if (!s.digest.empty() && !image::registry::IsValidDigest(s.digest)) {
    return MakeError(ErrorCode::kInvalidArgument, "digest must be sha256:<64 lowercase hex>");
  }
  if (!s.reference.empty()) {
    if (HasControlOrNul(s.reference) || s.reference.size() > 1024) {
      return MakeError(ErrorCode::kInvalidArgument, "the reference is not an image reference");
    }
    auto reference = image::registry::ParseReference(s.reference);
    if (!reference) {
      return MakeError(ErrorCode::kInvalidArgument, "reference: {}", reference.error().message());
    }
    if (!s.reference.starts_with(reference->registry + "/")) {
      // A server pulls from registries named explicitly; Docker Hub's short names are a CLI convenience.
      return MakeError(ErrorCode::kInvalidArgument,
                       "reference '{}' names no registry: write registry/repository[:tag][@digest]", s.reference);
    }
    if (!reference->digest.empty()) {
      if (!s.digest.empty() && s.digest != reference->digest) {
        return MakeError(ErrorCode::kInvalidArgument, "digest and the reference's digest differ");
      }
      s.digest = reference->digest;
    }
  }
  return s;
}

Result<AlertDocument> ParseAlert(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    return MakeError(ErrorCode::kInvalidArgument, "the body is not JSON");
  }
  if (!j.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "an alert is one JSON object");
  }
  if (ContainsNul(j)) {
    return MakeError(ErrorCode::kInvalidArgument, "NUL characters are not accepted");
  }
  AlertDocument a;
  auto string = [&](const char* key, std::string& out, bool required) -> Status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) {
        return MakeError(ErrorCode::kInvalidArgument, "'{}' is required", key);
      }
      return Ok();
    }
    if (!it->is_string()) {
      return MakeError(ErrorCode::kInvalidArgument, "'{}' must be a string", key);
    }
    out = it->get<std::string>();
    if (required && out.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "'{}' is empty", key);
    }
    return Ok();
  };
  CUSTOMS_RETURN_IF_ERROR(string("rule", a.rule, true));
  CUSTOMS_RETURN_IF_ERROR(string("priority", a.priority, true));
  CUSTOMS_RETURN_IF_ERROR(string("time", a.time, true));
  CUSTOMS_RETURN_IF_ERROR(string("output", a.output, false));
  CUSTOMS_RETURN_IF_ERROR(string("hostname", a.hostname, false));
  CUSTOMS_RETURN_IF_ERROR(string("source", a.source, false));
  CUSTOMS_RETURN_IF_ERROR(string("container.id", a.container_id, false));
  if (!IsRfc3339(a.time)) {
    return MakeError(ErrorCode::kInvalidArgument, "'time' must be an RFC 3339 time");
  }
  if (auto fields = j.find("output_fields"); fields != j.end() && !fields->is_object() && !fields->is_null()) {
    return MakeError(ErrorCode::kInvalidArgument, "'output_fields' must be an object");
  }
  if (auto tags = j.find("tags"); tags != j.end() && !tags->is_array() && !tags->is_null()) {
    return MakeError(ErrorCode::kInvalidArgument, "'tags' must be an array");
  }
  a.document = std::move(j);
  return a;
}

Api::Api(ApiContext context) : context_(std::move(context)) {}

void Api::Handle(HttpExchange& exchange) {
  try {
    Handler(context_, exchange).Route();
  } catch (const std::exception& e) {
    LogEvent("error", "http_internal_error", {{"path", exchange.request().path}, {"error", e.what()}});
    if (!exchange.responded()) {
      HttpResponse response;
      response.status = 500;
      response.Set("Content-Type", "application/json");
      response.body = HarborErrorBody("internal error") + "\n";
      (void)exchange.Respond(response);
    }
  }
}

}  // namespace customs::server
