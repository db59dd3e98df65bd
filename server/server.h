// `customs server`: runs one role until told to stop.
//   api     HTTP API (Harbor, /v1), health and metrics; enqueues work, never scans
//   worker  claims and runs jobs (worker.h); serves /healthz, /readyz and /metrics only
//   all     api and one worker in one process (a single-machine deployment, and the tests)
//   gate    the registry push gate (gate.h): a Distribution API proxy that judges manifest pushes; /healthz,
//           /readyz and /metrics beside it
// Every role migrates the schema at start (under an advisory lock) and runs retention (maintenance.h).
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "core/error.h"
#include "server/config.h"

namespace customs::server {

struct RunOptions {
  std::string version = "0.0.0";
  // Called once the HTTP listener is bound, with its address ("127.0.0.1:43210").
  std::function<void(const std::string& address)> on_listening;
};

// Blocks until `stop` becomes true, then shuts down in order (HTTP, worker, maintenance). Errors: the gate's upstream
// or advisory store is unusable, the listen address or TLS files are unusable, or `stop` came before PostgreSQL could
// be reached.
[[nodiscard]] Status RunServer(const ServerConfig& config, const std::atomic<bool>& stop, const RunOptions& options);

}  // namespace customs::server
