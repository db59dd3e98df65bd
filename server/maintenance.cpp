#include "server/maintenance.h"

#include <ctime>

namespace customs::server {
namespace {

constexpr const char* kRetentionLockKey = "32495402233098612";
constexpr std::string_view kPartitionPrefix = "runtime_alerts_p";

std::tm UtcDay(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return tm;
}

std::string Timestamp(const std::tm& tm) {
  return fmt::format("{:04}-{:02}-{:02} 00:00:00+00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

std::string Ms(std::chrono::milliseconds d) {
  return std::to_string(d.count());
}

// The start of the day a partition name stands for; -1 when the name is not one of ours.
std::time_t PartitionDay(std::string_view name) {
  if (!name.starts_with(kPartitionPrefix) || name.size() != kPartitionPrefix.size() + 8) {
    return -1;
  }
  std::string digits(name.substr(kPartitionPrefix.size()));
  if (digits.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  std::tm tm{};
  tm.tm_year = std::stoi(digits.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(digits.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(digits.substr(6, 2));
  return timegm(&tm);
}

}  // namespace

Result<std::string> EnsureAlertPartition(PgConnection& connection, std::chrono::system_clock::time_point day) {
  std::tm start = UtcDay(day);
  std::tm end = start;
  end.tm_mday += 1;
  timegm(&end);  // normalises the month and year
  std::string name =
      fmt::format("{}{:04}{:02}{:02}", kPartitionPrefix, start.tm_year + 1900, start.tm_mon + 1, start.tm_mday);
  CUSTOMS_ASSIGN_OR_RETURN(PgResult exists, connection.Exec("SELECT to_regclass($1) IS NOT NULL", {name}));
  if (exists.Bool(0, 0)) {
    return name;
  }
  // Rows of that day already in the default partition would make CREATE ... PARTITION OF fail: move them over.
  auto created = PgTransaction(connection, [&]() -> Status {
    std::string from = Timestamp(start);
    std::string to = Timestamp(end);
    // The parent first, then its partitions, the order every reader and writer of runtime_alerts takes them in:
    // CREATE ... PARTITION OF needs the parent exclusively, and taking the default partition before it deadlocked
    // with a concurrent SELECT (which holds the parent and waits for the default).
    CUSTOMS_RETURN_IF_ERROR(connection.Exec("LOCK TABLE runtime_alerts IN ACCESS EXCLUSIVE MODE"));
    CUSTOMS_RETURN_IF_ERROR(
        connection.Exec("CREATE TEMP TABLE customs_moved_alerts (LIKE runtime_alerts_default) ON COMMIT DROP"));
    CUSTOMS_RETURN_IF_ERROR(connection.Exec(
        "WITH moved AS (DELETE FROM runtime_alerts_default WHERE received_at >= $1::timestamptz AND received_at < "
        "$2::timestamptz RETURNING *) INSERT INTO customs_moved_alerts SELECT * FROM moved",
        {from, to}));
    CUSTOMS_RETURN_IF_ERROR(
        connection.Exec(fmt::format("CREATE TABLE IF NOT EXISTS {} PARTITION OF runtime_alerts FOR VALUES FROM ('{}') "
                                    "TO ('{}')",
                                    PgQuoteIdentifier(name), from, to)));
    CUSTOMS_RETURN_IF_ERROR(connection.Exec("INSERT INTO runtime_alerts SELECT * FROM customs_moved_alerts"));
    return Ok();
  });
  if (!created) {
    return tl::unexpected(created.error());
  }
  return name;
}

Result<RetentionReport> RunRetention(PgConnection& connection, const ServerConfig& config,
                                     std::chrono::system_clock::time_point now) {
  RetentionReport report;
  CUSTOMS_ASSIGN_OR_RETURN(PgResult locked,
                           connection.Exec("SELECT pg_try_advisory_lock($1)", {std::string(kRetentionLockKey)}));
  if (!locked.Bool(0, 0)) {
    return report;
  }
  auto run = [&]() -> Status {
    report.ran = true;
    using std::chrono::hours;
    for (int ahead = 0; ahead < 3; ++ahead) {
      CUSTOMS_ASSIGN_OR_RETURN(std::string name, EnsureAlertPartition(connection, now + hours(24 * ahead)));
      report.partitions_ensured.push_back(std::move(name));
    }
    // `now` is a parameter so tests can move time; every cutoff is computed from it.
    std::time_t now_seconds = std::chrono::system_clock::to_time_t(now);
    std::string now_text = std::to_string(now_seconds);
    auto run_count = [&](const std::string& sql, std::chrono::milliseconds age) -> Result<std::int64_t> {
      CUSTOMS_ASSIGN_OR_RETURN(PgResult done, connection.Exec(sql, {now_text, Ms(age)}));
      return done.affected();
    };
    const std::string cutoff =
        "(to_timestamp($1::double precision) - make_interval(secs => $2::double precision / 1000))";
    CUSTOMS_ASSIGN_OR_RETURN(report.jobs, run_count("DELETE FROM jobs WHERE state IN ('done', 'failed') AND "
                                                    "finished_at < " +
                                                        cutoff,
                                                    config.retention_jobs));
    CUSTOMS_ASSIGN_OR_RETURN(
        report.scan_requests,
        run_count("DELETE FROM scan_requests WHERE state IN ('done', 'failed') AND updated_at < " + cutoff,
                  config.retention_jobs));
    const std::string newest =
        "(SELECT digest FROM snapshots ORDER BY built_at DESC NULLS LAST, first_seen_at DESC "
        "LIMIT 1)";
    CUSTOMS_ASSIGN_OR_RETURN(report.results, run_count("DELETE FROM scan_results WHERE created_at < " + cutoff +
                                                           " AND snapshot_digest IS DISTINCT FROM " + newest,
                                                       config.retention_results));
    CUSTOMS_ASSIGN_OR_RETURN(report.snapshots,
                             run_count("DELETE FROM snapshots s WHERE first_seen_at < " + cutoff +
                                           " AND s.digest IS DISTINCT FROM " + newest +
                                           " AND NOT EXISTS (SELECT 1 FROM scan_results r WHERE r.snapshot_digest = "
                                           "s.digest)",
                                       config.retention_results));
    CUSTOMS_ASSIGN_OR_RETURN(report.inventories, run_count("DELETE FROM inventories WHERE last_used_at < " + cutoff,
                                                           config.retention_inventories));
    CUSTOMS_ASSIGN_OR_RETURN(report.verdicts,
                             run_count("DELETE FROM verdicts v WHERE decided_at < " + cutoff +
                                           " AND NOT EXISTS (SELECT 1 FROM inventories i WHERE i.manifest_digest = "
                                           "v.manifest_digest)",
                                       config.retention_inventories));
    CUSTOMS_ASSIGN_OR_RETURN(report.notifications,
                             run_count("DELETE FROM notifications WHERE state <> 'pending' AND created_at < " + cutoff,
                                       config.retention_notifications));
    CUSTOMS_ASSIGN_OR_RETURN(
        report.default_partition_alerts,
        run_count("DELETE FROM runtime_alerts_default WHERE received_at < " + cutoff, config.retention_alerts));
    CUSTOMS_ASSIGN_OR_RETURN(
        PgResult partitions,
        connection.Exec("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'runtime_alerts' ORDER BY 1"));
    auto keep_after = now_seconds - std::chrono::duration_cast<std::chrono::seconds>(config.retention_alerts).count();
    for (int i = 0; i < partitions.rows(); ++i) {
      std::string name = partitions.Text(i, 0);
      std::time_t day = PartitionDay(name);
      if (day < 0 || day + 86400 > keep_after) {
        continue;
      }
      // DROP of a partition locks it, then the parent: lock the parent first, as readers do (see above).
      CUSTOMS_RETURN_IF_ERROR(PgTransaction(connection, [&]() -> Status {
        CUSTOMS_RETURN_IF_ERROR(connection.Exec("LOCK TABLE runtime_alerts IN ACCESS EXCLUSIVE MODE"));
        CUSTOMS_RETURN_IF_ERROR(connection.Exec(fmt::format("DROP TABLE IF EXISTS {}", PgQuoteIdentifier(name))));
        return Ok();
      }));
      report.partitions_dropped.push_back(std::move(name));
    }
    return Ok();
  };
  Status status = run();
  (void)connection.Exec("SELECT pg_advisory_unlock($1)", {std::string(kRetentionLockKey)});
  if (!status) {
    return tl::unexpected(status.error());
  }
  return report;
}

}  // namespace customs::server
