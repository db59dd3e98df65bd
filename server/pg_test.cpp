// The libpq wrapper, migrations, the queue, shared state and retention against a real PostgreSQL 15
// (tests/support/postgres.h starts it; one database per test).
#include "server/pg.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "server/maintenance.h"
#include "server/queue.h"
#include "server/schema.h"
#include "server/state.h"
#include "tests/support/postgres.h"

namespace customs::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class PgTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    unavailable_ = testing::PostgresCluster::Unavailable();
    if (!unavailable_.empty()) {
      return;
    }
    std::string error;
    cluster_ = testing::PostgresCluster::Start(&error).release();
    if (cluster_ == nullptr) {
      unavailable_ = "PostgreSQL did not start: " + error;
    }
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void SetUp() override {
    if (cluster_ == nullptr) {
      GTEST_SKIP() << unavailable_;
    }
    dsn_ = cluster_->CreateDatabase();
    connection_ = Connect();
    ASSERT_NE(connection_, nullptr);
  }

  std::unique_ptr<PgConnection> Connect() {
    auto connection = PgConnection::Connect(dsn_, seconds(5));
    EXPECT_TRUE(connection) << connection.error().message();
    return connection ? std::move(*connection) : nullptr;
  }

  void Migrated() { ASSERT_TRUE(Migrate(*connection_)); }

  static inline testing::PostgresCluster* cluster_ = nullptr;
  static inline std::string unavailable_;
  std::string dsn_;
  std::unique_ptr<PgConnection> connection_;
};

TEST_F(PgTest, ExecBindsParametersAndMapsErrors) {
  auto row = connection_->Exec("SELECT $1::int + 1, $2::text IS NULL, $3::text, length($3)",
                               {PgInt(41), PgParam(), std::string("grüße ☃")});
  ASSERT_TRUE(row) << row.error().message();
  EXPECT_EQ(row->Int(0, 0), 42);
  EXPECT_TRUE(row->Bool(0, 1));
  EXPECT_EQ(row->Text(0, 2), "grüße ☃");
  EXPECT_EQ(row->Int(0, 3), 7);
  EXPECT_TRUE(row->IsNull(5, 5));

  auto syntax = connection_->Exec("SELEC 1");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().code(), ErrorCode::kInternal);
  EXPECT_NE(syntax.error().message().find("42601"), std::string::npos) << syntax.error().message();
  // The connection stays usable after a statement error.
  EXPECT_TRUE(connection_->Exec("SELECT 1"));

  ASSERT_TRUE(connection_->Exec("CREATE TABLE t (k text PRIMARY KEY)"));
  ASSERT_TRUE(connection_->Exec("INSERT INTO t VALUES ('a')"));
  auto duplicate = connection_->Exec("INSERT INTO t VALUES ('a')");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code(), ErrorCode::kInvalidArgument);

  auto transaction = PgTransaction(*connection_, [&]() -> Status {
    CUSTOMS_RETURN_IF_ERROR(connection_->Exec("INSERT INTO t VALUES ('b')"));
    return MakeError(ErrorCode::kInternal, "rolled back");
  });
  EXPECT_FALSE(transaction);
  EXPECT_EQ(connection_->Exec("SELECT count(*) FROM t")->Int(0, 0), 1);
}

TEST_F(PgTest, UnreachableServerIsANetworkErrorWithoutThePassword) {
  auto connection = PgConnection::Connect("host=/nonexistent/socket/dir user=x password=hunter2 dbname=y", seconds(2));
  ASSERT_FALSE(connection);
  EXPECT_EQ(connection.error().code(), ErrorCode::kNetwork);
  EXPECT_EQ(connection.error().message().find("hunter2"), std::string::npos) << connection.error().message();
}

