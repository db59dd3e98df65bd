#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "core/duration.h"
#include "core/file_util.h"

namespace customs::server {
namespace {

using Setter = std::function<Status(ServerConfig&, const std::string&)>;

Setter String(std::string ServerConfig::*member) {
  return [member](ServerConfig& c, const std::string& v) -> Status {
    c.*member = v;
    return Ok();
  };
}

Setter Duration(std::chrono::milliseconds ServerConfig::*member, std::chrono::milliseconds bare_unit) {
  return [member, bare_unit](ServerConfig& c, const std::string& v) -> Status {
    CUSTOMS_ASSIGN_OR_RETURN(c.*member, ParseDuration(v, bare_unit));
    return Ok();
  };
}

Result<long long> ParseInteger(const std::string& v, long long min, long long max) {
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "'{}' is not a whole number", v);
  }
  long long n = std::stoll(v);
  if (n < min || n > max) {
    return MakeError(ErrorCode::kInvalidArgument, "{} is outside {}..{}", n, min, max);
  }
  return n;
}

template <class T>
Setter Integer(T ServerConfig::*member, long long min, long long max) {
  return [member, min, max](ServerConfig& c, const std::string& v) -> Status {
    CUSTOMS_ASSIGN_OR_RETURN(long long n, ParseInteger(v, min, max));
    c.*member = static_cast<T>(n);
    return Ok();
  };
}

Result<bool> ParseBool(const std::string& v) {
  if (v == "true" || v == "yes" || v == "on" || v == "1") {
    return true;
  }
  if (v == "false" || v == "no" || v == "off" || v == "0") {
    return false;
  }
  return MakeError(ErrorCode::kInvalidArgument, "'{}' is not true or false", v);
}

Setter Bool(bool ServerConfig::*member) {
  return [member](ServerConfig& c, const std::string& v) -> Status {
    CUSTOMS_ASSIGN_OR_RETURN(c.*member, ParseBool(v));
    return Ok();
  };
}

