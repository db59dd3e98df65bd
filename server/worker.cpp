#include "server/worker.h"

#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "image/registry/registry_auth.h"
#include "scan/codec.h"
#include "scan/scan.h"
#include "server/file_identity.h"
#include "server/log.h"
#include "server/notify.h"
#include "server/pg.h"
#include "server/queue.h"
#include "server/schema.h"
#include "server/state.h"
#include "vulndb/snapshot.h"
#include "vulndb/store.h"

namespace customs::server {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kConnectTimeout = std::chrono::seconds(5);
constexpr auto kMaxReconnectDelay = std::chrono::seconds(5);

// How a job ended, for the queue and the metrics.
struct JobFailure {
  Error error;
  bool permanent = false;
};

bool IsPermanent(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kNetwork:
    case ErrorCode::kIo:
    case ErrorCode::kCancelled:
    case ErrorCode::kInternal: return false;
    default: return true;  // not found, no permission, not an image, unsupported: another attempt changes nothing
  }
}

}  // namespace

std::string DefaultWorkerId() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return fmt::format("{}:{}", host, ::getpid());
}

struct Worker::Impl {
  ServerConfig config;
  Metrics& metrics;
  std::string id;
  std::string analyzer_version = scan::AnalyzerVersion();

  std::unique_ptr<PgConnection> db;
  std::unique_ptr<PgConnection> listener;
  Clock::duration reconnect_delay = std::chrono::milliseconds(100);
  Clock::time_point next_connect{};

  // The local store; guarded by `mutex` for the readiness and metrics readers on HTTP threads.
  mutable std::mutex mutex;
  std::unique_ptr<vulndb::Store> store;
  std::optional<FileIdentity> store_identity;
  std::string snapshot_digest;
  std::string built_at;
  std::string not_ready = "starting";
  bool snapshot_registered = false;

  // The heartbeat: renews the lease of `current` on its own connection.
  std::mutex heartbeat_mutex;
  std::condition_variable heartbeat_cv;
  std::optional<Job> current;
  Clock::time_point lease_deadline{};  // local estimate of when our lease on `current` ends
  bool lease_lost = false;
  bool heartbeat_stop = false;
  std::thread heartbeat;

