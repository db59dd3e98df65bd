// PostgreSQL through libpq, wrapped in Result<T>: no exceptions, no libpqxx.
//
// Errors: a lost or refused connection (SQLSTATE class 08, 57P01..57P03 admin shutdown / crash / cannot connect now,
// or a connection libpq reports as bad) is kNetwork: the caller reconnects and retries. A unique violation (23505) is
// kInvalidArgument; every other server error is kInternal. Messages carry the SQLSTATE.
//
// Thread safety: a PgConnection is used by one thread at a time. PgPool hands connections to many threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

struct pg_conn;
struct pg_result;

namespace customs::server {

// One text-format query parameter; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;
PgParam PgInt(std::int64_t value);
PgParam PgBool(bool value);

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* result);
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  ~PgResult();

  int rows() const;
  int columns() const;
  bool IsNull(int row, int column) const;
  std::string_view Get(int row, int column) const;  // "" for NULL
  std::string Text(int row, int column) const { return std::string(Get(row, column)); }
  std::int64_t Int(int row, int column) const;  // 0 for NULL or non-numbers
  bool Bool(int row, int column) const;         // 't'
  // Rows affected by an UPDATE/DELETE/INSERT.
  std::int64_t affected() const;

 private:
  pg_result* result_ = nullptr;
};

struct PgNotification {
  std::string channel;
  std::string payload;
};

class PgConnection {
 public:
  // `dsn` is a libpq connection string or URI ("host=/tmp/pg dbname=customs", "postgresql:///customs?host=/run/pg").
  // kNetwork when the server cannot be reached; the message never contains the password.
  [[nodiscard]] static Result<std::unique_ptr<PgConnection>> Connect(const std::string& dsn,
                                                                     std::chrono::seconds timeout);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One statement with parameters ($1, $2, ...), text format.
  [[nodiscard]] Result<PgResult> Exec(std::string_view sql, const std::vector<PgParam>& params = {});
  // Several statements without parameters (simple query protocol): migrations.
  [[nodiscard]] Status ExecScript(std::string_view sql);

  // LISTEN on `channel` (an identifier: letters, digits, '_').
  [[nodiscard]] Status Listen(std::string_view channel);
  // Waits up to `timeout` for notifications on this connection (returns at once when some are queued). An empty
  // vector means the timeout passed. kNetwork when the connection is lost while waiting.
  [[nodiscard]] Result<std::vector<PgNotification>> WaitForNotifications(std::chrono::milliseconds timeout);

  // Whether libpq still considers the connection usable.
  bool healthy() const;
  // healthy() and not inside a transaction: safe to hand to another user.
  bool reusable() const;
  // The server process serving this connection (pg_backend_pid()).
  int backend_pid() const;

 private:
  explicit PgConnection(pg_conn* connection) : connection_(connection) {}
  Error LastError(std::string_view what, pg_result* result) const;
  pg_conn* connection_;
};

// Runs `body` inside BEGIN ... COMMIT; a failed body or commit rolls back and returns its error.
template <class Body>
[[nodiscard]] auto PgTransaction(PgConnection& connection, Body&& body) -> decltype(body()) {
  if (auto begun = connection.Exec("BEGIN"); !begun) return tl::unexpected(begun.error());
  auto result = body();
  if (!result) {
    (void)connection.Exec("ROLLBACK");
    return result;
  }
  if (auto committed = connection.Exec("COMMIT"); !committed) return tl::unexpected(committed.error());
  return result;
}

// A bounded pool of connections to one DSN, for the HTTP handler threads. A connection that failed with kNetwork is
// dropped when returned, and the next Acquire connects again, so a PostgreSQL restart costs one failed request per
// pooled connection at most.
class PgPool {
 public:
  PgPool(std::string dsn, std::size_t max_size, std::chrono::seconds connect_timeout);
  ~PgPool();

  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> connection) : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection& operator*() { return *connection_; }
    PgConnection* operator->() { return connection_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> connection_;
  };

  // Waits up to `wait` for a free slot. kNetwork when connecting fails, kCancelled when no slot frees in time.
  [[nodiscard]] Result<Lease> Acquire(std::chrono::milliseconds wait = std::chrono::seconds(10));

  // Runs `body(PgConnection&)` on a pooled connection. When it fails with kNetwork (a pooled connection that died
  // while idle, e.g. across a PostgreSQL restart), runs it once more on a new connection. `body` must be safe to
  // repeat (one statement, or a transaction).
  template <class Body>
  auto Run(Body&& body) -> decltype(body(std::declval<PgConnection&>())) {
    for (int attempt = 0;; ++attempt) {
      auto lease = Acquire();
      if (!lease) return tl::unexpected(lease.error());
      auto result = body(**lease);
      if (result || result.error().code() != ErrorCode::kNetwork || attempt == 1) return result;
    }
  }

 private:
  void Release(std::unique_ptr<PgConnection> connection);
  std::string dsn_;
  std::size_t max_size_;
  std::chrono::seconds connect_timeout_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  std::size_t in_use_ = 0;
};

// Quotes an identifier for SQL text ("name" with embedded quotes doubled).
std::string PgQuoteIdentifier(std::string_view name);

}  // namespace customs::server
