#include "vulndb/store.h"

#include <ctime>
#include <mutex>

#include "core/file_util.h"
#include "vulndb/json_codec.h"
#include "vulndb/sqlite.h"

namespace customs::vulndb {

std::filesystem::path DefaultStorePath() {
  return DefaultCacheDir() / "db" / "customs.db";
}

Result<std::chrono::seconds> StoreAge(const StoreInfo& info, std::chrono::system_clock::time_point now) {
  std::tm tm{};
  const char* end = strptime(info.built_at.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) {
    return MakeError(ErrorCode::kCorrupt, "store build time '{}' does not parse", info.built_at);
  }
  std::time_t built = timegm(&tm);
  auto built_at = std::chrono::system_clock::from_time_t(built);
  return std::chrono::duration_cast<std::chrono::seconds>(now - built_at);
}

std::optional<std::string> StaleStoreWarning(const StoreInfo& info, std::chrono::seconds max_age,
                                             std::chrono::system_clock::time_point now) {
  auto age = StoreAge(info, now);
  if (!age) {
    return fmt::format("the vulnerability store {} has no readable build time: run `customs db update`",
                       info.path.string());
  }
  if (*age <= max_age) {
    return std::nullopt;
  }
  return fmt::format(
      "the vulnerability store {} was built {:.1f} days ago (older than {:.1f} days): results may miss recent "
      "advisories; run `customs db update`",
      info.path.string(), static_cast<double>(age->count()) / 86400.0, static_cast<double>(max_age.count()) / 86400.0);
}

struct Store::Impl {
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db{nullptr, sqlite3_close};
  std::filesystem::path path;
  mutable std::mutex mutex;  // guards the prepared statements below
  sqlite::Statement find_affected;
  sqlite::Statement affected_for;
  sqlite::Statement resolve;
  sqlite::Statement vulnerability;
  sqlite::Statement kev;
  sqlite::Statement epss;
  sqlite::Statement has_ecosystem;
  sqlite::Statement records_for;
  sqlite::Statement maven_artifact;

  AffectedPackage RowFrom(const sqlite::Statement& s) const {
    // Columns: ecosystem, package, vulnerability_id, record_id, source, status, fixed_version, spec, severity,
    // severity_raw, informational
    AffectedPackage row;
    row.ecosystem = std::string(s.Text(0));
    row.package = std::string(s.Text(1));
    row.vulnerability_id = std::string(s.Text(2));
    row.record_id = std::string(s.Text(3));
    row.source = std::string(s.Text(4));
    row.status = ParseAffectedStatusName(s.Text(5)).value_or(AffectedStatus::kAffectedNoFix);
    row.fixed_version = std::string(s.Text(6));
    row.spec = DecodeSpec(s.Text(7));
    if (!s.IsNull(8)) {
      row.severity = ParseSeverityName(s.Text(8));
    }
    row.severity_raw = std::string(s.Text(9));
    row.informational = std::string(s.Text(10));
    return row;
  }

  Error StepError() const {
    return Error(ErrorCode::kCorrupt, fmt::format("store {}: {}", path.string(), sqlite3_errmsg(db.get())));
  }

