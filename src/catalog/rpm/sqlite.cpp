// rpm's SQLite backend (rpm lib/backend/sqlite.c): table Packages(hnum INTEGER PRIMARY KEY, blob BLOB). The database
// comes from the image in memory, so it is opened with sqlite3_deserialize, read-only, and never touches the disk.
#include <sqlite3.h>

#include <cstring>
#include <memory>

#include "catalog/rpm/rpmdb.h"

namespace customs::catalog::rpm {

Result<std::vector<std::string>> ReadSqliteBlobs(std::string_view file) {
  if (file.size() < 100 || std::memcmp(file.data(), "SQLite format 3", 16) != 0) {
    return MakeError(ErrorCode::kUnsupported, "not an SQLite database");
  }
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, nullptr) != SQLITE_OK) {
    sqlite3_close(raw);
    return MakeError(ErrorCode::kInternal, "cannot open an in-memory SQLite database");
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  // A private copy, because rpm leaves its databases in WAL mode (header bytes 18 and 19 = 2), which an in-memory
  // database cannot open; switching them to the rollback journal (1) reads the same checkpointed pages.
  auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(file.size()));
  if (copy == nullptr) {
    return MakeError(ErrorCode::kInternal, "out of memory copying the SQLite database");
  }
  std::memcpy(copy, file.data(), file.size());
  if (copy[18] == 2) {
    copy[18] = 1;
  }
  if (copy[19] == 2) {
    copy[19] = 1;
  }
  int rc = sqlite3_deserialize(db.get(), "main", copy, static_cast<sqlite3_int64>(file.size()),
                               static_cast<sqlite3_int64>(file.size()),
                               SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
  if (rc != SQLITE_OK) {
    return MakeError(ErrorCode::kCorrupt, "sqlite: {}", sqlite3_errmsg(db.get()));
  }
  sqlite3_stmt* raw_statement = nullptr;
  rc = sqlite3_prepare_v2(db.get(), "SELECT blob FROM Packages ORDER BY hnum", -1, &raw_statement, nullptr);
  if (rc != SQLITE_OK) {
    return MakeError(ErrorCode::kCorrupt, "sqlite: {}", sqlite3_errmsg(db.get()));
  }
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw_statement, &sqlite3_finalize);
  std::vector<std::string> blobs;
  while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
    const void* data = sqlite3_column_blob(statement.get(), 0);
    int size = sqlite3_column_bytes(statement.get(), 0);
    if (data == nullptr || size <= 0) {
      blobs.emplace_back();
      continue;
    }
    blobs.emplace_back(static_cast<const char*>(data), static_cast<std::size_t>(size));
  }
  if (rc != SQLITE_DONE) {
    return MakeError(ErrorCode::kCorrupt, "sqlite: {}", sqlite3_errmsg(db.get()));
  }
  return blobs;
}

}  // namespace customs::catalog::rpm
