#include "vulndb/store_builder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include "vulndb/json_codec.h"
#include "vulndb/sqlite.h"

namespace customs::vulndb {
namespace {

bool IsCve(std::string_view id) {
  return id.starts_with("CVE-");
}

int IdRank(std::string_view id) {
  static constexpr const char* kPrefixes[] = {"CVE-", "GHSA-", "PYSEC-", "GO-", "RUSTSEC-"};
  int rank = 0;
  for (const char* prefix : kPrefixes) {
    if (id.starts_with(prefix)) {
      return rank;
    }
    ++rank;
  }
  if (id.starts_with("DSA-") || id.starts_with("DLA-") || id.starts_with("USN-")) {
    return rank + 1;
  }
  return rank;
}

int SourceRank(std::string_view source) {
  if (source == "nvd") {
    return 0;
  }
  if (source.starts_with("osv")) {
    return 1;
  }
  if (source == "ubuntu") {
    return 2;
  }
  if (source == "debian") {
    return 3;
  }
  if (source == "alpine") {
    return 4;
  }
  return 5;
}

// A date is a placeholder when it is the zero time some feeds print ("0001-01-01T00:00:00Z").
bool RealDate(const std::string& date) {
  return !date.empty() && !date.starts_with("0001-");
}

class UnionFind {
 public:
  int Node(const std::string& name) {
    auto [it, inserted] = index_.try_emplace(name, static_cast<int>(parent_.size()));
    if (inserted) {
      parent_.push_back(it->second);
      names_.push_back(name);
    }
    return it->second;
  }
  int Find(int node) {
    while (parent_[node] != node) {
      parent_[node] = parent_[parent_[node]];
      node = parent_[node];
    }
    return node;
  }
  void Union(int a, int b) {
    a = Find(a);
    b = Find(b);
    if (a != b) {
      parent_[b] = a;
    }
  }
  std::size_t size() const { return parent_.size(); }
  const std::string& Name(int node) const { return names_[node]; }
  int Lookup(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? -1 : it->second;
  }

