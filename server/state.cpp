#include "server/state.h"

namespace customs::server {
namespace {

using nlohmann::json;

PgParam OrNull(std::string_view text) {
  return text.empty() ? PgParam() : PgParam(std::string(text));
}

}  // namespace

Status InsertScanRequest(PgConnection& connection, const ScanRequestRecord& r) {
  CUSTOMS_RETURN_IF_ERROR(connection.Exec(
      "INSERT INTO scan_requests (id, source, reference, manifest_digest, policy_digest, request, state, "
      "snapshot_digest, error, job_id) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10)",
      {r.id, r.source, r.reference, OrNull(r.manifest_digest), r.policy_digest,
       r.request.dump(-1, ' ', false, json::error_handler_t::replace), r.state, OrNull(r.snapshot_digest),
       OrNull(r.error), r.job_id != 0 ? PgInt(r.job_id) : PgParam()}));
  return Ok();
}

Result<std::optional<ScanRequestRecord>> GetScanRequest(PgConnection& connection, std::string_view id) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult row,
      connection.Exec("SELECT id, source, reference, coalesce(manifest_digest, ''), policy_digest, request::text, "
                      "state, coalesce(snapshot_digest, ''), coalesce(error, ''), coalesce(job_id, 0), "
                      "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                      "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                      "FROM scan_requests WHERE id = $1",
                      {std::string(id)}));
  if (row.rows() == 0) {
    return std::optional<ScanRequestRecord>();
  }
  ScanRequestRecord r;
  r.id = row.Text(0, 0);
  r.source = row.Text(0, 1);
  r.reference = row.Text(0, 2);
  r.manifest_digest = row.Text(0, 3);
  r.policy_digest = row.Text(0, 4);
  r.request = json::parse(row.Get(0, 5), nullptr, false);
  if (r.request.is_discarded()) {
    r.request = json::object();
  }
  r.state = row.Text(0, 6);
  r.snapshot_digest = row.Text(0, 7);
  r.error = row.Text(0, 8);
  r.job_id = row.Int(0, 9);
  r.created_at = row.Text(0, 10);
  r.updated_at = row.Text(0, 11);
  return std::optional<ScanRequestRecord>(std::move(r));
}

Status UpdateScanRequest(PgConnection& connection, std::string_view id, std::string_view state,
                         std::string_view manifest_digest, std::string_view snapshot_digest, std::string_view error) {
  CUSTOMS_RETURN_IF_ERROR(connection.Exec(
      "UPDATE scan_requests SET state = $2, updated_at = now(), "
      "manifest_digest = coalesce($3, manifest_digest), "
      "snapshot_digest = coalesce($4, snapshot_digest), error = $5 WHERE id = $1",
      {std::string(id), std::string(state), OrNull(manifest_digest), OrNull(snapshot_digest), OrNull(error)}));
  if (state == "done" || state == "failed") {
    CUSTOMS_RETURN_IF_ERROR(
        connection.Exec("SELECT pg_notify($1, $2)", {std::string(kScanDoneChannel), std::string(id)}));
  }
  return Ok();
}

Result<std::vector<std::string>> ScanRequestsForJob(PgConnection& connection, std::int64_t job_id) {
  CUSTOMS_ASSIGN_OR_RETURN(PgResult rows,
                           connection.Exec("SELECT id FROM scan_requests WHERE job_id = $1", {PgInt(job_id)}));
  std::vector<std::string> ids;
  ids.reserve(static_cast<std::size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) {
    ids.push_back(rows.Text(i, 0));
  }
  return ids;
}

Status SavePolicy(PgConnection& connection, const Policy& policy) {
  CUSTOMS_RETURN_IF_ERROR(
      connection.Exec("INSERT INTO policies (digest, policy) VALUES ($1, $2::jsonb) ON CONFLICT (digest) DO NOTHING",
                      {PolicyDigest(policy), PolicyJson(policy)}));
  return Ok();
}