std::vector<ConfigSetting> MakeSettings() {
  using std::chrono::hours;
  using std::chrono::seconds;
  std::vector<ConfigSetting> s;
  auto add = [&s](std::string key, std::string help, Setter set, bool is_flag = false) {
    s.push_back({std::move(key), std::move(help), is_flag, std::move(set)});
  };
  add("role", "api | worker | gate | all (default all: api and one worker in one process)",
      [](ServerConfig& c, const std::string& v) -> Status {
        if (v == "api") {
          c.role = Role::kApi;
        } else if (v == "worker") {
          c.role = Role::kWorker;
        } else if (v == "gate") {
          c.role = Role::kGate;
        } else if (v == "all") {
          c.role = Role::kAll;
        } else {
          return MakeError(ErrorCode::kInvalidArgument, "'{}' is not a role (api, worker, gate, all)", v);
        }
        return Ok();
      });
  add("listen",
      "HOST:PORT to serve HTTP on (every role: workers serve /healthz, /readyz, /metrics) "
      "(default 127.0.0.1:8080)",
      String(&ServerConfig::listen));
  add("postgres", "PostgreSQL connection string (libpq keywords or URI; Unix sockets: host=/path)",
      String(&ServerConfig::postgres));
  add("db", "The local advisory store of a worker (default $XDG_CACHE_HOME/customs/db/customs.db)",
      String(&ServerConfig::db));
  add("cache_dir", "Per-layer analysis cache directory for workers (default: none)", String(&ServerConfig::cache_dir));
  add("tls_cert", "TLS certificate chain (PEM); with tls_key, the server speaks HTTPS only",
      String(&ServerConfig::tls_cert));
  add("tls_key", "TLS private key (PEM)", String(&ServerConfig::tls_key));
  add("upstream", "Gate role: the registry URL behind the push gate", String(&ServerConfig::upstream));
  add("api_key",
      "Require this key on /api/v1 and /v1 (Authorization: Bearer KEY, Basic with KEY as password, or "
      "X-ScannerAdapter-API-Key)",
      String(&ServerConfig::api_key));
  add("api_key_file", "Read api_key from this file (first line)", String(&ServerConfig::api_key_file));
  add("fail_on", "Default policy: fail images with a finding at or above SEVERITY",
      [](ServerConfig& c, const std::string& v) -> Status {
        if (v.empty() || v == "none") {
          c.policy.fail_on.reset();
          return Ok();
        }
        CUSTOMS_ASSIGN_OR_RETURN(c.policy, ParsePolicy({{"fail_on", v},
                                                        {"ignore_unfixed", c.policy.ignore_unfixed},
                                                        {"allow_incomplete", c.policy.allow_incomplete}}));
        return Ok();
      });
  add(
      "ignore_unfixed", "Default policy: hide findings without a fixed version",
      [](ServerConfig& c, const std::string& v) -> Status {
        CUSTOMS_ASSIGN_OR_RETURN(c.policy.ignore_unfixed, ParseBool(v));
        return Ok();
      },
      true);
  add("max_db_age",
      "Workers take no jobs while their advisory store is older than this (72h, 7d; a bare number is "
      "hours; 0: no limit) (default 72h)",
      Duration(&ServerConfig::max_db_age, hours(1)));
  add("worker.id", "This worker's name in the queue (default HOSTNAME:PID)", String(&ServerConfig::worker_id));
  add("worker.lease",
      "How long a claimed job stays a worker's before another may take it; renewed while the job "
      "runs (default 60s)",
      Duration(&ServerConfig::lease, seconds(1)));
  add("worker.poll_interval", "How often an idle worker looks for jobs without a NOTIFY (default 5s)",
      Duration(&ServerConfig::poll_interval, seconds(1)));
  add("worker.max_attempts", "Attempts per job before it fails (default 3)",
      Integer(&ServerConfig::max_attempts, 1, 100));
  add("worker.retry_backoff", "Wait before retrying a job that failed transiently (default 10s)",
      Duration(&ServerConfig::retry_backoff, seconds(1)));
  add("registry.ca_cert", "CA bundle (PEM) for registry TLS", String(&ServerConfig::registry_ca_cert));
  add("registry.insecure", "Skip registry TLS verification", Bool(&ServerConfig::registry_insecure), true);
  add("registry.insecure_registries", "Registries (host:port, comma-separated) that may be reached over plain HTTP",
      [](ServerConfig& c, const std::string& v) -> Status {
        c.insecure_registries.clear();
        std::size_t start = 0;
        while (start <= v.size()) {
          std::size_t comma = v.find(',', start);
          std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
          if (!item.empty()) {
            c.insecure_registries.push_back(item);
          }
          if (comma == std::string::npos) {
            break;
          }
          start = comma + 1;
        }
        return Ok();
      });
  add("harbor.refresh_after", "Seconds in Refresh-After while a Harbor scan runs (1..127) (default 5)",
      Integer(&ServerConfig::harbor_refresh_after, 1, 127));
  add("admission.on_miss",
      "What admission answers for an image without a verdict: deny, or warn (allowed, with a warning); either way a "
      "scan is enqueued, except for a dry run (default deny)",
      [](ServerConfig& c, const std::string& v) -> Status {
        if (v != "deny" && v != "warn") {
          return MakeError(ErrorCode::kInvalidArgument, "'{}' is not deny or warn", v);
        }
        c.admission_on_miss = v;
        return Ok();
      });
  add("admission.resolve_timeout", "Deadline for resolving a tag to a digest at the registry (default 2s)",
      Duration(&ServerConfig::admission_resolve_timeout, seconds(1)));
  add("notify.webhook", "URL that receives new findings when a new advisory snapshot re-judges stored images",
      String(&ServerConfig::notify_webhook));
  add("retention.interval", "How often retention runs (default 1h)",
      Duration(&ServerConfig::retention_interval, seconds(1)));
  add("retention.jobs", "Keep finished jobs and scan requests this long (default 7d)",
      Duration(&ServerConfig::retention_jobs, hours(1)));
  add("retention.results", "Keep results of all but the newest snapshot this long (default 30d)",
      Duration(&ServerConfig::retention_results, hours(1)));
  add("retention.inventories", "Keep inventories not used for this long (default 90d)",
      Duration(&ServerConfig::retention_inventories, hours(1)));
  add("retention.alerts", "Keep runtime alert partitions this long (default 30d)",
      Duration(&ServerConfig::retention_alerts, hours(1)));
  add("retention.notifications", "Keep delivered or failed notifications this long (default 30d)",
      Duration(&ServerConfig::retention_notifications, hours(1)));
  add("limits.max_header_bytes", "Largest request header block (default 16384)",
      Integer(&ServerConfig::max_header_bytes, 1024, 1 << 20));
  add("limits.max_body_bytes", "Largest JSON request body (default 1048576)",
      Integer(&ServerConfig::max_body_bytes, 1024, 1 << 30));
  add("limits.max_connections", "Concurrent connections; more get 503 (default 256)",
      Integer(&ServerConfig::max_connections, 1, 100000));
  add("limits.read_timeout", "Deadline for each request body read (default 30s)",
      Duration(&ServerConfig::read_timeout, seconds(1)));
  add("limits.write_timeout", "Deadline for each response write (default 30s)",
      Duration(&ServerConfig::write_timeout, seconds(1)));
  add("limits.idle_timeout", "Keep-alive connections idle this long are closed (default 60s)",
      Duration(&ServerConfig::idle_timeout, seconds(1)));
  add("limits.postgres_pool", "PostgreSQL connections for HTTP handlers (default 16)",
      Integer(&ServerConfig::postgres_pool, 1, 1000));
  return s;
}

