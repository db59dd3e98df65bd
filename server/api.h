// The HTTP surfaces of `customs server` (routes in docs/server.md):
//   every role   GET /healthz, /readyz, /metrics
//   api, all     Harbor's scanner API v1.2 under /api/v1 (harbor.h), POST /v1/scans and GET /v1/scans/{id} for CI,
//                GET /v1/verdicts/{digest}, POST and GET /v1/runtime/alerts (what `customs watch --webhook` posts)
// Requests to /api/v1 and /v1 need the API key when one is configured. Every error body is
// {"error":{"message":"..."}}; malformed requests get 400, never a crash.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "server/config.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/pg.h"
#include "server/policy.h"

namespace customs::server {

struct ApiContext {
  const ServerConfig* config = nullptr;
  PgPool* pool = nullptr;
  Metrics* metrics = nullptr;
  bool serve_api = true;  // false for a worker: health and metrics only
  // Set when this process runs a worker: its readiness ("" when ready) and its store's age.
  std::function<std::string()> worker_not_ready;
  std::function<double()> snapshot_age_seconds;
  std::string version = "0.0.0";
};

class Api {
 public:
  explicit Api(ApiContext context);
  // Routes and answers one request; never throws.
  void Handle(HttpExchange& exchange);

 private:
  ApiContext context_;
};

// Parsed bodies of the JSON entry points (exposed for tests and fuzzing). kInvalidArgument: answer 400.
struct ScanSubmission {
  std::string reference;  // registry/repository[:tag][@digest]; empty when only a digest was given
  std::string digest;     // sha256:...; empty when the reference has none
  Policy policy;
  bool has_policy = false;
};
[[nodiscard]] Result<ScanSubmission> ParseScanSubmission(std::string_view body);

// An alert as `customs watch --webhook` (and Falco's http_output) posts it: one JSON object with at least rule,
// priority and time (RFC 3339); output, output_fields, tags, source, hostname and container.id when present.
struct AlertDocument {
  std::string time;
  std::string rule;
  std::string priority;
  std::string output;
  std::string hostname;
  std::string container_id;
  std::string source;
  nlohmann::json document;
};
[[nodiscard]] Result<AlertDocument> ParseAlert(std::string_view body);

}  // namespace customs::server