  // Caller holds mutex.
  Result<std::optional<std::string>> ResolveLocked(std::string_view id) const {
    resolve.Reset();
    resolve.Bind(1, id);
    int rc = resolve.Step();
    std::optional<std::string> out;
    if (rc == SQLITE_ROW) {
      out = std::string(resolve.Text(0));
    } else if (rc != SQLITE_DONE) {
      resolve.Reset();
      return tl::unexpected(StepError());
    }
    resolve.Reset();
    return out;
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return MakeError(ErrorCode::kNotFound,
                     "no vulnerability store at {}: run `customs db update` (or `customs db import FILE...` "
                     "offline) to create it",
                     path.string());
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  // immutable=1: writers never modify a published file in place (they rename a new one over it), so readers need
  // no locks and no journal.
  std::string uri = "file:";
  for (char c : std::filesystem::absolute(path).string()) {
    if (c == '%' || c == '?' || c == '#') {
      uri += fmt::format("%{:02x}", static_cast<unsigned char>(c));  // RFC 3986 escapes, as SQLite URIs require
    } else {
      uri += c;
    }
  }
  uri += "?immutable=1";
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, nullptr);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) {
    return MakeError(ErrorCode::kIo, "opening store {}: {}", path.string(),
                     raw != nullptr ? sqlite3_errmsg(raw) : "out of memory");
  }
  Status status = Ok();
  sqlite::Statement version(raw, "SELECT value FROM meta WHERE key = 'schema_version'", &status);
  if (!status) {
    return MakeError(ErrorCode::kCorrupt,
                     "{} is not a customs vulnerability store ({}); rebuild it with `customs db "
                     "update`",
                     path.string(), status.error().message());
  }
  if (version.Step() != SQLITE_ROW) {
    return MakeError(ErrorCode::kCorrupt, "{} has no schema version; rebuild it with `customs db update`",
                     path.string());
  }
  int schema = std::atoi(std::string(version.Text(0)).c_str());
  if (schema != kSchemaVersion) {
    return MakeError(ErrorCode::kUnsupported,
                     "store {} has schema version {}, this customs reads version {}: rebuild it with `customs db "
                     "update`",
                     path.string(), schema, kSchemaVersion);
  }
  constexpr const char* kRowColumns =
      "ecosystem, package, vulnerability_id, record_id, source, status, fixed_version, spec, severity, severity_raw, "
      "informational";
  impl->find_affected = sqlite::Statement(
      raw,
      fmt::format("SELECT {} FROM affected WHERE ecosystem = ?1 AND package_key = ?2 AND withdrawn = 0", kRowColumns),
      &status);
  impl->maven_artifact =
      sqlite::Statement(raw, "SELECT package FROM maven_artifacts WHERE artifact = ?1 ORDER BY package", &status);
  impl->affected_for = sqlite::Statement(
      raw, fmt::format("SELECT {} FROM affected WHERE vulnerability_id = ?1 ORDER BY rowid", kRowColumns), &status);
  impl->resolve = sqlite::Statement(raw, "SELECT id FROM aliases WHERE alias = ?1", &status);
  impl->vulnerability = sqlite::Statement(raw, "SELECT doc FROM vulnerabilities WHERE id = ?1", &status);
  impl->kev = sqlite::Statement(raw, "SELECT date_added, due_date, known_ransomware FROM kev WHERE cve = ?1", &status);
  impl->epss = sqlite::Statement(raw, "SELECT score, percentile FROM epss WHERE cve = ?1", &status);
  impl->has_ecosystem = sqlite::Statement(raw, "SELECT 1 FROM affected WHERE ecosystem = ?1 LIMIT 1", &status);
  impl->records_for =
      sqlite::Statement(raw, "SELECT doc FROM records WHERE vulnerability_id = ?1 ORDER BY rowid", &status);
  if (!status) {
    return tl::unexpected(status.error().WithContext(path.string()));
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Result<std::vector<AffectedPackage>> Store::FindAffected(std::string_view ecosystem, std::string_view package) const {
  std::lock_guard lock(impl_->mutex);
  const auto& s = impl_->find_affected;
  s.Reset();
  s.Bind(1, ecosystem);
  s.Bind(2, NormalizePackageName(ecosystem, package));
  std::vector<AffectedPackage> rows;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    rows.push_back(impl_->RowFrom(s));
  }
  s.Reset();
  if (rc != SQLITE_DONE) {
    return tl::unexpected(impl_->StepError());
  }
  return rows;
}

Result<std::optional<std::string>> Store::Resolve(std::string_view id) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->ResolveLocked(id);
}

Result<std::optional<Vulnerability>> Store::GetVulnerability(std::string_view id) const {
  std::lock_guard lock(impl_->mutex);
  CUSTOMS_ASSIGN_OR_RETURN(std::optional<std::string> canonical, impl_->ResolveLocked(id));
  std::optional<Vulnerability> out;
  if (canonical) {
    const auto& s = impl_->vulnerability;
    s.Reset();
    s.Bind(1, *canonical);
    if (s.Step() == SQLITE_ROW) {
      auto doc = nlohmann::json::parse(s.Text(0), nullptr, false);
      auto record = RecordFromJson(doc);
      if (!record) {
        s.Reset();
        return tl::unexpected(record.error().WithContext(*canonical));
      }
      out = std::move(record->vulnerability);
    }
    s.Reset();
  }
  // KEV and EPSS are keyed by CVE and exist for CVEs no other feed mentions. A vulnerability whose canonical id is
  // no CVE (a GHSA naming two CVEs) takes them from the first CVE alias that has them.
  std::vector<std::string> cves;
  if (out) {
    cves.push_back(out->id);
    for (const auto& alias : out->aliases) {
      if (alias.starts_with("CVE-")) cves.push_back(alias);
    }
  } else {
    cves.emplace_back(id);
  }
  std::optional<Kev> kev;
  std::optional<Epss> epss;
  for (const auto& cve : cves) {
    if (!kev) {
      const auto& s = impl_->kev;
      s.Reset();
      s.Bind(1, cve);
      if (s.Step() == SQLITE_ROW) {
        kev = Kev{std::string(s.Text(0)), std::string(s.Text(1)), s.Int(2) != 0};
      }
      s.Reset();
    }
    if (!epss) {
      const auto& s = impl_->epss;
      s.Reset();
      s.Bind(1, cve);
      if (s.Step() == SQLITE_ROW) {
        epss = Epss{s.Double(0), s.Double(1)};
      }
      s.Reset();
    }
  }
  if (!out && (kev || epss)) {
    out = Vulnerability{};
    out->id = std::string(id);
  }
  if (out) {
    out->kev = kev;
    out->epss = epss;
  }
  return out;
}