Result<std::optional<Policy>> LoadPolicy(PgConnection& connection, std::string_view digest) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult row, connection.Exec("SELECT policy::text FROM policies WHERE digest = $1", {std::string(digest)}));
  if (row.rows() == 0) {
    return std::optional<Policy>();
  }
  json j = json::parse(row.Get(0, 0), nullptr, false);
  CUSTOMS_ASSIGN_OR_RETURN(Policy policy, ParsePolicy(j));
  return std::optional<Policy>(std::move(policy));
}

Result<std::optional<std::string>> LoadInventory(PgConnection& connection, std::string_view digest,
                                                 std::string_view analyzer_version) {
  CUSTOMS_ASSIGN_OR_RETURN(PgResult row,
                           connection.Exec("UPDATE inventories SET last_used_at = now() WHERE manifest_digest = $1 AND "
                                           "analyzer_version = $2 RETURNING inventory",
                                           {std::string(digest), std::string(analyzer_version)}));
  if (row.rows() == 0) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(row.Text(0, 0));
}

Status SaveInventory(PgConnection& connection, std::string_view digest, std::string_view analyzer_version,
                     std::string_view inventory) {
  CUSTOMS_RETURN_IF_ERROR(
      connection.Exec("INSERT INTO inventories (manifest_digest, analyzer_version, inventory) VALUES ($1, $2, $3) "
                      "ON CONFLICT (manifest_digest, analyzer_version) DO UPDATE SET last_used_at = now()",
                      {std::string(digest), std::string(analyzer_version), std::string(inventory)}));
  return Ok();
}

Result<std::optional<std::string>> LoadResult(PgConnection& connection, std::string_view digest,
                                              std::string_view snapshot_digest) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult row,
      connection.Exec("SELECT report FROM scan_results WHERE manifest_digest = $1 AND snapshot_digest = $2",
                      {std::string(digest), std::string(snapshot_digest)}));
  if (row.rows() == 0) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(row.Text(0, 0));
}

Status SaveResult(PgConnection& connection, std::string_view digest, std::string_view snapshot_digest,
                  std::string_view analyzer_version, std::string_view report) {
  CUSTOMS_RETURN_IF_ERROR(connection.Exec(
      "INSERT INTO scan_results (manifest_digest, snapshot_digest, analyzer_version, report) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (manifest_digest, snapshot_digest) DO NOTHING",
      {std::string(digest), std::string(snapshot_digest), std::string(analyzer_version), std::string(report)}));
  return Ok();
}

Result<std::optional<StoredResult>> LatestResult(PgConnection& connection, std::string_view digest,
                                                 std::string_view except_snapshot) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult row, connection.Exec("SELECT snapshot_digest, report FROM scan_results WHERE manifest_digest = $1 "
                                    "AND snapshot_digest IS DISTINCT FROM $2 ORDER BY created_at DESC LIMIT 1",
                                    {std::string(digest), OrNull(except_snapshot)}));
  if (row.rows() == 0) {
    return std::optional<StoredResult>();
  }
  return std::optional<StoredResult>(StoredResult{row.Text(0, 0), row.Text(0, 1)});
}

Status SaveVerdict(PgConnection& connection, const Verdict& v) {
  json counts = v.counts;
  json worst = VerdictToJson(v)["worst"];
  CUSTOMS_RETURN_IF_ERROR(connection.Exec(
      "INSERT INTO verdicts (manifest_digest, policy_digest, snapshot_digest, passed, exit_code, incomplete, "
      "worst_severity, counts, worst, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, now()) "
      "ON CONFLICT (manifest_digest, policy_digest) DO UPDATE SET snapshot_digest = EXCLUDED.snapshot_digest, "
      "passed = EXCLUDED.passed, exit_code = EXCLUDED.exit_code, incomplete = EXCLUDED.incomplete, "
      "worst_severity = EXCLUDED.worst_severity, counts = EXCLUDED.counts, worst = EXCLUDED.worst, "
      "decided_at = now()",
      {v.manifest_digest, v.policy_digest, v.snapshot_digest, PgBool(v.passed), PgInt(v.exit_code),
       PgBool(v.incomplete), v.worst_severity, counts.dump(),
       worst.dump(-1, ' ', false, json::error_handler_t::replace)}));
  return Ok();
}

