#include "server/pg.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace customs::server {
namespace {

std::string Trimmed(const char* message) {
  std::string out = message != nullptr ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  // libpq's multi-line messages ("FATAL: ...\nDETAIL: ...") become one line.
  for (char& c : out) {
    if (c == '\n') {
      c = ' ';
    }
  }
  return out;
}

bool IsConnectionState(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

}  // namespace

PgParam PgInt(std::int64_t value) {
  return std::to_string(value);
}
PgParam PgBool(bool value) {
  return std::string(value ? "true" : "false");
}

PgResult::PgResult(pg_result* result) : result_(result) {}
PgResult::PgResult(PgResult&& other) noexcept : result_(other.result_) {
  other.result_ = nullptr;
}
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) {
      PQclear(result_);
    }
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}
PgResult::~PgResult() {
  if (result_ != nullptr) {
    PQclear(result_);
  }
}
int PgResult::rows() const {
  return result_ != nullptr ? PQntuples(result_) : 0;
}
int PgResult::columns() const {
  return result_ != nullptr ? PQnfields(result_) : 0;
}
bool PgResult::IsNull(int row, int column) const {
  return result_ == nullptr || row >= rows() || column >= columns() || PQgetisnull(result_, row, column) != 0;
}
std::string_view PgResult::Get(int row, int column) const {
  if (IsNull(row, column)) {
    return {};
  }
  return std::string_view(PQgetvalue(result_, row, column),
                          static_cast<std::size_t>(PQgetlength(result_, row, column)));
}
std::int64_t PgResult::Int(int row, int column) const {
  std::string text(Get(row, column));
  return text.empty() ? 0 : std::strtoll(text.c_str(), nullptr, 10);
}
bool PgResult::Bool(int row, int column) const {
  return Get(row, column) == "t";
}
std::int64_t PgResult::affected() const {
  if (result_ == nullptr) {
    return 0;
  }
  const char* n = PQcmdTuples(result_);
  return n != nullptr && *n != '\0' ? std::strtoll(n, nullptr, 10) : 0;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& dsn, std::chrono::seconds timeout) {
  // The timeout is passed as a connection option so it applies to every host libpq tries.
  const char* keywords[] = {"dbname", "connect_timeout", "application_name", nullptr};
  std::string seconds = std::to_string(std::max<long long>(1, timeout.count()));
  const char* values[] = {dsn.c_str(), seconds.c_str(), "customs", nullptr};
  pg_conn* connection = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (connection == nullptr) {
    return MakeError(ErrorCode::kInternal, "libpq could not allocate a connection");
  }
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string message = Trimmed(PQerrorMessage(connection));
    PQfinish(connection);
    return MakeError(ErrorCode::kNetwork, "connecting to PostgreSQL: {}", message);
  }
  // Server notices ("relation ... already exists, skipping") are not errors; the library never prints them.
  PQsetNoticeProcessor(
      connection, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(connection));
}

PgConnection::~PgConnection() {
  PQfinish(connection_);
}

Error PgConnection::LastError(std::string_view what, pg_result* result) const {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state != nullptr ? state : "";
  std::string message =
      Trimmed(result != nullptr && *PQresultErrorMessage(result) != '\0' ? PQresultErrorMessage(result)
                                                                         : PQerrorMessage(connection_));
  ErrorCode code = ErrorCode::kInternal;
  if (PQstatus(connection_) != CONNECTION_OK || IsConnectionState(sqlstate) || result == nullptr) {
    code = ErrorCode::kNetwork;
  } else if (sqlstate == "23505") {
    code = ErrorCode::kInvalidArgument;
  } else if (sqlstate.starts_with("40")) {
    code = ErrorCode::kCancelled;  // serialization failure or deadlock: retry
  }
  std::string statement(what.substr(0, 60));
  return Error(code, fmt::format("PostgreSQL{}: {} (in: {}{})", sqlstate.empty() ? "" : " " + sqlstate, message,
                                 statement, what.size() > 60 ? "..." : ""));
}