Result<std::vector<std::string>> Store::MavenPackagesByArtifactId(std::string_view artifact_id) const {
  std::lock_guard lock(impl_->mutex);
  const auto& s = impl_->maven_artifact;
  s.Reset();
  s.Bind(1, artifact_id);
  std::vector<std::string> names;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    names.emplace_back(s.Text(0));
  }
  s.Reset();
  if (rc != SQLITE_DONE) {
    return tl::unexpected(impl_->StepError());
  }
  return names;
}

bool Store::HasEcosystem(std::string_view ecosystem) const {
  std::lock_guard lock(impl_->mutex);
  const auto& s = impl_->has_ecosystem;
  s.Reset();
  s.Bind(1, ecosystem);
  bool found = s.Step() == SQLITE_ROW;
  s.Reset();
  return found;
}

Result<std::vector<AffectedPackage>> Store::AffectedFor(std::string_view id) const {
  std::lock_guard lock(impl_->mutex);
  CUSTOMS_ASSIGN_OR_RETURN(std::optional<std::string> canonical, impl_->ResolveLocked(id));
  std::vector<AffectedPackage> rows;
  if (!canonical) {
    return rows;
  }
  const auto& s = impl_->affected_for;
  s.Reset();
  s.Bind(1, *canonical);
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    rows.push_back(impl_->RowFrom(s));
  }
  s.Reset();
  if (rc != SQLITE_DONE) {
    return tl::unexpected(impl_->StepError());
  }
  return rows;
}

Result<std::vector<FeedRecord>> Store::RecordsFor(std::string_view id) const {
  std::lock_guard lock(impl_->mutex);
  CUSTOMS_ASSIGN_OR_RETURN(std::optional<std::string> canonical, impl_->ResolveLocked(id));
  std::vector<FeedRecord> records;
  if (!canonical) {
    return records;
  }
  const auto& s = impl_->records_for;
  s.Reset();
  s.Bind(1, *canonical);
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    auto record = RecordFromJson(nlohmann::json::parse(s.Text(0), nullptr, false));
    if (!record) {
      s.Reset();
      return tl::unexpected(record.error());
    }
    records.push_back(std::move(*record));
  }
  s.Reset();
  if (rc != SQLITE_DONE) {
    return tl::unexpected(impl_->StepError());
  }
  return records;
}

Result<StoreInfo> Store::Info() const {
  std::lock_guard lock(impl_->mutex);
  StoreInfo info;
  info.path = impl_->path;
  info.schema_version = kSchemaVersion;
  sqlite3* db = impl_->db.get();
  Status status = Ok();
  sqlite::Statement built(db, "SELECT value FROM meta WHERE key = 'built_at'", &status);
  sqlite::Statement sources(db, "SELECT name, records, imported_at, origin FROM sources ORDER BY name", &status);
  sqlite::Statement vulns(db, "SELECT count(*) FROM vulnerabilities", &status);
  sqlite::Statement rows(db, "SELECT count(*) FROM affected", &status);
  if (!status) {
    return tl::unexpected(status.error());
  }
  if (built.Step() == SQLITE_ROW) {
    info.built_at = std::string(built.Text(0));
  }
  while (sources.Step() == SQLITE_ROW) {
    info.sources.push_back(
        {std::string(sources.Text(0)), sources.Int(1), std::string(sources.Text(2)), std::string(sources.Text(3))});
  }
  if (vulns.Step() == SQLITE_ROW) {
    info.vulnerabilities = vulns.Int(0);
  }
  if (rows.Step() == SQLITE_ROW) {
    info.affected_rows = rows.Int(0);
  }
  return info;
}

}  // namespace customs::vulndb