 private:
  std::unordered_map<std::string, int> index_;
  std::vector<int> parent_;
  std::vector<std::string> names_;
};

// The ids a record merges under, and the CVEs among them.
struct RecordIds {
  std::vector<std::string> ids;   // own id first
  std::vector<std::string> cves;  // distinct
};

RecordIds IdsOf(const FeedRecord& record) {
  RecordIds out;
  auto add = [&out](const std::string& id) {
    if (id.empty() || std::find(out.ids.begin(), out.ids.end(), id) != out.ids.end()) {
      return;
    }
    out.ids.push_back(id);
    if (IsCve(id)) {
      out.cves.push_back(id);
    }
  };
  add(record.vulnerability.id);
  for (const auto& alias : record.vulnerability.aliases) {
    add(alias);
  }
  for (const auto& upstream : record.upstream) {
    add(upstream);
    if (upstream.starts_with("UBUNTU-CVE-")) {
      add(upstream.substr(7));  // Ubuntu's per-CVE record of that CVE
    }
  }
  if (record.vulnerability.id.starts_with("UBUNTU-CVE-")) {
    add(record.vulnerability.id.substr(7));
  }
  return out;
}

template <class T, class Key>
void AppendUnique(std::vector<T>& into, const std::vector<T>& from, Key key) {
  for (const auto& item : from) {
    bool seen = std::any_of(into.begin(), into.end(), [&](const T& existing) { return key(existing) == key(item); });
    if (!seen) {
      into.push_back(item);
    }
  }
}

}  // namespace

struct StoreBuilder::Impl {
  struct SourceTally {
    std::int64_t records = 0;
    std::set<std::string> origins;
  };
  std::vector<FeedRecord> records;
  std::map<std::string, Kev, std::less<>> kev;
  std::map<std::string, Epss, std::less<>> epss;
  std::map<std::string, SourceTally, std::less<>> sources;
};

StoreBuilder::StoreBuilder() : impl_(std::make_unique<Impl>()) {}
StoreBuilder::~StoreBuilder() = default;

void StoreBuilder::Add(FeedBatch batch, std::string_view origin) {
  for (auto& [source, count] : batch.counts) {
    auto& tally = impl_->sources[source];
    tally.records += count;
    tally.origins.insert(std::string(origin));
  }
  std::move(batch.records.begin(), batch.records.end(), std::back_inserter(impl_->records));
  for (auto& [cve, kev] : batch.kev) {
    impl_->kev[cve] = kev;
  }
  for (auto& [cve, epss] : batch.epss) {
    impl_->epss[cve] = epss;
  }
}

Status StoreBuilder::Write(const std::filesystem::path& path, std::string_view built_at) const {
  const auto& records = impl_->records;
  // 1. Group ids.
  UnionFind groups;
  std::vector<RecordIds> record_ids;
  record_ids.reserve(records.size());
  for (const auto& record : records) {
    RecordIds ids = IdsOf(record);
    int own = groups.Node(ids.ids.front());
    for (const auto& id : ids.ids) {
      int node = groups.Node(id);
      if (ids.cves.size() <= 1 || !IsCve(id)) {
        groups.Union(own, node);
      }
    }
    for (const auto& row : record.affected) {
      if (!row.vulnerability_id.empty()) {
        groups.Node(row.vulnerability_id);
      }
    }
    record_ids.push_back(std::move(ids));
  }
  // 2. Canonical id per group.
  std::vector<int> best(groups.size(), -1);
  for (int node = 0; node < static_cast<int>(groups.size()); ++node) {
    int root = groups.Find(node);
    int& current = best[root];
    if (current < 0) {
      current = node;
      continue;
    }
    const std::string& a = groups.Name(node);
    const std::string& b = groups.Name(current);
    if (std::make_pair(IdRank(a), a) < std::make_pair(IdRank(b), b)) {
      current = node;
    }
  }
  auto canonical = [&](const std::string& id) -> const std::string& {
    return groups.Name(best[groups.Find(groups.Node(id))]);
  };

  // 3. Merge per canonical id.
  struct Merged {
    std::vector<std::size_t> records;
    std::set<std::string> related;
  };
  std::map<std::string, Merged> merged;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const RecordIds& ids = record_ids[i];
    const std::string& own = canonical(ids.ids.front());
    merged[own].records.push_back(i);
    for (const auto& related : records[i].vulnerability.related) merged[own].related.insert(related);
    if (ids.cves.size() > 1) {
      for (const auto& cve : ids.cves) {
        const std::string& target = canonical(cve);
        merged[target].related.insert(records[i].vulnerability.id);
        merged[own].related.insert(target);
      }
    }
    for (const auto& row : records[i].affected) {
      if (!row.vulnerability_id.empty()) {
        const std::string& target = canonical(row.vulnerability_id);
        if (target != own) {
          merged[target].related.insert(records[i].vulnerability.id);
          merged[own].related.insert(target);
        }
      }
    }
  }