TEST_F(PgTest, ListenReceivesNotifyAndTimesOutEmpty) {
  auto listener = Connect();
  ASSERT_TRUE(listener->Listen("customs_test"));
  auto none = listener->WaitForNotifications(milliseconds(50));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE(connection_->Exec("SELECT pg_notify('customs_test', 'hello')"));
  auto notes = listener->WaitForNotifications(seconds(10));
  ASSERT_TRUE(notes);
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_EQ((*notes)[0].channel, "customs_test");
  EXPECT_EQ((*notes)[0].payload, "hello");
  EXPECT_FALSE(listener->Listen("bad channel; DROP TABLE x"));
}

TEST_F(PgTest, MigrationsRunOnceUnderConcurrentStarts) {
  std::vector<std::thread> threads;
  std::atomic<int> succeeded{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto connection = PgConnection::Connect(dsn_, seconds(5));
      if (connection && Migrate(**connection).value_or(0) == LatestSchemaVersion()) {
        ++succeeded;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(succeeded.load(), 4);
  EXPECT_EQ(*SchemaVersion(*connection_), LatestSchemaVersion());
  EXPECT_EQ(connection_->Exec("SELECT count(*) FROM customs_schema")->Int(0, 0), LatestSchemaVersion());
  // A database from a newer customs is refused.
  ASSERT_TRUE(connection_->Exec("INSERT INTO customs_schema (version, description) VALUES (999, 'future')"));
  auto refused = Migrate(*connection_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnsupported);
}

TEST_F(PgTest, ConcurrentClaimsTakeEveryJobExactlyOnce) {
  Migrated();
  constexpr int kJobs = 300;
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(EnqueueJob(*connection_, {"scan", fmt::format("{{\"n\":{}}}", i)}));
  }
  std::mutex mutex;
  std::vector<std::int64_t> claimed;
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      auto connection = PgConnection::Connect(dsn_, seconds(5));
      ASSERT_TRUE(connection);
      std::string name = "w" + std::to_string(w);
      for (;;) {
        auto job = ClaimJob(**connection, name, seconds(60), "");
        ASSERT_TRUE(job) << job.error().message();
        if (!*job) {
          break;
        }
        ASSERT_TRUE(*CompleteJob(**connection, **job, name));
        std::lock_guard lock(mutex);
        claimed.push_back((*job)->id);
      }
    });
  }
  for (auto& t : workers) {
    t.join();
  }
  std::set<std::int64_t> unique(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(kJobs));
  auto counts = JobCounts(*connection_);
  ASSERT_TRUE(counts);
  EXPECT_EQ((*counts)["done"], kJobs);
  EXPECT_EQ(connection_->Exec("SELECT max(attempts) FROM jobs")->Int(0, 0), 1);
}

TEST_F(PgTest, AnExpiredLeaseHandsTheJobToAnotherWorkerAndTheLateResultIsDiscarded) {
  Migrated();
  ASSERT_TRUE(EnqueueJob(*connection_, {"scan", "{}"}));
  auto first = ClaimJob(*connection_, "worker-a", milliseconds(200), "");
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->attempts, 1);
  // Nobody else may take it while the lease holds.
  EXPECT_FALSE(*ClaimJob(*connection_, "worker-b", seconds(60), ""));
  // Wait (in database time) until the lease has run out.
  for (int i = 0; i < 200; ++i) {
    if (connection_->Exec("SELECT lease_until < now() FROM jobs")->Bool(0, 0)) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  auto second = ClaimJob(*connection_, "worker-b", seconds(60), "");
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->id, (*first)->id);
  EXPECT_EQ((*second)->attempts, 2);
  EXPECT_NE(connection_->Exec("SELECT last_error FROM jobs")->Text(0, 0).find("worker-a"), std::string::npos);
  EXPECT_FALSE(*RenewLease(*connection_, **first, "worker-a", seconds(60)));
  EXPECT_FALSE(*CompleteJob(*connection_, **first, "worker-a"));
  EXPECT_TRUE(*RenewLease(*connection_, **second, "worker-b", seconds(60)));
  EXPECT_TRUE(*CompleteJob(*connection_, **second, "worker-b"));
  EXPECT_EQ(connection_->Exec("SELECT state || ' ' || attempts || ' ' || worker FROM jobs")->Text(0, 0),
            "done 2 worker-b");
}

