// The server's PostgreSQL schema and its versioned migrations.
//
// Tables (the contract every role shares; docs/server.md describes them for operators):
//   jobs            the queue: FOR UPDATE SKIP LOCKED claims, a lease, attempts counted (queue.h)
//   scan_requests   what a client asked for (API, Harbor), its state and the job that serves it
//   policies        every policy a verdict was computed under, by digest
//   inventories     package inventories keyed by (manifest digest, analyzer version)
//   scan_results    full results keyed by (manifest digest, advisory snapshot digest)
//   verdicts        pass/fail per (manifest digest, policy digest), for the latest snapshot that judged it
//   snapshots       advisory snapshots the workers have installed
//   notifications   "new findings" announcements waiting for (or done with) webhook delivery
//   runtime_alerts  alerts posted by `customs watch --webhook`, partitioned by day of arrival
#pragma once

#include "core/error.h"
#include "server/pg.h"

namespace customs::server {

// The version the last migration brings the database to.
int LatestSchemaVersion();

// Applies every migration the database lacks, in order, each in its own transaction, while holding a session
// advisory lock: several servers starting at once migrate once, the others wait and then find nothing to do.
// Returns the resulting version. kUnsupported when the database is at a newer version than this build knows (an
// older customs must not run against a newer schema).
[[nodiscard]] Result<int> Migrate(PgConnection& connection);

// The version the database is at (0 when never migrated).
[[nodiscard]] Result<int> SchemaVersion(PgConnection& connection);

}  // namespace customs::server
