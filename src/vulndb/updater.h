// `customs db update`: download the feeds with libcurl into a cache beside the store, then rebuild the store from
// the cache (store_builder.h publishes it atomically).
//
// Cache layout: <store dir>/feeds/<source>/<file> plus <file>.meta (URL, ETag, Last-Modified). A download goes to
// <file>.part and replaces <file> only after the new store is published, so a failed or interrupted update leaves
// both the cache and the store as they were. A source whose download or parse fails keeps its previous cached data
// in the new store (when there is any) and is reported as failed; the other sources update.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/error.h"
#include "vulndb/store.h"

namespace customs::vulndb {

// Names accepted by --source: "osv-go", "osv-pypi", "osv-crates.io", "osv-maven", "osv-npm", "osv-nuget",
// "osv-packagist", "osv-rubygems" (osv.dev's <ECOSYSTEM>/all.zip exports), "ubuntu", "debian", "debian-dsa",
// "debian-dla", "alpine", "kev", "epss", "nvd". Every source but "nvd" is updated by default (NVD's full download
// takes ~15 minutes under its public rate limit).
std::vector<std::string> UpdateSourceNames();

// The production URLs of a source (empty when the name is unknown). NVD's is the paging base URL.
std::vector<std::string> SourceUrls(std::string_view source);

// Replaces scheme://host[:port] of `url` with `mirror` (which may carry a path prefix): the mirror serves the same
// paths as the origin.
std::string ApplyMirror(std::string_view url, std::string_view mirror);

struct UpdateOptions {
  std::filesystem::path db_path;     // empty: DefaultStorePath()
  std::vector<std::string> sources;  // empty: every default source
  std::string mirror;
  std::string ca_bundle;
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds timeout{std::chrono::seconds(300)};  // whole transfer, per attempt
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  int retries = 3;                                             // after the first attempt
  std::chrono::milliseconds backoff{std::chrono::seconds(1)};  // doubled after each retry
  bool progress = false;
  // Called from the downloading thread with bytes so far and the expected total (0 when unknown).
  std::function<void(std::string_view source, std::int64_t done, std::int64_t total)> on_progress;
};

struct SourceUpdate {
  std::string name;
  std::string outcome;  // "updated", "not modified", "failed (kept previous data)", "failed (no data)", "cached"
  std::string error;    // why it failed
  std::int64_t bytes = 0;
};

struct UpdateResult {
  std::vector<SourceUpdate> sources;
  std::vector<std::string> failed;  // names of failed sources
  std::optional<StoreInfo> store;   // the published store
};

// Errors: kCancelled when another writer holds the lock past lock_timeout; kIo when the store cannot be written.
// Source failures are not errors: they are listed in UpdateResult::failed.
[[nodiscard]] Result<UpdateResult> UpdateStore(const UpdateOptions& options, Diagnostics& diagnostics);

}  // namespace customs::vulndb
