#include "server/queue.h"

namespace customs::server {
namespace {

std::string Milliseconds(std::chrono::milliseconds duration) {
  return std::to_string(duration.count());
}

Job JobFromRow(const PgResult& r, int row) {
  Job job;
  job.id = r.Int(row, 0);
  job.kind = r.Text(row, 1);
  job.payload = r.Text(row, 2);
  job.secret = r.Text(row, 3);
  job.attempts = static_cast<int>(r.Int(row, 4));
  job.max_attempts = static_cast<int>(r.Int(row, 5));
  job.snapshot_digest = r.Text(row, 6);
  return job;
}

constexpr const char* kJobColumns =
    "id, kind, payload::text, coalesce(secret, ''), attempts, max_attempts, coalesce(snapshot_digest, '')";

}  // namespace

Result<std::int64_t> EnqueueJob(PgConnection& connection, const EnqueueRequest& request) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult inserted,
      connection.Exec(
          "INSERT INTO jobs (kind, payload, secret, max_attempts, snapshot_digest) "
          "VALUES ($1, $2::jsonb, $3, $4, $5) RETURNING id",
          {request.kind, request.payload, request.secret.empty() ? PgParam() : request.secret,
           PgInt(request.max_attempts), request.snapshot_digest.empty() ? PgParam() : request.snapshot_digest}));
  CUSTOMS_RETURN_IF_ERROR(connection.Exec("SELECT pg_notify($1, $2)", {std::string(kJobChannel), inserted.Text(0, 0)}));
  return inserted.Int(0, 0);
}

Result<std::vector<Job>> FailExpiredJobs(PgConnection& connection) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult failed,
      connection.Exec(fmt::format("UPDATE jobs SET state = 'failed', finished_at = now(), secret = NULL, "
                                  "last_error = 'the lease of worker ' || coalesce(worker, '?') || ' expired on the "
                                  "last of ' || max_attempts || ' attempts' "
                                  "WHERE state = 'running' AND lease_until < now() AND attempts >= max_attempts "
                                  "RETURNING {}",
                                  kJobColumns)));
  std::vector<Job> jobs;
  jobs.reserve(static_cast<std::size_t>(failed.rows()));
  for (int i = 0; i < failed.rows(); ++i) {
    jobs.push_back(JobFromRow(failed, i));
  }
  return jobs;
}

Result<std::optional<Job>> ClaimJob(PgConnection& connection, std::string_view worker, std::chrono::milliseconds lease,
                                    std::string_view snapshot_digest) {
  // The inner SELECT locks one candidate row and skips rows other workers hold; the outer UPDATE claims it.
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult claimed,
      connection.Exec(
          fmt::format("UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $1, started_at = now(), "
                      "lease_until = now() + make_interval(secs => $2::double precision / 1000), "
                      "last_error = CASE WHEN state = 'running' THEN 'the lease of worker ' || coalesce(worker, '?') "
                      "|| ' expired' ELSE last_error END "
                      "WHERE id = (SELECT id FROM jobs "
                      "  WHERE ((state = 'queued' AND run_after <= now()) "
                      "      OR (state = 'running' AND lease_until < now() AND attempts < max_attempts)) "
                      "    AND (snapshot_digest IS NULL OR snapshot_digest = $3) "
                      "  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
                      "RETURNING {}",
                      kJobColumns),
          {std::string(worker), Milliseconds(lease), std::string(snapshot_digest)}));
  if (claimed.rows() == 0) {
    return std::optional<Job>();
  }
  return std::optional<Job>(JobFromRow(claimed, 0));
}

Result<bool> RenewLease(PgConnection& connection, const Job& job, std::string_view worker,
                        std::chrono::milliseconds lease) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult renewed,
      connection.Exec("UPDATE jobs SET lease_until = now() + make_interval(secs => $4::double precision / 1000) "
                      "WHERE id = $1 AND worker = $2 AND attempts = $3 AND state = 'running'",
                      {PgInt(job.id), std::string(worker), PgInt(job.attempts), Milliseconds(lease)}));
  return renewed.affected() == 1;
}

Result<bool> CompleteJob(PgConnection& connection, const Job& job, std::string_view worker) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult done,
      connection.Exec("UPDATE jobs SET state = 'done', finished_at = now(), lease_until = NULL, secret = NULL "
                      "WHERE id = $1 AND worker = $2 AND attempts = $3 AND state = 'running'",
                      {PgInt(job.id), std::string(worker), PgInt(job.attempts)}));
  return done.affected() == 1;
}

Result<std::optional<std::string>> FailJob(PgConnection& connection, const Job& job, std::string_view worker,
                                           std::string_view error, bool permanent, std::chrono::milliseconds backoff) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult failed,
      connection.Exec("UPDATE jobs SET last_error = $4, lease_until = NULL, "
                      "state = CASE WHEN $5 OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END, "
                      "finished_at = CASE WHEN $5 OR attempts >= max_attempts THEN now() END, "
                      "secret = CASE WHEN $5 OR attempts >= max_attempts THEN NULL ELSE secret END, "
                      "run_after = now() + make_interval(secs => $6::double precision / 1000) "
                      "WHERE id = $1 AND worker = $2 AND attempts = $3 AND state = 'running' RETURNING state",
                      {PgInt(job.id), std::string(worker), PgInt(job.attempts), std::string(error), PgBool(permanent),
                       Milliseconds(backoff)}));
  if (failed.rows() == 0) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(failed.Text(0, 0));
}

Result<std::map<std::string, std::int64_t>> JobCounts(PgConnection& connection) {
  CUSTOMS_ASSIGN_OR_RETURN(PgResult counts, connection.Exec("SELECT state, count(*) FROM jobs GROUP BY state"));
  std::map<std::string, std::int64_t> out = {{"queued", 0}, {"running", 0}, {"done", 0}, {"failed", 0}};
  for (int i = 0; i < counts.rows(); ++i) {
    out[counts.Text(i, 0)] = counts.Int(i, 1);
  }
  return out;
}

}  // namespace customs::server