TEST_F(PgTest, FailuresRequeueUntilTheLastAttempt) {
  Migrated();
  ASSERT_TRUE(EnqueueJob(*connection_, {"scan", "{}", "Basic c2VjcmV0", 2}));
  auto job = ClaimJob(*connection_, "w", seconds(60), "");
  ASSERT_TRUE(job && *job);
  EXPECT_EQ((*job)->secret, "Basic c2VjcmV0");
  EXPECT_EQ(**FailJob(*connection_, **job, "w", "registry down", false, milliseconds(0)), "queued");
  job = ClaimJob(*connection_, "w", seconds(60), "");
  ASSERT_TRUE(job && *job);
  EXPECT_EQ((*job)->attempts, 2);
  EXPECT_EQ(**FailJob(*connection_, **job, "w", "registry down again", false, milliseconds(0)), "failed");
  // The secret does not outlive the job.
  EXPECT_TRUE(connection_->Exec("SELECT secret FROM jobs")->IsNull(0, 0));

  ASSERT_TRUE(EnqueueJob(*connection_, {"scan", "{}"}));
  job = ClaimJob(*connection_, "w", seconds(60), "");
  ASSERT_TRUE(job && *job);
  EXPECT_EQ(**FailJob(*connection_, **job, "w", "no such image", true, milliseconds(0)), "failed");
  EXPECT_EQ((*JobCounts(*connection_))["failed"], 2);

  // A transient failure with a backoff is not claimable before it.
  ASSERT_TRUE(EnqueueJob(*connection_, {"scan", "{}"}));
  job = ClaimJob(*connection_, "w", seconds(60), "");
  ASSERT_TRUE(job && *job);
  EXPECT_EQ(**FailJob(*connection_, **job, "w", "later", false, seconds(3600)), "queued");
  EXPECT_FALSE(*ClaimJob(*connection_, "w", seconds(60), ""));
}

