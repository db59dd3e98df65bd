#include "server/schema.h"

namespace customs::server {
namespace {

// pg_advisory_lock key for migrations: "customs" in ASCII.
constexpr const char* kMigrationLockKey = "32495402233098611";

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Append only: a migration that shipped is never edited; change the schema with a new one.
constexpr Migration kMigrations[] = {
    {1, "queue, scan requests, inventories, results, verdicts, snapshots, notifications, runtime alerts", R"sql(
CREATE TABLE jobs (
  id              bigserial PRIMARY KEY,
  kind            text NOT NULL,
  payload         jsonb NOT NULL DEFAULT '{}',
  secret          text,
  state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  max_attempts    integer NOT NULL DEFAULT 3,
  run_after       timestamptz NOT NULL DEFAULT now(),
  lease_until     timestamptz,
  worker          text,
  snapshot_digest text,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz
);
CREATE INDEX jobs_open ON jobs (id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('done', 'failed');

CREATE TABLE scan_requests (
  id              text PRIMARY KEY,
  source          text NOT NULL,
  reference       text NOT NULL,
  manifest_digest text,
  policy_digest   text NOT NULL,
  request         jsonb NOT NULL DEFAULT '{}',
  state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  snapshot_digest text,
  error           text,
  job_id          bigint,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scan_requests_digest ON scan_requests (manifest_digest);
CREATE INDEX scan_requests_updated ON scan_requests (updated_at);

CREATE TABLE policies (
  digest     text PRIMARY KEY,
  policy     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inventories (
  manifest_digest  text NOT NULL,
  analyzer_version text NOT NULL,
  inventory        text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_used_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (manifest_digest, analyzer_version)
);

CREATE TABLE scan_results (
  manifest_digest  text NOT NULL,
  snapshot_digest  text NOT NULL,
  analyzer_version text NOT NULL,
  report           text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (manifest_digest, snapshot_digest)
);
CREATE INDEX scan_results_created ON scan_results (created_at);

CREATE TABLE verdicts (
  manifest_digest text NOT NULL,
  policy_digest   text NOT NULL,
  snapshot_digest text NOT NULL,
  passed          boolean NOT NULL,
  exit_code       integer NOT NULL,
  incomplete      boolean NOT NULL,
  worst_severity  text NOT NULL,
  counts          jsonb NOT NULL,
  worst           jsonb NOT NULL,
  decided_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (manifest_digest, policy_digest)
);

CREATE TABLE snapshots (
  digest         text PRIMARY KEY,
  built_at       timestamptz,
  schema_version integer,
  first_seen_by  text,
  first_seen_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notifications (
  id                bigserial PRIMARY KEY,
  manifest_digest   text NOT NULL,
  snapshot_digest   text NOT NULL,
  previous_snapshot text,
  payload           jsonb NOT NULL,
  state             text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts          integer NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  last_error        text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  delivered_at      timestamptz,
  UNIQUE (manifest_digest, snapshot_digest)
);

CREATE TABLE runtime_alerts (
  id           bigserial,
  received_at  timestamptz NOT NULL DEFAULT now(),
  time         timestamptz,
  rule         text NOT NULL,
  priority     text NOT NULL,
  hostname     text,
  container_id text,
  source       text,
  output       text,
  alert        jsonb NOT NULL,
  PRIMARY KEY (id, received_at)
) PARTITION BY RANGE (received_at);
-- Day partitions are created ahead by the maintenance task; this one catches anything outside them.
CREATE TABLE runtime_alerts_default PARTITION OF runtime_alerts DEFAULT;
)sql"},
};

}  // namespace

int LatestSchemaVersion() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

Result<int> SchemaVersion(PgConnection& connection) {
  CUSTOMS_ASSIGN_OR_RETURN(PgResult exists, connection.Exec("SELECT to_regclass('customs_schema') IS NOT NULL"));
  if (!exists.Bool(0, 0)) {
    return 0;
  }
  CUSTOMS_ASSIGN_OR_RETURN(PgResult version, connection.Exec("SELECT coalesce(max(version), 0) FROM customs_schema"));
  return static_cast<int>(version.Int(0, 0));
}

Result<int> Migrate(PgConnection& connection) {
  CUSTOMS_RETURN_IF_ERROR(connection.Exec("SELECT pg_advisory_lock($1)", {std::string(kMigrationLockKey)}));
  auto unlock = [&] { (void)connection.Exec("SELECT pg_advisory_unlock($1)", {std::string(kMigrationLockKey)}); };
  auto run = [&]() -> Result<int> {
    CUSTOMS_RETURN_IF_ERROR(connection.Exec(
        "CREATE TABLE IF NOT EXISTS customs_schema (version integer PRIMARY KEY, description text NOT NULL, "
        "applied_at timestamptz NOT NULL DEFAULT now())"));
    CUSTOMS_ASSIGN_OR_RETURN(int current, SchemaVersion(connection));
    if (current > LatestSchemaVersion()) {
      return MakeError(ErrorCode::kUnsupported,
                       "the database schema is at version {}, this customs knows up to {}: upgrade customs", current,
                       LatestSchemaVersion());
    }
    for (const Migration& migration : kMigrations) {
      if (migration.version <= current) {
        continue;
      }
      auto applied = PgTransaction(connection, [&]() -> Status {
        CUSTOMS_RETURN_IF_ERROR(connection.ExecScript(migration.sql));
        CUSTOMS_RETURN_IF_ERROR(connection.Exec("INSERT INTO customs_schema (version, description) VALUES ($1, $2)",
                                                {PgInt(migration.version), std::string(migration.description)}));
        return Ok();
      });
      if (!applied) {
        return tl::unexpected(applied.error().WithContext(fmt::format("migration {}", migration.version)));
      }
      current = migration.version;
    }
    return current;
  };
  auto result = run();
  unlock();
  return result;
}

}  // namespace customs::server