Status LoadNode(const YAML::Node& node, const std::string& prefix, std::string_view name, ServerConfig& config) {
  for (const auto& item : node) {
    std::string key = item.first.as<std::string>();
    std::string full = prefix.empty() ? key : fmt::format("{}.{}", prefix, key);
    const YAML::Node& value = item.second;
    if (value.IsMap()) {
      CUSTOMS_RETURN_IF_ERROR(LoadNode(value, full, name, config));
      continue;
    }
    std::string text;
    if (value.IsSequence()) {
      for (const auto& element : value) {
        if (!element.IsScalar()) {
          return MakeError(ErrorCode::kInvalidArgument, "{}: {}: a list of values", name, full);
        }
        text += (text.empty() ? "" : ",") + element.as<std::string>();
      }
    } else if (value.IsScalar()) {
      text = value.as<std::string>();
    } else if (!value.IsNull()) {
      return MakeError(ErrorCode::kInvalidArgument, "{}: {}: unsupported value", name, full);
    }
    if (auto applied = ApplySetting(config, full, text); !applied) {
      return tl::unexpected(applied.error().WithContext(name));
    }
  }
  return Ok();
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kApi: return "api";
    case Role::kWorker: return "worker";
    case Role::kGate: return "gate";
    case Role::kAll: return "all";
  }
  return "all";
}

const std::vector<ConfigSetting>& ConfigSettings() {
  static const std::vector<ConfigSetting> settings = MakeSettings();
  return settings;
}

std::string FlagName(std::string_view key) {
  std::string flag = "--";
  for (char c : key) {
    flag += (c == '.' || c == '_') ? '-' : c;
  }
  return flag;
}

Status ApplySetting(ServerConfig& config, std::string_view key, const std::string& value) {
  for (const auto& setting : ConfigSettings()) {
    if (setting.key != key) {
      continue;
    }
    if (auto set = setting.set(config, value); !set) {
      return tl::unexpected(set.error().WithContext(std::string(key)));
    }
    return Ok();
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown setting '{}' (docs/server.md lists them)", key);
}

Status LoadConfigText(std::string_view yaml, std::string_view name, ServerConfig& config) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: not YAML: {}", name, e.what());
  }
  if (root.IsNull()) {
    return Ok();
  }
  if (!root.IsMap()) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: the config must be a YAML mapping", name);
  }
  try {
    return LoadNode(root, "", name, config);
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: {}", name, e.what());
  }
}

Status LoadConfigFile(const std::string& path, ServerConfig& config) {
  CUSTOMS_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 1 << 20));
  return LoadConfigText(text, path, config);
}

Status FinishConfig(ServerConfig& config) {
  if (!config.api_key_file.empty()) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string key, ReadFile(config.api_key_file, 4096));
    key = key.substr(0, key.find_first_of("\r\n"));
    if (key.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "api_key_file {} is empty", config.api_key_file);
    }
    config.api_key = key;
  }
  if (config.postgres.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no PostgreSQL: set --postgres DSN (or `postgres:` in the config), e.g. "
                     "\"host=/run/postgresql dbname=customs\"");
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "TLS needs both --tls-cert and --tls-key");
  }
  if (config.role == Role::kGate && config.upstream.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "the gate role needs --upstream URL (the registry behind it)");
  }
  if (config.lease < std::chrono::seconds(1)) {
    return MakeError(ErrorCode::kInvalidArgument, "worker.lease must be at least 1s");
  }
  if (config.poll_interval < std::chrono::milliseconds(10)) {
    return MakeError(ErrorCode::kInvalidArgument, "worker.poll_interval must be at least 10ms");
  }
  return Ok();
}

}  // namespace customs::server