TEST_F(PgTest, LeasesThatExpireOnTheLastAttemptFail) {
  Migrated();
  ASSERT_TRUE(EnqueueJob(*connection_, {"scan", R"({"scan_id":"x"})", "", 1}));
  auto job = ClaimJob(*connection_, "dead", milliseconds(100), "");
  ASSERT_TRUE(job && *job);
  for (int i = 0; i < 200; ++i) {
    if (connection_->Exec("SELECT lease_until < now() FROM jobs")->Bool(0, 0)) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_FALSE(*ClaimJob(*connection_, "w", seconds(60), ""));  // no attempts left: not claimable
  auto expired = FailExpiredJobs(*connection_);
  ASSERT_TRUE(expired);
  ASSERT_EQ(expired->size(), 1u);
  EXPECT_EQ((*expired)[0].payload, R"({"scan_id": "x"})");
  EXPECT_EQ(connection_->Exec("SELECT state FROM jobs")->Text(0, 0), "failed");
}

TEST_F(PgTest, SnapshotBoundJobsGoOnlyToWorkersWithThatSnapshot) {
  Migrated();
  EnqueueRequest rematch{"rematch", "{}"};
  rematch.snapshot_digest = "sha256:new";
  ASSERT_TRUE(EnqueueJob(*connection_, rematch));
  EXPECT_FALSE(*ClaimJob(*connection_, "old", seconds(60), "sha256:old"));
  auto job = ClaimJob(*connection_, "new", seconds(60), "sha256:new");
  ASSERT_TRUE(job && *job);
  EXPECT_EQ((*job)->snapshot_digest, "sha256:new");
}

TEST_F(PgTest, EnqueueNotifiesListeners) {
  Migrated();
  auto listener = Connect();
  ASSERT_TRUE(listener->Listen(kJobChannel));
  auto id = EnqueueJob(*connection_, {"scan", "{}"});
  ASSERT_TRUE(id);
  auto notes = listener->WaitForNotifications(seconds(10));
  ASSERT_TRUE(notes);
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_EQ((*notes)[0].payload, std::to_string(*id));
}

TEST_F(PgTest, StateRoundTrips) {
  Migrated();
  ScanRequestRecord request;
  request.id = "r1";
  request.source = "api";
  request.reference = "127.0.0.1:5000/app@sha256:aa";
  request.policy_digest = "sha256:p";
  request.request = {{"reference", "x"}};
  ASSERT_TRUE(InsertScanRequest(*connection_, request));
  auto listener = Connect();
  ASSERT_TRUE(listener->Listen(kScanDoneChannel));
  ASSERT_TRUE(UpdateScanRequest(*connection_, "r1", "done", "sha256:aa", "sha256:snap", ""));
  auto loaded = GetScanRequest(*connection_, "r1");
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->state, "done");
  EXPECT_EQ((*loaded)->manifest_digest, "sha256:aa");
  EXPECT_EQ((*loaded)->snapshot_digest, "sha256:snap");
  EXPECT_EQ((*loaded)->request["reference"], "x");
  EXPECT_FALSE(*GetScanRequest(*connection_, "nope"));
  auto notes = listener->WaitForNotifications(seconds(10));
  ASSERT_TRUE(notes && !notes->empty());
  EXPECT_EQ((*notes)[0].payload, "r1");

  Policy policy;
  policy.fail_on = vulndb::Severity::kHigh;
  policy.ignore_unfixed = true;
  ASSERT_TRUE(SavePolicy(*connection_, policy));
  ASSERT_TRUE(SavePolicy(*connection_, policy));
  auto back = LoadPolicy(*connection_, PolicyDigest(policy));
  ASSERT_TRUE(back && *back);
  EXPECT_EQ(PolicyJson(**back), PolicyJson(policy));

  ASSERT_TRUE(SaveResult(*connection_, "sha256:aa", "sha256:s1", "os:1", "one"));
  std::this_thread::sleep_for(milliseconds(5));
  ASSERT_TRUE(SaveResult(*connection_, "sha256:aa", "sha256:s2", "os:1", "two"));
  EXPECT_EQ((*LatestResult(*connection_, "sha256:aa"))->report, "two");
  EXPECT_EQ((*LatestResult(*connection_, "sha256:aa", "sha256:s2"))->snapshot_digest, "sha256:s1");
  EXPECT_EQ(**LoadResult(*connection_, "sha256:aa", "sha256:s1"), "one");

  Verdict verdict;
  verdict.manifest_digest = "sha256:aa";
  verdict.policy_digest = PolicyDigest(policy);
  verdict.snapshot_digest = "sha256:s2";
  verdict.passed = false;
  verdict.exit_code = 1;
  verdict.worst_severity = "HIGH";
  verdict.counts = {{"HIGH", 2}};
  verdict.worst = {{"CVE-1", "HIGH", "curl", "1", "2"}};
  ASSERT_TRUE(SaveVerdict(*connection_, verdict));
  verdict.snapshot_digest = "sha256:s3";
  ASSERT_TRUE(SaveVerdict(*connection_, verdict));
  auto stored = LoadVerdict(*connection_, "sha256:aa", PolicyDigest(policy));
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->snapshot_digest, "sha256:s3");
  EXPECT_FALSE((*stored)->passed);
  EXPECT_EQ((*stored)->worst.size(), 1u);
  EXPECT_EQ((*stored)->worst[0].package, "curl");
  EXPECT_EQ(*VerdictPolicies(*connection_, "sha256:aa"), std::vector<std::string>{PolicyDigest(policy)});

  EXPECT_TRUE(*RegisterSnapshot(*connection_, {"sha256:s1", "2026-01-01T00:00:00Z", 1}, "w"));
  EXPECT_FALSE(*RegisterSnapshot(*connection_, {"sha256:s1", "2026-01-01T00:00:00Z", 1}, "w2"));
  EXPECT_TRUE(*RegisterSnapshot(*connection_, {"sha256:s2", "2026-02-01T00:00:00Z", 1}, "w"));
  EXPECT_EQ((*LatestSnapshot(*connection_))->digest, "sha256:s2");
}

