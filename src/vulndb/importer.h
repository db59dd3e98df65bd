// `customs db import`: local feed files and directories in, a new store out.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/error.h"
#include "vulndb/feeds/feed.h"
#include "vulndb/store.h"
#include "vulndb/store_builder.h"

namespace customs::vulndb {

// Reads one input into a batch: a feed file (optionally .gz), a zip of OSV records or of a repository holding them
// (GitHub's advisory-database, cvelistV5), or a directory (walked recursively in name order, any depth, such as
// advisories/github-reviewed/YYYY/MM/<ID>/<ID>.json; files that are no feed, such as README.md, are reported at info
// level and skipped; symbolic links inside it are not followed).
// Errors: kNotFound, kIo, kCorrupt (a damaged container, or a file of a known format that fails as a whole).
[[nodiscard]] Result<FeedBatch> ReadFeedInput(const std::filesystem::path& input, Diagnostics& diagnostics);

// Decompresses gzip data (a .gz feed). kCorrupt for truncated or damaged data; refuses more than `max_size` bytes.
[[nodiscard]] Result<std::string> Gunzip(std::string_view data, std::size_t max_size = std::size_t{4} << 30);

struct ImportOptions {
  std::filesystem::path db_path;  // empty: DefaultStorePath()
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(60)};
};

// Builds a new store from exactly `inputs` (sources not in them are not carried over) and swaps it in atomically
// under the writer lock. Any input failing as a whole fails the import and leaves the previous store untouched.
[[nodiscard]] Result<StoreInfo> ImportFeeds(const std::vector<std::filesystem::path>& inputs,
                                            const ImportOptions& options, Diagnostics& diagnostics);

}  // namespace customs::vulndb
