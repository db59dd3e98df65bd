// `customs server` settings: every one is a key in the YAML config file and a command-line flag with the same name
// ("worker.lease" in the file is --worker-lease on the command line). Flags override the file. One table
// (ConfigSettings) defines both, so neither can drift from the other or from docs/server.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "server/policy.h"

namespace customs::server {

enum class Role { kApi, kWorker, kGate, kAll };
const char* RoleName(Role role);

struct ServerConfig {
  Role role = Role::kAll;
  std::string listen = "127.0.0.1:8080";
  std::string postgres;   // libpq connection string
  std::string db;         // the local advisory store (worker, all); empty: DefaultStorePath()
  std::string cache_dir;  // per-layer analysis cache for workers; empty: none
  std::string tls_cert;
  std::string tls_key;
  std::string upstream;  // gate role: the registry behind the gate
  std::string api_key;
  std::string api_key_file;
  Policy policy;  // default policy: fail_on, ignore_unfixed
  std::chrono::milliseconds max_db_age{std::chrono::hours(72)};

  // Workers.
  std::string worker_id;  // empty: hostname:pid
  std::chrono::milliseconds lease{std::chrono::seconds(60)};
  std::chrono::milliseconds poll_interval{std::chrono::seconds(5)};
  int max_attempts = 3;
  std::chrono::milliseconds retry_backoff{std::chrono::seconds(10)};

  // Registry access for pulls.
  std::string registry_ca_cert;
  bool registry_insecure = false;
  std::vector<std::string> insecure_registries;

  // Harbor adapter.
  int harbor_refresh_after = 5;  // seconds, in Refresh-After; Harbor reads it as int8, so at most 127

  // Kubernetes admission (admission.h): an image without a verdict is denied, or allowed with a warning ("warn").
  std::string admission_on_miss = "deny";
  std::chrono::milliseconds admission_resolve_timeout{std::chrono::seconds(2)};

  // Notifications of new findings when a new snapshot arrives (empty: recorded, not sent).
  std::string notify_webhook;

  // Retention (run by every role, one instance at a time).
  std::chrono::milliseconds retention_interval{std::chrono::hours(1)};
  std::chrono::milliseconds retention_jobs{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds retention_results{std::chrono::hours(24 * 30)};
  std::chrono::milliseconds retention_inventories{std::chrono::hours(24 * 90)};
  std::chrono::milliseconds retention_alerts{std::chrono::hours(24 * 30)};
  std::chrono::milliseconds retention_notifications{std::chrono::hours(24 * 30)};

  // HTTP limits.
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_connections = 256;
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::size_t postgres_pool = 16;
};

// One setting: its key, its help text, and how to read it from text into a config.
struct ConfigSetting {
  std::string key;       // "worker.lease"
  std::string help;      // "--help" text (includes the default)
  bool is_flag = false;  // a boolean: --ignore-unfixed with no value
  std::function<Status(ServerConfig&, const std::string&)> set;
};
const std::vector<ConfigSetting>& ConfigSettings();

// "worker.lease" -> "--worker-lease".
std::string FlagName(std::string_view key);

// Reads a YAML config file into `config` (starting from whatever `config` holds). Nested maps give dotted keys
// (worker: {lease: 30s} is worker.lease). kInvalidArgument naming the file, the key and what is wrong, for unknown
// keys too (a typo must not silently keep a default).
[[nodiscard]] Status LoadConfigFile(const std::string& path, ServerConfig& config);
// The same from YAML text (tests, fuzzing).
[[nodiscard]] Status LoadConfigText(std::string_view yaml, std::string_view name, ServerConfig& config);

// Sets key = value through the table. kInvalidArgument for an unknown key or a bad value.
[[nodiscard]] Status ApplySetting(ServerConfig& config, std::string_view key, const std::string& value);

// Checks what the role needs (a DSN; a store for workers; both TLS files or neither; an upstream for the gate; ...)
// and reads api_key_file. kInvalidArgument with what to fix.
[[nodiscard]] Status FinishConfig(ServerConfig& config);

}  // namespace customs::server
