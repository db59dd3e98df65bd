// A worker: claims jobs from the PostgreSQL queue and runs them against its own local advisory store.
//
// Stateless: everything it knows beyond its store lives in PostgreSQL, so any number of workers on any number of
// machines share one queue. A worker
//   - keeps two connections: one for work, one that LISTENs on the job channel (an idle worker wakes on NOTIFY and
//     polls every worker.poll_interval as a fallback); both reconnect with backoff after PostgreSQL goes away, and a
//     job interrupted by that is resumed under the same lease once the database is back;
//   - renews the lease of the job it runs from a heartbeat thread (every lease/3), so only a dead worker's job expires;
//   - reopens its store when the file changes (`customs db update --from ...` swaps it atomically), hashes it (the
//     snapshot digest keys results), registers the snapshot, and when the snapshot is new to the whole deployment,
//     enqueues one re-match job per stored inventory;
//   - takes no job while its store is older than max_db_age, and says why in its log and in /readyz.
// Job kinds:
//   scan     payload {scan_id, reference, digest, policy_digest, plain_http}; secret: a registry Authorization value.
//            A result stored for (digest, snapshot) answers at once; else a stored inventory is matched again; else
//            the image is pulled and read. Stores inventory, result and verdict, then marks the scan request done.
//   rematch  payload {manifest_digest, analyzer_version}, only for workers with the job's snapshot: matches a stored
//            inventory against the new snapshot, re-judges its verdicts, and records a notification when findings
//            appeared that the previous snapshot did not have (notify.cpp delivers it).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "server/config.h"
#include "server/metrics.h"

namespace customs::server {

class Worker {
 public:
  Worker(const ServerConfig& config, Metrics& metrics);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs until `stop` becomes true (checked at least every poll interval and between jobs).
  void Run(const std::atomic<bool>& stop);

  // Empty when the worker can take jobs; otherwise why not (no database, no store, a stale store).
  std::string NotReadyReason() const;
  // Seconds since the local store was built (-1 when unknown), for /metrics.
  double SnapshotAgeSeconds() const;
  const std::string& id() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "host:pid".
std::string DefaultWorkerId();

}  // namespace customs::server