Result<PgResult> PgConnection::Exec(std::string_view sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    values.push_back(p ? p->c_str() : nullptr);
  }
  std::string statement(sql);
  pg_result* raw = PQexecParams(connection_, statement.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                                nullptr, nullptr, 0);
  PgResult result(raw);
  ExecStatusType status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return tl::unexpected(LastError(sql, raw));
  }
  return result;
}

Status PgConnection::ExecScript(std::string_view sql) {
  std::string script(sql);
  pg_result* raw = PQexec(connection_, script.c_str());
  PgResult result(raw);
  ExecStatusType status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return tl::unexpected(LastError(sql, raw));
  }
  return Ok();
}

Status PgConnection::Listen(std::string_view channel) {
  for (char c : channel) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return MakeError(ErrorCode::kInvalidArgument, "LISTEN channel '{}' is not a plain identifier", channel);
    }
  }
  CUSTOMS_RETURN_IF_ERROR(Exec(fmt::format("LISTEN {}", channel)));
  return Ok();
}

Result<std::vector<PgNotification>> PgConnection::WaitForNotifications(std::chrono::milliseconds timeout) {
  std::vector<PgNotification> out;
  auto collect = [&] {
    while (PGnotify* n = PQnotifies(connection_)) {
      out.push_back({n->relname != nullptr ? n->relname : "", n->extra != nullptr ? n->extra : ""});
      PQfreemem(n);
    }
  };
  if (PQconsumeInput(connection_) == 0) {
    return MakeError(ErrorCode::kNetwork, "PostgreSQL: {}", Trimmed(PQerrorMessage(connection_)));
  }
  collect();
  if (!out.empty()) {
    return out;
  }
  int fd = PQsocket(connection_);
  if (fd < 0) {
    return MakeError(ErrorCode::kNetwork, "PostgreSQL: the connection has no socket");
  }
  pollfd p{fd, POLLIN, 0};
  int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(timeout.count(), 1 << 30)));
  if (ready < 0 && errno != EINTR) {
    return MakeError(ErrorCode::kIo, "poll: {}", std::strerror(errno));
  }
  if (ready > 0) {
    if (PQconsumeInput(connection_) == 0) {
      return MakeError(ErrorCode::kNetwork, "PostgreSQL: {}", Trimmed(PQerrorMessage(connection_)));
    }
    collect();
  }
  return out;
}

bool PgConnection::healthy() const {
  return PQstatus(connection_) == CONNECTION_OK;
}

bool PgConnection::reusable() const {
  return healthy() && PQtransactionStatus(connection_) == PQTRANS_IDLE;
}

int PgConnection::backend_pid() const {
  return PQbackendPID(connection_);
}

PgPool::PgPool(std::string dsn, std::size_t max_size, std::chrono::seconds connect_timeout)
    : dsn_(std::move(dsn)), max_size_(std::max<std::size_t>(1, max_size)), connect_timeout_(connect_timeout) {}

PgPool::~PgPool() = default;

PgPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) {
    pool_->Release(std::move(connection_));
  }
}

Result<PgPool::Lease> PgPool::Acquire(std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  if (!freed_.wait_for(lock, wait, [this] { return !idle_.empty() || in_use_ < max_size_; })) {
    return MakeError(ErrorCode::kCancelled, "no free PostgreSQL connection within {} ms ({} in use)", wait.count(),
                     in_use_);
  }
  ++in_use_;
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  lock.unlock();
  auto connection = PgConnection::Connect(dsn_, connect_timeout_);
  if (!connection) {
    std::lock_guard relock(mutex_);
    --in_use_;
    freed_.notify_one();
    return tl::unexpected(connection.error());
  }
  return Lease(this, std::move(*connection));
}

void PgPool::Release(std::unique_ptr<PgConnection> connection) {
  std::lock_guard lock(mutex_);
  --in_use_;
  // A broken connection, or one left inside a transaction, is not reused.
  if (connection->reusable()) {
    idle_.push_back(std::move(connection));
  }
  freed_.notify_one();
}

std::string PgQuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace customs::server
