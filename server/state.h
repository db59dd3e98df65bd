// The server's shared state in PostgreSQL (tables in schema.h): scan requests, policies, inventories, results,
// verdicts, snapshots, notifications and runtime alerts. Plain functions over a connection; every role uses them.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "server/pg.h"
#include "server/policy.h"

namespace customs::server {

inline constexpr std::string_view kScanDoneChannel = "customs_scan_done";

struct ScanRequestRecord {
  std::string id;
  std::string source;     // "api", "harbor"
  std::string reference;  // registry/repository@digest or :tag, as the worker will pull it
  std::string manifest_digest;
  std::string policy_digest;
  nlohmann::json request = nlohmann::json::object();  // what the client sent (never credentials)
  std::string state = "queued";                       // queued | running | done | failed
  std::string snapshot_digest;
  std::string error;
  std::int64_t job_id = 0;
  std::string created_at;
  std::string updated_at;
};

[[nodiscard]] Status InsertScanRequest(PgConnection& connection, const ScanRequestRecord& record);
[[nodiscard]] Result<std::optional<ScanRequestRecord>> GetScanRequest(PgConnection& connection, std::string_view id);
// Updates state, and the digest/snapshot/error when non-empty. Notifies kScanDoneChannel when done or failed.
[[nodiscard]] Status UpdateScanRequest(PgConnection& connection, std::string_view id, std::string_view state,
                                       std::string_view manifest_digest, std::string_view snapshot_digest,
                                       std::string_view error);
// Scan requests served by job `job_id` (one, unless several were merged).
[[nodiscard]] Result<std::vector<std::string>> ScanRequestsForJob(PgConnection& connection, std::int64_t job_id);

[[nodiscard]] Status SavePolicy(PgConnection& connection, const Policy& policy);
[[nodiscard]] Result<std::optional<Policy>> LoadPolicy(PgConnection& connection, std::string_view digest);

// Inventory text (scan/codec.h) by (digest, analyzer version); a hit refreshes last_used_at (retention).
[[nodiscard]] Result<std::optional<std::string>> LoadInventory(PgConnection& connection, std::string_view digest,
                                                               std::string_view analyzer_version);
[[nodiscard]] Status SaveInventory(PgConnection& connection, std::string_view digest, std::string_view analyzer_version,
                                   std::string_view inventory);

// Result text (scan/codec.h, evaluated under an empty policy) by (digest, snapshot).
[[nodiscard]] Result<std::optional<std::string>> LoadResult(PgConnection& connection, std::string_view digest,
                                                            std::string_view snapshot_digest);
[[nodiscard]] Status SaveResult(PgConnection& connection, std::string_view digest, std::string_view snapshot_digest,
                                std::string_view analyzer_version, std::string_view report);
struct StoredResult {
  std::string snapshot_digest;
  std::string report;
};
// The newest result for `digest` from a snapshot other than `except_snapshot` (empty: any).
[[nodiscard]] Result<std::optional<StoredResult>> LatestResult(PgConnection& connection, std::string_view digest,
                                                               std::string_view except_snapshot = {});

[[nodiscard]] Status SaveVerdict(PgConnection& connection, const Verdict& verdict);
[[nodiscard]] Result<std::optional<Verdict>> LoadVerdict(PgConnection& connection, std::string_view digest,
                                                         std::string_view policy_digest);
// Every policy digest a verdict exists for, for `digest` (re-judged when a new snapshot arrives).
[[nodiscard]] Result<std::vector<std::string>> VerdictPolicies(PgConnection& connection, std::string_view digest);

struct SnapshotRecord {
  std::string digest;
  std::string built_at;
  int schema_version = 0;
};
// Records that a worker holds this snapshot. true when no worker had reported it before.
[[nodiscard]] Result<bool> RegisterSnapshot(PgConnection& connection, const SnapshotRecord& snapshot,
                                            std::string_view worker);
// The newest snapshot any worker reported (by build time), or nullopt.
[[nodiscard]] Result<std::optional<SnapshotRecord>> LatestSnapshot(PgConnection& connection);

struct AlertRecord {
  std::string time;  // RFC 3339 as sent
  std::string rule;
  std::string priority;
  std::string hostname;
  std::string container_id;
  std::string source;
  std::string output;
  nlohmann::json alert;  // the whole document
};
[[nodiscard]] Result<std::int64_t> InsertAlert(PgConnection& connection, const AlertRecord& alert);

}  // namespace customs::server
