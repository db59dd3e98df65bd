// The job queue in PostgreSQL (table `jobs`, schema.h).
//
// Claiming: one UPDATE whose subquery picks the oldest claimable row with FOR UPDATE SKIP LOCKED, so any number of
// workers on any number of machines claim without blocking each other and never claim the same job. A claim sets a
// lease (lease_until) and counts the attempt. A worker that dies (kill -9, a lost machine) stops renewing its lease;
// once it expires, the job is claimable again and runs once more, with attempts one higher. A job whose lease expires
// with no attempts left is failed instead.
//
// Completing: Complete/Fail/Heartbeat name the worker and the attempt they hold. After a lease was lost (the job was
// claimed again by another worker), they change nothing and return false: the late worker's result is discarded, so a
// job is recorded done once.
//
// Waking: Enqueue issues NOTIFY on kJobChannel in the same transaction (PostgreSQL delivers it at commit); idle workers
// LISTEN on it and poll as a fallback (for expired leases, which nothing announces, and for lost notifications).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "server/pg.h"

namespace customs::server {

inline constexpr std::string_view kJobChannel = "customs_jobs";

struct Job {
  std::int64_t id = 0;
  std::string kind;     // "scan", "rematch"
  std::string payload;  // JSON text
  std::string secret;   // registry authorization for this job only; cleared when the job ends
  int attempts = 0;     // including this one
  int max_attempts = 0;
  std::string snapshot_digest;  // only a worker holding this advisory snapshot may run the job (empty: any)
};

struct EnqueueRequest {
  std::string kind;
  std::string payload = "{}";  // JSON text
  std::string secret;
  int max_attempts = 3;
  std::string snapshot_digest;
};

[[nodiscard]] Result<std::int64_t> EnqueueJob(PgConnection& connection, const EnqueueRequest& request);

// Jobs whose lease ran out with no attempts left become failed; returned so their owners can be told.
[[nodiscard]] Result<std::vector<Job>> FailExpiredJobs(PgConnection& connection);

// Claims the oldest claimable job for `worker`: queued and due, or running with an expired lease and attempts left;
// jobs tied to another snapshot are skipped. nullopt when there is none.
[[nodiscard]] Result<std::optional<Job>> ClaimJob(PgConnection& connection, std::string_view worker,
                                                  std::chrono::milliseconds lease, std::string_view snapshot_digest);

// Extends the lease. false when the lease was lost.
[[nodiscard]] Result<bool> RenewLease(PgConnection& connection, const Job& job, std::string_view worker,
                                      std::chrono::milliseconds lease);

// Marks the job done. false when the lease was lost (another worker owns the job now).
[[nodiscard]] Result<bool> CompleteJob(PgConnection& connection, const Job& job, std::string_view worker);

// Records a failure. A transient failure with attempts left requeues the job after `backoff`; a permanent one, or
// the last attempt, fails it. Returns the new state ("queued", "failed"), or nullopt when the lease was lost.
[[nodiscard]] Result<std::optional<std::string>> FailJob(PgConnection& connection, const Job& job,
                                                         std::string_view worker, std::string_view error,
                                                         bool permanent, std::chrono::milliseconds backoff);

// Number of jobs by state ("queued", "running", "done", "failed"); every state is present.
[[nodiscard]] Result<std::map<std::string, std::int64_t>> JobCounts(PgConnection& connection);

}  // namespace customs::server