TEST_F(PgTest, RetentionDeletesWhatIsOldAndKeepsTheNewestSnapshot) {
  Migrated();
  auto exec = [&](const std::string& sql) { ASSERT_TRUE(connection_->Exec(sql)) << sql; };
  exec(
      "INSERT INTO snapshots (digest, built_at, first_seen_at) VALUES ('old', now() - interval '60 days', "
      "now() - interval '60 days'), ('new', now() - interval '50 days', now() - interval '50 days')");
  exec(
      "INSERT INTO jobs (kind, state, finished_at) VALUES ('scan', 'done', now() - interval '10 days'), "
      "('scan', 'failed', now() - interval '10 days'), ('scan', 'done', now()), ('scan', 'queued', NULL)");
  exec(
      "INSERT INTO scan_results (manifest_digest, snapshot_digest, analyzer_version, report, created_at) VALUES "
      "('a', 'old', 'v', 'r', now() - interval '40 days'), ('a', 'new', 'v', 'r', now() - interval '40 days')");
  exec(
      "INSERT INTO inventories (manifest_digest, analyzer_version, inventory, last_used_at) VALUES "
      "('a', 'v', 'i', now()), ('b', 'v', 'i', now() - interval '100 days')");
  exec(
      "INSERT INTO verdicts (manifest_digest, policy_digest, snapshot_digest, passed, exit_code, incomplete, "
      "worst_severity, counts, worst, decided_at) VALUES ('b', 'p', 'old', true, 0, false, 'NONE', '{}', '[]', "
      "now() - interval '100 days')");
  exec(
      "INSERT INTO notifications (manifest_digest, snapshot_digest, payload, state, created_at) VALUES "
      "('a', 'old', '{}', 'delivered', now() - interval '40 days'), ('a', 'new', '{}', 'pending', "
      "now() - interval '40 days')");
  auto now = std::chrono::system_clock::now();
  ASSERT_TRUE(EnsureAlertPartition(*connection_, now - std::chrono::hours(24 * 40)));
  exec(
      "INSERT INTO runtime_alerts (received_at, rule, priority, alert) VALUES "
      "(now() - interval '40 days', 'r', 'Warning', '{}'), (now() - interval '400 days', 'r', 'Warning', '{}')");

  ServerConfig config;  // defaults: jobs 7d, results 30d, inventories 90d, alerts 30d, notifications 30d
  auto report = RunRetention(*connection_, config, now);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->ran);
  EXPECT_EQ(report->jobs, 2);
  EXPECT_EQ(report->results, 1);  // the old snapshot's; the newest snapshot's result stays, however old
  EXPECT_EQ(connection_->Exec("SELECT snapshot_digest FROM scan_results")->Text(0, 0), "new");
  EXPECT_EQ(report->snapshots, 1);
  EXPECT_EQ(report->inventories, 1);
  EXPECT_EQ(report->verdicts, 1);
  EXPECT_EQ(report->notifications, 1);
  EXPECT_EQ(report->default_partition_alerts, 1);
  ASSERT_EQ(report->partitions_dropped.size(), 1u);
  EXPECT_EQ(connection_->Exec("SELECT count(*) FROM runtime_alerts")->Int(0, 0), 0);
  EXPECT_EQ(report->partitions_ensured.size(), 3u);
  for (const auto& name : report->partitions_ensured) {
    EXPECT_TRUE(connection_->Exec("SELECT to_regclass($1) IS NOT NULL", {name})->Bool(0, 0)) << name;
  }
  // Another instance holding the lock: this one does nothing.
  auto other = Connect();
  ASSERT_TRUE(other->Exec("SELECT pg_advisory_lock(32495402233098612)"));
  auto skipped = RunRetention(*connection_, config, now);
  ASSERT_TRUE(skipped);
  EXPECT_FALSE(skipped->ran);
}