  // 4. Write.
  if (std::filesystem::exists(path)) {
    return MakeError(ErrorCode::kInternal, "{} already exists", path.string());
  }
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string message = raw != nullptr ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return MakeError(ErrorCode::kIo, "creating {}: {}", path.string(), message);
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, sqlite3_close);
  CUSTOMS_RETURN_IF_ERROR(sqlite::Exec(db.get(), R"sql(
    PRAGMA journal_mode = OFF;
    PRAGMA synchronous = OFF;
    PRAGMA page_size = 4096;
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE sources(name TEXT PRIMARY KEY, records INTEGER NOT NULL, imported_at TEXT NOT NULL,
                         origin TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE vulnerabilities(id TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE aliases(alias TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE records(record_id TEXT NOT NULL, source TEXT NOT NULL, subject TEXT NOT NULL,
                         vulnerability_id TEXT NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE affected(ecosystem TEXT NOT NULL, package TEXT NOT NULL, vulnerability_id TEXT NOT NULL,
                          record_id TEXT NOT NULL, source TEXT NOT NULL, status TEXT NOT NULL,
                          fixed_version TEXT NOT NULL, spec TEXT NOT NULL, severity TEXT, severity_raw TEXT NOT NULL,
                          withdrawn INTEGER NOT NULL, package_key TEXT NOT NULL, informational TEXT NOT NULL);
    CREATE TABLE maven_artifacts(artifact TEXT NOT NULL, package TEXT NOT NULL,
                                 PRIMARY KEY(artifact, package)) WITHOUT ROWID;
    CREATE TABLE kev(cve TEXT PRIMARY KEY, date_added TEXT NOT NULL, due_date TEXT NOT NULL,
                     known_ransomware INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE epss(cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL) WITHOUT ROWID;
    BEGIN;
  )sql"));

  Status status = Ok();
  sqlite::Statement insert_meta(db.get(), "INSERT INTO meta VALUES(?1, ?2)", &status);
  sqlite::Statement insert_source(db.get(), "INSERT INTO sources VALUES(?1, ?2, ?3, ?4)", &status);
  sqlite::Statement insert_vuln(db.get(), "INSERT INTO vulnerabilities VALUES(?1, ?2)", &status);
  sqlite::Statement insert_alias(db.get(), "INSERT OR IGNORE INTO aliases VALUES(?1, ?2)", &status);
  sqlite::Statement insert_record(db.get(), "INSERT INTO records VALUES(?1, ?2, ?3, ?4, ?5)", &status);
  sqlite::Statement insert_affected(
      db.get(), "INSERT INTO affected VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", &status);
  sqlite::Statement insert_artifact(db.get(), "INSERT OR IGNORE INTO maven_artifacts VALUES(?1, ?2)", &status);
  sqlite::Statement insert_kev(db.get(), "INSERT INTO kev VALUES(?1, ?2, ?3, ?4)", &status);
  sqlite::Statement insert_epss(db.get(), "INSERT INTO epss VALUES(?1, ?2, ?3)", &status);
  if (!status) {
    return status;
  }
  auto step = [&db](const sqlite::Statement& statement) -> Status {
    int rc = statement.Step();
    statement.Reset();
    if (rc != SQLITE_DONE) {
      return MakeError(ErrorCode::kIo, "sqlite insert: {}", sqlite3_errmsg(db.get()));
    }
    return Ok();
  };

  auto put_meta = [&](const char* key, std::string_view value) {
    insert_meta.Bind(1, key);
    insert_meta.Bind(2, value);
    return step(insert_meta);
  };
  CUSTOMS_RETURN_IF_ERROR(put_meta("schema_version", std::to_string(kSchemaVersion)));
  CUSTOMS_RETURN_IF_ERROR(put_meta("built_at", built_at));
  for (const auto& [name, tally] : impl_->sources) {
    std::string origin;
    for (const auto& o : tally.origins) {
      origin += (origin.empty() ? "" : "; ") + o;
    }
    insert_source.Bind(1, name);
    insert_source.Bind(2, tally.records);
    insert_source.Bind(3, built_at);
    insert_source.Bind(4, origin);
    CUSTOMS_RETURN_IF_ERROR(step(insert_source));
  }

  for (auto& merged_entry : merged) {
    const std::string& id = merged_entry.first;
    Merged& group = merged_entry.second;
    std::vector<std::size_t> order = group.records;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      auto key = [&](std::size_t i) {
        return std::make_pair(records[i].vulnerability.id != id, SourceRank(records[i].source));
      };
      return key(a) < key(b);
    });
    Vulnerability v;
    v.id = id;
    bool all_withdrawn = !order.empty();
    std::string withdrawn;
    for (std::size_t i : order) {
      const Vulnerability& r = records[i].vulnerability;
      if (v.summary.empty()) {
        v.summary = r.summary;
      }
      if (v.details.empty()) {
        v.details = r.details;
      }
      if (RealDate(r.published) && (v.published.empty() || r.published < v.published)) {
        v.published = r.published;
      }
      if (RealDate(r.modified) && r.modified > v.modified) {
        v.modified = r.modified;
      }
      if (r.withdrawn.empty()) {
        all_withdrawn = false;
      } else if (r.withdrawn > withdrawn) {
        withdrawn = r.withdrawn;
      }
      AppendUnique(v.references, r.references, [](const std::string& s) { return s; });
      AppendUnique(v.cvss, r.cvss, [](const Cvss& c) { return c.source + "\n" + c.vector; });
      AppendUnique(v.severities, r.severities, [](const SourceSeverity& s) { return s.source + "\n" + s.raw; });
    }
    if (all_withdrawn) {
      v.withdrawn = withdrawn;
    }
    v.related.assign(group.related.begin(), group.related.end());
    // Aliases: every id in the group but the canonical one.
    std::set<std::string> aliases;
    for (std::size_t i : order) {
      for (const auto& other : record_ids[i].ids) {
        if (other != id && canonical(other) == id) {
          aliases.insert(other);
        }
      }
    }
    v.aliases.assign(aliases.begin(), aliases.end());
    insert_vuln.Bind(1, id);
    insert_vuln.Bind(2, ToJson(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    CUSTOMS_RETURN_IF_ERROR(step(insert_vuln));
    insert_alias.Bind(1, id);
    insert_alias.Bind(2, id);
    CUSTOMS_RETURN_IF_ERROR(step(insert_alias));
    for (const auto& alias : v.aliases) {
      insert_alias.Bind(1, alias);
      insert_alias.Bind(2, id);
      CUSTOMS_RETURN_IF_ERROR(step(insert_alias));
    }
  }

  // Rows are written grouped by (ecosystem, package), so one lookup reads neighbouring pages.
  struct PendingRow {
    const AffectedPackage* row;
    const FeedRecord* record;
    std::string vulnerability_id;
  };
  std::vector<PendingRow> pending;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const FeedRecord& record = records[i];
    const RecordIds& ids = record_ids[i];
    const std::string& own = canonical(ids.ids.front());
    insert_record.Bind(1, record.vulnerability.id);
    insert_record.Bind(2, record.source);
    insert_record.Bind(3, record.subject);
    insert_record.Bind(4, own);
    insert_record.Bind(5, ToJson(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    CUSTOMS_RETURN_IF_ERROR(step(insert_record));
    for (const auto& row : record.affected) {
      if (!row.vulnerability_id.empty()) {
        pending.push_back({&row, &record, canonical(row.vulnerability_id)});
      } else if (ids.cves.size() > 1) {
        std::set<std::string> targets;
        for (const auto& cve : ids.cves) {
          targets.insert(canonical(cve));
        }
        for (const auto& target : targets) {
          pending.push_back({&row, &record, target});
        }
      } else {
        pending.push_back({&row, &record, own});
      }
    }
  }
  std::stable_sort(pending.begin(), pending.end(), [](const PendingRow& a, const PendingRow& b) {
    int by_ecosystem = a.row->ecosystem.compare(b.row->ecosystem);
    if (by_ecosystem != 0) {
      return by_ecosystem < 0;
    }
    return a.row->package < b.row->package;
  });
  for (const PendingRow& p : pending) {
    const AffectedPackage& row = *p.row;
    const FeedRecord& record = *p.record;
    insert_affected.Bind(1, row.ecosystem);
    insert_affected.Bind(2, row.package);
    insert_affected.Bind(3, p.vulnerability_id);
    insert_affected.Bind(4, row.record_id.empty() ? record.vulnerability.id : row.record_id);
    insert_affected.Bind(5, row.source.empty() ? record.source : row.source);
    insert_affected.Bind(6, AffectedStatusName(row.status));
    insert_affected.Bind(7, row.fixed_version);
    insert_affected.Bind(8, EncodeSpec(row.spec));
    if (row.severity) {
      insert_affected.Bind(9, SeverityName(*row.severity));
    } else {
      insert_affected.BindNull(9);
    }
    insert_affected.Bind(10, row.severity_raw);
    const bool withdrawn = !record.vulnerability.withdrawn.empty();
    insert_affected.Bind(11, std::int64_t{withdrawn ? 1 : 0});
    insert_affected.Bind(12, NormalizePackageName(row.ecosystem, row.package));
    insert_affected.Bind(13, row.informational);
    CUSTOMS_RETURN_IF_ERROR(step(insert_affected));
    // artifactId -> groupId:artifactId, for jars whose groupId is unknown (AdvisoryIndex::MavenPackagesByArtifactId).
    if (row.ecosystem == "Maven" && !withdrawn && row.package.find(':') != std::string::npos) {
      insert_artifact.Bind(1, MavenArtifactId(row.package));
      insert_artifact.Bind(2, row.package);
      CUSTOMS_RETURN_IF_ERROR(step(insert_artifact));
    }
  }

  for (const auto& [cve, kev] : impl_->kev) {
    insert_kev.Bind(1, cve);
    insert_kev.Bind(2, kev.date_added);
    insert_kev.Bind(3, kev.due_date);
    insert_kev.Bind(4, std::int64_t{kev.known_ransomware ? 1 : 0});
    CUSTOMS_RETURN_IF_ERROR(step(insert_kev));
  }
  for (const auto& [cve, epss] : impl_->epss) {
    insert_epss.Bind(1, cve);
    insert_epss.Bind(2, epss.score);
    insert_epss.Bind(3, epss.percentile);
    CUSTOMS_RETURN_IF_ERROR(step(insert_epss));
  }
  CUSTOMS_RETURN_IF_ERROR(sqlite::Exec(db.get(), R"sql(
    CREATE INDEX affected_by_package ON affected(ecosystem, package_key);
    CREATE INDEX affected_by_vulnerability ON affected(vulnerability_id);
    CREATE INDEX records_by_vulnerability ON records(vulnerability_id);
    CREATE INDEX records_by_id ON records(record_id);
    COMMIT;
    ANALYZE;
  )sql"));
  return Ok();
}

std::string NowRfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

Result<WriterLock> WriterLock::Acquire(const std::filesystem::path& db_path, std::chrono::milliseconds timeout) {
  std::filesystem::path lock_path = db_path;
  lock_path += ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return MakeError(errno == EACCES ? ErrorCode::kPermission : ErrorCode::kIo, "opening lock {}: {}",
                     lock_path.string(), std::strerror(errno));
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int saved = errno;
      ::close(fd);
      return MakeError(ErrorCode::kIo, "locking {}: {}", lock_path.string(), std::strerror(saved));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      char pid[32] = {};
      ssize_t n = ::pread(fd, pid, sizeof(pid) - 1, 0);
      std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "unknown";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) {
        holder.pop_back();
      }
      ::close(fd);
      return MakeError(ErrorCode::kCancelled,
                       "another customs process (pid {}) is writing the vulnerability store {} (lock {}); gave up "
                       "after {} s. Try again when it has finished",
                       holder, db_path.string(), lock_path.string(),
                       std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return WriterLock(fd);
}

WriterLock::WriterLock(WriterLock&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

WriterLock::~WriterLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

namespace {

Status FsyncPath(const std::filesystem::path& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kIo, "opening {} for fsync: {}", path.string(), std::strerror(errno));
  }
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) {
    return MakeError(ErrorCode::kIo, "fsync {}: {}", path.string(), std::strerror(saved));
  }
  return Ok();
}

}  // namespace

Status PublishStore(const StoreBuilder& builder, const std::filesystem::path& db_path) {
  std::filesystem::path directory = db_path.parent_path();
  if (directory.empty()) {
    directory = ".";
  }
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, "creating {}: {}", directory.string(), ec.message());
  }
  // Temporaries left by a crashed writer (we hold the lock, so none is live).
  std::string prefix = fmt::format(".{}.tmp-", db_path.filename().string());
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    if (entry.path().filename().string().starts_with(prefix)) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  static std::atomic<int> counter{0};
  std::filesystem::path temp = directory / fmt::format("{}{}-{}", prefix, ::getpid(), counter++);
  auto fail = [&](Error error) -> Status {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return tl::unexpected(std::move(error));
  };
  if (auto written = builder.Write(temp, NowRfc3339()); !written) {
    return fail(written.error());
  }
  if (auto synced = FsyncPath(temp, false); !synced) {
    return fail(synced.error());
  }
  if (::rename(temp.c_str(), db_path.c_str()) != 0) {
    return fail(Error(ErrorCode::kIo,
                      fmt::format("renaming {} over {}: {}", temp.string(), db_path.string(), std::strerror(errno))));
  }
  return FsyncPath(directory, true);
}

}  // namespace customs::vulndb