  Impl(const ServerConfig& c, Metrics& m) : config(c), metrics(m) {
    id = config.worker_id.empty() ? DefaultWorkerId() : config.worker_id;
    heartbeat = std::thread([this] { HeartbeatLoop(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(heartbeat_mutex);
      heartbeat_stop = true;
    }
    heartbeat_cv.notify_all();
    heartbeat.join();
  }

  void SetNotReady(std::string reason) {
    std::lock_guard lock(mutex);
    if (reason != not_ready && !reason.empty()) {
      LogEvent("warning", "worker_not_ready", {{"reason", reason}});
    }
    not_ready = std::move(reason);
  }

  // --- connections -------------------------------------------------------------------------------------------------

  bool Connected() const { return db && db->healthy() && listener && listener->healthy(); }

  // Connects (both connections, LISTEN, migrations) unless connected; backs off after failures.
  bool EnsureConnected() {
    if (Connected()) {
      return true;
    }
    if (Clock::now() < next_connect) {
      return false;
    }
    db.reset();
    listener.reset();
    auto fail = [&](const Error& error) {
      SetNotReady("PostgreSQL unavailable: " + error.message());
      next_connect = Clock::now() + reconnect_delay;
      reconnect_delay = std::min<Clock::duration>(reconnect_delay * 2, kMaxReconnectDelay);
      db.reset();
      listener.reset();
      return false;
    };
    auto work = PgConnection::Connect(config.postgres, kConnectTimeout);
    if (!work) {
      return fail(work.error());
    }
    auto listen = PgConnection::Connect(config.postgres, kConnectTimeout);
    if (!listen) {
      return fail(listen.error());
    }
    if (auto listening = (*listen)->Listen(kJobChannel); !listening) {
      return fail(listening.error());
    }
    if (auto migrated = Migrate(**work); !migrated) {
      return fail(migrated.error());
    }
    db = std::move(*work);
    listener = std::move(*listen);
    reconnect_delay = std::chrono::milliseconds(100);
    snapshot_registered = false;  // register again: the database may be a new one
    LogEvent("info", "worker_connected", {{"worker", id}});
    return true;
  }

  // Runs `step` on the work connection; after a lost connection, reconnects and runs it again, until it succeeds,
  // fails otherwise, `stop` is set, or the lease on the current job has run out (then the job is no longer ours).
  template <class Step>
  auto WithDatabase(const std::atomic<bool>& stop, Step&& step) -> decltype(step(*db)) {
    for (;;) {
      if (EnsureConnected()) {
        auto result = step(*db);
        if (result || result.error().code() != ErrorCode::kNetwork || (db && db->healthy())) {
          return result;
        }
        LogEvent("warning", "postgres_lost", {{"worker", id}, {"error", result.error().message()}});
        db.reset();
        listener.reset();
      }
      if (stop.load()) {
        return MakeError(ErrorCode::kCancelled, "stopping");
      }
      {
        std::lock_guard lock(heartbeat_mutex);
        if (current && Clock::now() > lease_deadline) {
          return MakeError(ErrorCode::kCancelled, "the lease on job {} ran out while PostgreSQL was away", current->id);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // --- the local store ---------------------------------------------------------------------------------------------

  std::filesystem::path StorePath() const {
    return config.db.empty() ? vulndb::DefaultStorePath() : std::filesystem::path(config.db);
  }

  // Opens (or reopens after a swap) the local store. false when there is no usable, fresh store.
  bool RefreshStore() {
    auto identity = Identify(StorePath());
    if (!identity) {
      SetNotReady(
          fmt::format("no advisory store at {}: install one with `customs db update --from URL --key "
                      "PUBKEY --db {}` (or `customs db update`)",
                      StorePath().string(), StorePath().string()));
      return false;
    }
    if (!store || identity != store_identity) {
      auto opened = vulndb::Store::Open(StorePath());
      if (!opened) {
        SetNotReady("advisory store unusable: " + opened.error().message());
        return false;
      }
      auto info = (*opened)->Info();
      auto digest = vulndb::FileDigest(StorePath());
      if (!info || !digest) {
        SetNotReady("advisory store unreadable: " + (!info ? info.error() : digest.error()).message());
        return false;
      }
      std::lock_guard lock(mutex);
      store = std::move(*opened);
      store_identity = identity;
      snapshot_digest = *digest;
      built_at = info->built_at;
      snapshot_registered = false;
      LogEvent("info", "store_opened", {{"worker", id}, {"snapshot", snapshot_digest}, {"built_at", built_at}});
    }
    if (auto too_old = vulndb::SnapshotTooOld(
            built_at, std::chrono::duration_cast<std::chrono::seconds>(config.max_db_age),
            fmt::format("the advisory store {} (snapshot {})", StorePath().string(), snapshot_digest),
            fmt::format("install a fresh snapshot (`customs db update --from URL --key PUBKEY --db {}`, e.g. from a "
                        "cron job or an init container) or raise max_db_age; this worker takes no jobs until then",
                        StorePath().string()))) {
      SetNotReady(*too_old);
      return false;
    }
    return true;
  }

  // Records the snapshot in PostgreSQL; the first worker to report a new one enqueues the re-match jobs.
  Status RegisterOurSnapshot(const std::atomic<bool>& stop) {
    if (snapshot_registered) {
      return Ok();
    }
    std::string digest = snapshot_digest;
    return WithDatabase(stop, [&](PgConnection& c) -> Status {
      auto registered = PgTransaction(c, [&]() -> Result<bool> {
        CUSTOMS_ASSIGN_OR_RETURN(bool fresh, RegisterSnapshot(c, {digest, built_at, vulndb::kSchemaVersion}, id));
        if (!fresh) {
          return false;
        }
        // Re-match jobs of an older snapshot that nobody ran yet are moot: this one re-matches every inventory.
        CUSTOMS_RETURN_IF_ERROR(
            c.Exec("UPDATE jobs SET state = 'failed', finished_at = now(), last_error = "
                   "'superseded by snapshot ' || $1 WHERE kind = 'rematch' AND state = 'queued' "
                   "AND snapshot_digest <> $1",
                   {digest}));
        CUSTOMS_ASSIGN_OR_RETURN(PgResult older, c.Exec("SELECT count(*) FROM snapshots WHERE digest <> $1", {digest}));
        if (older.Int(0, 0) == 0) {
          return true;  // the first snapshot ever: nothing to compare with
        }
        CUSTOMS_ASSIGN_OR_RETURN(
            PgResult enqueued,
            c.Exec("INSERT INTO jobs (kind, payload, snapshot_digest, max_attempts) "
                   "SELECT 'rematch', jsonb_build_object('manifest_digest', manifest_digest, 'analyzer_version', "
                   "analyzer_version), $1, $2 FROM inventories WHERE analyzer_version = $3",
                   {digest, PgInt(config.max_attempts), analyzer_version}));
        CUSTOMS_RETURN_IF_ERROR(c.Exec("SELECT pg_notify($1, 'rematch')", {std::string(kJobChannel)}));
        LogEvent("info", "snapshot_new", {{"worker", id}, {"snapshot", digest}, {"rematch_jobs", enqueued.affected()}});
        return true;
      });
      if (!registered) {
        return tl::unexpected(registered.error());
      }
      snapshot_registered = true;
      return Ok();
    });
  }

  // --- the heartbeat -----------------------------------------------------------------------------------------------

  void HeartbeatLoop() {
    std::unique_ptr<PgConnection> connection;
    std::unique_lock lock(heartbeat_mutex);
    while (!heartbeat_stop) {
      auto period = config.lease / 3;
      heartbeat_cv.wait_for(lock, period, [this] { return heartbeat_stop; });
      if (heartbeat_stop || !current) {
        continue;
      }
      Job job = *current;
      lock.unlock();
      bool renewed = false;
      bool lost = false;
      if (!connection || !connection->healthy()) {
        auto connected = PgConnection::Connect(config.postgres, kConnectTimeout);
        connection = connected ? std::move(*connected) : nullptr;
      }
      if (connection) {
        auto result = RenewLease(*connection, job, id, config.lease);
        if (result) {
          renewed = *result;
          lost = !*result;
        }
      }
      lock.lock();
      if (current && current->id == job.id) {
        if (renewed) {
          lease_deadline = Clock::now() + config.lease;
        }
        if (lost) {
          lease_lost = true;
          LogEvent("warning", "lease_lost", {{"worker", id}, {"job", job.id}});
        }
      }
    }
  }

  void BeginJob(const Job& job) {
    std::lock_guard lock(heartbeat_mutex);
    current = job;
    lease_deadline = Clock::now() + config.lease;
    lease_lost = false;
  }

  void EndJob() {
    std::lock_guard lock(heartbeat_mutex);
    current.reset();
  }

  // --- jobs --------------------------------------------------------------------------------------------------------

  // A request's registry Authorization value: Basic becomes credentials, anything else is sent as is.
  static void ApplySecret(const std::string& secret, scan::InventoryOptions& options) {
    if (secret.starts_with("Basic ")) {
      auto decoded = image::registry::Base64Decode(std::string_view(secret).substr(6));
      if (decoded && decoded->find(':') != std::string::npos) {
        std::size_t colon = decoded->find(':');
        options.registry_credentials =
            image::registry::Credentials{decoded->substr(0, colon), decoded->substr(colon + 1), "the scan request"};
        return;
      }
    }
    if (!secret.empty()) {
      options.registry_authorization = secret;
    }
  }

  // Scans one image (or answers from what is stored) and records result, verdict and the request's state.
  Result<std::string> RunScan(const Job& job, const json& payload, const std::atomic<bool>& stop) {
    std::string scan_id = payload.value("scan_id", "");
    std::string reference = payload.value("reference", "");
    std::string digest = payload.value("digest", "");
    std::string policy_digest = payload.value("policy_digest", "");
    const std::string snapshot = snapshot_digest;
    if (!scan_id.empty()) {
      CUSTOMS_RETURN_IF_ERROR(
          WithDatabase(stop, [&](PgConnection& c) { return UpdateScanRequest(c, scan_id, "running", "", "", ""); }));
    }
    CUSTOMS_ASSIGN_OR_RETURN(auto stored_policy,
                             WithDatabase(stop, [&](PgConnection& c) { return LoadPolicy(c, policy_digest); }));
    Policy policy = stored_policy ? *stored_policy : config.policy;
    if (!stored_policy) {
      policy_digest = PolicyDigest(policy);
    }

    std::optional<report::ScanReport> report;
    std::string how = "stored result";
    if (!digest.empty()) {
      CUSTOMS_ASSIGN_OR_RETURN(auto text,
                               WithDatabase(stop, [&](PgConnection& c) { return LoadResult(c, digest, snapshot); }));
      if (text) {
        CUSTOMS_ASSIGN_OR_RETURN(report, scan::DecodeReport(*text));
      }
    }
    if (!report) {
      auto started = Clock::now();
      std::optional<scan::Inventory> inventory;
      how = "stored inventory";
      if (!digest.empty()) {
        CUSTOMS_ASSIGN_OR_RETURN(
            auto text, WithDatabase(stop, [&](PgConnection& c) { return LoadInventory(c, digest, analyzer_version); }));
        if (text) {
          CUSTOMS_ASSIGN_OR_RETURN(inventory, scan::DecodeInventory(*text));
        }
      }
      if (!inventory) {
        how = "pulled";
        scan::InventoryOptions options;
        options.target = reference;
        options.cache_dir = config.cache_dir;
        options.registry_ca_cert = config.registry_ca_cert;
        options.registry_insecure = config.registry_insecure;
        options.insecure_registries = config.insecure_registries;
        if (payload.value("plain_http", false)) {
          std::string host = reference.substr(0, reference.find('/'));
          options.insecure_registries.push_back(host);
        }
        ApplySecret(job.secret, options);
        CUSTOMS_ASSIGN_OR_RETURN(inventory, scan::BuildInventory(options));
        if (digest.empty()) {
          digest = inventory->manifest_digest;
        }
        std::string encoded = scan::EncodeInventory(*inventory);
        CUSTOMS_RETURN_IF_ERROR(
            WithDatabase(stop, [&](PgConnection& c) { return SaveInventory(c, digest, analyzer_version, encoded); }));
      }
      CUSTOMS_ASSIGN_OR_RETURN(scan::ScanResult full,
                               scan::Evaluate(std::move(*inventory), store.get(), scan::ScanPolicy{}));
      std::string encoded = scan::EncodeReport(full.report);
      CUSTOMS_RETURN_IF_ERROR(WithDatabase(
          stop, [&](PgConnection& c) { return SaveResult(c, digest, snapshot, analyzer_version, encoded); }));
      report = std::move(full.report);
      metrics.ObserveScan(std::chrono::duration<double>(Clock::now() - started).count());
    }
    scan::ScanResult gated = scan::ApplyPolicy(std::move(*report), ToScanPolicy(policy));
    Verdict verdict = MakeVerdict(gated, digest, policy_digest, snapshot);
    CUSTOMS_RETURN_IF_ERROR(WithDatabase(stop, [&](PgConnection& c) -> Status {
      return PgTransaction(c, [&]() -> Status {
        CUSTOMS_RETURN_IF_ERROR(SavePolicy(c, policy));
        CUSTOMS_RETURN_IF_ERROR(SaveVerdict(c, verdict));
        if (!scan_id.empty()) CUSTOMS_RETURN_IF_ERROR(UpdateScanRequest(c, scan_id, "done", digest, snapshot, ""));
        return Ok();
      });
    }));
    metrics.CountVerdict(verdict.passed);
    return fmt::format("{} {} ({}): {}", how, digest, verdict.passed ? "pass" : "fail", verdict.worst_severity);
  }

  // Matches a stored inventory against this worker's (new) snapshot, re-judges its verdicts, records what is new.
  Result<std::string> RunRematch(const json& payload, const std::atomic<bool>& stop) {
    std::string digest = payload.value("manifest_digest", "");
    std::string analyzer = payload.value("analyzer_version", "");
    const std::string snapshot = snapshot_digest;
    CUSTOMS_ASSIGN_OR_RETURN(auto text,
                             WithDatabase(stop, [&](PgConnection& c) { return LoadInventory(c, digest, analyzer); }));
    if (!text) {
      return std::string("inventory gone (retention): nothing to do");
    }
    CUSTOMS_ASSIGN_OR_RETURN(scan::Inventory inventory, scan::DecodeInventory(*text));
    CUSTOMS_ASSIGN_OR_RETURN(scan::ScanResult full,
                             scan::Evaluate(std::move(inventory), store.get(), scan::ScanPolicy{}));
    std::string encoded = scan::EncodeReport(full.report);
    CUSTOMS_RETURN_IF_ERROR(
        WithDatabase(stop, [&](PgConnection& c) { return SaveResult(c, digest, snapshot, analyzer, encoded); }));
    CUSTOMS_ASSIGN_OR_RETURN(auto previous,
                             WithDatabase(stop, [&](PgConnection& c) { return LatestResult(c, digest, snapshot); }));
    std::size_t fresh = 0;
    if (previous) {
      CUSTOMS_ASSIGN_OR_RETURN(report::ScanReport before, scan::DecodeReport(previous->report));
      std::vector<match::Finding> added = NewFindings(before, full.report);
      fresh = added.size();
      if (!added.empty()) {
        CUSTOMS_RETURN_IF_ERROR(WithDatabase(stop, [&](PgConnection& c) -> Status {
          CUSTOMS_ASSIGN_OR_RETURN(auto repositories, RepositoriesFor(c, digest));
          json payload_json = NotificationPayload(digest, repositories, snapshot, previous->snapshot_digest, added);
          CUSTOMS_RETURN_IF_ERROR(RecordNotification(c, digest, snapshot, previous->snapshot_digest, payload_json));
          return Ok();
        }));
      }
    }
    // Every policy this image was judged under is judged again on the new snapshot.
    CUSTOMS_RETURN_IF_ERROR(WithDatabase(stop, [&](PgConnection& c) -> Status {
      CUSTOMS_ASSIGN_OR_RETURN(auto policies, VerdictPolicies(c, digest));
      for (const auto& policy_digest : policies) {
        CUSTOMS_ASSIGN_OR_RETURN(auto policy, LoadPolicy(c, policy_digest));
        if (!policy) continue;
        scan::ScanResult gated = scan::ApplyPolicy(full.report, ToScanPolicy(*policy));
        CUSTOMS_RETURN_IF_ERROR(SaveVerdict(c, MakeVerdict(gated, digest, policy_digest, snapshot)));
      }
      return Ok();
    }));
    return fmt::format("rematched {}: {} new finding(s)", digest, fresh);
  }

  Result<std::string> RunJob(const Job& job, const std::atomic<bool>& stop) {
    json payload = json::parse(job.payload, nullptr, false);
    if (!payload.is_object()) {
      return MakeError(ErrorCode::kCorrupt, "job payload is not a JSON object");
    }
    if (job.kind == "scan") {
      return RunScan(job, payload, stop);
    }
    if (job.kind == "rematch") {
      return RunRematch(payload, stop);
    }
    return MakeError(ErrorCode::kUnsupported, "unknown job kind '{}'", job.kind);
  }

  // Marks the scan requests of a job that failed for good.
  void FailScanRequests(const Job& job, const std::string& error, const std::atomic<bool>& stop) {
    json payload = json::parse(job.payload, nullptr, false);
    std::string scan_id = payload.is_object() ? payload.value("scan_id", "") : "";
    if (scan_id.empty()) {
      return;
    }
    (void)WithDatabase(stop, [&](PgConnection& c) { return UpdateScanRequest(c, scan_id, "failed", "", "", error); });
  }

  void Finish(const Job& job, const Result<std::string>& outcome, Clock::time_point started,
              const std::atomic<bool>& stop) {
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (outcome) {
      auto done = WithDatabase(stop, [&](PgConnection& c) { return CompleteJob(c, job, id); });
      bool recorded = done && *done;
      metrics.CountJob(job.kind, recorded ? "done" : "lost");
      LogEvent(recorded ? "info" : "warning", recorded ? "job_done" : "job_lease_lost",
               {{"worker", id},
                {"job", job.id},
                {"kind", job.kind},
                {"attempt", job.attempts},
                {"seconds", seconds},
                {"result", *outcome}});
      return;
    }
    const Error& error = outcome.error();
    if (error.code() == ErrorCode::kCancelled && (stop.load() || error.message().find("lease") != std::string::npos)) {
      // Stopping, or the lease ran out while PostgreSQL was away: the job is (or will be) another worker's.
      metrics.CountJob(job.kind, "abandoned");
      LogEvent("warning", "job_abandoned", {{"worker", id}, {"job", job.id}, {"error", error.message()}});
      return;
    }
    bool permanent = IsPermanent(error);
    auto state = WithDatabase(
        stop, [&](PgConnection& c) { return FailJob(c, job, id, error.message(), permanent, config.retry_backoff); });
    std::string new_state = state && *state ? **state : "lost";
    if (new_state == "failed") {
      FailScanRequests(job, error.message(), stop);
    }
    metrics.CountJob(job.kind, new_state == "queued" ? "retried" : new_state);
    LogEvent("warning", "job_failed",
             {{"worker", id},
              {"job", job.id},
              {"kind", job.kind},
              {"attempt", job.attempts},
              {"state", new_state},
              {"error", error.message()}});
  }

  void Run(const std::atomic<bool>& stop) {
    LogEvent("info", "worker_started",
             {{"worker", id}, {"poll_interval_ms", config.poll_interval.count()}, {"lease_ms", config.lease.count()}});
    bool idle = false;
    while (!stop.load()) {
      if (!EnsureConnected()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      if (!RefreshStore()) {
        WaitForWork(stop);
        continue;
      }
      if (auto registered = RegisterOurSnapshot(stop); !registered) {
        continue;
      }
      SetNotReady("");

      if (auto expired = FailExpiredJobs(*db)) {
        for (const Job& job : *expired) {
          LogEvent("warning", "job_expired", {{"job", job.id}, {"attempts", job.attempts}});
          FailScanRequests(job, "the worker running the scan stopped answering on every attempt", stop);
        }
      }
      if (!config.notify_webhook.empty()) {
        (void)DeliverNotifications(*db, config.notify_webhook);
      }

      auto claimed = ClaimJob(*db, id, config.lease, snapshot_digest);
      if (!claimed) {
        LogEvent("warning", "claim_failed", {{"worker", id}, {"error", claimed.error().message()}});
        continue;  // a lost connection is noticed by EnsureConnected
      }
      if (!*claimed) {
        if (!idle) {
          LogEvent("info", "worker_idle", {{"worker", id}});
        }
        idle = true;
        WaitForWork(stop);
        continue;
      }
      idle = false;
      const Job& job = **claimed;
      LogEvent("info", "job_claimed", {{"worker", id}, {"job", job.id}, {"kind", job.kind}, {"attempt", job.attempts}});
      auto started = Clock::now();
      BeginJob(job);
      Result<std::string> outcome = MakeError(ErrorCode::kInternal, "not run");
      try {
        outcome = RunJob(job, stop);
      } catch (const std::exception& e) {
        outcome = MakeError(ErrorCode::kInternal, "internal error: {}", e.what());
      }
      Finish(job, outcome, started, stop);
      EndJob();
    }
    LogEvent("info", "worker_stopped", {{"worker", id}});
  }

  // Idle: wait for a NOTIFY on the job channel, at most one poll interval.
  void WaitForWork(const std::atomic<bool>& stop) {
    auto deadline = Clock::now() + config.poll_interval;
    while (!stop.load() && Clock::now() < deadline) {
      auto slice = std::min<Clock::duration>(deadline - Clock::now(), std::chrono::milliseconds(250));
      if (!listener) {
        std::this_thread::sleep_for(slice);
        continue;
      }
      auto notes = listener->WaitForNotifications(std::chrono::duration_cast<std::chrono::milliseconds>(slice));
      if (!notes) {
        listener.reset();  // reconnected by EnsureConnected
        return;
      }
      if (!notes->empty()) {
        LogEvent("debug", "worker_woken", {{"worker", id}, {"by", "notify"}, {"payload", notes->front().payload}});
        return;
      }
    }
  }
};

Worker::Worker(const ServerConfig& config, Metrics& metrics) : impl_(std::make_unique<Impl>(config, metrics)) {}
Worker::~Worker() = default;

void Worker::Run(const std::atomic<bool>& stop) {
  impl_->Run(stop);
}

std::string Worker::NotReadyReason() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->not_ready;
}

double Worker::SnapshotAgeSeconds() const {
  std::lock_guard lock(impl_->mutex);
  vulndb::StoreInfo info;
  info.built_at = impl_->built_at;
  auto age = vulndb::StoreAge(info);
  return age ? static_cast<double>(age->count()) : -1;
}

const std::string& Worker::id() const {
  return impl_->id;
}

}  // namespace customs::server