Result<std::optional<Verdict>> LoadVerdict(PgConnection& connection, std::string_view digest,
                                           std::string_view policy_digest) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult row,
      connection.Exec("SELECT snapshot_digest, passed, exit_code, incomplete, worst_severity, counts::text, "
                      "worst::text, to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                      "FROM verdicts WHERE manifest_digest = $1 AND policy_digest = $2",
                      {std::string(digest), std::string(policy_digest)}));
  if (row.rows() == 0) {
    return std::optional<Verdict>();
  }
  Verdict v;
  v.manifest_digest = std::string(digest);
  v.policy_digest = std::string(policy_digest);
  v.snapshot_digest = row.Text(0, 0);
  v.passed = row.Bool(0, 1);
  v.exit_code = static_cast<int>(row.Int(0, 2));
  v.incomplete = row.Bool(0, 3);
  v.worst_severity = row.Text(0, 4);
  json counts = json::parse(row.Get(0, 5), nullptr, false);
  if (counts.is_object()) {
    for (const auto& [name, n] : counts.items()) {
      if (n.is_number_integer()) {
        v.counts[name] = n.get<int>();
      }
    }
  }
  json worst = json::parse(row.Get(0, 6), nullptr, false);
  if (worst.is_array()) {
    for (const auto& w : worst) {
      if (!w.is_object()) {
        continue;
      }
      v.worst.push_back({w.value("id", ""), w.value("severity", ""), w.value("package", ""), w.value("version", ""),
                         w.value("fixed_version", "")});
    }
  }
  v.decided_at = row.Text(0, 7);
  return std::optional<Verdict>(std::move(v));
}

Result<std::vector<std::string>> VerdictPolicies(PgConnection& connection, std::string_view digest) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult rows,
      connection.Exec("SELECT policy_digest FROM verdicts WHERE manifest_digest = $1", {std::string(digest)}));
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) {
    out.push_back(rows.Text(i, 0));
  }
  return out;
}

Result<bool> RegisterSnapshot(PgConnection& connection, const SnapshotRecord& snapshot, std::string_view worker) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult inserted,
      connection.Exec(
          "INSERT INTO snapshots (digest, built_at, schema_version, first_seen_by) "
          "VALUES ($1, $2::timestamptz, $3, $4) ON CONFLICT (digest) DO NOTHING RETURNING digest",
          {snapshot.digest, OrNull(snapshot.built_at), PgInt(snapshot.schema_version), std::string(worker)}));
  return inserted.rows() == 1;
}

Result<std::optional<SnapshotRecord>> LatestSnapshot(PgConnection& connection) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult row,
      connection.Exec("SELECT digest, coalesce(to_char(built_at AT TIME ZONE 'UTC', "
                      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), coalesce(schema_version, 0) FROM snapshots "
                      "ORDER BY built_at DESC NULLS LAST, first_seen_at DESC LIMIT 1"));
  if (row.rows() == 0) {
    return std::optional<SnapshotRecord>();
  }
  return std::optional<SnapshotRecord>(SnapshotRecord{row.Text(0, 0), row.Text(0, 1), static_cast<int>(row.Int(0, 2))});
}

Result<std::int64_t> InsertAlert(PgConnection& connection, const AlertRecord& a) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult row,
      connection.Exec("INSERT INTO runtime_alerts (time, rule, priority, hostname, container_id, source, output, "
                      "alert) VALUES ($1::timestamptz, $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING id",
                      {OrNull(a.time), a.rule, a.priority, OrNull(a.hostname), OrNull(a.container_id), OrNull(a.source),
                       OrNull(a.output), a.alert.dump(-1, ' ', false, json::error_handler_t::replace)}));
  return row.Int(0, 0);
}

}  // namespace customs::server
