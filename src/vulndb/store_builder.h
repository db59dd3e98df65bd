// The write side of the store: collects FeedBatches, merges records into canonical vulnerabilities, writes a new
// SQLite file, and publishes it over the live store atomically.
//
// Merging (one CVE is one vulnerability): every record id, alias and OSV upstream id is a node; a record joins its
// ids into one group, except that a record naming several CVEs (a DSA, a USN, a GHSA for two CVEs) does not join
// those CVEs with each other: its rows are attached to each CVE instead, and it is listed under `related`. A group's
// canonical id is its CVE (the smallest when transitive aliases bring in several), else by prefix priority (GHSA,
// PYSEC, GO, RUSTSEC, ...) then name. Text fields come from the record whose id is the canonical one first, then by
// source priority (nvd, osv-*, ubuntu, debian, alpine, debian-dsa/dla).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/error.h"
#include "vulndb/feeds/feed.h"
#include "vulndb/store.h"

namespace customs::vulndb {

class StoreBuilder {
 public:
  StoreBuilder();
  ~StoreBuilder();
  // Takes a whole batch (all or nothing per input); `origin` is recorded per source in `db info`.
  void Add(FeedBatch batch, std::string_view origin);
  // Writes the merged store to `path`, which must not exist. Not atomic by itself: see PublishStore.
  [[nodiscard]] Status Write(const std::filesystem::path& path, std::string_view built_at) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Current UTC time in RFC 3339 ("2026-11-28T16:20:00Z").
std::string NowRfc3339();

// The exclusive writer lock for a store: flock(2) on "<db>.lock" beside it, holding the owner's pid for messages.
// Acquire waits up to `timeout` (polling), then fails with kCancelled naming the holder. Released on destruction and,
// by the kernel, when the process dies (kill -9 included).
class WriterLock {
 public:
  [[nodiscard]] static Result<WriterLock> Acquire(const std::filesystem::path& db_path,
                                                  std::chrono::milliseconds timeout);
  WriterLock(WriterLock&& other) noexcept;
  WriterLock& operator=(WriterLock&&) = delete;
  ~WriterLock();

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Builds the store into a fresh temporary file beside `db_path` (".<name>.tmp-<pid>-<n>"), fsyncs it, renames it over
// `db_path` and fsyncs the directory. The caller holds the WriterLock. On any failure the temporary file is removed
// and the previous store is untouched; a crash leaves at most a stale temporary, removed by the next publish.
[[nodiscard]] Status PublishStore(const StoreBuilder& builder, const std::filesystem::path& db_path);

}  // namespace customs::vulndb
