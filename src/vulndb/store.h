// The local vulnerability store, read side.
// CONTRACT shared with match/scan: keep these names; the vulndb module owns and may extend them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "vulndb/advisory.h"
#include "vulndb/feeds/feed.h"

namespace customs::vulndb {

// Read access to advisories. The matcher depends on this interface only, so its tests can use an in-memory index.
// Implementations are safe to call from several threads at once.
class AdvisoryIndex {
 public:
  virtual ~AdvisoryIndex() = default;
  // Every source's statement about (ecosystem, package); ecosystem as in AffectedPackage ("debian:12", "Go"). The
  // package name is compared in its NormalizePackageName form ("Jinja2" finds PyPI's "jinja2"); withdrawn records
  // are left out.
  [[nodiscard]] virtual Result<std::vector<AffectedPackage>> FindAffected(std::string_view ecosystem,
                                                                          std::string_view package) const = 0;
  // The merged vulnerability (aliases, cvss, severities, KEV, EPSS) by canonical id or any alias.
  [[nodiscard]] virtual Result<std::optional<Vulnerability>> GetVulnerability(std::string_view id) const = 0;
  // Does the store hold any advisory for this ecosystem ("alpine:3.21", "PyPI")? A scan reports "no data" otherwise.
  virtual bool HasEcosystem(std::string_view ecosystem) const = 0;
  // Every Maven package ("groupId:artifactId") with advisory rows (withdrawn records excluded) whose artifactId is
  // `artifact_id`, sorted: the matcher names a jar without a groupId only when there is exactly one. The default
  // (for indexes without Maven data) knows none.
  [[nodiscard]] virtual Result<std::vector<std::string>> MavenPackagesByArtifactId(
      std::string_view /*artifact_id*/) const {
    return std::vector<std::string>{};
  }
};

struct SourceInfo {
  std::string name;
  std::int64_t records = 0;
  std::string imported_at;  // RFC 3339
  std::string origin;       // the file or URL the records came from ("; "-separated when several)
};

struct StoreInfo {
  int schema_version = 0;
  std::string built_at;  // RFC 3339
  std::vector<SourceInfo> sources;
  std::int64_t vulnerabilities = 0;  // merged (canonical) vulnerabilities
  std::int64_t affected_rows = 0;    // (ecosystem, package) statements
  std::filesystem::path path;
};

// The schema this build reads and writes. A store with another version is refused with a message to rebuild it.
// 2: affected.package_key (NormalizePackageName) and .informational, the maven_artifacts table.
inline constexpr int kSchemaVersion = 2;

// $XDG_CACHE_HOME/customs/db/customs.db (or ~/.cache/customs/db/customs.db).
std::filesystem::path DefaultStorePath();

// The store's age at `now` (built_at to now). kCorrupt when built_at does not parse.
inline constexpr std::chrono::hours kDefaultMaxStoreAge{72};
[[nodiscard]] Result<std::chrono::seconds> StoreAge(
    const StoreInfo& info, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The warning a scan prints when the store is older than `max_age` ("... built 4.2 days ago ...: run `customs db
// update`"), or when its build time cannot be read; nullopt when the store is fresh.
std::optional<std::string> StaleStoreWarning(
    const StoreInfo& info, std::chrono::seconds max_age = kDefaultMaxStoreAge,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The SQLite store. Open() maps an existing store read-only; any number of processes and threads may read at once
// (the file is never modified in place: writers build a new file and rename it over, see store_builder.h).
// All methods are thread-safe. Errors: kNotFound (no store at the path, with a hint to run `customs db update`),
// kCorrupt (not a customs store, or a damaged one), kUnsupported (another schema version).
class Store : public AdvisoryIndex {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Store>> Open(const std::filesystem::path& path);
  ~Store() override;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  [[nodiscard]] Result<std::vector<AffectedPackage>> FindAffected(std::string_view ecosystem,
                                                                  std::string_view package) const override;
  [[nodiscard]] Result<std::optional<Vulnerability>> GetVulnerability(std::string_view id) const override;
  bool HasEcosystem(std::string_view ecosystem) const override;
  [[nodiscard]] Result<std::vector<std::string>> MavenPackagesByArtifactId(std::string_view artifact_id) const override;

  [[nodiscard]] Result<StoreInfo> Info() const;
  // Every row attached to the vulnerability `id` resolves to (any alias works), withdrawn records included.
  [[nodiscard]] Result<std::vector<AffectedPackage>> AffectedFor(std::string_view id) const;
  // The source records merged into the vulnerability `id` resolves to, as the feeds stated them.
  [[nodiscard]] Result<std::vector<FeedRecord>> RecordsFor(std::string_view id) const;
  // The canonical id for an id or alias; nullopt when unknown.
  [[nodiscard]] Result<std::optional<std::string>> Resolve(std::string_view id) const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace customs::vulndb
