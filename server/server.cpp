#include "server/server.h"

#include <chrono>
#include <memory>
#include <thread>

#include "server/api.h"
#include "server/gate.h"
#include "server/http.h"
#include "server/log.h"
#include "server/maintenance.h"
#include "server/metrics.h"
#include "server/pg.h"
#include "server/schema.h"
#include "server/worker.h"

namespace customs::server {
namespace {

using Clock = std::chrono::steady_clock;

// Sleeps up to `duration`, waking early when `stop` is set.
void SleepUnless(const std::atomic<bool>& stop, Clock::duration duration) {
  auto end = Clock::now() + duration;
  while (!stop.load() && Clock::now() < end) {
    std::this_thread::sleep_for(std::min<Clock::duration>(end - Clock::now(), std::chrono::milliseconds(100)));
  }
}

// Migrates at start, retrying while PostgreSQL is unreachable (it may start after us).
Status MigrateAtStart(const ServerConfig& config, const std::atomic<bool>& stop) {
  auto delay = std::chrono::milliseconds(200);
  for (;;) {
    auto connection = PgConnection::Connect(config.postgres, std::chrono::seconds(5));
    if (connection) {
      auto version = Migrate(**connection);
      if (version) {
        LogEvent("info", "schema_ready", {{"version", *version}});
        return Ok();
      }
      if (version.error().code() != ErrorCode::kNetwork) {
        return tl::unexpected(version.error());
      }
      LogEvent("warning", "migration_failed", {{"error", version.error().message()}});
    } else {
      LogEvent("warning", "postgres_unavailable", {{"error", connection.error().message()}});
    }
    if (stop.load()) {
      return MakeError(ErrorCode::kCancelled, "stopped before PostgreSQL was reachable");
    }
    SleepUnless(stop, delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(5000));
  }
}

void MaintenanceLoop(const ServerConfig& config, const std::atomic<bool>& stop) {
  std::unique_ptr<PgConnection> connection;
  while (!stop.load()) {
    if (!connection || !connection->healthy()) {
      auto connected = PgConnection::Connect(config.postgres, std::chrono::seconds(5));
      connection = connected ? std::move(*connected) : nullptr;
    }
    if (connection) {
      auto report = RunRetention(*connection, config);
      if (!report) {
        LogEvent("warning", "retention_failed", {{"error", report.error().message()}});
      } else if (report->ran) {
        LogEvent("info", "retention",
                 {{"jobs", report->jobs},
                  {"scan_requests", report->scan_requests},
                  {"results", report->results},
                  {"inventories", report->inventories},
                  {"notifications", report->notifications},
                  {"partitions_dropped", report->partitions_dropped}});
      }
    }
    SleepUnless(stop, connection ? config.retention_interval : std::chrono::seconds(5));
  }
}

}  // namespace

Status RunServer(const ServerConfig& config, const std::atomic<bool>& stop, const RunOptions& options) {
  CUSTOMS_RETURN_IF_ERROR(MigrateAtStart(config, stop));
  Metrics metrics;
  PgPool pool(config.postgres, config.postgres_pool, std::chrono::seconds(5));
  std::shared_ptr<Gate> gate;
  if (config.role == Role::kGate) {
    CUSTOMS_ASSIGN_OR_RETURN(gate, Gate::Create(config, &pool, &metrics));
  }
  std::unique_ptr<Worker> worker;
  if (config.role == Role::kWorker || config.role == Role::kAll) {
    worker = std::make_unique<Worker>(config, metrics);
  }

  ApiContext context;
  context.config = &config;
  context.pool = &pool;
  context.metrics = &metrics;
  context.serve_api = config.role == Role::kApi || config.role == Role::kAll;
  context.version = options.version;
  if (worker) {
    context.worker_not_ready = [w = worker.get()] { return w->NotReadyReason(); };
    context.snapshot_age_seconds = [w = worker.get()] { return w->SnapshotAgeSeconds(); };
  }
  if (gate) {
    context.worker_not_ready = [g = gate.get()] { return g->NotReadyReason(); };
  }
  auto api = std::make_shared<Api>(context);

  HttpServerOptions http;
  http.listen = config.listen;
  http.tls_cert_file = config.tls_cert;
  http.tls_key_file = config.tls_key;
  http.max_header_bytes = config.max_header_bytes;
  http.max_connections = config.max_connections;
  http.read_timeout = config.read_timeout;
  http.write_timeout = config.write_timeout;
  http.idle_timeout = config.idle_timeout;
  auto server = HttpServer::Start(http, [api, gate](HttpExchange& exchange) {
    if (gate && Gate::Handles(exchange.request().path)) {
      gate->Handle(exchange);
    } else {
      api->Handle(exchange);
    }
  });
  if (!server) {
    return tl::unexpected(server.error());
  }
  LogEvent("info", "listening",
           {{"address", (*server)->address()}, {"role", RoleName(config.role)}, {"tls", !config.tls_cert.empty()}});
  if (options.on_listening) {
    options.on_listening((*server)->address());
  }

  std::thread worker_thread;
  if (worker) {
    worker_thread = std::thread([&] { worker->Run(stop); });
  }
  std::thread maintenance([&] { MaintenanceLoop(config, stop); });

  while (!stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  LogEvent("info", "stopping", {{"role", RoleName(config.role)}});
  (*server)->Stop();
  if (worker_thread.joinable()) {
    worker_thread.join();
  }
  maintenance.join();
  return Ok();
}

}  // namespace customs::server