TEST_F(PgTest, APartitionIsCreatedEvenWhenTheDefaultPartitionHoldsItsDay) {
  Migrated();
  ASSERT_TRUE(
      connection_->Exec("INSERT INTO runtime_alerts (received_at, rule, priority, alert) VALUES "
                        "(now() + interval '5 days', 'r', 'Warning', '{\"k\":1}')"));
  EXPECT_EQ(connection_->Exec("SELECT count(*) FROM runtime_alerts_default")->Int(0, 0), 1);
  auto name = EnsureAlertPartition(*connection_, std::chrono::system_clock::now() + std::chrono::hours(24 * 5));
  ASSERT_TRUE(name) << name.error().message();
  EXPECT_EQ(connection_->Exec("SELECT count(*) FROM runtime_alerts_default")->Int(0, 0), 0);
  EXPECT_EQ(connection_->Exec(fmt::format("SELECT count(*) FROM {}", *name))->Int(0, 0), 1);
  EXPECT_EQ(connection_->Exec("SELECT alert->>'k' FROM runtime_alerts")->Text(0, 0), "1");
}

// Lock order: a reader holds the parent and then wants a partition, so creating a partition must take the parent
// before any partition (it once took the default partition first and deadlocked with a concurrent SELECT). While a
// reader holds the parent, EnsureAlertPartition must wait holding no lock on the default partition.
TEST_F(PgTest, PartitionCreationTakesTheParentBeforeAnyPartition) {
  Migrated();
  auto reader = Connect();
  auto creator = Connect();
  auto observer = Connect();
  ASSERT_TRUE(reader && creator && observer);
  auto pid = creator->Exec("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid);
  std::string creator_pid = pid->Text(0, 0);
  ASSERT_TRUE(reader->Exec("BEGIN"));
  ASSERT_TRUE(reader->Exec("LOCK TABLE ONLY runtime_alerts IN ACCESS SHARE MODE"));
  Result<std::string> created = MakeError(ErrorCode::kInternal, "not run");
  std::thread thread(
      [&] { created = EnsureAlertPartition(*creator, std::chrono::system_clock::now() + std::chrono::hours(24 * 7)); });
  bool waiting = false;
  for (int i = 0; i < 300 && !waiting; ++i) {  // until the creator waits for a lock (at most 30 s)
    auto rows = observer->Exec("SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT granted", {creator_pid});
    waiting = rows && rows->Int(0, 0) > 0;
    if (!waiting) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  auto held = observer->Exec(
      "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
      "WHERE l.pid = $1 AND l.granted AND c.relname = 'runtime_alerts_default'",
      {creator_pid});
  ASSERT_TRUE(reader->Exec("COMMIT"));
  thread.join();
  EXPECT_TRUE(waiting) << "the creator never waited for the reader's lock on runtime_alerts";
  ASSERT_TRUE(held);
  EXPECT_EQ(held->Int(0, 0), 0) << "the creator held the default partition while waiting for the parent";
  EXPECT_TRUE(created) << created.error().message();
}

// Last: it restarts the cluster. A pooled connection that died across the restart is replaced transparently.
TEST_F(PgTest, ZPoolRecoversFromARestart) {
  PgPool pool(dsn_, 2, seconds(5));
  auto before = pool.Run([](PgConnection& c) { return c.Exec("SELECT pg_backend_pid()"); });
  ASSERT_TRUE(before);
  connection_.reset();
  ASSERT_TRUE(cluster_->Stop());
  auto down = pool.Run([](PgConnection& c) { return c.Exec("SELECT 1"); });
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code(), ErrorCode::kNetwork);
  ASSERT_TRUE(cluster_->StartServer());
  auto after = pool.Run([](PgConnection& c) { return c.Exec("SELECT pg_backend_pid()"); });
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_NE(after->Int(0, 0), before->Int(0, 0));
}

}  // namespace
}  // namespace customs::server
