// Retention: what the server deletes on its own so PostgreSQL does not grow without bound (the top complaint about
// Clair is a 20 GB table whose garbage collection never runs). Every role runs it every retention.interval; a
// PostgreSQL advisory lock lets one instance at a time do the work. It also creates the runtime alert partitions for
// the next days ahead of time.
//
// Deleted: finished jobs and scan requests older than retention.jobs; results older than retention.results, except
// those of the newest snapshot (deleting those would force rescans); snapshots older than that with no result left;
// inventories not used for retention.inventories, with their verdicts; delivered or failed notifications older than
// retention.notifications; runtime alert day partitions that ended more than retention.alerts ago (DROP, not DELETE),
// and old rows that landed in the default partition.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "server/config.h"
#include "server/pg.h"

namespace customs::server {

struct RetentionReport {
  bool ran = false;  // false: another instance held the lock
  std::int64_t jobs = 0;
  std::int64_t scan_requests = 0;
  std::int64_t results = 0;
  std::int64_t snapshots = 0;
  std::int64_t inventories = 0;
  std::int64_t verdicts = 0;
  std::int64_t notifications = 0;
  std::int64_t default_partition_alerts = 0;
  std::vector<std::string> partitions_ensured;
  std::vector<std::string> partitions_dropped;
};

// One pass. `now` is the reference time (tests move it); partitions are named runtime_alerts_pYYYYMMDD (UTC days).
[[nodiscard]] Result<RetentionReport> RunRetention(
    PgConnection& connection, const ServerConfig& config,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Creates the day partition of runtime_alerts holding `day` (moving any of its rows out of the default partition
// first). Returns its name; a no-op when it exists.
[[nodiscard]] Result<std::string> EnsureAlertPartition(PgConnection& connection,
                                                       std::chrono::system_clock::time_point day);

}  // namespace customs::server
